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
export type MappedOperationType = 'llm_call' | 'tool_call' | 'retrieval' | 'embedding' | 'chain' | 'agent' | 'other';

/**
 * One OTLP span mapped onto `llm_traces` columns, in the shape `POST /api/analytics/traces` takes,
 * so both paths share one validation (`IncomingSpan`) and one write. Fields left undefined are
 * unknown; `cost_usd` is never set here: the span store prices every span the same way.
 */
export interface MappedSpan {
  trace_id: string;
  span_id: string;
  parent_trace_id: string | null;
  span_name: string;
  operation_type: MappedOperationType;
  /** `failed` for status code 2 or an `exception` event; `completed` when ended; `running` when not. */
  status: 'completed' | 'failed' | 'running';
  /** Epoch milliseconds (fractional: microseconds survive). */
  start_time: number;
  end_time: number | null;
  /** From the nanosecond timestamps, so sub-millisecond spans keep their length. */
  duration_ms: number | null;
  model_name?: string;
  model_provider?: string;
  error_message?: string;
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  cached_input_tokens?: number;
  reasoning_tokens?: number;
  time_to_first_token_ms?: number;
  service_name?: string;
  session_id?: string;
  end_user_id?: string;
  tags?: string[];
  input_data?: unknown;
  output_data?: unknown;
  /** The attributes no column took, and `otel.scope` / `otel.kind`; kept compact. */
  metadata: Record<string, unknown>;
}
