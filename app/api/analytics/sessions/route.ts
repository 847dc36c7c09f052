import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { SessionListQuery, querySessions } from '@/lib/trace-store/sessions';

export const dynamic = 'force-dynamic';

/** `GET /api/analytics/sessions?limit=&cursor=` → `{"sessions":[…],"next_cursor"}`, most recently active first. */
export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, SessionListQuery);
  return Response.json(await querySessions(database, { userId: principal.userId, query }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
