/**
 * End users: the application's own users (`end_user_id`: the chat API's `user`, the proxy's
 * `x-llmtrace-user-id`, OTLP's `user.id` / `enduser.id`), with what each costs. The same rules
 * as sessions (`sessions.ts`): traces are listed roots, each counted once; tokens and cost count
 * each model call once; error_rate = traces whose root failed / traces.
 *
 * Every sort (`sort`, `order`, keyset `cursor`, never an offset) reads a page of the kept totals
 * from the sort's index (group-pages.ts), whatever the history's length.
 *
 * The cursor is the one keyset codec: the position is `sort.order:value` (so a cursor of another
 * sort or order is refused with a 422) and the id is `md5(end_user_id)` as a uuid, unique to the
 * end user: the tie-breaker.
 */
import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { decodeCursor, encodeCursor } from '@/lib/db/cursor';
import { GROUP_SORTS, type GroupRow, readGroupPage, type SortOrder } from './group-pages';
import { iso, invalidCursor, isMicrosPosition, PageCursor, PageLimit } from './sessions';

/** What the end-user list sorts by. */
export const END_USER_SORTS = GROUP_SORTS;
export type EndUserSort = (typeof END_USER_SORTS)[number];
export type { SortOrder };

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
  const rows = await readGroupPage(database, { userId, grouping: 'end_user_id', sort, order, limit, cursor });
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  const nextCursor = rows.length > limit && last ? encodeEndUserCursor({ sort, order, value: last.position, id: last.tie }) : null;
  return { users: kept.map(toEndUserSummary), nextCursor };
}

function toEndUserSummary(row: GroupRow): EndUserSummary {
  return {
    end_user_id: row.key,
    traces: row.traces,
    total_tokens: row.tokens,
    cost_usd: row.cost_usd,
    error_rate: row.traces === 0 ? 0 : row.errors / row.traces,
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
