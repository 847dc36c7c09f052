/**
 * Types of the trace view: the span objects the UI receives from
 * `GET /api/analytics/traces?trace_id=…` (`{"traces":[ApiSpan…]}`) and the tree built from them.
 *
 * Everything in an `ApiSpan` is untrusted input: the UI renders it as text only.
 */

/** What kind of work a span records; the waterfall picks its colour and icon from it. */
export type OperationType = 'llm_call' | 'tool_call' | 'retrieval' | 'embedding' | 'chain' | 'agent' | 'other';

/** Lifecycle of a span. `pending`/`running` are open (end_time null); the others are final. */
export type SpanStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export const OPERATION_TYPES: readonly OperationType[] = [
  'llm_call',
  'tool_call',
  'retrieval',
  'embedding',
  'chain',
  'agent',
  'other',
];

export const SPAN_STATUSES: readonly SpanStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** One span as served by the API: the `llm_traces` column names, timestamps as ISO 8601 strings. */
export interface ApiSpan {
  id: string;
  user_id: string;
  conversation_id: string | null;
  message_id: string | null;
  /** 32 lowercase hex characters; shared by every span of one request. */
  trace_id: string;
  /** The parent's `span_id`; null on the root. */
  parent_trace_id: string | null;
  /** 16 lowercase hex characters. */
  span_id: string;
  span_name: string;
  start_time: string;
  /** null while the span is running. */
  end_time: string | null;
  duration_ms: number | null;
  /** One of `OperationType`; other strings (e.g. from OTLP) are shown as `other`. */
  operation_type: OperationType | (string & {});
  model_name: string | null;
  model_provider: string | null;
  /** One of `SpanStatus`; other strings are shown as given, neither open nor failed. */
  status: SpanStatus | (string & {});
  error_message: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cached_input_tokens: number | null;
  reasoning_tokens: number | null;
  /** null = the model is unpriced (never a made-up 0). */
  cost_usd: number | null;
  time_to_first_token_ms: number | null;
  input_data: unknown;
  output_data: unknown;
  metadata: Record<string, unknown> | null;
  created_at: string;
  /** True when input_data and output_data were left out (a big trace); SpanDetails fetches them on selection. */
  data_omitted?: boolean;
}

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
