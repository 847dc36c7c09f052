import { deleteTrace } from '@/lib/trace-store/write';
import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';
import { parseTraceId } from '@/lib/trace-store/api-query';

export const DELETE = authenticated<{ traceId: string }>(async ({ database, principal, params }) => {
  const deleted = await deleteTrace(database, { userId: principal.userId, traceId: parseTraceId(params.traceId) });
  if (deleted === 0) throw new ApiError('not_found', 'No trace with that id.');
  return new Response(null, { status: 204 });
});

export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE');
