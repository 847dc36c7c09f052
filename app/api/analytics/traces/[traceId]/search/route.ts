import { z } from 'zod';
import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { parseTraceId } from '@/lib/trace-store/api-query';
import { findSpansInTrace } from '@/lib/trace-store/outline';

export const dynamic = 'force-dynamic';

const Query = z.object({ q: z.string().trim().min(1).max(200) });

/**
 * `GET /api/analytics/traces/{trace_id}/search?q=` → `{"span_ids":[…],"truncated"}`: the spans of
 * the trace whose input, output, name, model, service or error text contains `q`, in the trace's
 * order (the trace page's "find in trace").
 */
export const GET = authenticated<{ traceId: string }>(async ({ request, database, principal, params }) => {
  const traceId = parseTraceId(params.traceId);
  const { q } = parseQuery(request, Query);
  return Response.json(await findSpansInTrace(database, { userId: principal.userId, traceId, q }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
