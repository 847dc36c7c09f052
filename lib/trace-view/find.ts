/**
 * "Find in trace": which spans of the tree hold a text, in display order. The spans at hand are
 * searched here (name, model, provider, operation, error text, span id, and input, output and
 * metadata when the span carries them); the server adds the spans whose input or output holds it
 * when the trace arrived as an outline (see `lib/trace-store/outline.ts`).
 */
import { containsMatch, highlightPattern } from './highlight';
import type { TraceNode, TraceTree } from './types';

/** The shortest text "find in trace" looks for. */
export const FIND_MIN_LENGTH = 2;

/** The ids of the spans at hand that hold `query` (case-insensitively, literally), in display order. */
export function findLocalMatches(tree: TraceTree, query: string): string[] {
  const pattern = highlightPattern(query);
  if (!pattern || query.trim().length < FIND_MIN_LENGTH) return [];
  const idPrefix = /^[0-9a-f]{4,16}$/i.test(query.trim()) ? query.trim().toLowerCase() : null;
  const test = (text: string | null | undefined) => {
    if (!text) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  };
  const ids: string[] = [];
  for (const node of tree.preorder) {
    const { span } = node;
    if (
      test(span.span_name) ||
      test(span.model_name) ||
      test(span.model_provider) ||
      test(span.operation_type) ||
      test(span.error_message) ||
      (idPrefix !== null && node.id.startsWith(idPrefix)) ||
      (!span.data_omitted && (containsMatch(span.input_data, query) || containsMatch(span.output_data, query) || containsMatch(span.metadata, query)))
    ) {
      ids.push(node.id);
    }
  }
  return ids;
}

/** Every id of either list that is in the tree, once, in display order (preorder). */
export function mergeMatches(tree: TraceTree, ...lists: ReadonlyArray<readonly string[]>): TraceNode[] {
  const seen = new Set<string>();
  const nodes: TraceNode[] = [];
  for (const list of lists) {
    for (const id of list) {
      if (seen.has(id)) continue;
      seen.add(id);
      const node = tree.byId.get(id);
      if (node) nodes.push(node);
    }
  }
  if (nodes.length < 2) return nodes;
  const order = preorderIndex(tree);
  return nodes.sort((a, b) => order.get(a)! - order.get(b)!);
}

const orderCache = new WeakMap<TraceTree, Map<TraceNode, number>>();

/** Each node's position in the tree's preorder (computed once per tree). */
export function preorderIndex(tree: TraceTree): Map<TraceNode, number> {
  let order = orderCache.get(tree);
  if (!order) {
    order = new Map();
    tree.preorder.forEach((node, i) => order!.set(node, i));
    orderCache.set(tree, order);
  }
  return order;
}

/**
 * Where to go in `matches` from the span `currentId`: its own position when it is a match, else
 * the first match after it in display order (wrapping), or 0.
 */
export function matchPositionFrom(tree: TraceTree, matches: readonly TraceNode[], currentId: string | null): number {
  if (matches.length === 0) return -1;
  const current = currentId === null ? undefined : tree.byId.get(currentId);
  if (!current) return 0;
  const own = matches.indexOf(current);
  if (own >= 0) return own;
  const order = preorderIndex(tree);
  const at = order.get(current) ?? -1;
  const next = matches.findIndex((node) => (order.get(node) ?? -1) > at);
  return next >= 0 ? next : 0;
}
