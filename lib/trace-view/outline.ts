/**
 * A trace's outline: every span of one trace with what the waterfall, the header and the totals
 * need (ids, parent, name, operation, status, times, model, usage, a short error), and nothing
 * else: no input, output, metadata or conversation ids. It is what the trace page of a big trace
 * loads (`GET /api/analytics/traces/{trace_id}/outline`); the details panel then loads the
 * selected span whole.
 *
 * The wire form is columnar, one JSON array per field, all of the same length and in the same
 * (unspecified) order, so 100,000 spans are one document of a few MB (compressed) that the
 * database writes directly, instead of ~100 MB of span objects: see `lib/trace-store/outline.ts`.
 * Times are integer microseconds: `start_us` from `base_us`, `length_us` from start to end (null
 * while open).
 *
 * Pure and dependency-free: {@link decodeOutline} turns it into span objects in the browser,
 * {@link encodeOutline} writes what the database writes (for tests).
 */
import type { TimedSpan } from './timeline';
import { OPERATION_TYPES, SPAN_STATUSES, type ApiSpan, type OperationType, type SpanStatus } from './types';

/** The longest error text an outline carries per span; the span's own load has the whole. */
export const OUTLINE_ERROR_LENGTH = 500;

/**
 * The fields most spans lack, in this order, for the spans flagged in `has_extra`: model name and
 * provider, error text (cut), input, output, total, cached-input and reasoning tokens, cost and
 * time to first token.
 */
export type OutlineExtra = [
  model_name: string | null,
  model_provider: string | null,
  error_message: string | null,
  input_tokens: number | null,
  output_tokens: number | null,
  total_tokens: number | null,
  cached_input_tokens: number | null,
  reasoning_tokens: number | null,
  cost_usd: number | null,
  time_to_first_token_ms: number | null,
];

export interface TraceOutline {
  version: 1;
  trace_id: string;
  /** Epoch microseconds that `start_us` counts from: the trace's first start, or before it. */
  base_us: number;
  span_id: string[];
  parent_trace_id: Array<string | null>;
  span_name: string[];
  /** 1-based position in `OPERATION_TYPES` (null: not one of them). */
  operation: Array<number | null>;
  /** 1-based position in `SPAN_STATUSES`. */
  status: Array<number | null>;
  /** Microseconds from `base_us`. */
  start_us: number[];
  /** Microseconds from start to end; null while open. */
  length_us: Array<number | null>;
  /** One character per span, '1' when it has an entry in `extra` (in order); null when none has. */
  has_extra: string | null;
  extra: OutlineExtra[] | null;
}

/** The outline the database writes for these spans (in this order), with the error text cut: for tests. */
export function encodeOutline(traceId: string, spans: readonly ApiSpan[]): TraceOutline {
  const us = (iso: string) => Math.round(Date.parse(iso) * 1000);
  const base = spans.length === 0 ? 0 : Math.min(...spans.map((span) => us(span.start_time)));
  const extras = spans.map((span): OutlineExtra | null => {
    const extra: OutlineExtra = [
      span.model_name,
      span.model_provider,
      span.error_message?.slice(0, OUTLINE_ERROR_LENGTH) ?? null,
      span.input_tokens,
      span.output_tokens,
      span.total_tokens,
      span.cached_input_tokens,
      span.reasoning_tokens,
      span.cost_usd,
      span.time_to_first_token_ms,
    ];
    return extra.some((value) => value !== null && value !== undefined) ? extra : null;
  });
  const position = (list: readonly string[], value: string) => (list.includes(value) ? list.indexOf(value) + 1 : null);
  return {
    version: 1,
    trace_id: traceId,
    base_us: base,
    span_id: spans.map((span) => span.span_id),
    parent_trace_id: spans.map((span) => span.parent_trace_id),
    span_name: spans.map((span) => span.span_name),
    operation: spans.map((span) => position(OPERATION_TYPES, span.operation_type)),
    status: spans.map((span) => position(SPAN_STATUSES, span.status)),
    start_us: spans.map((span) => us(span.start_time) - base),
    length_us: spans.map((span) => (span.end_time === null ? null : us(span.end_time) - us(span.start_time))),
    has_extra: extras.some(Boolean) ? extras.map((extra) => (extra ? '1' : '0')).join('') : null,
    extra: extras.some(Boolean) ? extras.filter((extra): extra is OutlineExtra => extra !== null) : null,
  };
}

/**
 * The API's order of spans that start at the same instant: a root (no parent) first, then by span
 * id. {@link decodeOutline} sorts by it, and a trace's outline parts, each decoded as it arrives,
 * are merged in start order and this (`TraceTreeBuilder.build`, with {@link compareOutlineTies}).
 */
function compareTies(parentA: unknown, idA: string, parentB: unknown, idB: string): number {
  const ra = parentA == null ? 0 : 1;
  const rb = parentB == null ? 0 : 1;
  if (ra !== rb) return ra - rb;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** {@link compareTies} of two decoded spans. */
export function compareOutlineTies(a: ApiSpan, b: ApiSpan): number {
  return compareTies(a.parent_trace_id, a.span_id, b.parent_trace_id, b.span_id);
}

const INDEX_BITS = 2 ** 21;

/**
 * Indexes 0…n−1 ordered by `start` (missing last), equal starts by `tie`. Usually by one native
 * numeric sort of start × 2²¹ + index (exact while starts stay under 2³² µs, an hour and a
 * quarter, and n under 2²¹), ties then re-sorted by `tie`; else with a comparator (slower).
 */
function startOrder(n: number, start: (i: number) => number | null, tie: (a: number, b: number) => number): number[] {
  const keys = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const value = start(i);
    keys[i] = value === null || value < 0 || !Number.isInteger(value) ? Number.POSITIVE_INFINITY : value;
    if (keys[i]! > max && keys[i] !== Number.POSITIVE_INFINITY) max = keys[i]!;
  }
  const order = new Array<number>(n);
  if (n < INDEX_BITS && max < 2 ** 32) {
    const packed = new Float64Array(n);
    const missing: number[] = [];
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (keys[i] === Number.POSITIVE_INFINITY) missing.push(i);
      else packed[m++] = keys[i]! * INDEX_BITS + i;
    }
    const sorted = packed.subarray(0, m).sort();
    for (let k = 0; k < m; k++) order[k] = sorted[k]! % INDEX_BITS;
    for (let k = 0; k < missing.length; k++) order[m + k] = missing[k]!;
    // Runs of equal starts (and the missing ones) by the tie-break.
    for (let from = 0; from < n; ) {
      let to = from + 1;
      while (to < n && keys[order[to]!] === keys[order[from]!]) to++;
      if (to - from > 1) {
        const run = order.slice(from, to).sort(tie);
        for (let k = 0; k < run.length; k++) order[from + k] = run[k]!;
      }
      from = to;
    }
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => (keys[a] === keys[b] ? tie(a, b) : keys[a]! < keys[b]! ? -1 : 1));
}

/** The tags of every decoded span (an outline has none): one array, not one per span. */
const NO_TAGS = Object.freeze([]) as unknown as string[];

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * A span decoded from an outline: the API's span object, with its times kept in epoch ms
 * ({@link TimedSpan}, what the tree reads) and written as ISO 8601 only when read; the fields an
 * outline never has (ids of conversations and users, data, tags) live on the prototype, and so do
 * the model, error and usage fields (null) of a span without any ({@link OutlineSpanWithExtra}
 * has its own): most spans of a big trace are tool calls and steps without them. `duration_ms` is
 * computed when read. So 100k of them are quick to make and small (fewer own fields: less to
 * allocate and for the garbage collector to copy). Read-only; spreading one copies its own fields only.
 */
class OutlineSpan implements ApiSpan, TimedSpan {
  declare readonly id: string;
  declare readonly user_id: string;
  declare readonly conversation_id: null;
  declare readonly message_id: null;
  declare readonly service_name: null;
  declare readonly session_id: null;
  declare readonly end_user_id: null;
  declare readonly tags: string[];
  declare readonly input_data: null;
  declare readonly output_data: null;
  declare readonly metadata: null;
  declare readonly orphan: boolean;
  declare readonly usage_rollup: boolean;
  declare readonly data_omitted: boolean;
  declare readonly model_name: string | null;
  declare readonly model_provider: string | null;
  declare readonly error_message: string | null;
  declare readonly input_tokens: number | null;
  declare readonly output_tokens: number | null;
  declare readonly total_tokens: number | null;
  declare readonly cached_input_tokens: number | null;
  declare readonly reasoning_tokens: number | null;
  declare readonly cost_usd: number | null;
  declare readonly time_to_first_token_ms: number | null;

  constructor(
    readonly trace_id: string,
    readonly span_id: string,
    readonly parent_trace_id: string | null,
    readonly span_name: string,
    readonly operation_type: OperationType,
    readonly status: SpanStatus,
    readonly startMs: number,
    readonly endMs: number | null,
  ) {}

  /** End − start, to the microsecond. */
  get duration_ms(): number | null {
    return this.endMs === null ? null : Math.round((this.endMs - this.startMs) * 1000) / 1000;
  }
  /** ISO 8601 to the millisecond, as the API writes times (the order keeps the microseconds). */
  get start_time(): string {
    return new Date(this.startMs).toISOString();
  }
  get end_time(): string | null {
    return this.endMs === null ? null : new Date(this.endMs).toISOString();
  }
  get created_at(): string {
    return this.start_time;
  }
}
Object.assign(OutlineSpan.prototype, {
  id: '',
  user_id: '',
  conversation_id: null,
  message_id: null,
  service_name: null,
  session_id: null,
  end_user_id: null,
  tags: NO_TAGS,
  input_data: null,
  output_data: null,
  metadata: null,
  orphan: false,
  usage_rollup: false,
  data_omitted: true,
  model_name: null,
  model_provider: null,
  error_message: null,
  input_tokens: null,
  output_tokens: null,
  total_tokens: null,
  cached_input_tokens: null,
  reasoning_tokens: null,
  cost_usd: null,
  time_to_first_token_ms: null,
});

/** A decoded span with an entry in the outline's `extra` (a model, an error or usage): those fields are its own. */
class OutlineSpanWithExtra extends OutlineSpan {
  override readonly model_name: string | null;
  override readonly model_provider: string | null;
  override readonly error_message: string | null;
  override readonly input_tokens: number | null;
  override readonly output_tokens: number | null;
  override readonly total_tokens: number | null;
  override readonly cached_input_tokens: number | null;
  override readonly reasoning_tokens: number | null;
  override readonly cost_usd: number | null;
  override readonly time_to_first_token_ms: number | null;

  constructor(
    traceId: string,
    spanId: string,
    parentId: string | null,
    name: string,
    operation: OperationType,
    status: SpanStatus,
    startMs: number,
    endMs: number | null,
    extra: readonly unknown[],
  ) {
    super(traceId, spanId, parentId, name, operation, status, startMs, endMs);
    this.model_name = str(extra[0]);
    this.model_provider = str(extra[1]);
    this.error_message = str(extra[2]);
    this.input_tokens = num(extra[3]);
    this.output_tokens = num(extra[4]);
    this.total_tokens = num(extra[5]);
    this.cached_input_tokens = num(extra[6]);
    this.reasoning_tokens = num(extra[7]);
    this.cost_usd = num(extra[8]);
    this.time_to_first_token_ms = num(extra[9]);
  }
}

/**
 * The outline's spans as the API's span objects, in the order of `GET /api/analytics/traces?trace_id=`
 * (start time, a root before its children at the same instant, then span id), each marked
 * `data_omitted`: input, output, metadata, tags and the conversation, message, session and user
 * ids are null or empty (the details panel loads the span whole), `error_message` may be cut,
 * `duration_ms` is end − start, and `id`, `user_id` and `created_at` are not known (empty, or the
 * start time). Each also carries its times in epoch ms (`TimedSpan` in `timeline.ts`) for the
 * tree. A malformed column gives nulls, never an exception.
 */
export function decodeOutline(outline: TraceOutline): ApiSpan[] {
  const ids = Array.isArray(outline?.span_id) ? outline.span_id : [];
  const n = ids.length;
  const col = <K extends keyof TraceOutline>(key: K): unknown[] => {
    const value = outline[key];
    return Array.isArray(value) && value.length === n ? value : new Array(n).fill(null);
  };
  const starts = col('start_us');
  const parents = col('parent_trace_id');
  const order = startOrder(n, (i) => num(starts[i]), (a, b) => compareTies(parents[a], String(ids[a]), parents[b], String(ids[b])));
  // Each span's entry in `extra`, by the flags.
  const extraOf = new Array<readonly unknown[] | null>(n).fill(null);
  const flags = typeof outline.has_extra === 'string' ? outline.has_extra : '';
  const extras = Array.isArray(outline.extra) ? outline.extra : [];
  for (let i = 0, next = 0; i < n && i < flags.length; i++) {
    if (flags.charCodeAt(i) !== 49 /* '1' */) continue;
    const extra = extras[next++];
    if (Array.isArray(extra)) extraOf[i] = extra;
  }
  const base = num(outline.base_us) ?? 0;
  const lengths = col('length_us');
  const names = col('span_name');
  const ops = col('operation');
  const statuses = col('status');
  const traceId = typeof outline.trace_id === 'string' ? outline.trace_id : '';
  const spans = new Array<ApiSpan>(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const start = base + (num(starts[i]) ?? 0);
    const length = num(lengths[i]);
    const extra = extraOf[i];
    const op = num(ops[i]);
    const status = num(statuses[i]);
    const operation = ((op !== null && OPERATION_TYPES[op - 1]) || 'other') as OperationType;
    const spanStatus = ((status !== null && SPAN_STATUSES[status - 1]) || 'completed') as SpanStatus;
    const endMs = length === null ? null : (start + length) / 1000;
    spans[k] = extra
      ? new OutlineSpanWithExtra(traceId, String(ids[i]), str(parents[i]), str(names[i]) ?? '', operation, spanStatus, start / 1000, endMs, extra)
      : new OutlineSpan(traceId, String(ids[i]), str(parents[i]), str(names[i]) ?? '', operation, spanStatus, start / 1000, endMs);
  }
  return spans;
}
