import { z } from 'zod';
import { decodeCursor, listRootSpans, type TraceListRow } from '@/lib/trace-store/read';
import { parseQuery } from '@/lib/http/body';
import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';
import { TraceQuery } from '@/lib/trace-store/api-query';
import { csvField } from '@/lib/export/csv';

export const dynamic = 'force-dynamic';

/** Most root spans one export returns. */
const MAX_EXPORT_ROOTS = 10_000;
const PAGE_SIZE = 500;

const ExportQuery = TraceQuery.extend({
  format: z.enum(['csv', 'json']).default('csv'),
  /** How many roots to export (at most 10,000). */
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_ROOTS).default(MAX_EXPORT_ROOTS),
});

const CSV_COLUMNS = [
  'trace_id',
  'span_name',
  'service_name',
  'session_id',
  'end_user_id',
  'status',
  'error_message',
  'operation_type',
  'model_provider',
  'model_name',
  'start_time',
  'end_time',
  'duration_ms',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cost_usd',
  'trace_input_tokens',
  'trace_output_tokens',
  'trace_total_tokens',
  'trace_cost_usd',
  'span_count',
  'conversation_id',
  'message_id',
] as const satisfies ReadonlyArray<keyof TraceListRow>;

function csvRow(span: TraceListRow): string {
  return CSV_COLUMNS.map((column) => csvField(span[column])).join(',') + '\r\n';
}

/**
 * `GET /api/analytics/traces/export?format=csv|json&…filters`: the filtered trace list (root spans,
 * newest first; the same filters as `GET /api/analytics/traces`) as a download of up to 10,000
 * traces. Streams page by page so large exports do not sit in memory.
 */
export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, ExportQuery);
  const { cursor: cursorText, limit, format, message_id: _m, trace_id: _t, ...filters } = query;
  const startCursor = cursorText ? decodeCursor(cursorText) : null;
  if (cursorText && !startCursor) throw new ApiError('validation_failed', 'The cursor is not valid; use next_cursor from the trace list.', { details: [{ path: 'cursor', message: 'invalid cursor' }] });

  const userId = principal.userId;
  // The first page is read before answering, so a database error is still a JSON error response.
  const first = await listRootSpans(database, { userId, filters, limit: Math.min(PAGE_SIZE, limit), cursor: startCursor });
  const encoder = new TextEncoder();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const write = (text: string) => controller.enqueue(encoder.encode(text));
      let sent = 0;
      let page = first;
      try {
        if (format === 'csv') write(`${CSV_COLUMNS.join(',')}\r\n`);
        else write(`{"exported_at":${JSON.stringify(new Date().toISOString())},"filters":${JSON.stringify(filters)},"traces":[`);
        for (;;) {
          for (const span of page.traces) {
            if (format === 'csv') write(csvRow(span));
            else write(`${sent > 0 ? ',' : ''}\n${JSON.stringify(span)}`);
            sent++;
          }
          if (!page.nextCursor || sent >= limit) break;
          const cursor = decodeCursor(page.nextCursor);
          page = await listRootSpans(database, { userId, filters, limit: Math.min(PAGE_SIZE, limit - sent), cursor });
        }
        if (format === 'json') write(`\n],"count":${sent},"truncated":${page.nextCursor !== null && sent >= limit}}\n`);
        controller.close();
      } catch (error) {
        console.error('[llmtrace] trace export failed:', error);
        controller.error(error);
      }
    },
  });

  const filename = `traces-${stamp}.${format}`;
  return new Response(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
