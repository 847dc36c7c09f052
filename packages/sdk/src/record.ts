/**
 * Record building: an open span plus its result fields become one {@link SpanRecord}, the shape
 * every sink receives.
 */
import { calculateDuration } from './ids';
import { FINAL_STATUSES, type SpanRecord, type SpanStatus } from './span/fields';
import { validDate, type OpenSpan } from './open-span';
import type { TraceResult } from './types';

const FINAL: ReadonlySet<string> = new Set<string>(FINAL_STATUSES);

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function tagList(value: readonly string[] | undefined): string[] {
  if (!Array.isArray(value) || value.length === 0) return [];
  return [...new Set(value.filter((tag): tag is string => typeof tag === 'string' && tag !== ''))];
}

export function mergeMetadata(...parts: Array<Record<string, unknown> | undefined>): Record<string, unknown> | null {
  let merged: Record<string, unknown> | null = null;
  let copied = false;
  for (const part of parts) {
    if (part === undefined || part === null || typeof part !== 'object') continue;
    if (merged === null) {
      merged = part;
    } else if (copied) {
      Object.assign(merged, part);
    } else {
      merged = Object.assign({}, merged, part);
      copied = true;
    }
  }
  return merged;
}

/** Merges `fields` into `target`: defined values win, metadata objects are merged. */
export function mergeResult(target: Partial<TraceResult>, fields: Partial<TraceResult>): Partial<TraceResult> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    merged[key] = key === 'metadata' ? mergeMetadata(target.metadata, value as Record<string, unknown>) : value;
  }
  return merged as Partial<TraceResult>;
}

/**
 * The record of `span`: `running` (still open; no end) or final, with `result` winning over the
 * fields given earlier by `update()`, which win over those given at start.
 */
export function buildRecord(span: OpenSpan, result: TraceResult | undefined, running: boolean, serviceName: string | null): SpanRecord {
  const context = span.context;
  const updates = span.updates;
  const inputTokens = finiteOrNull(result?.inputTokens ?? updates?.inputTokens);
  const outputTokens = finiteOrNull(result?.outputTokens ?? updates?.outputTokens);
  const givenTotal = finiteOrNull(result?.totalTokens ?? updates?.totalTokens);
  const cost = result?.costUsd !== undefined ? result.costUsd : updates?.costUsd;
  let status: SpanStatus = 'running';
  let endTime: Date | null = null;
  if (!running) {
    const requested = result?.status ?? updates?.status;
    status = requested !== undefined && FINAL.has(requested) ? requested : 'completed';
    const end = result?.endTime ?? updates?.endTime;
    endTime = validDate(end) ? end : new Date();
  }
  return {
    user_id: context.userId,
    trace_id: context.traceId,
    span_id: context.spanId,
    parent_trace_id: context.parentSpanId ?? null,
    span_name: context.spanName,
    operation_type: context.operationType,
    status,
    start_time: context.startTime,
    end_time: endTime,
    duration_ms: endTime === null ? null : calculateDuration(context.startTime, endTime),
    conversation_id: result?.conversationId ?? updates?.conversationId ?? context.conversationId ?? null,
    message_id: result?.messageId ?? updates?.messageId ?? context.messageId ?? null,
    model_name: result?.modelName ?? updates?.modelName ?? span.modelName ?? null,
    model_provider: result?.modelProvider ?? updates?.modelProvider ?? span.modelProvider ?? null,
    error_message: result?.errorMessage ?? updates?.errorMessage ?? null,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: givenTotal ?? (inputTokens !== null && outputTokens !== null ? inputTokens + outputTokens : null),
    cached_input_tokens: finiteOrNull(result?.cachedInputTokens ?? updates?.cachedInputTokens),
    reasoning_tokens: finiteOrNull(result?.reasoningTokens ?? updates?.reasoningTokens),
    cost_usd: finiteOrNull(cost),
    time_to_first_token_ms: finiteOrNull(result?.timeToFirstTokenMs ?? updates?.timeToFirstTokenMs),
    service_name: serviceName,
    session_id: result?.sessionId ?? updates?.sessionId ?? context.sessionId ?? null,
    end_user_id: result?.endUserId ?? updates?.endUserId ?? context.endUserId ?? null,
    tags: tagList(result?.tags ?? updates?.tags ?? context.tags),
    input_data: result?.inputData ?? updates?.inputData ?? span.inputData ?? null,
    output_data: result?.outputData ?? updates?.outputData ?? null,
    metadata: mergeMetadata(span.metadata, updates?.metadata, result?.metadata),
  };
}
