import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';
import { getSessionTraces, parseSessionId } from '@/lib/trace-store/sessions';

export const dynamic = 'force-dynamic';

/** `GET /api/analytics/sessions/{session_id}` → `{"traces":[…roots, oldest first…]}`; 404 when the account has none in it. */
export const GET = authenticated<{ sessionId: string }>(async ({ database, principal, params }) => {
  const sessionId = parseSessionId(params.sessionId);
  const traces = await getSessionTraces(database, { userId: principal.userId, sessionId });
  if (traces.length === 0) throw new ApiError('not_found', 'No session with that id.');
  return Response.json({ traces });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
