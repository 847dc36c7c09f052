/**
 * A page of the Sessions or End users list: keys of one grouping (`session_id`, `end_user_id`)
 * with their sums, in a sort's order, keyset-paginated. Both lists rank keys by a number only
 * their whole history gives, so the numbers are kept, not computed per page: `group_totals`
 * holds each key's sums, with an index per sort, and `group_hourly` the parts they are summed
 * from (migration 0015, built by the roll-up task in rollups.ts from the quarter hours marked in
 * `stats_dirty`; an hour is marked when any of its quarters is). A page reads:
 * - the totals of keys none of whose hours is marked, walking the sort's index (a page's worth of
 *   entries);
 * - for the keys of marked hours (under steady ingest, the hour in progress: its quarter in progress is marked),
 *   their kept totals less those hours' rows as last rolled up, plus the hours read from the spans
 *   (`mergedTotalsSql` in rollups.ts: a few index probes per key, however many hours it has);
 * and merges the two. So a page costs about its size plus the marked hours' traces, whatever the
 * history's length, and is never stale: the same numbers a grouping of every trace gives
 * (`groupTotalsSql` in sessions.ts, which tests hold it to).
 *
 * The walk over the sort's index takes a page plus as many rows as there are recounted keys, and
 * only then drops the recounted ones: asked to skip them as it walks (an anti-join), the planner,
 * which cannot know how few they are, joined every key of the grouping and sorted them (625k
 * sessions at 10M spans: 690 ms; 8 ms this way).
 */
import 'server-only';
import type { Database, Queryable } from '@/lib/db/client';
import { EXACT_START_TIME, LISTED_ROOT } from './columns';
import { type Grouping, groupHoursSql, HOUR_OF, mergedTotalsSql } from './rollups';
import { JOIN_TRACE_RANGE } from './trace-ranges';

/** Microseconds since the epoch of a timestamptz, exact (bigint): a keyset position. */
const MICROS = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint`;

/** The instant of a microseconds parameter (split so that no step goes through a lossy float). */
const FROM_MICROS = (param: string) =>
  `(timestamptz 'epoch' + (${param}::bigint / 1000000) * interval '1 second' + (${param}::bigint % 1000000) * interval '1 microsecond')`;

/** What a list sorts by. */
export const GROUP_SORTS = ['last_seen', 'traces', 'total_tokens', 'cost_usd', 'error_rate'] as const;
export type GroupSort = (typeof GROUP_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/**
 * Each sort's key over a key's sums `t` (a row of `group_totals`, or one recomputed alike), as the
 * sort's index holds it; the cursor's value as a parameter of the same type (so the index answers
 * the keyset comparison); the value as the cursor writes it. A null cost (nothing priced) ranks
 * below every priced one.
 */
const SORT_KEYS: Record<GroupSort, { key: (t: string) => string; param: (p: string) => string; position: (t: string) => string }> = {
  last_seen: { key: (t) => `${t}.last_seen`, param: FROM_MICROS, position: (t) => `${MICROS(`${t}.last_seen`)}::text` },
  traces: { key: (t) => `${t}.traces`, param: (p) => `${p}::bigint`, position: (t) => `${t}.traces::text` },
  error_rate: { key: (t) => `${t}.error_rate`, param: (p) => `${p}::numeric`, position: (t) => `${t}.error_rate::text` },
  total_tokens: { key: (t) => `${t}.tokens`, param: (p) => `${p}::bigint`, position: (t) => `${t}.tokens::text` },
  cost_usd: { key: (t) => `coalesce(${t}.cost_usd, -1)`, param: (p) => `${p}::numeric`, position: (t) => `coalesce(${t}.cost_usd, -1)::text` },
};

/** A key's sums, as a page returns them (`position` is its sort value as the cursor writes it, `tie` the cursor's id). */
export interface GroupRow {
  key: string;
  traces: number;
  errors: number;
  tokens: number;
  /** Sum over priced model calls; null when none is priced. */
  cost_usd: number | null;
  first_seen: Date | string;
  last_seen: Date | string;
  /** The end user of the latest trace that names one. */
  end_user_id: string | null;
  position: string;
  tie: string;
}

/** The keyset position of the last row of a previous page. */
export interface GroupCursor {
  value: string;
  id: string;
}

/** The columns of `group_totals` a page reads, in this order. */
const SUMS = ['key', 'traces', 'errors', 'error_rate', 'tokens', 'cost_usd', 'first_seen', 'last_seen', 'end_user_id', 'tie'];

interface MarkedHours {
  epochs: number[];
  /** The hours' span: bounds for their roots. */
  roots: { from: string; to: string };
  /** The ranges of every trace of those roots: bounds for the traces' other spans (null: some trace has no range). */
  spans: { from: string; to: string } | null;
}

/** The account's marked hours (epoch seconds) and constant bounds for reading them from the spans; null when none is marked. */
async function markedHours(database: Queryable, userId: string, grouping: Grouping): Promise<MarkedHours | null> {
  // An hour is marked when any of its quarters is (rollups.ts).
  const hours = await database.query<{ epoch: string | number }>(
    `SELECT DISTINCT extract(epoch FROM ${HOUR_OF('quarter')})::bigint AS epoch FROM stats_dirty WHERE user_id = $1`,
    [userId],
  );
  if (hours.length === 0) return null;
  const epochs = hours.map((hour) => Number(hour.epoch));
  const roots = { from: new Date(Math.min(...epochs) * 1000).toISOString(), to: new Date((Math.max(...epochs) + 3600) * 1000).toISOString() };
  const [range] = await database.query<{ from: string | null; to: string | null; unranged: boolean | null }>(
    `SELECT ${EXACT_START_TIME('x', 'first')} AS "from", ${EXACT_START_TIME('x', 'last')} AS "to", x.unranged FROM (
       SELECT min(tr.first_start) AS first, max(tr.last_start) AS last, bool_or(tr.first_start IS NULL) AS unranged
       FROM llm_traces r ${JOIN_TRACE_RANGE('r.trace_id')}
       WHERE r.user_id = $1 AND ${LISTED_ROOT('r')} AND r.${grouping} IS NOT NULL AND r.start_time >= $2::timestamptz AND r.start_time < $3::timestamptz
         AND ${HOUR_OF('r.start_time')} IN (SELECT to_timestamp(x::bigint) FROM json_array_elements_text($4::json) AS x)) x`,
    [userId, roots.from, roots.to, JSON.stringify(epochs)],
  );
  const spans = range?.unranged ? null : range?.from && range.to ? { from: range.from, to: range.to } : roots;
  return { epochs, roots, spans };
}

/**
 * The keys of `grouping` after `cursor` in the given sort and order, `limit + 1` at most (the
 * extra row says a next page exists).
 */
export async function readGroupPage(
  database: Database,
  { userId, grouping, sort, order, limit, cursor }: { userId: string; grouping: Grouping; sort: GroupSort; order: SortOrder; limit: number; cursor?: GroupCursor | null },
): Promise<GroupRow[]> {
  // One snapshot for the marked hours and the page: under READ COMMITTED a trace written between
  // the two statements could fall outside the bounds the first one found.
  const rows = await database.transaction(async (tx: Queryable) => {
    if (database.kind === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const marked = await markedHours(tx, userId, grouping);
    const params: unknown[] = [userId, grouping];
    const sortKey = SORT_KEYS[sort];
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    let after: (t: string) => string = () => 'true';
    if (cursor) {
      params.push(cursor.value, cursor.id);
      const [value, id] = [params.length - 1, params.length];
      after = (t) => `(${sortKey.key(t)}, ${t}.tie) ${order === 'desc' ? '<' : '>'} (${sortKey.param(`$${value}`)}, $${id}::uuid)`;
    }
    params.push(limit + 1);
    const limitParam = `$${params.length}`;
    const constant = (bounds: { from: string; to: string } | null | undefined, end: '<' | '<=') => {
      if (!bounds) return () => '';
      params.push(bounds.from, bounds.to);
      const [from, to] = [params.length - 1, params.length];
      return (alias: string) => ` AND ${alias}.start_time >= $${from}::timestamptz AND ${alias}.start_time ${end} $${to}::timestamptz`;
    };
    const columns = (t: string) => SUMS.map((column) => `${t}.${column}`).join(', ');
    const page = (t: string, limit: string) => `ORDER BY ${sortKey.key(t)} ${direction}, ${t}.tie ${direction} LIMIT ${limit}`;
    if (!marked) {
      // Nothing marked: the page is the kept totals, a walk over the sort's index.
      return tx.query<Record<string, unknown>>(
        `SELECT ${columns('t')}, ${sortKey.position('t')} AS position FROM group_totals t
         WHERE t.user_id = $1 AND t.grouping = $2 AND ${after('t')} ${page('t', limitParam)}`,
        params,
      );
    }
    params.push(JSON.stringify(marked.epochs));
    const hoursParam = `$${params.length}`;
    const live = groupHoursSql(grouping, `(SELECT $1::uuid AS user_id, hour AS lo, hour + '1 hour'::interval AS hi FROM dirty) w`, {
      roots: constant(marked.roots, '<')('r'),
      spans: constant(marked.spans, '<='),
    });
    // The marked hours' rows are read hour by hour and the totals key by key (lateral joins, OFFSET
    // 0): the planner, which cannot know how few marked hours and keys there are, would rather hash every row.
    return tx.query<Record<string, unknown>>(
      `WITH dirty AS MATERIALIZED (SELECT to_timestamp(x::bigint) AS hour FROM json_array_elements_text(${hoursParam}::json) AS x),
       live AS MATERIALIZED (${live}),
       recounted AS MATERIALIZED (${mergedTotalsSql(
         'SELECT * FROM live',
         'SELECT h.* FROM dirty d CROSS JOIN LATERAL (SELECT h.* FROM group_hourly h WHERE h.user_id = $1 AND h.hour = d.hour AND h.grouping = $2 OFFSET 0) h',
         (h) => `EXISTS (SELECT 1 FROM dirty d WHERE d.hour = ${h}.hour)`,
       )}),
       kept AS (
         SELECT ${columns('t')} FROM group_totals t
         WHERE t.user_id = $1 AND t.grouping = $2 AND ${after('t')}
         ${page('t', `${limitParam} + (SELECT count(*) FROM recounted)`)})
       SELECT ${columns('p')}, ${sortKey.position('p')} AS position FROM (
         SELECT ${columns('k')} FROM kept k WHERE NOT EXISTS (SELECT 1 FROM recounted x WHERE x.key = k.key) UNION ALL SELECT ${columns('r')} FROM recounted r WHERE r.traces > 0 AND ${after('r')}) p
       ${page('p', limitParam)}`,
      params,
    );
  });
  return rows.map((row) => ({
    key: String(row.key),
    traces: Number(row.traces),
    errors: Number(row.errors),
    tokens: Number(row.tokens ?? 0),
    cost_usd: row.cost_usd === null || row.cost_usd === undefined ? null : Number(row.cost_usd),
    first_seen: row.first_seen as Date | string,
    last_seen: row.last_seen as Date | string,
    end_user_id: (row.end_user_id as string | null) ?? null,
    position: String(row.position),
    tie: String(row.tie),
  }));
}
