import 'server-only';
import { FINAL_STATUSES, OPEN_STATUSES, spanKey } from '@llmtrace/sdk/span';
import type { Database } from '@/lib/db/client';
import { isDataError, RowsNotSerializableError } from '@/lib/db/errors';
import { MAX_STORABLE_MS, MIN_STORABLE_MS } from '@/lib/db/timestamps';
import { toStorableJson } from '@/lib/text/sanitize';
import { COLUMN_TYPES, COLUMNS, HAS_USAGE, KEY_COLUMNS, type SpanRow } from './columns';

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

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
  WHERE NOT (llm_traces.status IN (${sqlList(FINAL_STATUSES)}) AND EXCLUDED.status IN (${sqlList(OPEN_STATUSES)}))
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

const OPEN: ReadonlySet<string> = new Set<string>(OPEN_STATUSES);

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


export async function deleteTrace(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<number> {
  const rows = await database.query<{ id: string }>('DELETE FROM llm_traces WHERE user_id = $1 AND trace_id = $2 RETURNING id', [userId, traceId]);
  return rows.length;
}

/**
 * Deletes up to `batchSize` spans past retention; returns how many. An account that set its own
 * retention (`account_settings.retention_days`) keeps its spans that many days before `now`; every
 * other account's spans go when they started before `cutoff` (the server's `TRACE_RETENTION_DAYS`).
 * Spans start in years 1–9999, so a cutoff before year 1 (a retention of a million days) deletes
 * nothing by the default, and one beyond 9999 is read as the last storable instant.
 */
export async function deleteSpansBefore(
  database: Database,
  { cutoff, batchSize, now = new Date() }: { cutoff: Date; batchSize: number; now?: Date },
): Promise<number> {
  const before = cutoff.getTime() > MIN_STORABLE_MS ? new Date(Math.min(cutoff.getTime(), MAX_STORABLE_MS)).toISOString() : null;
  const rows = await database.query<{ n: number }>(
    `WITH doomed AS (
       (SELECT t.id FROM llm_traces t
        WHERE t.start_time < $1::timestamptz
          AND NOT EXISTS (SELECT 1 FROM account_settings s WHERE s.user_id = t.user_id AND s.retention_days IS NOT NULL)
        LIMIT $2)
       UNION ALL
       (SELECT t.id FROM account_settings s
        JOIN llm_traces t ON t.user_id = s.user_id AND t.start_time < $3::timestamptz - make_interval(days => s.retention_days)
        WHERE s.retention_days IS NOT NULL
        LIMIT $2)
     )
     , gone AS (DELETE FROM llm_traces t USING (SELECT id FROM doomed LIMIT $2) d WHERE t.id = d.id RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before, batchSize, now.toISOString()],
  );
  return Number(rows[0]?.n ?? 0);
}
