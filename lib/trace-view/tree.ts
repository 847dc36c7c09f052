/**
 * Builds the span tree of one trace and derives the rows the waterfall shows.
 *
 * Every function here is iterative (no recursion), so a trace nested 100,000 levels deep cannot
 * overflow the stack, and runs in O(n) apart from sorting siblings by start time.
 */
import { isTimedSpan, parseTimeMs } from './timeline';
import type { ApiSpan, SubtreeTotals, TraceNode, TraceTree } from './types';

type TotalsKey = 'inputTokens' | 'outputTokens' | 'totalTokens' | 'cachedInputTokens' | 'reasoningTokens' | 'costUsd';
const TOTALS_KEYS: readonly TotalsKey[] = [
  'inputTokens',
  'outputTokens',
  'totalTokens',
  'cachedInputTokens',
  'reasoningTokens',
  'costUsd',
];

/** A finite number from a JSON value (numbers, or numeric strings from a `numeric` column). */
export function finiteOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * The totals of a span that reports no usage, shared by all of them, and the children of a leaf:
 * a trace of 100k spans allocates neither 100k times (allocation and garbage collection are most
 * of what building a big tree costs). Never mutated: a node with children gets its own array and
 * totals.
 */
const NO_USAGE: SubtreeTotals = Object.freeze({
  spanCount: 1,
  inputTokens: null,
  outputTokens: null,
  totalTokens: null,
  cachedInputTokens: null,
  reasoningTokens: null,
  costUsd: null,
  hasUnpricedSpan: false,
});
const NO_CHILDREN = Object.freeze([]) as unknown as TraceNode[];

function ownTotals(span: ApiSpan): SubtreeTotals {
  if (
    span.input_tokens == null &&
    span.output_tokens == null &&
    span.total_tokens == null &&
    span.cost_usd == null &&
    span.cached_input_tokens == null &&
    span.reasoning_tokens == null
  ) {
    return NO_USAGE;
  }
  const inputTokens = finiteOrNull(span.input_tokens);
  const outputTokens = finiteOrNull(span.output_tokens);
  const totalTokens =
    finiteOrNull(span.total_tokens) ??
    (inputTokens !== null || outputTokens !== null ? (inputTokens ?? 0) + (outputTokens ?? 0) : null);
  const costUsd = finiteOrNull(span.cost_usd);
  const usedTokens = (inputTokens ?? 0) > 0 || (outputTokens ?? 0) > 0 || (totalTokens ?? 0) > 0;
  // A span still running has not been priced yet; only a finished one can be unpriced.
  return {
    spanCount: 1,
    inputTokens,
    outputTokens,
    totalTokens,
    cachedInputTokens: finiteOrNull(span.cached_input_tokens),
    reasoningTokens: finiteOrNull(span.reasoning_tokens),
    costUsd,
    hasUnpricedSpan: costUsd === null && usedTokens && !isOpenStatus(span.status),
  };
}

function spanEndMs(span: ApiSpan, startMs: number | null): number | null {
  const end = isTimedSpan(span) ? span.endMs : parseTimeMs(span.end_time);
  if (end !== null) return end;
  if (isOpenStatus(span.status)) return null;
  const duration = finiteOrNull(span.duration_ms);
  return startMs !== null && duration !== null && duration >= 0 ? startMs + duration : null;
}

/** `pending` and `running` spans have no end yet. */
export function isOpenStatus(status: unknown): boolean {
  return status === 'running' || status === 'pending';
}

function byStart(a: TraceNode, b: TraceNode): number {
  const sa = a.startMs ?? Number.POSITIVE_INFINITY;
  const sb = b.startMs ?? Number.POSITIVE_INFINITY;
  if (sa === sb) return 0;
  return sa < sb ? -1 : 1;
}

/**
 * Sorts by start (stable), unless already in order: spans that come sorted (an outline is decoded
 * in start order, and so is `?trace_id=`) then cost one pass instead of a sort with a comparator
 * per node with children.
 */
function sortByStart(nodes: TraceNode[]): void {
  for (let i = 1; i < nodes.length; i++) {
    if (byStart(nodes[i - 1], nodes[i]) > 0) {
      nodes.sort(byStart);
      return;
    }
  }
}

/**
 * Builds the tree of one trace's spans.
 *
 * - A span whose `parent_trace_id` is not in the set (or names itself) becomes a root and is
 *   marked `isOrphan`. A parent cycle is broken at its first span in input order.
 * - Two spans with the same `span_id` are one span updated in place (running, then final): the
 *   later one wins, at the earlier one's position.
 * - Children and roots are sorted by start time; spans without a valid start go last, and equal
 *   starts keep input order.
 * - `totals` rolls up tokens and cost, counting each model call once: when spans below a span
 *   report usage, its own usage is taken to be their roll-up (a chat trace's root, an agent,
 *   `ai.generateText`) and its totals are its children's sums; otherwise they are its own. So
 *   nothing is counted twice and nothing reported by a child alone is lost. The server's
 *   `usage_rollup` flag applies the same rule to the trace list and the overview.
 *
 * @example
 * const tree = buildTraceTree(spans);
 * const rows = flattenVisible(tree, new Set()); // every span, in display order
 */
export function buildTraceTree(spans: readonly ApiSpan[]): TraceTree {
  const builder = new TraceTreeBuilder();
  builder.add(spans);
  return builder.build();
}

/**
 * {@link buildTraceTree} for spans that arrive in batches (a big trace's outline, in parts): each
 * batch's nodes are made as it arrives, so that what is left once the last has come is linking
 * them. The tree is the one `buildTraceTree` gives for the batches joined in order, or, when
 * `build` is given how each batch breaks ties of start time, merged in start order.
 *
 * @example
 * const builder = new TraceTreeBuilder();
 * for await (const part of parts) builder.add(decodeOutline(part));
 * const tree = builder.build(compareOutlineTies);
 */
export class TraceTreeBuilder {
  private readonly byId = new Map<string, TraceNode>();
  private readonly batches: TraceNode[][] = [];
  private received = 0;

  /** Makes the nodes of these spans; a span id seen before (in any batch) updates that node. */
  add(spans: readonly ApiSpan[]): void {
    const { byId } = this;
    const nodes: TraceNode[] = [];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i];
      if (!span || typeof span !== 'object') continue;
      const rawId = typeof span.span_id === 'string' && span.span_id !== '' ? span.span_id : null;
      const id = rawId ?? `#${this.received + i}`;
      const startMs = isTimedSpan(span) ? span.startMs : parseTimeMs(span.start_time);
      const existing = byId.get(id);
      if (existing) {
        existing.span = span;
        existing.startMs = startMs;
        existing.endMs = spanEndMs(span, startMs);
        existing.totals = ownTotals(span);
        continue;
      }
      const node: TraceNode = {
        id,
        span,
        parentId: null,
        children: NO_CHILDREN,
        depth: 0,
        siblingIndex: 0,
        isLastChild: true,
        isOrphan: false,
        startMs,
        endMs: spanEndMs(span, startMs),
        hasOwnError: false,
        hasDescendantError: false,
        totals: ownTotals(span),
      };
      byId.set(id, node);
      nodes.push(node);
    }
    this.received += spans.length;
    this.batches.push(nodes);
  }

  /**
   * The tree of every span added. With `tie`, the batches, each sorted by start time and equal
   * starts by `tie`, are merged in that order (one pass per halving); else joined in the order
   * they were added. Call once.
   */
  build(tie?: (a: ApiSpan, b: ApiSpan) => number): TraceTree {
    const { byId, batches } = this;
    const byStartThenTie = (a: TraceNode, b: TraceNode) => {
      const order = byStart(a, b);
      return order !== 0 ? order : tie!(a.span, b.span);
    };
    const nodes =
      batches.length === 1 ? batches[0]! : tie ? mergeSorted(batches, byStartThenTie) : ([] as TraceNode[]).concat(...batches);

    const roots: TraceNode[] = [];
    for (const node of nodes) {
      const parentKey = node.span.parent_trace_id;
      const parent = typeof parentKey === 'string' && parentKey !== node.id ? byId.get(parentKey) : undefined;
      if (parent) {
        node.parentId = parent.id;
        if (parent.children === NO_CHILDREN) parent.children = [node];
        else parent.children.push(node);
      } else {
        node.isOrphan = typeof parentKey === 'string' && parentKey !== '';
        roots.push(node);
      }
    }

    sortByStart(roots);
    for (const node of nodes) if (node.children.length > 1) sortByStart(node.children);

    let preorder = walkPreorder(roots);
    // Spans the walk did not reach hang in a parent cycle: rare, so only then looked for.
    if (preorder.length < nodes.length) {
      breakCycles(nodes, roots, byId);
      roots.sort(byStart);
      preorder = walkPreorder(roots);
    }
    let maxDepth = 0;
    for (const node of preorder) if (node.depth > maxDepth) maxDepth = node.depth;

    rollUp(preorder);

    return { roots, byId, preorder, maxDepth };
  }
}

/** Lists each sorted by `compare`, as one sorted list (equal items keep the lists' order). */
function mergeSorted<T>(lists: readonly T[][], compare: (a: T, b: T) => number): T[] {
  if (lists.length === 0) return [];
  let level = lists.slice();
  while (level.length > 1) {
    const next: T[][] = [];
    for (let l = 0; l < level.length; l += 2) {
      const a = level[l]!;
      const b = level[l + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const merged = new Array<T>(a.length + b.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length && j < b.length) merged[k++] = compare(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!;
      while (i < a.length) merged[k++] = a[i++]!;
      while (j < b.length) merged[k++] = b[j++]!;
      next.push(merged);
    }
    level = next;
  }
  return level[0]!;
}

/** Spans in a parent cycle are unreachable from any root; detach one per cycle and make it a root. */
function breakCycles(nodes: TraceNode[], roots: TraceNode[], byId: Map<string, TraceNode>): void {
  const reached = new Set<TraceNode>();
  const stack: TraceNode[] = [];
  const mark = (start: TraceNode) => {
    stack.push(start);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      for (const child of node.children) stack.push(child);
    }
  };
  for (const root of roots) mark(root);
  if (reached.size === nodes.length) return;

  for (const node of nodes) {
    if (reached.has(node)) continue;
    const parent = node.parentId === null ? undefined : byId.get(node.parentId);
    if (parent) parent.children.splice(parent.children.indexOf(node), 1);
    node.parentId = null;
    node.isOrphan = true;
    roots.push(node);
    mark(node);
  }
}

function walkPreorder(roots: TraceNode[]): TraceNode[] {
  const preorder: TraceNode[] = [];
  const stack: TraceNode[] = [];
  placeSiblings(roots, 0, null);
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]);
  while (stack.length > 0) {
    const node = stack.pop()!;
    preorder.push(node);
    const { children } = node;
    if (children.length === 0) continue;
    placeSiblings(children, node.depth + 1, node.id);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return preorder;
}

function placeSiblings(siblings: TraceNode[], depth: number, parentId: string | null): void {
  const last = siblings.length - 1;
  for (let i = 0; i <= last; i++) {
    const node = siblings[i];
    node.depth = depth;
    node.parentId = parentId;
    node.siblingIndex = i;
    node.isLastChild = i === last;
  }
}

/** Post-order without recursion: in reverse preorder every child comes before its parent. */
function rollUp(preorder: TraceNode[]): void {
  for (let i = preorder.length - 1; i >= 0; i--) {
    const node = preorder[i];
    const own = node.totals;
    node.hasOwnError = node.span.status === 'failed';
    if (node.children.length === 0) {
      node.totals = own;
      node.hasDescendantError = false;
      continue;
    }
    // The six sums written out (no loop over keys): this runs for every span with children.
    let inputTokens: number | null = null;
    let outputTokens: number | null = null;
    let totalTokens: number | null = null;
    let cachedInputTokens: number | null = null;
    let reasoningTokens: number | null = null;
    let costUsd: number | null = null;
    let spanCount = 1;
    let childUnpriced = false;
    let hasDescendantError = false;
    for (const child of node.children) {
      const t = child.totals;
      spanCount += t.spanCount;
      childUnpriced ||= t.hasUnpricedSpan;
      hasDescendantError ||= child.hasOwnError || child.hasDescendantError;
      if (t.inputTokens !== null) inputTokens = (inputTokens ?? 0) + t.inputTokens;
      if (t.outputTokens !== null) outputTokens = (outputTokens ?? 0) + t.outputTokens;
      if (t.totalTokens !== null) totalTokens = (totalTokens ?? 0) + t.totalTokens;
      if (t.cachedInputTokens !== null) cachedInputTokens = (cachedInputTokens ?? 0) + t.cachedInputTokens;
      if (t.reasoningTokens !== null) reasoningTokens = (reasoningTokens ?? 0) + t.reasoningTokens;
      if (t.costUsd !== null) costUsd = (costUsd ?? 0) + t.costUsd;
    }
    // Usage reported below makes this span's own usage a roll-up of it: the same rule as the
    // server's `usage_rollup`, so the trace header and the trace list agree.
    const usageBelow = inputTokens !== null || outputTokens !== null || totalTokens !== null || costUsd !== null;
    node.totals = usageBelow
      ? { spanCount, inputTokens, outputTokens, totalTokens, cachedInputTokens, reasoningTokens, costUsd, hasUnpricedSpan: childUnpriced }
      : {
          spanCount,
          inputTokens: own.inputTokens,
          outputTokens: own.outputTokens,
          totalTokens: own.totalTokens,
          cachedInputTokens: own.cachedInputTokens,
          reasoningTokens: own.reasoningTokens,
          costUsd: own.costUsd,
          hasUnpricedSpan: own.hasUnpricedSpan || childUnpriced,
        };
    node.hasDescendantError = hasDescendantError;
  }
}

/**
 * Totals of the whole trace: the root's rolled-up totals, summed over the roots when orphans
 * made several.
 */
export function traceTotals(tree: TraceTree): SubtreeTotals {
  if (tree.roots.length === 1) return tree.roots[0].totals;
  const totals: SubtreeTotals = {
    spanCount: 0,
    inputTokens: null,
    outputTokens: null,
    totalTokens: null,
    cachedInputTokens: null,
    reasoningTokens: null,
    costUsd: null,
    hasUnpricedSpan: false,
  };
  for (const root of tree.roots) {
    totals.spanCount += root.totals.spanCount;
    totals.hasUnpricedSpan ||= root.totals.hasUnpricedSpan;
    for (const key of TOTALS_KEYS) {
      const value = root.totals[key];
      if (value !== null) totals[key] = (totals[key] ?? 0) + value;
    }
  }
  return totals;
}

/** One indentation column of a row: a vertical guide, nothing, or the row's own ├ / └ connector. */
export type GuideKind = 'line' | 'blank' | 'tee' | 'elbow';

/**
 * The tree guides drawn left of a row, one per indentation level, for at most the `maxLevels`
 * deepest levels (deeper rows stop indenting). The last entry connects the row to its parent.
 * O(min(depth, maxLevels)).
 */
export function treeGuides(tree: TraceTree, node: TraceNode, maxLevels: number): GuideKind[] {
  const levels = Math.max(0, Math.min(node.depth, Math.floor(maxLevels)));
  if (levels === 0) return [];
  const guides = new Array<GuideKind>(levels);
  guides[levels - 1] = node.isLastChild ? 'elbow' : 'tee';
  let ancestor = node.parentId === null ? undefined : tree.byId.get(node.parentId);
  for (let i = levels - 2; i >= 0 && ancestor; i--) {
    guides[i] = ancestor.isLastChild ? 'blank' : 'line';
    ancestor = ancestor.parentId === null ? undefined : tree.byId.get(ancestor.parentId);
  }
  return guides;
}

/**
 * The rows the waterfall shows, in order: depth-first, skipping the descendants of every node
 * whose id is in `collapsedIds`.
 */
export function flattenVisible(tree: TraceTree, collapsedIds: ReadonlySet<string>): TraceNode[] {
  if (collapsedIds.size === 0) return tree.preorder;
  const rows: TraceNode[] = [];
  const stack: TraceNode[] = [];
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push(tree.roots[i]);
  while (stack.length > 0) {
    const node = stack.pop()!;
    rows.push(node);
    if (collapsedIds.has(node.id)) continue;
    const { children } = node;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return rows;
}

/** The collapsed set that shows only the roots: every node with children. */
export function collapseAll(tree: TraceTree): Set<string> {
  const ids = new Set<string>();
  for (const node of tree.preorder) if (node.children.length > 0) ids.add(node.id);
  return ids;
}

/** The collapsed set that shows every span. */
export function expandAll(): Set<string> {
  return new Set<string>();
}

/** Flips one node. Returns a new set. */
export function toggleCollapsed(collapsedIds: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(collapsedIds);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/**
 * Opens one more level: the shallowest collapsed nodes that are visible are expanded.
 * Returns the same set when nothing is collapsed.
 */
export function expandOneLevel(tree: TraceTree, collapsedIds: ReadonlySet<string>): ReadonlySet<string> {
  const candidates = flattenVisible(tree, collapsedIds).filter(
    (node) => node.children.length > 0 && collapsedIds.has(node.id),
  );
  if (candidates.length === 0) return collapsedIds;
  let depth = Number.POSITIVE_INFINITY;
  for (const node of candidates) depth = Math.min(depth, node.depth);
  const next = new Set(collapsedIds);
  for (const node of candidates) if (node.depth === depth) next.delete(node.id);
  return next;
}

/**
 * Closes one level: the deepest expanded nodes that are visible and have children are collapsed.
 * Returns the same set when only roots are visible.
 */
export function collapseOneLevel(tree: TraceTree, collapsedIds: ReadonlySet<string>): ReadonlySet<string> {
  const candidates = flattenVisible(tree, collapsedIds).filter(
    (node) => node.children.length > 0 && !collapsedIds.has(node.id),
  );
  if (candidates.length === 0) return collapsedIds;
  let depth = -1;
  for (const node of candidates) depth = Math.max(depth, node.depth);
  const next = new Set(collapsedIds);
  for (const node of candidates) if (node.depth === depth) next.add(node.id);
  return next;
}

/** Ids from the node's parent up to its root (nearest first); empty for a root or an unknown id. */
export function ancestorIds(tree: TraceTree, id: string): string[] {
  const ids: string[] = [];
  let parentId = tree.byId.get(id)?.parentId ?? null;
  while (parentId !== null) {
    ids.push(parentId);
    parentId = tree.byId.get(parentId)?.parentId ?? null;
  }
  return ids;
}

/** Expands every ancestor of `id` so that its row is visible. Returns the same set when it already is. */
export function revealNode(tree: TraceTree, collapsedIds: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const hidden = ancestorIds(tree, id).filter((ancestor) => collapsedIds.has(ancestor));
  if (hidden.length === 0) return collapsedIds;
  const next = new Set(collapsedIds);
  for (const ancestor of hidden) next.delete(ancestor);
  return next;
}
