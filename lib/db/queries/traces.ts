import 'server-only';
import { toStorableJson } from '@/lib/text/sanitize';
import type { Database } from '../client';
import { isDataError, RowsNotSerializableError } from '../errors';
import { isStorableInstant, MAX_STORABLE_MS, MIN_STORABLE_MS, parsePgTimestamp } from '../timestamps';

/** The columns every span has, in the `llm_traces` names; timestamps differ by where the span is. */
interface SpanFields {
  user_id: string;
  conversation_id: string | null;
  message_id: string | null;
  trace_id: string;
  parent_trace_id: string | null;
  span_id: string;
  span_name: string;
  duration_ms: number | null;
  operation_type: string;
  model_name: string | null;
  model_provider: string | null;
  status: string;
  error_message: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cached_input_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  time_to_first_token_ms: number | null;
  service_name: string | null;
  session_id: string | null;
  end_user_id: string | null;
  tags: string[];
  input_data: unknown;
  output_data: unknown;
  metadata: Record<string, unknown> | null;
}

/** A span as the API shows it: `llm_traces` column names, ISO timestamps, JSON numbers. */
export interface ApiSpan extends SpanFields {
  id: string;
  /** The span names a parent that is not stored (yet); it is listed as a root until the parent comes. */
  orphan: boolean;
  /** A span below this one reports usage, so trace totals skip this span's own (DESIGN §3). */
  usage_rollup: boolean;
  start_time: string;
  end_time: string | null;
  created_at: string;
  /** Set when input_data and output_data were left out to keep a big trace light; fetch the span alone for them. */
  data_omitted?: boolean;
}

/** A span ready to store: every column but id and created_at, already validated. */
export interface SpanRow extends SpanFields {
  start_time: Date;
  end_time: Date | null;
}

const COLUMN_TYPES: Array<[keyof SpanRow, string]> = [
  ['user_id', 'uuid'],
  ['conversation_id', 'uuid'],
  ['message_id', 'uuid'],
  ['trace_id', 'text'],
  ['parent_trace_id', 'text'],
  ['span_id', 'text'],
  ['span_name', 'text'],
  ['start_time', 'timestamptz'],
  ['end_time', 'timestamptz'],
  ['duration_ms', 'numeric'],
  ['operation_type', 'text'],
  ['model_name', 'text'],
  ['model_provider', 'text'],
  ['status', 'text'],
  ['error_message', 'text'],
  ['input_tokens', 'integer'],
  ['output_tokens', 'integer'],
  ['total_tokens', 'integer'],
  ['cached_input_tokens', 'integer'],
  ['reasoning_tokens', 'integer'],
  ['cost_usd', 'numeric'],
  ['time_to_first_token_ms', 'numeric'],
  ['service_name', 'text'],
  ['session_id', 'text'],
  ['end_user_id', 'text'],
  ['tags', 'text[]'],
  ['input_data', 'jsonb'],
  ['output_data', 'jsonb'],
  ['metadata', 'jsonb'],
];
const KEY_COLUMNS = new Set(['user_id', 'trace_id', 'span_id']);
const COLUMNS = COLUMN_TYPES.map(([name]) => name).join(', ');

const SELECT_COLUMNS = `id, ${COLUMNS}, orphan, usage_rollup, created_at`;

/** A span reports usage (tokens or cost). Kept textually identical to the partial indexes' predicates. */
export const HAS_USAGE = (t: string) =>
  `(${t}.input_tokens IS NOT NULL OR ${t}.output_tokens IS NOT NULL OR ${t}.total_tokens IS NOT NULL OR ${t}.cost_usd IS NOT NULL)`;
/** A span the trace list shows: a root, or an orphan whose parent has not arrived. */
export const LISTED_ROOT = (t: string) => `(${t}.parent_trace_id IS NULL OR ${t}.orphan)`;
/** A span whose usage counts toward totals: it reports usage and nothing below it does (DESIGN §3). */
export const COUNTS_USAGE = (t: string) => `(NOT ${t}.usage_rollup AND ${HAS_USAGE(t)})`;

/**
 * One statement for the whole batch: the rows travel as a single JSON parameter and are unpacked
 * by `json_to_recordset`, which is far cheaper to plan and send than thousands of parameters.
 * A final span is never overwritten by a late `running` snapshot of itself. A span whose parent
 * is not stored is marked `orphan`; one with a stored child that reports usage is marked
 * `usage_rollup` (children usually arrive first: they end first).
 */
const UPSERT_SQL = `
WITH written AS (
  INSERT INTO llm_traces (${COLUMNS}, orphan, usage_rollup)
  SELECT ${COLUMNS},
    r.parent_trace_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM llm_traces p WHERE p.user_id = r.user_id AND p.trace_id = r.trace_id AND p.span_id = r.parent_trace_id),
    EXISTS (
      SELECT 1 FROM llm_traces c WHERE c.user_id = r.user_id AND c.trace_id = r.trace_id AND c.parent_trace_id = r.span_id
        AND (c.usage_rollup OR c.input_tokens IS NOT NULL OR c.output_tokens IS NOT NULL OR c.total_tokens IS NOT NULL OR c.cost_usd IS NOT NULL))
  FROM json_to_recordset($1::json) AS r(${COLUMN_TYPES.map(([n, t]) => `${n} ${t}`).join(', ')})
  ON CONFLICT (user_id, trace_id, span_id) DO UPDATE SET
    ${COLUMN_TYPES.filter(([n]) => !KEY_COLUMNS.has(n)).map(([n]) => `${n} = EXCLUDED.${n}`).join(',\n    ')},
    orphan = EXCLUDED.orphan,
    usage_rollup = llm_traces.usage_rollup OR EXCLUDED.usage_rollup
  WHERE NOT (llm_traces.status IN ('completed', 'failed', 'cancelled') AND EXCLUDED.status IN ('pending', 'running'))
  RETURNING user_id, trace_id, parent_trace_id, usage_rollup OR ${HAS_USAGE('llm_traces')} AS reports_usage
)
SELECT DISTINCT user_id, trace_id, parent_trace_id AS span_id FROM written WHERE parent_trace_id IS NOT NULL AND reports_usage`;

const BATCH_TRACES = `(SELECT DISTINCT user_id, trace_id FROM json_to_recordset($1::json) AS b(user_id uuid, trace_id text)) t`;

/** Orphans of the batch's traces whose parent is now stored are roots no more: one index probe per trace. */
const ADOPT_ORPHANS_SQL = `
UPDATE llm_traces c SET orphan = false FROM ${BATCH_TRACES}
WHERE c.orphan AND c.user_id = t.user_id AND c.trace_id = t.trace_id
  AND EXISTS (SELECT 1 FROM llm_traces p WHERE p.user_id = c.user_id AND p.trace_id = c.trace_id AND p.span_id = c.parent_trace_id)`;

/**
 * The parents of the written spans that report usage (or roll it up), and their ancestors, become
 * roll-ups; the walk stops at an ancestor already marked, whose own ancestors are marked too.
 */
const MARK_ROLLUPS_SQL = `
WITH RECURSIVE up AS (
  SELECT user_id, trace_id, span_id FROM json_to_recordset($1::json) AS s(user_id uuid, trace_id text, span_id text)
  UNION
  SELECT p.user_id, p.trace_id, p.parent_trace_id
  FROM up JOIN llm_traces p ON p.user_id = up.user_id AND p.trace_id = up.trace_id AND p.span_id = up.span_id
  WHERE p.parent_trace_id IS NOT NULL AND NOT p.usage_rollup
)
UPDATE llm_traces t SET usage_rollup = true FROM up
WHERE t.user_id = up.user_id AND t.trace_id = up.trace_id AND t.span_id = up.span_id AND NOT t.usage_rollup`;

/**
 * Concurrent batches of one trace would each miss the other's parent or children; one
 * transaction-scoped lock per trace, taken in a fixed order, serialises them without deadlocks.
 */
const LOCK_TRACES_SQL = `
SELECT pg_advisory_xact_lock(k) FROM (
  SELECT DISTINCT hashtextextended(b.user_id::text || b.trace_id, 0) AS k FROM json_to_recordset($1::json) AS b(user_id uuid, trace_id text) ORDER BY k
) locks`;

const OPEN_STATUSES = new Set(['pending', 'running']);

/** Keeps one row per key (a statement may not touch a row twice): the final one, else the latest. */
function dedupe(rows: SpanRow[]): SpanRow[] {
  const byKey = new Map<string, SpanRow>();
  for (const row of rows) {
    const key = `${row.user_id}/${row.trace_id}/${row.span_id}`;
    const existing = byKey.get(key);
    if (existing && !OPEN_STATUSES.has(existing.status) && OPEN_STATUSES.has(row.status)) continue;
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

/**
 * Inserts or completes spans, keyed by (user_id, trace_id, span_id), in one transaction: the
 * upsert, then the orphan and roll-up flags of the spans around them.
 */
export async function upsertSpans(database: Database, rows: SpanRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const unique = dedupe(rows);
  let json: string;
  try {
    // A NUL or a lone surrogate anywhere in a span (say in a tool's output) becomes U+FFFD instead of failing the batch.
    json = toStorableJson(unique);
  } catch (error) {
    throw new RowsNotSerializableError(error);
  }
  // The flag statements need only the keys: parsing the whole batch (inputs, outputs) again would cost more than they do.
  const traces = JSON.stringify(unique.map(({ user_id, trace_id }) => ({ user_id, trace_id })));
  await database.transaction(async (tx) => {
    if (database.kind === 'postgres') await tx.query(LOCK_TRACES_SQL, [traces]);
    const usageParents = await tx.query(UPSERT_SQL, [json]);
    await tx.query(ADOPT_ORPHANS_SQL, [traces]);
    if (usageParents.length > 0) await tx.query(MARK_ROLLUPS_SQL, [JSON.stringify(usageParents)]);
  });
  return unique.length;
}

/** A span the database refused, by its index in the rows given, with the database's error. */
export interface RefusedSpan {
  index: number;
  error: unknown;
}

/**
 * {@link upsertSpans}, except that a batch the database refuses because of its data is split in
 * halves, and again, until each refused span stands alone: every other span is written, each part
 * in its own transaction. One statement when nothing is refused; about 2·log2(n) more per refused
 * span. A failure that is not the data's (the database is down) rejects; parts written before it
 * stay written, and writing them again is harmless.
 */
export async function upsertSpansIsolating(database: Database, rows: SpanRow[]): Promise<RefusedSpan[]> {
  const refused: RefusedSpan[] = [];
  const write = async (start: number, end: number): Promise<void> => {
    try {
      await upsertSpans(database, rows.slice(start, end));
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (end - start === 1) {
        refused.push({ index: start, error });
        return;
      }
      const middle = (start + end) >>> 1;
      await write(start, middle);
      await write(middle, end);
    }
  };
  await write(0, rows.length);
  return refused;
}

/** The subset of `ids` that are messages (or conversations) of this user. */
export async function ownedIds(
  database: Database,
  { userId, table, ids }: { userId: string; table: 'messages' | 'conversations'; ids: string[] },
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await database.query<{ id: string }>(`SELECT id FROM ${table} WHERE user_id = $1 AND id = ANY($2::uuid[])`, [userId, ids]);
  return new Set(rows.map((row) => row.id));
}

type Row = Record<string, unknown>;
const NUMERIC = ['duration_ms', 'cost_usd', 'time_to_first_token_ms'] as const;

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : parsePgTimestamp(String(value))).toISOString();
}

export function toApiSpan(row: Row): ApiSpan {
  const span = { ...row } as Record<string, unknown>;
  for (const key of NUMERIC) span[key] = row[key] === null || row[key] === undefined ? null : Number(row[key]);
  span.start_time = iso(row.start_time);
  span.end_time = iso(row.end_time);
  span.created_at = iso(row.created_at);
  return span as unknown as ApiSpan;
}

const LIGHT_SELECT_COLUMNS = SELECT_COLUMNS.replace('input_data, output_data', 'NULL AS input_data, NULL AS output_data, true AS data_omitted');

/**
 * Every span of one trace, parents before children (by start time). With `withData: false` the
 * (often large) input_data and output_data are left out and each span says `data_omitted`.
 */
export async function getTraceSpans(
  database: Database,
  { userId, traceId, withData = true }: { userId: string; traceId: string; withData?: boolean },
): Promise<ApiSpan[]> {
  const rows = await database.query<Row>(
    `SELECT ${withData ? SELECT_COLUMNS : LIGHT_SELECT_COLUMNS} FROM llm_traces WHERE user_id = $1 AND trace_id = $2 ORDER BY start_time, (parent_trace_id IS NOT NULL), span_id`,
    [userId, traceId],
  );
  return rows.map(toApiSpan);
}

export async function countTraceSpans(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<number> {
  const [row] = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1 AND trace_id = $2', [userId, traceId]);
  return Number(row?.n ?? 0);
}

/** The root span of a trace (the earliest parentless one, else the earliest orphan), without its input and output. */
export async function getRootSpan(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<ApiSpan | null> {
  const [row] = await database.query<Row>(
    `SELECT ${LIGHT_SELECT_COLUMNS} FROM llm_traces WHERE user_id = $1 AND trace_id = $2 AND (parent_trace_id IS NULL OR orphan)
     ORDER BY (parent_trace_id IS NULL) DESC, start_time LIMIT 1`,
    [userId, traceId],
  );
  return row ? toApiSpan(row) : null;
}

/** One span with all its data. */
export async function getSpan(database: Database, { userId, traceId, spanId }: { userId: string; traceId: string; spanId: string }): Promise<ApiSpan | null> {
  const [row] = await database.query<Row>(`SELECT ${SELECT_COLUMNS} FROM llm_traces WHERE user_id = $1 AND trace_id = $2 AND span_id = $3`, [userId, traceId, spanId]);
  return row ? toApiSpan(row) : null;
}

/** Every span of the trace linked to this message (through any of its spans, or messages.trace_id). */
export async function getSpansByMessage(database: Database, { userId, messageId }: { userId: string; messageId: string }): Promise<ApiSpan[]> {
  const [link] = await database.query<{ trace_id: string }>(
    `SELECT trace_id FROM llm_traces WHERE user_id = $1 AND message_id = $2
     UNION ALL SELECT trace_id FROM messages WHERE user_id = $1 AND id = $2 AND trace_id IS NOT NULL
     LIMIT 1`,
    [userId, messageId],
  );
  if (!link) return [];
  return getTraceSpans(database, { userId, traceId: link.trace_id });
}

export interface TraceListFilters {
  operation_type?: string;
  status?: string;
  model_provider?: string;
  model_name?: string;
  min_duration_ms?: number;
  max_duration_ms?: number;
  from?: Date;
  to?: Date;
  conversation_id?: string;
  service_name?: string;
  session_id?: string;
  end_user_id?: string;
  /** The root must carry every one of these tags. */
  tag?: string[];
  q?: string;
}

export interface TraceListCursor {
  startTime: string;
  id: string;
}

export function encodeCursor(cursor: TraceListCursor): string {
  return Buffer.from(JSON.stringify([cursor.startTime, cursor.id])).toString('base64url');
}

/** A row id as Postgres' uuid type reads it. */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The position {@link encodeCursor} wrote, or null for anything else: the time must be the
 * `toISOString()` of a storable instant and the id a uuid, so the query cannot fail on them.
 */
export function decodeCursor(value: string): TraceListCursor | null {
  try {
    const [startTime, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof startTime !== 'string' || typeof id !== 'string' || !UUID_TEXT.test(id)) return null;
    const date = new Date(startTime);
    if (!isStorableInstant(date) || date.toISOString() !== startTime) return null;
    return { startTime, id };
  } catch {
    return null;
  }
}

/** Builds the WHERE clause of the trace list (root spans of one user). */
function listConditions(userId: string, filters: TraceListFilters) {
  // An orphan flag can lag behind a parent written concurrently; the parent's presence is checked again.
  const where = [
    'r.user_id = $1',
    LISTED_ROOT('r'),
    'NOT (r.orphan AND EXISTS (SELECT 1 FROM llm_traces p WHERE p.user_id = r.user_id AND p.trace_id = r.trace_id AND p.span_id = r.parent_trace_id))',
  ];
  const params: unknown[] = [userId];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filters.status) add((p) => `r.status = ${p}`, filters.status);
  if (filters.model_provider) add((p) => `r.model_provider = ${p}`, filters.model_provider);
  if (filters.model_name) add((p) => `r.model_name = ${p}`, filters.model_name);
  if (filters.min_duration_ms !== undefined) add((p) => `r.duration_ms >= ${p}`, filters.min_duration_ms);
  if (filters.max_duration_ms !== undefined) add((p) => `r.duration_ms <= ${p}`, filters.max_duration_ms);
  if (filters.from) add((p) => `r.start_time >= ${p}`, filters.from.toISOString());
  if (filters.to) add((p) => `r.start_time < ${p}`, filters.to.toISOString());
  if (filters.conversation_id) add((p) => `r.conversation_id = ${p}`, filters.conversation_id);
  if (filters.service_name) add((p) => `r.service_name = ${p}`, filters.service_name);
  if (filters.session_id) add((p) => `r.session_id = ${p} AND r.session_id IS NOT NULL`, filters.session_id);
  if (filters.end_user_id) add((p) => `r.end_user_id = ${p} AND r.end_user_id IS NOT NULL`, filters.end_user_id);
  if (filters.tag?.length) add((p) => `r.tags @> ${p}::text[] AND r.tags <> '{}'`, filters.tag);
  if (filters.operation_type) {
    // A trace matches when its root or any of its spans has the operation (e.g. "traces with a tool call").
    add(
      (p) => `(r.operation_type = ${p} OR EXISTS (SELECT 1 FROM llm_traces c WHERE c.user_id = r.user_id AND c.trace_id = r.trace_id AND c.operation_type = ${p}))`,
      filters.operation_type,
    );
  }
  if (filters.q) {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add(
      (p) => `(r.span_name ILIKE ${p} OR r.model_name ILIKE ${p} OR r.error_message ILIKE ${p} OR r.trace_id ILIKE ${p} OR r.message_id::text ILIKE ${p} OR r.service_name ILIKE ${p})`,
      pattern,
    );
  }
  return { where, params };
}

/**
 * A trace's totals, counting each model call once: the spans whose usage counts (nothing below
 * them reports usage), over the whole trace.
 */
const TRACE_TOTALS = `
  count(*)::int AS span_count,
  sum(s.input_tokens) FILTER (WHERE ${COUNTS_USAGE('s')}) AS trace_input_tokens,
  sum(s.output_tokens) FILTER (WHERE ${COUNTS_USAGE('s')}) AS trace_output_tokens,
  sum(coalesce(s.total_tokens, s.input_tokens::bigint + s.output_tokens, s.input_tokens, s.output_tokens)) FILTER (WHERE ${COUNTS_USAGE('s')}) AS trace_total_tokens,
  sum(s.cost_usd) FILTER (WHERE ${COUNTS_USAGE('s')}) AS trace_cost_usd,
  (count(*) FILTER (WHERE ${COUNTS_USAGE('s')} AND s.cost_usd IS NULL AND s.status NOT IN ('pending', 'running')))::int AS trace_unpriced_spans,
  (array_agg(DISTINCT s.model_name) FILTER (WHERE ${COUNTS_USAGE('s')} AND s.model_name IS NOT NULL))[1:3] AS trace_models`;

/** A row of the trace list: the root span plus its trace's size and totals. */
export interface TraceListRow extends ApiSpan {
  span_count: number;
  trace_input_tokens: number | null;
  trace_output_tokens: number | null;
  trace_total_tokens: number | null;
  /** Sum over priced model calls; null when none is priced. */
  trace_cost_usd: number | null;
  /** Finished model calls with usage but no price. */
  trace_unpriced_spans: number;
  /** Up to three models the trace's counted model calls used (an agent root often names none). */
  trace_models: string[];
}

const TOTALS_NUMERIC = ['trace_input_tokens', 'trace_output_tokens', 'trace_total_tokens', 'trace_cost_usd'] as const;

/** The trace list: root spans, newest first, keyset-paginated on (start_time, id). */
export async function listRootSpans(
  database: Database,
  { userId, filters, limit, cursor }: { userId: string; filters: TraceListFilters; limit: number; cursor?: TraceListCursor | null },
): Promise<{ traces: TraceListRow[]; nextCursor: string | null }> {
  const { where, params } = listConditions(userId, filters);
  if (cursor) {
    params.push(cursor.startTime, cursor.id);
    where.push(`(r.start_time, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await database.query<Row>(
    `SELECT ${SELECT_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, totals.*
     FROM llm_traces r
     CROSS JOIN LATERAL (SELECT ${TRACE_TOTALS} FROM llm_traces s WHERE s.user_id = r.user_id AND s.trace_id = r.trace_id) totals
     WHERE ${where.join(' AND ')}
     ORDER BY r.start_time DESC, r.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit).map((row): TraceListRow => {
    const span = toApiSpan(row) as TraceListRow;
    for (const key of TOTALS_NUMERIC) span[key] = row[key] === null || row[key] === undefined ? null : Number(row[key]);
    span.span_count = Number(row.span_count);
    span.trace_unpriced_spans = Number(row.trace_unpriced_spans);
    span.trace_models = Array.isArray(row.trace_models) ? (row.trace_models as string[]) : [];
    return span;
  });
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ startTime: last.start_time, id: last.id }) : null;
  return { traces: page, nextCursor };
}

/** Providers, models and services of the user's recent traces, for the trace list's filter pickers. */
export async function recentFilterValues(database: Database, { userId }: { userId: string }) {
  return database.query<{ model_provider: string | null; model_name: string | null; service_name: string | null }>(
    `SELECT DISTINCT model_provider, model_name, service_name FROM (
       SELECT r.model_provider, r.model_name, r.service_name FROM llm_traces r WHERE r.user_id = $1 AND ${LISTED_ROOT('r')} ORDER BY r.start_time DESC LIMIT 2000
     ) recent`,
    [userId],
  );
}

export async function deleteTrace(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<number> {
  const rows = await database.query<{ id: string }>('DELETE FROM llm_traces WHERE user_id = $1 AND trace_id = $2 RETURNING id', [userId, traceId]);
  return rows.length;
}

/**
 * Deletes up to `batchSize` spans that started before `cutoff`; returns how many. Spans start in
 * years 1–9999, so a cutoff before year 1 (a retention of a million days) deletes nothing, and one
 * beyond 9999 is read as the last storable instant.
 */
export async function deleteSpansBefore(database: Database, { cutoff, batchSize }: { cutoff: Date; batchSize: number }): Promise<number> {
  if (!(cutoff.getTime() > MIN_STORABLE_MS)) return 0;
  const before = new Date(Math.min(cutoff.getTime(), MAX_STORABLE_MS));
  const rows = await database.query<{ n: number }>(
    `WITH doomed AS (SELECT id FROM llm_traces WHERE start_time < $1 LIMIT $2)
     , gone AS (DELETE FROM llm_traces t USING doomed WHERE t.id = doomed.id RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before.toISOString(), batchSize],
  );
  return Number(rows[0]?.n ?? 0);
}
