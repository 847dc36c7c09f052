import { getTraceSpans } from '@/lib/trace-store/read';
import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';
import { parseTraceId } from '@/lib/trace-store/api-query';

export const GET = authenticated<{ traceId: string }>(async ({ database, principal, params }) => {
  const traceId = parseTraceId(params.traceId);
  const spans = await getTraceSpans(database, { userId: principal.userId, traceId });
  if (spans.length === 0) throw new ApiError('not_found', 'No trace with that id.');
  const body = JSON.stringify({ trace_id: traceId, exported_at: new Date().toISOString(), spans }, null, 2);
  return new Response(body, {
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="trace-${traceId}.json"` },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
