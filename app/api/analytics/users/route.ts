import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { EndUserListQuery, queryEndUsers } from '@/lib/trace-store/end-users';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/analytics/users?sort=&order=&limit=&cursor=` → `{"users":[…],"next_cursor"}`: each end
 * user's traces, tokens, cost, error rate and last activity (sort: last_seen, traces, total_tokens,
 * cost_usd, error_rate; default last_seen desc).
 */
export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, EndUserListQuery);
  return Response.json(await queryEndUsers(database, { userId: principal.userId, query }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
