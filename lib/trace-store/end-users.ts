/**
 * End users: the application's own users (`end_user_id`: the chat API's `user`, the proxy's
 * `x-llmtrace-user-id`, OTLP's `user.id` / `enduser.id`), with what each costs. The same rules
 * as sessions (`sessions.ts`): traces are listed roots, each counted once; tokens and cost count
 * each model call once; error_rate = traces whose root failed / traces.
 *
 * Sorting and paging (`sort`, `order`, keyset `cursor`, never an offset):
 * - `last_seen` descending (the default) walks the account's listed roots that carry an end user
 *   newest first (index `llm_traces_roots_recent_end_user_idx`, migration 0008) and keeps the
 *   newest root of each end user (one probe of `llm_traces_roots_end_user_idx`, 0005): a page
 *   costs about (page size × traces per end user) index probes, whatever the history's length.
 * - Any other sort ranks every end user by a number only their whole history gives (traces,
 *   tokens, cost, error rate, or last_seen ascending). That is one grouping of the account's
 *   end-user roots, read from the 0008 index alone (its included columns), plus, for tokens and
 *   cost, a hash join with every counted usage span (index `llm_traces_trace_usage_idx`, read
 *   alone too). It grows with the account's traces that carry an end user, not with the page: at
 *   1M spans (225k end-user traces, 4,500 end users, a busy 2-core machine) about 0.5 s by
 *   traces or error rate and 1.3–1.9 s by tokens or cost, on Postgres and PGlite alike. Making
 *   those sorts O(page) needs per-end-user totals kept at write time.
 *
 * The cursor is the one keyset codec: the position is `sort.order:value` (so a cursor of another
 * sort or order is refused with a 422) and the id is a uuid unique to the end user, the
 * tie-breaker: the newest root's id when walking, `md5(end_user_id)` when ranking.
 */
import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { decodeCursor, encodeCursor } from '@/lib/db/cursor';
import { COUNTS_USAGE, LISTED_ROOT } from './columns';
import {
  MICROS,
  PageCursor,
  PageLimit,
  SPAN_TOKENS,
  groupTotalsSql,
  invalidCursor,
  isMicrosPosition,
  newestPerGroupSql,
  toGroupTotals,
} from './sessions';

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
 * Each sort's key over one end user's traces `t` and, for tokens and cost, their spans whose usage
 * counts `s`, as numeric. A null cost (nothing priced) ranks below every priced one.
 */
const SORT_KEYS: Record<EndUserSort, { sql: string; usage: boolean }> = {
  last_seen: { sql: `${MICROS('max(t.last_start)')}::numeric`, usage: false },
  traces: { sql: 'count(*)::numeric', usage: false },
  error_rate: { sql: '(count(*) FILTER (WHERE t.failed))::numeric / count(*)', usage: false },
  total_tokens: { sql: `coalesce(sum(${SPAN_TOKENS('s')}), 0)::numeric`, usage: true },
  cost_usd: { sql: 'coalesce(sum(s.cost_usd), -1)::numeric', usage: true },
};

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
    return sort === 'last_seen' ? isMicrosPosition(key) : NUMERIC_TEXT.test(key);
  });
  return cursor && { sort, order, value: cursor.position.slice(prefix.length), id: cursor.id };
}

/**
 * The page's end users ranked by an aggregate over their whole history: `key`, `tie` (a uuid made
 * from the end user's id, unique to them), `sort_key`. `$2`/`$3` are the cursor's value and id
 * when `afterCursor`. One row per (end user, trace) is read from the index of end-user roots
 * alone; tokens and cost join each trace's usage spans (index `llm_traces_trace_usage_idx`).
 */
function rankedPageSql(sort: EndUserSort, order: SortOrder, { afterCursor, limitParam }: { afterCursor: boolean; limitParam: string }): string {
  const key = SORT_KEYS[sort];
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  return `
  WITH traces AS (
    SELECT r.end_user_id, r.trace_id, bool_or(r.status = 'failed') AS failed, max(r.start_time) AS last_start
    FROM llm_traces r
    WHERE r.user_id = $1 AND ${LISTED_ROOT('r')} AND r.end_user_id IS NOT NULL
    GROUP BY r.end_user_id, r.trace_id
  ), ranked AS (
    SELECT t.end_user_id AS key, md5(t.end_user_id)::uuid AS tie, ${key.sql} AS sort_key
    FROM traces t ${key.usage ? `LEFT JOIN llm_traces s ON s.user_id = $1 AND s.trace_id = t.trace_id AND ${COUNTS_USAGE('s')}` : ''}
    GROUP BY t.end_user_id
  )
  SELECT key, tie, sort_key FROM ranked
  ${afterCursor ? `WHERE (sort_key, tie) ${order === 'desc' ? '<' : '>'} ($2::numeric, $3::uuid)` : ''}
  ORDER BY sort_key ${direction}, tie ${direction}
  LIMIT ${limitParam}`;
}

/**
 * Runs a ranking over the whole history. On Postgres, JIT compilation is off for it: the planner's
 * cost estimate of a grouping over every end-user trace would start JIT, whose compile time (a
 * second or more) exceeds the query's own; and the grouping gets the memory to stay off disk.
 */
async function runRanking(database: Database, text: string, params: unknown[]): Promise<Row[]> {
  if (database.kind !== 'postgres') return database.query<Row>(text, params);
  // In a transaction, JIT is off even behind a pooler (lib/db/client.ts).
  return database.transaction(async (tx) => {
    await tx.query("SET LOCAL work_mem = '64MB'");
    return tx.query<Row>(text, params);
  });
}

function toEndUserSummary(endUserId: string, row: Row): EndUserSummary {
  const totals = toGroupTotals(row);
  return {
    end_user_id: endUserId,
    traces: totals.traces,
    total_tokens: totals.total_tokens,
    cost_usd: totals.cost_usd,
    error_rate: totals.traces === 0 ? 0 : totals.errors / totals.traces,
    last_seen: totals.last_seen,
  };
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
  const params: unknown[] = cursor ? [userId, cursor.value, cursor.id, limit + 1] : [userId, limit + 1];
  const options = { afterCursor: Boolean(cursor), limitParam: `$${params.length}` };
  const walk = sort === 'last_seen' && order === 'desc';
  const page = walk
    ? `SELECT key, tie, position::numeric AS sort_key FROM (${newestPerGroupSql('end_user_id', options)}) newest`
    : rankedPageSql(sort, order, options);
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  const text = `WITH page AS (${page})
     SELECT page.key, page.tie, page.sort_key::text AS position, totals.*
     FROM page CROSS JOIN LATERAL (${groupTotalsSql('end_user_id', 'page.key')}) totals
     ORDER BY page.sort_key ${direction}, page.tie ${direction}`;
  const rows = walk ? await database.query<Row>(text, params) : await runRanking(database, text, params);
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  const nextCursor = rows.length > limit && last ? encodeEndUserCursor({ sort, order, value: String(last.position), id: String(last.tie) }) : null;
  return { users: kept.map((row) => toEndUserSummary(String(row.key), row)), nextCursor };
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
