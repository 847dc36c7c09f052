import { gzipFileResponse, gzipFramesResponse } from '@/lib/http/compress';
import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';
import { parseTraceId } from '@/lib/trace-store/api-query';
import { getTraceOutlineJson, getTraceOutlineParts } from '@/lib/trace-store/outline';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/analytics/traces/{trace_id}/outline` → the trace's outline: every span's waterfall
 * fields in columns, without inputs, outputs or metadata (`lib/trace-view/outline.ts`). The trace
 * page loads a big trace this way; `?trace_id=` still returns every span whole.
 *
 * `?encoding=gzip`: the same JSON as a gzip file (`application/gzip`, compressed fast, at level 1),
 * which the trace page unzips itself: Next.js's own compression of a big outline (gzip level 6,
 * which a route cannot opt into a faster setting of) was a few hundred ms on the page's critical path.
 *
 * `?encoding=gzip-parts`: the outline in parts, each a whole outline of some of the spans (cut by
 * span id), as a stream of gzip files each preceded by its length (`gzipFramesResponse`). The
 * trace page unzips, decodes and makes the tree nodes of each part while the server reads the
 * next, and merges them once all are in (`TraceTreeBuilder`).
 */
export const GET = authenticated<{ traceId: string }>(async ({ database, principal, params, request }) => {
  const trace = { userId: principal.userId, traceId: parseTraceId(params.traceId) };
  const encoding = new URL(request.url).searchParams.get('encoding');
  if (encoding === 'gzip-parts') {
    const parts = await getTraceOutlineParts(database, trace);
    if (!parts) throw new ApiError('not_found', 'No trace with that id.');
    return gzipFramesResponse(parts);
  }
  const outline = await getTraceOutlineJson(database, trace);
  if (!outline) throw new ApiError('not_found', 'No trace with that id.');
  if (encoding === 'gzip') return gzipFileResponse(outline);
  return new Response(outline, { headers: { 'content-type': 'application/json' } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
