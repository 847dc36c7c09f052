/** The end-user list's sort as it appears in the URL (pure; `?sort=…&order=…`). */
import type { EndUserSort, SortOrder } from '@/lib/trace-store/end-users';

export interface UserListSort {
  sort: EndUserSort;
  order: SortOrder;
}

export const DEFAULT_SORT: UserListSort = { sort: 'last_seen', order: 'desc' };

/** The list's address for a sort (and a page cursor). */
export function usersHref({ sort, order }: UserListSort, cursor?: string | null): string {
  const params = new URLSearchParams({ sort, order });
  if (cursor) params.set('cursor', cursor);
  return `/analytics/users?${params}`;
}

/** Clicking a column header: the current column flips its order; another one starts highest first. */
export function nextSort(current: UserListSort, column: EndUserSort): UserListSort {
  if (current.sort === column) return { sort: column, order: current.order === 'desc' ? 'asc' : 'desc' };
  return { sort: column, order: 'desc' };
}
