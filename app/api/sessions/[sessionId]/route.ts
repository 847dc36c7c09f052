import { authenticated, otherMethods } from '@/lib/http/route';
import { parseSubjectId } from '@/lib/privacy/subject';
import { deleteSessionData } from '@/lib/trace-store/delete';

/** `DELETE /api/sessions/{session_id}` → `{"deleted":{"spans":n,"messages":n,"evaluations":n}}`, within the caller's account. */
export const DELETE = authenticated<{ sessionId: string }>(async ({ database, principal, params }) => {
  const sessionId = parseSubjectId(params.sessionId, 'session id');
  return Response.json({ deleted: await deleteSessionData(database, { userId: principal.userId, sessionId }) });
});

export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE');
