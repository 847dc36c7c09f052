/**
 * The span of one proxied call: opened when the request is authenticated (timed from its
 * arrival), nested under the caller's span when a W3C `traceparent` says where, and ended with
 * what the recorder saw. Nothing here throws into the proxy: the trace service never does, and
 * pricing errors only leave the cost out.
 */
import { calculateCost } from '@/lib/pricing';
import { contextFromTraceparent, traceService } from '@llmtrace/sdk';
import type { TraceContext, TraceResult } from '@llmtrace/sdk';
import { SPAN_FIELDS } from '@llmtrace/sdk/span';
import type { AuthMode } from './auth';
import type { Observation, TokenUsage } from '@llmtrace/sdk/providers';
import type { PreparedCall, ProviderId, TracedOperation } from './types';

/** `x-llmtrace-*` request headers that describe the call; they are never forwarded. */
const SESSION_HEADER = 'x-llmtrace-session-id';
const END_USER_HEADER = 'x-llmtrace-user-id';
const TAGS_HEADER = 'x-llmtrace-tags';

export interface ProxySpanStart {
  userId: string;
  provider: ProviderId;
  operation: TracedOperation;
  call: PreparedCall;
  mode: AuthMode;
  /** e.g. `/chat/completions`, below the route prefix. */
  path: string;
  headers: Headers;
  /** When the request reached the proxy. */
  startTime: Date;
}

export interface ProxySpanEnd {
  outcome: 'completed' | 'failed' | 'cancelled';
  observation: Observation;
  /** The upstream's HTTP status; undefined when it never answered. */
  httpStatus?: number;
  /** Why the call failed when the observation does not say (an upstream error body, a broken stream). */
  errorMessage?: string;
  timeToFirstTokenMs?: number;
  upstreamRequestId?: string | null;
}

/**
 * Opens the call's span.
 *
 * @example
 * const span = await startProxySpan({ userId, provider: 'openai', operation, call, mode: 'managed', path: '/chat/completions', headers, startTime });
 */
export function startProxySpan(start: ProxySpanStart): Promise<TraceContext> {
  const { call, headers } = start;
  return traceService.startTrace({
    spanName: start.operation.spanName,
    operationType: start.operation.operationType,
    userId: start.userId,
    parent: contextFromTraceparent(headers.get('traceparent'), start.userId),
    modelName: call.model,
    modelProvider: start.provider,
    inputData: call.input,
    startTime: start.startTime,
    ...callerHints(headers),
    metadata: {
      source: 'proxy',
      auth: start.mode,
      endpoint: start.path,
      stream: call.stream,
      ...(Object.keys(call.parameters).length > 0 ? { parameters: call.parameters } : {}),
    },
  });
}

/** Ends the call's span; returns at once (the trace service only queues the record). */
export function endProxySpan(span: TraceContext, call: PreparedCall, end: ProxySpanEnd): void {
  const { observation } = end;
  const usage = observation.usage;
  const inBandError = observation.errorMessage;
  const status = end.outcome === 'completed' && inBandError ? 'failed' : end.outcome;
  const result: TraceResult = {
    status,
    modelName: observation.model ?? call.model,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    cachedInputTokens: usage?.cachedInputTokens,
    reasoningTokens: usage?.reasoningTokens,
    costUsd: costOf([observation.model, call.model], usage),
    timeToFirstTokenMs: end.timeToFirstTokenMs,
    outputData: observation.output,
    errorMessage: status === 'failed' ? (inBandError ?? end.errorMessage ?? 'The call failed.') : undefined,
    metadata: {
      ...(end.httpStatus !== undefined ? { http_status: end.httpStatus } : {}),
      ...(end.upstreamRequestId ? { upstream_request_id: end.upstreamRequestId } : {}),
      ...(observation.finishReason ? { finish_reason: observation.finishReason } : {}),
    },
  };
  void traceService.endTrace(span, result);
}

/** Session, end user and tags the app sent for this call, cut to the span fields' limits. */
function callerHints(headers: Headers): { sessionId?: string; endUserId?: string; tags?: string[] } {
  const hints: { sessionId?: string; endUserId?: string; tags?: string[] } = {};
  const session = headers.get(SESSION_HEADER)?.trim();
  if (session) hints.sessionId = session.slice(0, SPAN_FIELDS.session_id.max);
  const endUser = headers.get(END_USER_HEADER)?.trim();
  if (endUser) hints.endUserId = endUser.slice(0, SPAN_FIELDS.end_user_id.max);
  const tags = (headers.get(TAGS_HEADER) ?? '')
    .split(',')
    .map((tag) => tag.trim().slice(0, SPAN_FIELDS.tags.max))
    .filter(Boolean);
  if (tags.length > 0) hints.tags = [...new Set(tags)].slice(0, SPAN_FIELDS.tags.maxItems);
  return hints;
}

/** The call's cost from the first model name that is priced; null when none is, undefined without tokens. */
function costOf(models: Array<string | undefined>, usage: TokenUsage | undefined): number | null | undefined {
  if (usage?.inputTokens === undefined && usage?.outputTokens === undefined) return undefined;
  try {
    for (const model of models) {
      if (!model) continue;
      const cost = calculateCost({
        model,
        inputTokens: usage.inputTokens ?? 0,
        outputTokens: usage.outputTokens ?? 0,
        cachedInputTokens: usage.cachedInputTokens,
      });
      if (cost !== null) return cost;
    }
    return null;
  } catch {
    // An invalid PRICING_FILE is reported at start-up; here the cost is only left out.
    return undefined;
  }
}
