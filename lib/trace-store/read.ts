import 'server-only';
import type { ApiSpan } from '@llmtrace/sdk/span';
import type { Database } from '@/lib/db/client';
import { decodeCursor as decodeKeyset, encodeCursor as encodeKeyset } from '@/lib/db/cursor';
import { isStorableInstant } from '@/lib/db/timestamps';
import { COUNTS_USAGE, EXACT_START_TIME, LISTED_ROOT, selectColumns, toApiSpan } from './columns';
import { newestRoots } from './newest-roots';
import { DESCENDANT_DOCS, DOC, PREVIEW_JOINS, PREVIEW_LENGTH, previewText } from './previews';
import { type FoundRoot, searchRootIds } from './search';
import { boundsOfRanges, boundTrace, IN_JOINED_RANGE, JOIN_TRACE_RANGE, spanTimeBounds, withinBounds } from './trace-ranges';

type Row = Record<string, unknown>;

const SELECT_COLUMNS = selectColumns('t');
const LIGHT_SELECT_COLUMNS = selectColumns('t', { withData: false });

/**
 * Every span of one trace, parents before children (by start time). With `withData: false` the
 * (often large) input_data and output_data are left out and each span says `data_omitted`.
 */
export async function getTraceSpans(
  database: Database,
  { userId, traceId, withData = true }: { userId: string; traceId: string; withData?: boolean },
): Promise<ApiSpan[]> {
  const params: unknown[] = [userId, traceId];
  const bounds = await boundTrace(database, userId, traceId, params, 't');
  const rows = await database.query<Row>(
    `SELECT ${withData ? SELECT_COLUMNS : LIGHT_SELECT_COLUMNS} FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2${bounds}
     ORDER BY t.start_time, (t.parent_trace_id IS NOT NULL), t.span_id`,
    params,
  );
  return rows.map(toApiSpan);
}

/** How many spans one of the user's traces has (at most `upTo`, when given). */
export async function countTraceSpans(
  database: Database,
  { userId, traceId, upTo }: { userId: string; traceId: string; upTo?: number },
): Promise<number> {
  const params: unknown[] = [userId, traceId];
  const bounds = await boundTrace(database, userId, traceId, params, 't');
  // `upTo`: counting stops there (a caller that only needs to know "more than n" spares a scan of a big trace).
  const limit = upTo === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(upTo))}`;
  const [row] = await database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2${bounds}${limit}) s`,
    params,
  );
  return Number(row?.n ?? 0);
}

/** The root span of a trace (the earliest parentless one, else the earliest orphan), without its input and output. */
export async function getRootSpan(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<ApiSpan | null> {
  const params: unknown[] = [userId, traceId];
  const bounds = await boundTrace(database, userId, traceId, params, 't');
  const [row] = await database.query<Row>(
    `SELECT ${LIGHT_SELECT_COLUMNS} FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2 AND (t.parent_trace_id IS NULL OR t.orphan)${bounds}
     ORDER BY (t.parent_trace_id IS NULL) DESC, t.start_time LIMIT 1`,
    params,
  );
  return row ? toApiSpan(row) : null;
}

/** One span with all its data. */
export async function getSpan(database: Database, { userId, traceId, spanId }: { userId: string; traceId: string; spanId: string }): Promise<ApiSpan | null> {
  const params: unknown[] = [userId, traceId, spanId];
  const bounds = await boundTrace(database, userId, traceId, params, 't');
  const [row] = await database.query<Row>(`SELECT ${SELECT_COLUMNS} FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2 AND t.span_id = $3${bounds}`, params);
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
  /**
   * Text that a span of the trace contains (any span: its input, output, name, model, service or
   * error text), case-insensitively, in any script; or the beginning of the trace's id or of a
   * span's message id. See `lib/trace-store/search.ts`.
   */
  q?: string;
}

export interface TraceListCursor {
  /** The last root's start time to the microsecond (`2026-12-02T10:00:00.123456Z`): spans from OpenTelemetry carry more than milliseconds. */
  startTime: string;
  id: string;
}

/** An ISO instant with milliseconds (cursors written before microseconds) or microseconds. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$/;

export function encodeCursor(cursor: TraceListCursor): string {
  return encodeKeyset({ position: cursor.startTime, id: cursor.id });
}

/**
 * The position {@link encodeCursor} wrote, or null for anything else: the time must be an ISO
 * instant (milliseconds or microseconds) of a storable day, so the query cannot fail on it.
 */
export function decodeCursor(value: string): TraceListCursor | null {
  const cursor = decodeKeyset(value, (time) => {
    if (!CURSOR_TIME.test(time)) return false;
    const date = new Date(`${time.slice(0, 23)}Z`);
    return isStorableInstant(date) && date.toISOString() === `${time.slice(0, 23)}Z`;
  });
  return cursor && { startTime: cursor.position, id: cursor.id };
}

/** Builds the WHERE clause of the trace list (root spans of one user), every filter but `q`. */
function listConditions(userId: string, filters: TraceListFilters) {
  // The orphan flag is exact: a parent and its children are written under one lock per trace,
  // and the parent's batch clears its children's flags (write.ts).
  const where = ['r.user_id = $1', LISTED_ROOT('r')];
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
    // A trace matches when its root or any of its spans has the operation (e.g. "traces with a
    // tool call"). Its spans are looked for within its range (trace-ranges.ts; unbounded when it
    // has none): the executor then probes the days the trace touches, not every day's partition.
    add(
      (p) => `(r.operation_type = ${p} OR EXISTS (
        SELECT 1 FROM (SELECT) one ${JOIN_TRACE_RANGE('r.trace_id', 'r.user_id')}
        JOIN llm_traces c ON c.user_id = r.user_id AND c.trace_id = r.trace_id${IN_JOINED_RANGE('c')} AND c.operation_type = ${p}))`,
      filters.operation_type,
    );
  }
  // `q` is not a condition on the root: searchRootIds (search.ts) finds the traces it matches.
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
  /**
   * One line of what the trace was asked: the first user message of the root's input (else its
   * prompt, query or text, else its JSON), from the earliest span with an input when the root has
   * none. Whitespace collapsed, at most {@link PREVIEW_LENGTH} characters; null without input.
   */
  input_preview: string | null;
  /** One line of what the trace answered: the final output of the root (else of the span that ended last), as above. */
  output_preview: string | null;
}

/** A nullable aggregate (Postgres sends bigint and numeric as text) → a JSON number or null. */
function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** A row of the list query → the root as the API serves it, plus its trace's totals. */
function toTraceListRow(row: Row): TraceListRow {
  return {
    ...toApiSpan(row),
    span_count: Number(row.span_count),
    trace_input_tokens: numberOrNull(row.trace_input_tokens),
    trace_output_tokens: numberOrNull(row.trace_output_tokens),
    trace_total_tokens: numberOrNull(row.trace_total_tokens),
    trace_cost_usd: numberOrNull(row.trace_cost_usd),
    trace_unpriced_spans: Number(row.trace_unpriced_spans),
    trace_models: Array.isArray(row.trace_models) ? row.trace_models.map(String) : [],
    input_preview: previewText(row.input_preview),
    output_preview: previewText(row.output_preview),
  };
}

const DAY_MS = 86_400_000;
/**
 * Roots further apart than this are read by separate statements. On PGlite, which plans every
 * call, a statement costs about as much as planning seven days' partitions (3.5 ms against 0.5):
 * so a gap of three days costs less planned than read apart. (At one day, the 13 roots of a rare
 * end user over a month took 13 statements on PGlite: p50 40–43 ms, against 20–27 ms at three
 * days, in alternated runs at 250k spans.) On Postgres the statement's plan is kept (generic), so
 * a group's days cost nothing to plan; one group for a whole page measured the same at 1M spans
 * (session 11), and the groups stay alike on both.
 */
const GROUP_GAP_MS = 3 * DAY_MS;

/**
 * The rows of a page whose roots are known: each root with its trace's totals and its previews,
 * newest first. Every reference to `llm_traces` is bounded by the roots' own times and the page's
 * traces' ranges: PGlite's planner keeps only the days the page touches, and on Postgres, where
 * the plan is generic and kept, the executor prunes the other days (with a partition per day,
 * planning every day for each reference cost more than running the query).
 */
async function readListRows(database: Database, userId: string, keys: FoundRoot[], withData: boolean): Promise<Row[]> {
  // Roots days apart (a rare search match, a selective filter) are read in groups, each bounded
  // by its own days: on PGlite, which plans every call, one statement over a month with a gap of
  // weeks would plan every day's partition.
  const groups: FoundRoot[][] = [];
  const newestFirst = [...keys].sort((a, b) => (a.startTime < b.startTime ? 1 : -1));
  for (const key of newestFirst) {
    const group = groups[groups.length - 1];
    const previous = group?.[group.length - 1];
    if (group && previous && Date.parse(previous.startTime) - Date.parse(key.startTime) <= GROUP_GAP_MS) group.push(key);
    else groups.push([key]);
  }
  const rows: Row[] = [];
  for (const group of groups) rows.push(...(await readListGroup(database, userId, group, withData)));
  return rows;
}

/**
 * {@link readListRows} for roots close in time: the roots with their totals and their own
 * documents' previews, then, for the roots without an input or output of their own (rarer), the
 * previews from their traces' other spans in a second statement. One statement with both would
 * plan every day's partition twice more for every page.
 */
async function readListGroup(database: Database, userId: string, keys: FoundRoot[], withData: boolean): Promise<Row[]> {
  if (keys.length === 0) return [];
  const read = async (group: FoundRoot[], select: string, joins: (within: (alias: string) => string) => string) => {
    const times = group.map((key) => key.startTime).sort();
    // Each root once (the finders return each once), with its trace's range for the bound below.
    const roots = group.map((key) => ({
      start_time: key.startTime,
      id: key.id,
      first_start: key.range?.first_start ?? null,
      last_start: key.range?.last_start ?? null,
    }));
    const params: unknown[] = [userId, JSON.stringify(roots), times[0], times[times.length - 1]];
    // The finder may have read the traces' ranges already (the plain list does); else one probe each.
    const ranges = group.every((key) => key.range) ? boundsOfRanges(group.map((key) => key.range!)) : await spanTimeBounds(database, userId, group.map((key) => key.traceId));
    const acrossGroup = withinBounds(ranges, params);
    // A trace's spans are read within the group's bounds (constants: the planner keeps those days'
    // partitions) and within that trace's own range (its root's row `k`: at each root, only its own
    // days' partitions are probed, not every day of the group: 30 probes a trace for a page of roots
    // a month apart, 9 of its 10 ms at 1M spans).
    const within = (alias: string) =>
      `${acrossGroup(alias)} AND ${alias}.start_time >= coalesce(k.first_start, '-infinity') AND ${alias}.start_time <= coalesce(k.last_start, 'infinity')`;
    // Each root by its key (a lateral join: the executor keeps only that root's day's partition),
    // as a generic plan on Postgres: the statement is planned once per connection, and its bounds
    // prune the partitions when it runs. Planned on every call, its 30 days of partitions for a
    // page of roots a month apart cost more than reading it (end_user_id=user-42 at 1M spans: p50
    // 0.55–0.57 of before, in three alternated runs). `$2::text::json`: a prepared statement's
    // JSON value is sent as given.
    return database.query<Row>(
      `SELECT ${select} FROM json_to_recordset($2::text::json) AS k(start_time timestamptz, id uuid, first_start timestamptz, last_start timestamptz)
       CROSS JOIN LATERAL (
         SELECT r.* FROM llm_traces r
         WHERE r.start_time = k.start_time AND r.id = k.id AND r.user_id = $1 AND r.start_time >= $3::timestamptz AND r.start_time <= $4::timestamptz AND ${LISTED_ROOT('r')}
         OFFSET 0) r
       ${joins(within)}
       ORDER BY r.start_time DESC, r.id DESC`,
      params,
      { generic: true },
    );
  };
  const rows = await read(
    keys,
    `${selectColumns('r', { withData })}, totals.*, previews.input_preview, previews.output_preview, docs.input_doc IS NULL AS input_missing, docs.output_doc IS NULL AS output_missing`,
    (within) => `CROSS JOIN LATERAL (SELECT ${TRACE_TOTALS} FROM llm_traces s WHERE s.user_id = r.user_id AND s.trace_id = r.trace_id${within('s')}) totals
      ${PREVIEW_JOINS(DOC('r.input_data'), DOC('r.output_data'))}`,
  );
  const missing = new Set(rows.filter((row) => row.input_missing || row.output_missing).map((row) => String(row.id)));
  if (missing.size > 0) {
    const found = await read(keys.filter((key) => missing.has(key.id)), 'r.id, previews.input_preview, previews.output_preview', (within) => {
      const [input, output] = DESCENDANT_DOCS(within);
      return PREVIEW_JOINS(`coalesce(${DOC('r.input_data')}, ${input})`, `coalesce(${DOC('r.output_data')}, ${output})`);
    });
    const byId = new Map(found.map((row) => [String(row.id), row]));
    for (const row of rows) {
      const other = byId.get(String(row.id));
      if (other) Object.assign(row, { input_preview: other.input_preview, output_preview: other.output_preview });
    }
  }
  return rows;
}

/**
 * The trace list: root spans, newest first, keyset-paginated on (start_time, id). With
 * `withData: false` the roots' input_data and output_data are left out (each says
 * `data_omitted`); the previews are there either way. The page's roots are found first (by `q`
 * through search.ts), then read with their totals and previews.
 */
export async function listRootSpans(
  database: Database,
  {
    userId,
    filters,
    limit,
    cursor,
    withData = true,
  }: { userId: string; filters: TraceListFilters; limit: number; cursor?: TraceListCursor | null; withData?: boolean },
): Promise<{ traces: TraceListRow[]; nextCursor: string | null }> {
  const { where, params } = listConditions(userId, filters);
  if (cursor) {
    params.push(cursor.startTime, cursor.id);
    where.push(`(r.start_time, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  let keys: FoundRoot[];
  if (filters.q) keys = await searchRootIds(database, { where, params, q: filters.q, want: limit + 1 });
  else {
    const rows = await newestRoots(database, { where, params, count: limit + 1, top: cursor ? Date.parse(cursor.startTime) : Date.now() });
    keys = rows.map((row) => ({ id: String(row.id), startTime: row.start_text, traceId: row.trace_id, range: row }));
  }
  const page = keys.slice(0, limit);
  const rows = await readListRows(database, userId, page, withData);
  const last = page[limit - 1];
  const nextCursor = keys.length > limit && last ? encodeCursor({ startTime: last.startTime, id: last.id }) : null;
  return { traces: rows.map(toTraceListRow), nextCursor };
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

