/**
 * Types of the trace view: the span objects the UI receives from
 * `GET /api/analytics/traces?trace_id=…` (`{"traces":[ApiSpan…]}`) and the tree built from them.
 *
 * Everything in an `ApiSpan` is untrusted input: the UI renders it as text only.
 */

import type { ApiSpan } from '@llmtrace/sdk/span';

export { OPERATION_TYPES, SPAN_STATUSES } from '@llmtrace/sdk/span';
/**
 * One span as served by the API (the one span definition, timestamps as ISO 8601 strings), the
 * operation and status vocabularies.
 */
export type { ApiSpan, OperationType, SpanStatus } from '@llmtrace/sdk/span';

/** Token counts and cost of a span together with all its descendants. */
export interface SubtreeTotals {
  /** Number of spans in the subtree, the span itself included. */
  spanCount: number;
  /** null when no span of the subtree reports a number. */
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  /** null when no span of the subtree is priced. */
  costUsd: number | null;
  /**
   * True when a finished span of the subtree used tokens but has no price (cost_usd null): the
   * cost is incomplete. Running spans are not priced yet and do not count.
   */
  hasUnpricedSpan: boolean;
}

/** One span placed in the tree. */
export interface TraceNode {
  /** The span's `span_id` (unique within the tree). */
  id: string;
  span: ApiSpan;
  /** The parent node's id in this tree; null for roots (including orphans). */
  parentId: string | null;
  children: TraceNode[];
  /** 0 for roots. */
  depth: number;
  /** Position among its siblings (0-based); with `isLastChild` it draws the tree guides. */
  siblingIndex: number;
  isLastChild: boolean;
  /** True when the span names a parent that is not in the trace (it was promoted to a root). */
  isOrphan: boolean;
  /** Start in epoch ms, or null when `start_time` is missing or invalid. */
  startMs: number | null;
  /** End in epoch ms (end_time, else start + duration_ms), or null while open or invalid. */
  endMs: number | null;
  /** The span itself failed (a filled red mark). */
  hasOwnError: boolean;
  /** Some descendant failed (a hollow red mark). */
  hasDescendantError: boolean;
  /** Totals of the subtree; see `buildTraceTree` for how double counting is avoided. */
  totals: SubtreeTotals;
}

export interface TraceTree {
  /** Top-level nodes sorted by start time: the root and any orphans. */
  roots: TraceNode[];
  /** Every node by span id. */
  byId: Map<string, TraceNode>;
  /** Every node in display order (depth-first, children by start time). */
  preorder: TraceNode[];
  maxDepth: number;
}
