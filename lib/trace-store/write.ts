import 'server-only';
import { FINAL_STATUSES, OPEN_STATUSES, spanKey } from '@llmtrace/sdk/span';
import { BACKGROUND, type Database, type Queryable } from '@/lib/db/client';
import { isDataError, RowsNotSerializableError } from '@/lib/db/errors';
import { toStorableJson } from '@/lib/text/sanitize';
import { COLUMN_TYPES, COLUMNS, EXACT_START_TIME, HAS_USAGE, KEY_COLUMNS, LISTED_ROOT, type SpanRow } from './columns';
import { deletingSpansSql, MARK_BATCH_QUARTERS, MARK_TOUCHED_SQL, markQuartersSql, QUARTER_MS } from './rollups';
import { boundsOfRanges, forgetRanges, IN_JOINED_RANGE, JOIN_TRACE_RANGE, NO_TIME, WIDEN_RANGES_SQL, type TraceRange } from './trace-ranges';

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const FINAL_SQL = sqlList(FINAL_STATUSES);
const OPEN_SQL = sqlList(OPEN_STATUSES);

/** `(user_id, trace_id)` of a batch's traces, from a JSON parameter. */
const TRACES_PARAM = (n: number) => `json_to_recordset($${n}::json) AS k(user_id uuid, trace_id text)`;

/**
 * The batch's columns as `json_to_recordset` reads them. JSON values are read as `json` (the text
 * as sent) and cast to `jsonb` in the select list: letting `json_to_recordset` build the `jsonb`
 * itself costs several times more (measured: 53 ms against 8 ms per 1,000 spans).
 */
const RECORD_COLUMNS = COLUMN_TYPES.map(([n, t]) => `${n} ${t === 'jsonb' ? 'json' : t}`).join(', ');
const SELECT_RECORD = COLUMN_TYPES.map(([n, t]) => (t === 'jsonb' ? `r.${n}::jsonb` : n === 'tags' ? `coalesce(r.tags, '{}')` : `r.${n}`)).join(', ');

/**
 * A probe for stored spans of a known trace (`kn`, which carries the trace's range) reads only
 * the days the trace touches: the executor skips every other day's partition.
 */
const IN_RANGE = (alias: string) => ` AND ${alias}.start_time >= kn.first_start AND ${alias}.start_time <= kn.last_start${WITHIN_KNOWN(alias, 4)}`;

/**
 * ` AND …`: `<alias>.start_time` within the known traces' bounds, parameters `$n` and `$n+1`
 * ({@link batchTraceBounds}). Constants, so the planner plans only the days they cover: a probe
 * bounded only by a joined row's range is planned against every day's partition, 28 ms per
 * statement on PGlite with a month of days, on every batch (PGlite keeps no prepared plans).
 */
const WITHIN_KNOWN = (alias: string, n: number) => ` AND ${alias}.start_time >= $${n}::timestamptz AND ${alias}.start_time <= $${n + 1}::timestamptz`;

/** A stored copy of a span is replaced by a newer one, except a final one by a late `running` snapshot. */
const ON_CONFLICT = `ON CONFLICT (user_id, trace_id, span_id, start_time) DO UPDATE SET
    ${COLUMN_TYPES.filter(([n]) => !KEY_COLUMNS.has(n)).map(([n]) => `${n} = EXCLUDED.${n}`).join(',\n    ')},
    orphan = EXCLUDED.orphan,
    usage_rollup = llm_traces.usage_rollup OR EXCLUDED.usage_rollup
  WHERE NOT (llm_traces.status IN (${FINAL_SQL}) AND EXCLUDED.status IN (${OPEN_SQL}))`;

/**
 * One statement for the whole batch: the rows travel as a single JSON parameter and are unpacked
 * by `json_to_recordset`, which is far cheaper to plan and send than thousands of parameters.
 * A final span is never overwritten by a late `running` snapshot of itself.
 *
 * The `orphan` flag (the parent is not stored) and `usage_rollup` (a descendant reports usage)
 * arrive computed from the batch itself ({@link relateWithinBatch}). Only for the spans of traces
 * that already had spans stored (`$2`, usually none: a trace's spans tend to arrive together) are
 * they checked against the table, which costs two index probes per span.
 */
const UPSERT_SQL = `
WITH known AS (
  SELECT k.user_id, k.trace_id, tr.first_start, tr.last_start FROM ${TRACES_PARAM(2)}
  JOIN trace_ranges tr ON tr.user_id = k.user_id AND tr.trace_id = k.trace_id),
written AS (
  INSERT INTO llm_traces (${COLUMNS}, orphan, usage_rollup)
  SELECT ${SELECT_RECORD},
    CASE WHEN kn.trace_id IS NULL OR NOT r.orphan THEN r.orphan ELSE NOT EXISTS (
      SELECT 1 FROM llm_traces p WHERE p.user_id = r.user_id AND p.trace_id = r.trace_id AND p.span_id = r.parent_trace_id${IN_RANGE('p')}) END,
    r.usage_rollup OR (kn.trace_id IS NOT NULL AND EXISTS (
      SELECT 1 FROM llm_traces c WHERE c.user_id = r.user_id AND c.trace_id = r.trace_id AND c.parent_trace_id = r.span_id${IN_RANGE('c')}
        AND (c.usage_rollup OR ${HAS_USAGE('c')})))
  FROM json_to_recordset($1::json) AS r(${RECORD_COLUMNS}, orphan boolean, usage_rollup boolean)
  LEFT JOIN known kn ON kn.user_id = r.user_id AND kn.trace_id = r.trace_id
  WHERE kn.trace_id IS NULL OR r.status NOT IN (${OPEN_SQL}) OR NOT EXISTS (
    SELECT 1 FROM llm_traces f WHERE f.user_id = r.user_id AND f.trace_id = r.trace_id AND f.span_id = r.span_id${IN_RANGE('f')}
      AND f.start_time <> r.start_time AND f.status IN (${FINAL_SQL}))
  ${ON_CONFLICT}
  RETURNING user_id, trace_id, parent_trace_id, usage_rollup OR ${HAS_USAGE('llm_traces')} AS reports_usage
)
-- The Overview's roll-ups of the batch's quarter hours are stale from now on (rollups.ts).
, marked AS (${MARK_BATCH_QUARTERS(3)})
SELECT DISTINCT w.user_id, w.trace_id, w.parent_trace_id AS span_id FROM written w
JOIN known kn ON kn.user_id = w.user_id AND kn.trace_id = w.trace_id
WHERE w.parent_trace_id IS NOT NULL AND w.reports_usage`;

/**
 * A batch of new traces in one statement, on embedded PGlite: the ranges are made, the spans
 * written and their quarter hours marked only when none of the batch's traces has a range (spans
 * stored before); it returns whether it wrote. PGlite runs one statement at a time on one
 * connection, so a statement on its own is a transaction of its own, with no lock to take: one
 * message to PGlite's thread where the transaction took four (begin, ranges, upsert, commit), each
 * a round trip. When a trace is known, nothing is written and the writer takes the longer path.
 * `$1` the rows, `$2` the batch's `{user_id, trace_id, start_time}`, `$3` its quarters.
 */
const NEW_TRACES_SQL = `
WITH known AS (
  SELECT 1 FROM ${TRACES_PARAM(2)}
  CROSS JOIN LATERAL (SELECT 1 FROM trace_ranges t WHERE t.user_id = k.user_id AND t.trace_id = k.trace_id OFFSET 0) t LIMIT 1),
ranges AS (
  INSERT INTO trace_ranges (user_id, trace_id, first_start, last_start)
  SELECT b.user_id, b.trace_id, min(b.start_time), max(b.start_time)
  FROM json_to_recordset($2::json) AS b(user_id uuid, trace_id text, start_time timestamptz)
  WHERE NOT EXISTS (SELECT 1 FROM known)
  GROUP BY b.user_id, b.trace_id),
written AS (
  INSERT INTO llm_traces (${COLUMNS}, orphan, usage_rollup)
  SELECT ${SELECT_RECORD}, r.orphan, r.usage_rollup
  FROM json_to_recordset($1::json) AS r(${RECORD_COLUMNS}, orphan boolean, usage_rollup boolean)
  WHERE NOT EXISTS (SELECT 1 FROM known)
  ${ON_CONFLICT}),
marked AS (${MARK_BATCH_QUARTERS(3, ' WHERE NOT EXISTS (SELECT 1 FROM known)')})
SELECT NOT EXISTS (SELECT 1 FROM known) AS written`;

/**
 * A span re-sent with another start time would land in another row (the key holds start_time,
 * the partition key): the stored one goes first, unless it is final and the new one is not
 * (then the new one is dropped by the upsert).
 */
const MOVE_SQL = `
DELETE FROM llm_traces t USING json_to_recordset($1::json) AS r(user_id uuid, trace_id text, span_id text, start_time timestamptz, status text)
WHERE t.user_id = r.user_id AND t.trace_id = r.trace_id AND t.span_id = r.span_id AND t.start_time <> r.start_time${WITHIN_KNOWN('t', 2)}
  AND NOT (t.status IN (${FINAL_SQL}) AND r.status IN (${OPEN_SQL}))
RETURNING t.user_id, ${EXACT_START_TIME('t')} AS start_time`;

/** Orphans of the given traces whose parent is now stored are roots no more: one index probe per trace. */
const ADOPT_ORPHANS_SQL = `
UPDATE llm_traces c SET orphan = false FROM ${TRACES_PARAM(1)}
WHERE c.orphan AND c.user_id = k.user_id AND c.trace_id = k.trace_id${WITHIN_KNOWN('c', 2)}
  AND EXISTS (SELECT 1 FROM llm_traces p WHERE p.user_id = c.user_id AND p.trace_id = c.trace_id AND p.span_id = c.parent_trace_id${WITHIN_KNOWN('p', 2)})
RETURNING c.user_id, ${EXACT_START_TIME('c')} AS start_time`;

/**
 * The stored parents of the written spans that report usage (or roll it up), and their ancestors,
 * that are not roll-ups yet: the walk stops at an ancestor already marked, whose own ancestors are
 * marked too. Every step is a probe of the span key (a lateral join: a hash join would read the
 * whole table), and each row comes with its start time, so {@link MARK_ROLLUPS_SQL} finds it in
 * its day's partition.
 */
const ROLLUP_WALK_SQL = `
WITH RECURSIVE up AS (
  SELECT p.user_id, p.trace_id, p.span_id, p.start_time, p.parent_trace_id, p.usage_rollup
  FROM json_to_recordset($1::json) AS s(user_id uuid, trace_id text, span_id text)
  CROSS JOIN LATERAL (
    SELECT p.user_id, p.trace_id, p.span_id, p.start_time, p.parent_trace_id, p.usage_rollup FROM llm_traces p
    WHERE p.user_id = s.user_id AND p.trace_id = s.trace_id AND p.span_id = s.span_id${WITHIN_KNOWN('p', 2)} OFFSET 0) p
  UNION
  SELECT p.user_id, p.trace_id, p.span_id, p.start_time, p.parent_trace_id, p.usage_rollup
  FROM up CROSS JOIN LATERAL (
    SELECT p.user_id, p.trace_id, p.span_id, p.start_time, p.parent_trace_id, p.usage_rollup FROM llm_traces p
    WHERE p.user_id = up.user_id AND p.trace_id = up.trace_id AND p.span_id = up.parent_trace_id${WITHIN_KNOWN('p', 2)} OFFSET 0) p
  WHERE up.parent_trace_id IS NOT NULL AND NOT up.usage_rollup
)
SELECT up.user_id, up.trace_id, up.span_id, ${EXACT_START_TIME('up')} AS start_time FROM up WHERE NOT up.usage_rollup`;

/** Marks the spans {@link ROLLUP_WALK_SQL} found, by their full key. */
const MARK_ROLLUPS_SQL = `
UPDATE llm_traces t SET usage_rollup = true
FROM json_to_recordset($1::json) AS k(user_id uuid, trace_id text, span_id text, start_time timestamptz)
WHERE t.user_id = k.user_id AND t.trace_id = k.trace_id AND t.span_id = k.span_id AND t.start_time = k.start_time AND NOT t.usage_rollup${WITHIN_KNOWN('t', 2)}`;

/**
 * The hours of the session and end-user roots of the batch's traces that had spans stored before
 * it: a session's or end user's hourly roll-up counts a trace's usage in its root's hour
 * (rollups.ts), which a late span of the trace changes even when it starts in another hour. One probe of the root index per trace,
 * in the days of its range. (A new trace's roots are in the batch, whose hours are marked anyway.)
 */
const MARK_KNOWN_ROOTS_SQL = markQuartersSql(`
  SELECT r.user_id, r.start_time AS at FROM ${TRACES_PARAM(1)} ${JOIN_TRACE_RANGE('k.trace_id', 'k.user_id')}
  CROSS JOIN LATERAL (
    SELECT r.user_id, r.start_time FROM llm_traces r
    WHERE r.user_id = k.user_id AND r.trace_id = k.trace_id AND ${LISTED_ROOT('r')} AND (r.session_id IS NOT NULL OR r.end_user_id IS NOT NULL)${IN_JOINED_RANGE('r')}${WITHIN_KNOWN('r', 2)}
      OFFSET 0) r`);

/**
 * Concurrent batches of one trace would each miss the other's parent or children; one
 * transaction-scoped lock per trace, taken in a fixed order, serialises them without deadlocks.
 */
const LOCK_TRACES_SQL = `
SELECT pg_advisory_xact_lock(k) FROM (
  SELECT DISTINCT hashtextextended(b.user_id::text || b.trace_id, 0) AS k FROM json_to_recordset($1::json) AS b(user_id uuid, trace_id text) ORDER BY k
) locks`;

const OPEN: ReadonlySet<string> = new Set<string>(OPEN_STATUSES);
/** The writer's statements are planned once per connection (PGlite: once per session, lib/db/pglite-prepared.ts). */
const PREPARED = { prepare: true } as const;

/** Keeps one row per key (a statement may not touch a row twice): the final one, else the latest. */
function dedupe(rows: SpanRow[]): SpanRow[] {
  const byKey = new Map<string, SpanRow>();
  for (const row of rows) {
    const key = spanKey(row);
    const existing = byKey.get(key);
    if (existing && !OPEN.has(existing.status) && OPEN.has(row.status)) continue;
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

const reportsUsage = (row: SpanRow) => row.input_tokens != null || row.output_tokens != null || row.total_tokens != null || row.cost_usd != null;

type RelatedRow = SpanRow & {
  orphan: boolean;
  usage_rollup: boolean;
};

/** The row without its null fields: a missing key reads as null, and the batch's JSON is a third smaller. */
function withoutNulls(row: SpanRow): RelatedRow {
  const lean: Record<string, unknown> = { orphan: false, usage_rollup: false };
  for (const key in row) {
    const value = (row as unknown as Record<string, unknown>)[key];
    if (value !== null && value !== undefined) lean[key] = value;
  }
  return lean as RelatedRow;
}

/**
 * The flags a batch can settle alone: a span whose parent is in the batch is no orphan, and the
 * ancestors in the batch of a span that reports usage roll it up. What the batch cannot see (a
 * parent or child stored earlier) the upsert checks, for traces already stored only.
 */
function relateWithinBatch(rows: SpanRow[]): RelatedRow[] {
  const byKey = new Map<string, RelatedRow>();
  const related = rows.map((row) => {
    const r = withoutNulls(row);
    byKey.set(spanKey(r), r);
    return r;
  });
  for (const row of related) {
    if (!row.parent_trace_id) continue;
    const parent = byKey.get(spanKey({ user_id: row.user_id, trace_id: row.trace_id, span_id: row.parent_trace_id }));
    row.orphan = !parent;
    if (!reportsUsage(row)) continue;
    // Walk up within the batch, stopping at an ancestor already marked (its ancestors are).
    for (let p = parent, guard = 0; p && !p.usage_rollup && guard < related.length; guard++) {
      p.usage_rollup = true;
      p = p.parent_trace_id ? byKey.get(spanKey({ user_id: p.user_id, trace_id: p.trace_id, span_id: p.parent_trace_id })) : undefined;
    }
  }
  return related;
}

/** The batch's distinct (account, quarter hour) pairs as JSON `{user_id, epoch}` (epoch seconds of the quarter): usually one. */
function batchQuarters(rows: SpanRow[]): string {
  const quarters = new Map<string, { user_id: string; epoch: number }>();
  for (const row of rows) {
    const epoch = (Math.floor(new Date(row.start_time as Date | string).getTime() / QUARTER_MS) * QUARTER_MS) / 1000;
    quarters.set(`${row.user_id} ${epoch}`, { user_id: row.user_id, epoch });
  }
  return JSON.stringify([...quarters.values()]);
}

/**
 * Rows per upsert statement on embedded PGlite; a batch of more parts than one is background work
 * (lib/db/client.ts: it starts after the pages' statements in flight). Cut in parts since PGlite
 * ran on the server's own thread, where a 1,000-span statement held every request for a tenth of a
 * second or more; on its own thread (session 19) that no longer matters, and the size was kept. A
 * Postgres server takes the batch in one statement.
 */
export const PGLITE_UPSERT_ROWS = 100;

/** One upsert statement's rows as its parameters: the rows as JSON, and their quarter hours. */
interface UpsertPart {
  json: string;
  quarters: string;
}

function upsertParts(database: Database, rows: RelatedRow[]): UpsertPart[] {
  const size = database.kind === 'pglite' ? PGLITE_UPSERT_ROWS : rows.length;
  const parts: UpsertPart[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const part = rows.slice(start, start + size);
    try {
      // A NUL or a lone surrogate anywhere in a span (say in a tool's output) becomes U+FFFD instead of failing the batch.
      parts.push({ json: toStorableJson(part), quarters: batchQuarters(part) });
    } catch (error) {
      throw new RowsNotSerializableError(error);
    }
  }
  return parts;
}

/**
 * Inserts or completes spans, keyed by (user_id, trace_id, span_id), in one transaction. For
 * spans of new traces (the common case) that is one statement after the lock and the widening of
 * their ranges (on PGlite, one per {@link PGLITE_UPSERT_ROWS} rows, and a batch of one part is the
 * single statement {@link NEW_TRACES_SQL}); spans of traces already stored also move a
 * span re-sent with another start time, adopt orphans whose parent arrived and mark the roll-ups
 * above them. The flags the batch settles alone are settled on the whole batch, parts or not.
 */
export async function upsertSpans(database: Database, rows: SpanRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const unique = relateWithinBatch(dedupe(rows));
  const parts = upsertParts(database, unique);
  // The other statements need only the keys: parsing the whole batch (inputs, outputs) again would cost more than they do.
  const traces = JSON.stringify(unique.map(({ user_id, trace_id, start_time }) => ({ user_id, trace_id, start_time })));
  if (database.kind === 'pglite' && parts.length === 1) {
    const [done] = await database.query<{ written: boolean }>(NEW_TRACES_SQL, [parts[0]!.json, traces, parts[0]!.quarters], PREPARED);
    if (done?.written) return unique.length;
  }
  await database.transaction(async (tx) => {
    // No JIT here (the connection or the transaction turns it off, lib/db/client.ts): these
    // statements are index probes whose plans span every day's partition and looked costly
    // enough to compile, seconds per batch of a long trace (a 20,000-span trace: 95 s, 4 s without).
    if (database.kind === 'postgres') await tx.query(LOCK_TRACES_SQL, [traces], PREPARED);
    // The traces with spans stored before, their ranges widened first: the other statements bound their probes by them.
    const known = await tx.query<{ user_id: string; trace_id: string } & TraceRange>(WIDEN_RANGES_SQL, [traces], PREPARED);
    const knownJson = JSON.stringify(known.map(({ user_id, trace_id }) => ({ user_id, trace_id })));
    // The bounds cover the batch's own spans of those traces too.
    const { from, to } = boundsOfRanges(known) ?? NO_TIME;
    /** Stored spans (not the batch's) that these statements moved or re-flagged: their hours' roll-ups change too. */
    const touched: Array<{ user_id: string; start_time: string }> = [];
    if (known.length > 0) touched.push(...(await moveRespannedRows(tx, unique, known, [from, to])));
    const usageParents: Array<Record<string, unknown>> = [];
    for (const part of parts) usageParents.push(...(await tx.query(UPSERT_SQL, [part.json, knownJson, part.quarters, from, to], PREPARED)));
    if (known.length > 0) touched.push(...(await tx.query<{ user_id: string; start_time: string }>(ADOPT_ORPHANS_SQL, [knownJson, from, to], PREPARED)));
    if (usageParents.length > 0) {
      // Start times as exact text: a Date would round off the microseconds and miss the row.
      const marked = await tx.query<{ user_id: string; start_time: string }>(ROLLUP_WALK_SQL, [JSON.stringify(usageParents), from, to], PREPARED);
      if (marked.length > 0) await tx.query(MARK_ROLLUPS_SQL, [JSON.stringify(marked), from, to], PREPARED);
      touched.push(...marked);
    }
    if (touched.length > 0) await tx.query(MARK_TOUCHED_SQL, [JSON.stringify(touched)], PREPARED);
    if (known.length > 0) await tx.query(MARK_KNOWN_ROOTS_SQL, [knownJson, from, to], PREPARED);
    // A batch of one part (the chat's own spans, a small exporter) is over in a few milliseconds:
    // waiting for a quiet moment and turning the event loop would cost its caller more than it saves.
  }, parts.length > 1 ? BACKGROUND : undefined);
  return unique.length;
}

/** Deletes the stored copies of re-sent spans whose start time changed; returns where they were. */
async function moveRespannedRows(
  tx: Queryable,
  rows: SpanRow[],
  known: Array<{ user_id: string; trace_id: string }>,
  bounds: [from: string, to: string],
): Promise<Array<{ user_id: string; start_time: string }>> {
  const traces = new Set(known.map((k) => `${k.user_id} ${k.trace_id}`));
  const keys = rows
    .filter((row) => traces.has(`${row.user_id} ${row.trace_id}`))
    .map(({ user_id, trace_id, span_id, start_time, status }) => ({ user_id, trace_id, span_id, start_time, status }));
  return tx.query(MOVE_SQL, [JSON.stringify(keys), ...bounds], PREPARED);
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


export async function deleteTrace(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<number> {
  return database.transaction(async (tx) => {
    const rows = await tx.query<{ id: string }>(
      deletingSpansSql('DELETE FROM llm_traces WHERE user_id = $1 AND trace_id = $2 RETURNING id, user_id, start_time', 'id'),
      [userId, traceId],
    );
    await forgetRanges(tx, userId, [traceId]);
    return rows.length;
  });
}
