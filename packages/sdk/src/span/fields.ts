/**
 * The one definition of a span. Every field of `llm_traces` that a span carries is declared here
 * once: its name, kind, nullability and limits, and the operation and status vocabularies. The
 * rest is derived from this table:
 *
 * - the TypeScript types ({@link SpanRecord}, the stored row, and {@link ApiSpan}, the API's span);
 * - the app's zod ingest schema, the database sink's column list and the queries' select lists
 *   (`lib/trace-store/columns.ts`, `lib/trace-store/schema.ts`);
 * - the UI's types (`lib/trace-view/types.ts`).
 *
 * Adding a column touches the migration and this table, nothing else. `tests/lib/trace-store/
 * span-fields.test.ts` compares this table with the migrated database and fails when they differ.
 *
 * This module is pure (no Node.js API), so browser code may import it as `@llmtrace/sdk/span`.
 */

/** What kind of work a span records. Dashboards group and colour spans by it. */
export const OPERATION_TYPES = ['llm_call', 'tool_call', 'retrieval', 'embedding', 'chain', 'agent', 'other'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/** Lifecycle of a span. `pending`/`running` are open (end_time null); the other three are final. */
export const SPAN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

/** The statuses of a span that is still open. */
export const OPEN_STATUSES = ['pending', 'running'] as const satisfies readonly SpanStatus[];
/** The statuses of a finished span. A late `running` record never overwrites one of these. */
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly SpanStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/**
 * The kinds a field can have. Each maps to one TypeScript type, one Postgres type and one
 * validation rule.
 */
export type FieldKind =
  | 'uuid'
  | 'trace_id'
  | 'span_id'
  | 'text'
  | 'timestamp'
  | 'integer'
  | 'number'
  | 'operation'
  | 'status'
  | 'tags'
  | 'json'
  | 'object'
  | 'boolean';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Whether the column may hold null. */
  readonly nullable: boolean;
  /** Longest text (characters), or for `tags` the longest tag. */
  readonly max?: number;
  /** For `tags`: most items. */
  readonly maxItems?: number;
  /**
   * How `POST /api/analytics/traces` treats the field: `required`, `optional` (null or absent is
   * fine, the server may fill it), or `server` (set by the server; ignored when sent).
   */
  readonly ingest: 'required' | 'optional' | 'server';
}

/** The Postgres column type of each kind. */
export const SQL_TYPES: Readonly<Record<FieldKind, string>> = {
  uuid: 'uuid',
  trace_id: 'text',
  span_id: 'text',
  text: 'text',
  timestamp: 'timestamptz',
  integer: 'integer',
  number: 'numeric',
  operation: 'text',
  status: 'text',
  tags: 'text[]',
  json: 'jsonb',
  object: 'jsonb',
  boolean: 'boolean',
};

/** Largest token count stored (Postgres `integer`). */
export const MAX_COUNT = 2_147_483_647;

/** The fields a span carries, in column order. A sink receives them; the API returns them. */
export const SPAN_FIELDS = {
  user_id: { kind: 'uuid', nullable: false, ingest: 'server' },
  trace_id: { kind: 'trace_id', nullable: false, ingest: 'required' },
  span_id: { kind: 'span_id', nullable: false, ingest: 'required' },
  /** The parent's `span_id` (the plan's name); null on the root. */
  parent_trace_id: { kind: 'span_id', nullable: true, ingest: 'optional' },
  span_name: { kind: 'text', nullable: false, max: 200, ingest: 'required' },
  operation_type: { kind: 'operation', nullable: false, ingest: 'optional' },
  status: { kind: 'status', nullable: false, ingest: 'optional' },
  start_time: { kind: 'timestamp', nullable: false, ingest: 'required' },
  end_time: { kind: 'timestamp', nullable: true, ingest: 'optional' },
  duration_ms: { kind: 'number', nullable: true, ingest: 'optional' },
  conversation_id: { kind: 'uuid', nullable: true, ingest: 'optional' },
  message_id: { kind: 'uuid', nullable: true, ingest: 'optional' },
  model_name: { kind: 'text', nullable: true, max: 200, ingest: 'optional' },
  model_provider: { kind: 'text', nullable: true, max: 100, ingest: 'optional' },
  error_message: { kind: 'text', nullable: true, max: 10_000, ingest: 'optional' },
  input_tokens: { kind: 'integer', nullable: true, ingest: 'optional' },
  output_tokens: { kind: 'integer', nullable: true, ingest: 'optional' },
  total_tokens: { kind: 'integer', nullable: true, ingest: 'optional' },
  /** Input tokens served from the provider's prompt cache (a subset of input_tokens). */
  cached_input_tokens: { kind: 'integer', nullable: true, ingest: 'optional' },
  /** Reasoning tokens (a subset of output_tokens). */
  reasoning_tokens: { kind: 'integer', nullable: true, ingest: 'optional' },
  /** null = the model is unpriced (never a made-up 0). */
  cost_usd: { kind: 'number', nullable: true, ingest: 'optional' },
  time_to_first_token_ms: { kind: 'number', nullable: true, ingest: 'optional' },
  /** OTLP's resource `service.name`, or the SDK's `serviceName`. */
  service_name: { kind: 'text', nullable: true, max: 200, ingest: 'optional' },
  /** A conversation or session the trace belongs to (the chat API's conversation id). */
  session_id: { kind: 'text', nullable: true, max: 200, ingest: 'optional' },
  /** The application's own user (not the LLMTrace account). */
  end_user_id: { kind: 'text', nullable: true, max: 200, ingest: 'optional' },
  tags: { kind: 'tags', nullable: false, max: 100, maxItems: 50, ingest: 'optional' },
  input_data: { kind: 'json', nullable: true, ingest: 'optional' },
  output_data: { kind: 'json', nullable: true, ingest: 'optional' },
  metadata: { kind: 'object', nullable: true, ingest: 'optional' },
} as const satisfies Record<string, FieldSpec>;

/** Columns the store adds to every span: its row id, its write-time flags and its insert time. */
export const STORED_FIELDS = {
  id: { kind: 'uuid', nullable: false, ingest: 'server' },
  /** The span names a parent that is not stored (yet); it is listed as a root until the parent comes. */
  orphan: { kind: 'boolean', nullable: false, ingest: 'server' },
  /** A span below this one reports usage, so trace totals skip this span's own. */
  usage_rollup: { kind: 'boolean', nullable: false, ingest: 'server' },
  created_at: { kind: 'timestamp', nullable: false, ingest: 'server' },
} as const satisfies Record<string, FieldSpec>;

export type SpanFieldName = keyof typeof SPAN_FIELDS;
export type StoredFieldName = keyof typeof STORED_FIELDS;

/** Field names in column order. */
export const SPAN_FIELD_NAMES = Object.keys(SPAN_FIELDS) as SpanFieldName[];

/** Names of the fields of one kind, e.g. every `timestamp` or every `number`. */
export function fieldsOfKind(...kinds: FieldKind[]): string[] {
  const all: Record<string, FieldSpec> = { ...SPAN_FIELDS, ...STORED_FIELDS };
  return Object.keys(all).filter((name) => kinds.includes(all[name]!.kind));
}

type KindType<K extends FieldKind, Time> = K extends 'operation'
  ? OperationType
  : K extends 'status'
    ? SpanStatus
    : K extends 'timestamp'
      ? Time
      : K extends 'integer' | 'number'
        ? number
        : K extends 'tags'
          ? string[]
          : K extends 'json'
            ? unknown
            : K extends 'object'
              ? Record<string, unknown>
              : K extends 'boolean'
                ? boolean
                : string;

type FieldType<F extends FieldSpec, Time> = F['nullable'] extends true ? KindType<F['kind'], Time> | null : KindType<F['kind'], Time>;

type Fields<Table extends Record<string, FieldSpec>, Time> = { -readonly [K in keyof Table]: FieldType<Table[K], Time> };

/**
 * One span as it leaves the tracer and as it is stored: the `llm_traces` column names, so a sink
 * can store it or POST it to `/api/analytics/traces` unchanged.
 */
export type SpanRecord = Fields<typeof SPAN_FIELDS, Date>;

/** One span as the API serves it: every column, timestamps as ISO 8601 strings. */
export type ApiSpan = Fields<typeof SPAN_FIELDS, string> &
  Fields<typeof STORED_FIELDS, string> & {
    /** True when input_data and output_data were left out (a big trace); fetch the span alone for them. */
    data_omitted?: boolean;
  };

/**
 * The identity of a span: `(user_id, trace_id, span_id)`, the store's upsert key, as one string.
 * Two records with the same key are two versions of one span (`running`, then final).
 */
export function spanKey(span: { user_id: string; trace_id: string; span_id: string }): string {
  return `${span.user_id}\u0000${span.trace_id}\u0000${span.span_id}`;
}
