/**
 * End users: the application's own users (`end_user_id`: the chat API's `user`, the proxy's
 * `x-llmtrace-user-id`, OTLP's `user.id` / `enduser.id`), with what each costs. The same rules
 * as sessions (`sessions.ts`): traces are listed roots, each counted once; tokens and cost count
 * each model call once; error_rate = traces whose root failed / traces.
 *
 * Every sort (`sort`, `order`, keyset `cursor`, never an offset) ranks end users by a number only
 * their whole history gives, so the numbers are kept, not computed per page: `end_user_totals`
 * holds each end user's sums, with an index per sort, and `end_user_hourly` the parts they are
 * summed from (migration 0015, built by the roll-up task in rollups.ts from the hours marked in
 * `stats_dirty`). A page reads:
 * - the totals of end users none of whose hours is marked, walking the sort's index (a page's
 *   worth of entries);
 * - for the end users of marked hours (under steady ingest, the hour in progress and the last
 *   one), their clean hourly rows plus the marked hours read from the spans;
 * and merges the two. So a page costs about its size plus the marked hours' traces, whatever the
 * history's length, and is never stale.
 *
 * The cursor is the one keyset codec: the position is `sort.order:value` (so a cursor of another
 * sort or order is refused with a 422) and the id is `md5(end_user_id)` as a uuid, unique to the
 * end user: the tie-breaker.
 */
import 'server-only';
import { z } from 'zod';
import type { Database, Queryable } from '@/lib/db/client';
import { decodeCursor, encodeCursor } from '@/lib/db/cursor';
import { EXACT_START_TIME, LISTED_ROOT } from './columns';
import { endUserHoursSql, ERROR_RATE, HOUR_OF } from './rollups';
import { FROM_MICROS, iso, invalidCursor, isMicrosPosition, MICROS, PageCursor, PageLimit } from './sessions';
import { JOIN_TRACE_RANGE } from './trace-ranges';

type Row = Record<string, unknown>;

/** What the end-user list sorts by. */
export const END_USER_SORTS = ['last_seen', 'traces', 'total_tokens', 'cost_usd', 'error_rate'] as const;
export type EndUserSort = (typeof END_USER_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** Query string of `GET /api/analytics/users`. */
export const EndUserListQuery = z.object({
  sort: z.enum(END_USER_SORTS).default('last_seen'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: PageLimit,
  cursor: PageCursor,
});
export type EndUserListQuery = z.infer<typeof EndUserListQuery>;

/** One row of `GET /api/analytics/users`. */
export interface EndUserSummary {
  end_user_id: string;
  traces: number;
  total_tokens: number;
  /** Sum over priced model calls; null when none of the end user's calls is priced. */
  cost_usd: number | null;
  /** Traces whose root failed / traces (0 to 1). */
  error_rate: number;
  last_seen: string;
}

/**
 * Each sort's key over an end user's sums `t` (a row of `end_user_totals`, or one recomputed
 * alike), as the sort's index holds it; the cursor's value as a parameter of the same type (so
 * the index answers the keyset comparison); the value as the cursor writes it. A null cost
 * (nothing priced) ranks below every priced one.
 */
const SORT_KEYS: Record<EndUserSort, { key: (t: string) => string; param: (p: string) => string; position: (t: string) => string }> = {
  last_seen: { key: (t) => `${t}.last_seen`, param: FROM_MICROS, position: (t) => `${MICROS(`${t}.last_seen`)}::text` },
  traces: { key: (t) => `${t}.traces`, param: (p) => `${p}::bigint`, position: (t) => `${t}.traces::text` },
  error_rate: { key: (t) => `${t}.error_rate`, param: (p) => `${p}::numeric`, position: (t) => `${t}.error_rate::text` },
  total_tokens: { key: (t) => `${t}.tokens`, param: (p) => `${p}::bigint`, position: (t) => `${t}.tokens::text` },
  cost_usd: { key: (t) => `coalesce(${t}.cost_usd, -1)`, param: (p) => `${p}::numeric`, position: (t) => `coalesce(${t}.cost_usd, -1)::text` },
};

/** Integer keys fit a bigint whatever the cursor says (18 digits). */
const INTEGER_TEXT = /^\d{1,18}$/;
const NUMERIC_TEXT = /^-?\d{1,40}(\.\d{1,40})?$/;

export interface EndUserCursor {
  sort: EndUserSort;
  order: SortOrder;
  /** The sort key of the last row, as Postgres writes the numeric. */
  value: string;
  id: string;
}

export function encodeEndUserCursor(cursor: EndUserCursor): string {
  return encodeCursor({ position: `${cursor.sort}.${cursor.order}:${cursor.value}`, id: cursor.id });
}

/** The cursor {@link encodeEndUserCursor} wrote for this sort and order, or null. */
export function decodeEndUserCursor(value: string, sort: EndUserSort, order: SortOrder): EndUserCursor | null {
  const prefix = `${sort}.${order}:`;
  const cursor = decodeCursor(value, (position) => {
    if (!position.startsWith(prefix)) return false;
    const key = position.slice(prefix.length);
    if (sort === 'last_seen') return isMicrosPosition(key);
    return sort === 'traces' || sort === 'total_tokens' ? INTEGER_TEXT.test(key) : NUMERIC_TEXT.test(key);
  });
  return cursor && { sort, order, value: cursor.position.slice(prefix.length), id: cursor.id };
}

/** An end user's sums: the columns of `end_user_totals` a page reads, in this order. */
const SUMS = ['end_user_id', 'traces', 'errors', 'error_rate', 'tokens', 'cost_usd', 'first_seen', 'last_seen', 'tie'];

/**
 * The account's marked hours (epoch seconds), and constant bounds for reading them from the
 * spans: the hours' span for their roots, and for the traces' other spans the ranges of every
 * trace those roots belong to (null: some trace has no range, so no bound).
 */
async function markedHours(database: Queryable, userId: string): Promise<{ epochs: number[]; roots: { from: string; to: string }; spans: { from: string; to: string } | null } | null> {
  const hours = await database.query<{ epoch: string | number }>('SELECT extract(epoch FROM hour)::bigint AS epoch FROM stats_dirty WHERE user_id = $1', [userId]);
  if (hours.length === 0) return null;
  const epochs = hours.map((hour) => Number(hour.epoch));
  const roots = { from: new Date(Math.min(...epochs) * 1000).toISOString(), to: new Date((Math.max(...epochs) + 3600) * 1000).toISOString() };
  const [range] = await database.query<{ from: string | null; to: string | null; unranged: boolean | null }>(
    `SELECT ${EXACT_START_TIME('x', 'first')} AS "from", ${EXACT_START_TIME('x', 'last')} AS "to", x.unranged FROM (
       SELECT min(tr.first_start) AS first, max(tr.last_start) AS last, bool_or(tr.first_start IS NULL) AS unranged
       FROM llm_traces r ${JOIN_TRACE_RANGE('r.trace_id')}
       WHERE r.user_id = $1 AND ${LISTED_ROOT('r')} AND r.end_user_id IS NOT NULL AND r.start_time >= $2::timestamptz AND r.start_time < $3::timestamptz
         AND ${HOUR_OF('r.start_time')} IN (SELECT to_timestamp(x::bigint) FROM json_array_elements_text($4::json) AS x)) x`,
    [userId, roots.from, roots.to, JSON.stringify(epochs)],
  );
  const spans = range?.unranged ? null : range?.from && range.to ? { from: range.from, to: range.to } : roots;
  return { epochs, roots, spans };
}

/**
 * A page of the account's end users in the given order, keyset-paginated.
 *
 * @example
 * const { users, nextCursor } = await listEndUsers(database, { userId, sort: 'cost_usd', order: 'desc', limit: 50 });
 */
export async function listEndUsers(
  database: Database,
  { userId, sort, order, limit, cursor }: { userId: string; sort: EndUserSort; order: SortOrder; limit: number; cursor?: EndUserCursor | null },
): Promise<{ users: EndUserSummary[]; nextCursor: string | null }> {
  // One snapshot for the marked hours and the page: under READ COMMITTED a trace written between
  // the two statements could fall outside the bounds the first one found.
  const rows = await database.transaction(async (tx: Queryable) => {
    if (database.kind === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const marked = await markedHours(tx, userId);
    const params: unknown[] = [userId, JSON.stringify(marked?.epochs ?? [])];
    const sortKey = SORT_KEYS[sort];
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    let after: (t: string) => string = () => 'true';
    if (cursor) {
      params.push(cursor.value, cursor.id);
      const [value, id] = [params.length - 1, params.length];
      after = (t: string) => `(${sortKey.key(t)}, ${t}.tie) ${order === 'desc' ? '<' : '>'} (${sortKey.param(`$${value}`)}, $${id}::uuid)`;
    }
    params.push(limit + 1);
    const limitParam = `$${params.length}`;
    const constant = (bounds: { from: string; to: string } | null | undefined, end: '<' | '<=') => {
      if (!bounds) return () => '';
      params.push(bounds.from, bounds.to);
      const [from, to] = [params.length - 1, params.length];
      return (alias: string) => ` AND ${alias}.start_time >= $${from}::timestamptz AND ${alias}.start_time ${end} $${to}::timestamptz`;
    };
    const roots = constant(marked?.roots, '<')('r');
    const spans = constant(marked?.spans, '<=');
    const windows = `(SELECT $1::uuid AS user_id, hour AS lo, hour + '1 hour'::interval AS hi FROM dirty) w`;
    const columns = (t: string) => SUMS.map((column) => `${t}.${column}`).join(', ');
    const rows = await tx.query<Row>(
      `WITH dirty AS MATERIALIZED (SELECT to_timestamp(x::bigint) AS hour FROM json_array_elements_text($2::json) AS x),
       live AS MATERIALIZED (${marked ? endUserHoursSql(windows, { roots, spans }) : `SELECT NULL::text AS end_user_id, 0 AS traces, 0 AS errors, 0::bigint AS tokens, NULL::numeric AS cost_usd, NULL::timestamptz AS first_seen, NULL::timestamptz AS last_seen WHERE false`}),
       touched AS MATERIALIZED (
         SELECT end_user_id FROM live
         UNION SELECT h.end_user_id FROM end_user_hourly h JOIN dirty d ON d.hour = h.hour WHERE h.user_id = $1),
       recounted AS (
         SELECT x.end_user_id, sum(x.traces) AS traces, sum(x.errors) AS errors, ${ERROR_RATE('sum(x.errors)', 'sum(x.traces)')} AS error_rate,
           sum(x.tokens) AS tokens, sum(x.cost_usd) AS cost_usd, min(x.first_seen) AS first_seen, max(x.last_seen) AS last_seen, md5(x.end_user_id)::uuid AS tie
         FROM (
           SELECT end_user_id, traces, errors, tokens, cost_usd, first_seen, last_seen FROM live
           UNION ALL
           SELECT h.end_user_id, h.traces, h.errors, h.tokens, h.cost_usd, h.first_seen, h.last_seen
           FROM touched t JOIN end_user_hourly h ON h.user_id = $1 AND h.end_user_id = t.end_user_id
           WHERE NOT EXISTS (SELECT 1 FROM dirty d WHERE d.hour = h.hour)
         ) x GROUP BY x.end_user_id),
       kept AS (
         SELECT ${columns('t')} FROM end_user_totals t
         WHERE t.user_id = $1 AND ${after('t')} AND NOT EXISTS (SELECT 1 FROM touched x WHERE x.end_user_id = t.end_user_id)
         ORDER BY ${sortKey.key('t')} ${direction}, t.tie ${direction} LIMIT ${limitParam})
       SELECT ${columns('p')}, ${sortKey.position('p')} AS position FROM (
         SELECT ${columns('k')} FROM kept k UNION ALL SELECT ${columns('r')} FROM recounted r WHERE r.traces > 0 AND ${after('r')}) p
       ORDER BY ${sortKey.key('p')} ${direction}, p.tie ${direction} LIMIT ${limitParam}`,
      params,
    );
    return rows;
  });
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  const nextCursor = rows.length > limit && last ? encodeEndUserCursor({ sort, order, value: String(last.position), id: String(last.tie) }) : null;
  return { users: kept.map(toEndUserSummary), nextCursor };
}

function toEndUserSummary(row: Row): EndUserSummary {
  const traces = Number(row.traces);
  return {
    end_user_id: String(row.end_user_id),
    traces,
    total_tokens: Number(row.tokens ?? 0),
    cost_usd: row.cost_usd === null || row.cost_usd === undefined ? null : Number(row.cost_usd),
    error_rate: traces === 0 ? 0 : Number(row.errors) / traces,
    last_seen: iso(row.last_seen),
  };
}

/** Answers `GET /api/analytics/users`. */
export async function queryEndUsers(
  database: Database,
  { userId, query }: { userId: string; query: EndUserListQuery },
): Promise<{ users: EndUserSummary[]; next_cursor: string | null }> {
  const cursor = query.cursor ? decodeEndUserCursor(query.cursor, query.sort, query.order) : null;
  if (query.cursor && !cursor) throw invalidCursor();
  const { users, nextCursor } = await listEndUsers(database, { userId, sort: query.sort, order: query.order, limit: query.limit, cursor });
  return { users, next_cursor: nextCursor };
}
