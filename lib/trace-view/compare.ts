/**
 * Compares two traces: aligns their span trees and says where they differ.
 *
 * Alignment (`alignTraces`): the two main roots are paired whatever their names (two runs of
 * one agent, or any two traces the user picked). Below a paired span, children are paired by
 * span name and occurrence: the k-th child named `llm.call` in A with the k-th child named
 * `llm.call` in B. So when B's agent took more steps than A's, the steps both took pair up and
 * B's extra ones show as added (A's extra ones as removed), in place. Unpaired spans bring their
 * whole subtree along as added or removed. Other top-level spans (orphans) pair by name the same way.
 *
 * Differences (`diffSpans`): duration, input/output/total tokens, cost, model, status, name, and
 * whether the input and output text differ; `diffText` gives a word diff of two texts (a line
 * diff for long ones) with jsdiff.
 *
 * Pure and iterative (no recursion): it runs in the browser and in tests, on traces of any depth.
 */
import { diffLines, diffWords, type Change } from 'diff';
import { extractChatMessages, type ChatMessage } from './messages';
import { computeTimeWindow } from './timeline';
import { finiteOrNull, traceTotals } from './tree';
import type { ApiSpan, TraceNode, TraceTree } from './types';

/** `matched`: the span is in both traces; `removed`: only in A; `added`: only in B. */
export type AlignKind = 'matched' | 'removed' | 'added';

export interface ValueDiff<T> {
  a: T | null;
  b: T | null;
  changed: boolean;
}

export interface NumberDiff extends ValueDiff<number> {
  /** b − a when both are known. */
  delta: number | null;
}

/** Whether a span's input (or output) text differs; `unknown` when a side was loaded without it. */
export type TextState = 'same' | 'changed' | 'unknown';

export interface SpanDiff {
  name: ValueDiff<string>;
  durationMs: NumberDiff;
  inputTokens: NumberDiff;
  outputTokens: NumberDiff;
  totalTokens: NumberDiff;
  costUsd: NumberDiff;
  /** `provider / model`. */
  model: ValueDiff<string>;
  status: ValueDiff<string>;
  input: TextState;
  output: TextState;
  /** Any of the above changed. */
  changed: boolean;
}

export interface AlignedRow {
  /** Unique within the comparison: the two span ids. */
  key: string;
  /** Depth in the merged tree (0 for roots). */
  depth: number;
  kind: AlignKind;
  a: TraceNode | null;
  b: TraceNode | null;
  /** Differences of a matched pair; null for added and removed rows. */
  diff: SpanDiff | null;
}

export interface TraceSummaryDiff {
  spanCount: NumberDiff;
  failedCount: NumberDiff;
  durationMs: NumberDiff;
  totalTokens: NumberDiff;
  inputTokens: NumberDiff;
  outputTokens: NumberDiff;
  costUsd: NumberDiff;
}

export interface TraceComparison {
  rows: AlignedRow[];
  summary: TraceSummaryDiff;
  counts: { matched: number; changed: number; removed: number; added: number };
}

/**
 * A duration counts as changed when the two differ by at least this share of the longer one and
 * at least {@link DURATION_MIN_CHANGE_MS}: two runs never take exactly as long.
 */
export const DURATION_CHANGE_RATIO = 0.1;
export const DURATION_MIN_CHANGE_MS = 10;

function numberDiff(a: number | null, b: number | null, changed?: (a: number, b: number) => boolean): NumberDiff {
  const delta = a !== null && b !== null ? b - a : null;
  const differs = a === null || b === null ? a !== b : changed ? changed(a, b) : Math.abs(a - b) > 1e-12;
  return { a, b, delta, changed: differs };
}

function valueDiff<T>(a: T | null, b: T | null): ValueDiff<T> {
  return { a, b, changed: a !== b };
}

const durationChanged = (a: number, b: number) => {
  const gap = Math.abs(a - b);
  return gap >= DURATION_MIN_CHANGE_MS && gap >= DURATION_CHANGE_RATIO * Math.max(Math.abs(a), Math.abs(b));
};

/** A span's duration: `duration_ms`, else end − start; null while open. */
export function spanDurationMs(node: TraceNode): number | null {
  const own = finiteOrNull(node.span.duration_ms);
  if (own !== null) return own;
  return node.startMs !== null && node.endMs !== null ? node.endMs - node.startMs : null;
}

function modelOf(span: ApiSpan): string | null {
  const model = [span.model_provider, span.model_name].filter(Boolean).join(' / ');
  return model === '' ? null : model;
}

function ownTotalTokens(span: ApiSpan): number | null {
  const input = finiteOrNull(span.input_tokens);
  const output = finiteOrNull(span.output_tokens);
  return finiteOrNull(span.total_tokens) ?? (input !== null || output !== null ? (input ?? 0) + (output ?? 0) : null);
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function messageText(message: ChatMessage): string {
  const head = `[${message.role}${message.name ? ` ${message.name}` : ''}${message.toolCallId ? ` → ${message.toolCallId}` : ''}]`;
  const body = message.parts.map((part) => (part.text !== undefined ? part.text : stringify(part.other)));
  if (message.toolCalls !== undefined) body.push(`tool calls: ${stringify(message.toolCalls)}`);
  return [head, ...body].join('\n');
}

/**
 * A span's input or output as text to diff: a string as is; a chat conversation as one block per
 * message (`[role]` then its text), followed by the other fields as JSON; anything else as
 * indented JSON. Null and undefined are the empty string.
 */
export function spanText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const messages = extractChatMessages(value);
  if (!messages) return stringify(value);
  const text = messages.map(messageText).join('\n\n');
  if (typeof value === 'object' && !Array.isArray(value) && 'messages' in value) {
    const { messages: _messages, system: _system, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `${text}\n\n${stringify(rest)}`;
  }
  return text;
}

function textState(a: ApiSpan, b: ApiSpan, field: 'input_data' | 'output_data'): TextState {
  if (a.data_omitted || b.data_omitted) return 'unknown';
  return spanText(a[field]) === spanText(b[field]) ? 'same' : 'changed';
}

/** The differences between two paired spans. */
export function diffSpans(a: TraceNode, b: TraceNode): SpanDiff {
  const sa = a.span;
  const sb = b.span;
  const diff: Omit<SpanDiff, 'changed'> = {
    name: valueDiff(sa.span_name ?? null, sb.span_name ?? null),
    durationMs: numberDiff(spanDurationMs(a), spanDurationMs(b), durationChanged),
    inputTokens: numberDiff(finiteOrNull(sa.input_tokens), finiteOrNull(sb.input_tokens)),
    outputTokens: numberDiff(finiteOrNull(sa.output_tokens), finiteOrNull(sb.output_tokens)),
    totalTokens: numberDiff(ownTotalTokens(sa), ownTotalTokens(sb)),
    costUsd: numberDiff(finiteOrNull(sa.cost_usd), finiteOrNull(sb.cost_usd)),
    model: valueDiff(modelOf(sa), modelOf(sb)),
    status: valueDiff(sa.status ?? null, sb.status ?? null),
    input: textState(sa, sb, 'input_data'),
    output: textState(sa, sb, 'output_data'),
  };
  const changed =
    diff.name.changed ||
    diff.durationMs.changed ||
    diff.inputTokens.changed ||
    diff.outputTokens.changed ||
    diff.totalTokens.changed ||
    diff.costUsd.changed ||
    diff.model.changed ||
    diff.status.changed ||
    diff.input === 'changed' ||
    diff.output === 'changed';
  return { ...diff, changed };
}

type Pair = [TraceNode | null, TraceNode | null];

/**
 * Pairs two sibling lists by span name and occurrence (the k-th `x` of A with the k-th `x` of B),
 * in A's order, with B's unpaired siblings placed before the first A sibling whose partner comes
 * after them in B.
 */
export function pairSiblings(aList: readonly TraceNode[], bList: readonly TraceNode[]): Pair[] {
  if (aList.length === 0) return bList.map((node): Pair => [null, node]);
  if (bList.length === 0) return aList.map((node): Pair => [node, null]);
  const queues = new Map<string, TraceNode[]>();
  for (const node of bList) {
    const name = node.span.span_name ?? '';
    const queue = queues.get(name);
    if (queue) queue.push(node);
    else queues.set(name, [node]);
  }
  const partners = aList.map((node) => queues.get(node.span.span_name ?? '')?.shift() ?? null);
  const paired = new Set(partners.filter((node): node is TraceNode => node !== null));
  const bIndex = new Map(bList.map((node, index) => [node, index]));
  const pairs: Pair[] = [];
  let nextB = 0;
  const addUnpairedBefore = (end: number) => {
    for (; nextB < end; nextB++) if (!paired.has(bList[nextB]!)) pairs.push([null, bList[nextB]!]);
  };
  aList.forEach((node, i) => {
    const partner = partners[i]!;
    if (partner) {
      const j = bIndex.get(partner)!;
      addUnpairedBefore(j);
      if (nextB === j) nextB = j + 1;
    }
    pairs.push([node, partner]);
  });
  addUnpairedBefore(bList.length);
  return pairs;
}

/** The main root: the first root that is not an orphan, else the first root. */
function mainRoot(tree: TraceTree): TraceNode | null {
  return tree.roots.find((root) => !root.isOrphan) ?? tree.roots[0] ?? null;
}

/** The top-level pairs: the main roots together, then the other roots paired by name. */
function pairRoots(a: TraceTree, b: TraceTree): Pair[] {
  const rootA = mainRoot(a);
  const rootB = mainRoot(b);
  const pairs: Pair[] = rootA || rootB ? [[rootA, rootB]] : [];
  return [...pairs, ...pairSiblings(a.roots.filter((r) => r !== rootA), b.roots.filter((r) => r !== rootB))];
}

/** Both trees as one list of rows in display order (depth first); see the module comment. */
export function alignTraces(a: TraceTree, b: TraceTree): AlignedRow[] {
  const rows: AlignedRow[] = [];
  const stack: Array<{ pair: Pair; depth: number }> = [];
  const pushAll = (pairs: Pair[], depth: number) => {
    for (let i = pairs.length - 1; i >= 0; i--) stack.push({ pair: pairs[i]!, depth });
  };
  pushAll(pairRoots(a, b), 0);
  while (stack.length > 0) {
    const { pair, depth } = stack.pop()!;
    const [left, right] = pair;
    const kind: AlignKind = left && right ? 'matched' : left ? 'removed' : 'added';
    rows.push({ key: `${left?.id ?? ''}|${right?.id ?? ''}`, depth, kind, a: left, b: right, diff: left && right ? diffSpans(left, right) : null });
    const children: Pair[] =
      left && right
        ? pairSiblings(left.children, right.children)
        : left
          ? left.children.map((child): Pair => [child, null])
          : right!.children.map((child): Pair => [null, child]);
    pushAll(children, depth + 1);
  }
  return rows;
}

function summaryOf(tree: TraceTree) {
  const totals = traceTotals(tree);
  let failed = 0;
  for (const node of tree.preorder) if (node.hasOwnError) failed++;
  // From the earliest start to the latest end, as the trace view shows it; null while spans run.
  const window = computeTimeWindow(tree.preorder);
  const open = tree.preorder.some((node) => node.startMs !== null && node.endMs === null);
  return { spans: tree.preorder.length, failed, duration: window.empty || open ? null : window.durationMs, totals };
}

/** Aligns two traces and sums up how they differ. */
export function compareTraces(a: TraceTree, b: TraceTree): TraceComparison {
  const rows = alignTraces(a, b);
  const counts = { matched: 0, changed: 0, removed: 0, added: 0 };
  for (const row of rows) {
    counts[row.kind]++;
    if (row.diff?.changed) counts.changed++;
  }
  const sa = summaryOf(a);
  const sb = summaryOf(b);
  return {
    rows,
    counts,
    summary: {
      spanCount: numberDiff(sa.spans, sb.spans),
      failedCount: numberDiff(sa.failed, sb.failed),
      durationMs: numberDiff(sa.duration, sb.duration, durationChanged),
      totalTokens: numberDiff(sa.totals.totalTokens, sb.totals.totalTokens),
      inputTokens: numberDiff(sa.totals.inputTokens, sb.totals.inputTokens),
      outputTokens: numberDiff(sa.totals.outputTokens, sb.totals.outputTokens),
      costUsd: numberDiff(sa.totals.costUsd, sb.totals.costUsd),
    },
  };
}

export interface TextDiffPart {
  value: string;
  added: boolean;
  removed: boolean;
}

export interface TextDiff {
  /** `words` for texts up to {@link WORD_DIFF_MAX_CHARS}; `lines` beyond; `whole` when even the lines differ too much to align. */
  mode: 'words' | 'lines' | 'whole';
  parts: TextDiffPart[];
  identical: boolean;
}

/** Longest pair of texts (characters, both together) given a word diff. */
export const WORD_DIFF_MAX_CHARS = 40_000;
/** Most edits the diff looks for before it gives up on a finer mode (keeps it fast on unrelated texts). */
export const MAX_EDIT_LENGTH = 2_000;

function segmenter(): unknown {
  // Splits words in any script (Russian, Arabic, Chinese…); jsdiff's default splits on Latin word characters.
  return typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'word' }) : undefined;
}

const toParts = (changes: Change[]): TextDiffPart[] => changes.map((change) => ({ value: change.value, added: change.added, removed: change.removed }));

/**
 * The word diff of two texts (a line diff when they are long or a word diff would be too costly),
 * as parts that are common, removed (only in `a`) or added (only in `b`).
 *
 * @example
 * diffText('The order shipped', 'The order was delayed').parts
 * // [{value:'The order ',…}, {value:'shipped', removed:true,…}, {value:'was delayed', added:true,…}]
 */
export function diffText(a: string, b: string): TextDiff {
  if (a === b) return { mode: 'words', parts: a === '' ? [] : [{ value: a, added: false, removed: false }], identical: true };
  if (a.length + b.length <= WORD_DIFF_MAX_CHARS) {
    const words = diffWords(a, b, { maxEditLength: MAX_EDIT_LENGTH, intlSegmenter: segmenter() });
    if (words) return { mode: 'words', parts: toParts(words), identical: false };
  }
  const lines = diffLines(a, b, { maxEditLength: MAX_EDIT_LENGTH });
  if (lines) return { mode: 'lines', parts: toParts(lines), identical: false };
  const parts: TextDiffPart[] = [];
  if (a !== '') parts.push({ value: a, added: false, removed: true });
  if (b !== '') parts.push({ value: b, added: true, removed: false });
  return { mode: 'whole', parts, identical: false };
}
