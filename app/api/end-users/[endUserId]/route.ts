import { authenticated, otherMethods } from '@/lib/http/route';
import { parseSubjectId } from '@/lib/privacy/subject';
import { deleteEndUserData } from '@/lib/trace-store/delete';

/** `DELETE /api/end-users/{end_user_id}` → `{"deleted":{"spans":n,"messages":n,"evaluations":n}}`, within the caller's account. */
export const DELETE = authenticated<{ endUserId: string }>(async ({ database, principal, params }) => {
  const endUserId = parseSubjectId(params.endUserId, 'end user id');
  return Response.json({ deleted: await deleteEndUserData(database, { userId: principal.userId, endUserId }) });
});

export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE');
