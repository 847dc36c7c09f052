import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { OPERATION_TYPES, SPAN_STATUSES, type ApiSpan } from '@llmtrace/sdk/span';
import { decodeCursor, getSpan, getSpansByMessage, getTraceSpans, listRootSpans, type TraceListRow } from './read';
import { ApiError } from '@/lib/http/errors';
import { optionalInstant } from '@/lib/http/params';

const optionalNumber = z.coerce.number().nonnegative().optional();
/** Query string of `GET /api/analytics/traces`. */
export const TraceQuery = z.object({
  message_id: z.uuid().optional(),
  trace_id: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters')
    .transform((s) => s.toLowerCase())
    .optional(),
  /** With trace_id: just that span, with all its data (the waterfall of a big trace loads it on selection). */
  span_id: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex characters')
    .transform((s) => s.toLowerCase())
    .optional(),
  /**
   * `false` leaves out input_data and output_data (each span then says `data_omitted`): of every
   * span of one trace (with trace_id), or of the listed roots (their previews stay).
   */
  include_data: z.enum(['true', 'false']).default('true'),
  operation_type: z.enum(OPERATION_TYPES).optional(),
  status: z.enum(SPAN_STATUSES).optional(),
  model_provider: z.string().max(100).optional(),
  model_name: z.string().max(200).optional(),
  min_duration_ms: optionalNumber,
  max_duration_ms: optionalNumber,
  from: optionalInstant,
  to: optionalInstant,
  conversation_id: z.uuid().optional(),
  service_name: z.string().max(200).optional(),
  session_id: z.string().max(200).optional(),
  end_user_id: z.string().max(200).optional(),
  /** Repeatable: a trace must carry every tag given. */
  tag: z
    .union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(20)])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type TraceQuery = z.infer<typeof TraceQuery>;

/** One trace's spans (by message, trace id, or one span), or a page of the trace list. */
export type TraceQueryResult = { traces: ApiSpan[] } | { traces: TraceListRow[]; next_cursor: string | null };

/** Answers `GET /api/analytics/traces`: one trace by message or id, or the filtered list of roots. */
export async function queryTraces(database: Database, { userId, query }: { userId: string; query: TraceQuery }): Promise<TraceQueryResult> {
  if (query.message_id) return { traces: await getSpansByMessage(database, { userId, messageId: query.message_id }) };
  if (query.trace_id && query.span_id) {
    const span = await getSpan(database, { userId, traceId: query.trace_id, spanId: query.span_id });
    return { traces: span ? [span] : [] };
  }
  if (query.trace_id) return { traces: await getTraceSpans(database, { userId, traceId: query.trace_id, withData: query.include_data === 'true' }) };
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.cursor && !cursor) throw new ApiError('validation_failed', 'The cursor is not valid; use next_cursor from a previous page.', { details: [{ path: 'cursor', message: 'invalid cursor' }] });
  const { cursor: _c, limit, message_id: _m, trace_id: _t, span_id: _s, include_data: _d, ...filters } = query;
  const { traces, nextCursor } = await listRootSpans(database, { userId, filters, limit, cursor, withData: query.include_data === 'true' });
  return { traces, next_cursor: nextCursor };
}

export const TraceIdParam = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/)
  .transform((s) => s.toLowerCase());

export function parseTraceId(value: string): string {
  const parsed = TraceIdParam.safeParse(value);
  if (!parsed.success) throw new ApiError('not_found', 'No trace with that id (trace ids are 32 hex characters).');
  return parsed.data;
}
