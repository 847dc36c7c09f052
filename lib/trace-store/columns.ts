/**
 * The span store's column lists and row conversion, derived from the one span definition
 * (`@llmtrace/sdk/span`). Nothing here names a span column by hand: a new column in
 * `SPAN_FIELDS` (and the migration) reaches every statement of the store.
 */
import { SPAN_FIELDS, SQL_TYPES, STORED_FIELDS, fieldsOfKind, type ApiSpan, type FieldSpec, type SpanRecord } from '@llmtrace/sdk/span';
import { parsePgTimestamp } from '@/lib/db/timestamps';

/** A span ready to store: every span field, already validated. The same shape as a tracer's record. */
export type SpanRow = SpanRecord;

const SPAN_SPECS: Record<string, FieldSpec> = SPAN_FIELDS;

/** `[column, Postgres type]` of every span field, in column order. */
export const COLUMN_TYPES: ReadonlyArray<readonly [string, string]> = Object.entries(SPAN_SPECS).map(([name, spec]) => [
  name,
  SQL_TYPES[spec.kind],
]);

/** The span fields' columns, comma-separated: what an insert writes. */
export const COLUMNS = COLUMN_TYPES.map(([name]) => name).join(', ');

/** The upsert key. */
export const KEY_COLUMNS: ReadonlySet<string> = new Set(['user_id', 'trace_id', 'span_id']);

/**
 * Columns of `llm_traces` that are not span fields: the store derives them for its own queries,
 * and neither the API nor any select list returns them. Name → Postgres type.
 * - `search_text` (generated, migration 0006_search.sql): what trace search matches, see
 *   `search.ts`.
 */
export const INTERNAL_COLUMNS: Readonly<Record<string, string>> = { search_text: 'text' };

/** Every column the API returns. */
export const SELECT_COLUMN_LIST: readonly string[] = ['id', ...COLUMN_TYPES.map(([name]) => name), ...Object.keys(STORED_FIELDS).filter((n) => n !== 'id')];

/** `t.col, …` for every column the API returns. */
export function selectColumns(table: string, { withData = true }: { withData?: boolean } = {}): string {
  const data = new Set(fieldsOfKind('json'));
  const list = SELECT_COLUMN_LIST.map((name) => (!withData && data.has(name) ? `NULL AS ${name}` : `${table}.${name}`));
  if (!withData) list.push('true AS data_omitted');
  return list.join(', ');
}

/** A span reports usage (tokens or cost). Kept textually identical to the partial indexes' predicates. */
export const HAS_USAGE = (t: string) =>
  `(${t}.input_tokens IS NOT NULL OR ${t}.output_tokens IS NOT NULL OR ${t}.total_tokens IS NOT NULL OR ${t}.cost_usd IS NOT NULL)`;
/** A span's start time (or another timestamptz column) as exact text, to the microsecond (a `Date` keeps milliseconds only): for keyset cursors. */
export const EXACT_START_TIME = (t: string, column = 'start_time') => `to_char(${t}.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/** A span the trace list shows: a root, or an orphan whose parent has not arrived. */
export const LISTED_ROOT = (t: string) => `(${t}.parent_trace_id IS NULL OR ${t}.orphan)`;
/** A span's tokens, as the trace list's `trace_total_tokens` adds them. */
export const SPAN_TOKENS = (s: string) => `coalesce(${s}.total_tokens, ${s}.input_tokens::bigint + ${s}.output_tokens, ${s}.input_tokens, ${s}.output_tokens)`;
/** A span whose usage counts toward totals: it reports usage and nothing below it does (DESIGN §3). */
export const COUNTS_USAGE = (t: string) => `(NOT ${t}.usage_rollup AND ${HAS_USAGE(t)})`;

const NUMERIC_COLUMNS = fieldsOfKind('number');
const TIMESTAMP_COLUMNS = fieldsOfKind('timestamp');

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : parsePgTimestamp(String(value))).toISOString();
}

/** A database row as the API serves it: numerics as JSON numbers, timestamps as ISO 8601. */
export function toApiSpan(row: Record<string, unknown>): ApiSpan {
  const span: Record<string, unknown> = { ...row };
  for (const key of NUMERIC_COLUMNS) if (key in row) span[key] = row[key] === null || row[key] === undefined ? null : Number(row[key]);
  for (const key of TIMESTAMP_COLUMNS) if (key in row) span[key] = iso(row[key]);
  return span as ApiSpan;
}
