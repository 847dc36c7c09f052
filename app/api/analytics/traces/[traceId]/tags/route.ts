import { authenticated, otherMethods } from '@/lib/http/route';
import { parseJsonBody } from '@/lib/http/body';
import { parseTraceId } from '@/lib/trace-store/api-query';
import { changeTraceTags, TagChange } from '@/lib/trace-store/tags';

/** `POST /api/analytics/traces/{trace_id}/tags` `{"add":[…],"remove":[…]}` → `{"tags":[…]}`. */
export const POST = authenticated<{ traceId: string }>(async ({ database, principal, params, request }) => {
  const traceId = parseTraceId(params.traceId);
  const change = await parseJsonBody(request, TagChange);
  return Response.json({ tags: await changeTraceTags(database, { userId: principal.userId, traceId, change }) });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
