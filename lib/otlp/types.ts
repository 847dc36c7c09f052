import type { OperationType, SpanFieldName, SpanRecord } from '@llmtrace/sdk/span';
/**
 * OTLP spans after decoding, the same whichever encoding (protobuf or JSON) they came in.
 * Decoding (`decode.ts`) produces them; the convention mappers (`conventions/`) read them.
 */

/**
 * An attribute value as a plain JSON value: `arrayValue` becomes an array, `kvlistValue` an
 * object, `bytesValue` a base64 string, int64 a number (a string beyond 2^53), an empty
 * `AnyValue` null.
 */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** Attributes by key. A key repeated in the wire data keeps its last value. */
export type Attributes = Record<string, AttributeValue>;

export interface OtlpEvent {
  name: string;
  /** Nanoseconds since the Unix epoch; 0n when the sender left it out. */
  timeUnixNano: bigint;
  attributes: Attributes;
}

/** OTLP `Status.code`: 0 unset, 1 ok, 2 error. */
export type OtlpStatusCode = 0 | 1 | 2;

/** One span with its resource and scope, ready for mapping. */
export interface OtlpSpan {
  /** Lowercase hex as received (validated later: 32 hex characters, not all zeros). */
  traceId: string;
  /** Lowercase hex as received (validated later: 16 hex characters, not all zeros). */
  spanId: string;
  /** Lowercase hex; null for a root (absent or empty on the wire). */
  parentSpanId: string | null;
  name: string;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Nanoseconds since the Unix epoch. */
  startTimeUnixNano: bigint;
  /** Nanoseconds since the Unix epoch; null when absent or 0 (the span has not ended). */
  endTimeUnixNano: bigint | null;
  attributes: Attributes;
  events: OtlpEvent[];
  status: { code: OtlpStatusCode; message: string };
  /** The resource's attributes (`service.name`, `telemetry.sdk.language`, …). */
  resource: Attributes;
  /** The instrumentation scope that produced the span. */
  scope: { name: string; version: string };
}

/** What kind of work a span records (the `llm_traces.operation_type` vocabulary). */
export type MappedOperationType = OperationType;

/** Fields a convention never sets: the store fills them (owner, links, price) or they are set above. */
type FixedField =
  | 'user_id' | 'trace_id' | 'span_id' | 'parent_trace_id' | 'span_name' | 'operation_type' | 'status'
  | 'start_time' | 'end_time' | 'duration_ms' | 'metadata' | 'cost_usd' | 'conversation_id' | 'message_id';

/**
 * One OTLP span mapped onto `llm_traces` columns, in the shape `POST /api/analytics/traces` takes,
 * so both paths share one validation (`IncomingSpan`) and one write. Every other span field is
 * optional here (undefined = unknown); `cost_usd` is never set: the span store prices every span
 * the same way.
 */
export type MappedSpan = Pick<SpanRecord, 'trace_id' | 'span_id' | 'parent_trace_id' | 'span_name' | 'operation_type' | 'duration_ms'> & {
  /** `failed` for status code 2 or an `exception` event; `completed` when ended; `running` when not. */
  status: 'completed' | 'failed' | 'running';
  /** Epoch milliseconds (fractional: microseconds survive). From the nanosecond timestamps. */
  start_time: number;
  end_time: number | null;
  /** The attributes no column took, and `otel.scope` / `otel.kind`; kept compact. */
  metadata: Record<string, unknown>;
} & { [K in Exclude<SpanFieldName, FixedField>]?: unknown extends SpanRecord[K] ? unknown : NonNullable<SpanRecord[K]> };
