import { parseJsonText, readBodyText, validate } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { createShare, CreateShareBody } from '@/lib/share/shares';
import { parseTraceId } from '@/lib/trace-store/api-query';

/**
 * `POST /api/analytics/traces/{trace_id}/share` `{"redact"?: boolean}` (the body may be empty) →
 * 201 `{"token","url","id","trace_id","redact","created_at"}`. The token is in this answer only.
 */
export const POST = authenticated<{ traceId: string }>(async ({ database, principal, params, request }) => {
  const traceId = parseTraceId(params.traceId);
  const text = await readBodyText(request);
  const { redact } = validate(CreateShareBody, text.trim() === '' ? {} : parseJsonText(request, text));
  const share = await createShare(database, { userId: principal.userId, traceId, redact });
  return Response.json(share, { status: 201, headers: { 'Cache-Control': 'no-store' } });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
