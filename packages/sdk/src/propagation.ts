/**
 * W3C Trace Context: a span started in another process can be the parent of one started here.
 */
import { isValidSpanId, isValidTraceId } from './ids';
import type { TraceContext } from './types';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The caller's span from a `traceparent` header (`00-<trace id>-<span id>-<flags>`), usable as
 * `parent` in `startTrace`: the new span joins the caller's trace as a child of the caller's span.
 * Undefined when the header is absent or malformed, so the work becomes a trace of its own.
 *
 * @example
 * const parent = contextFromTraceparent(request.headers.get('traceparent'), userId);
 * const span = await traceService.startTrace({ spanName: 'openai.chat.completions', operationType: 'llm_call', userId, parent });
 */
export function contextFromTraceparent(traceparent: string | null | undefined, userId: string): TraceContext | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim().toLowerCase() ?? '');
  if (!match) return undefined;
  const [, version, traceId, spanId, , rest] = match;
  // Version ff is invalid; version 00 has exactly four fields (W3C Trace Context §3.2).
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (!isValidTraceId(traceId!) || !isValidSpanId(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, userId, spanName: 'remote', operationType: 'other', startTime: new Date() };
}
