/**
 * Record building: an open span plus its result fields become one {@link SpanRecord}, the shape
 * every sink receives.
 */
import { calculateDuration } from './ids';
import { FINAL_STATUSES, type SpanRecord, type SpanStatus } from './span/fields';
import { validDate, type OpenSpan } from './open-span';
import type { ContentMask, MaskableFields, RecordMask } from './config';
import { reportError } from './diag';
import type { TraceResult } from './types';

/** What every record of a tracer gets: its service, and whether (and how) content is kept. */
export interface RecordPolicy {
  serviceName: string | null;
  /** false: no input_data or output_data. */
  captureContent: boolean;
  mask: ContentMask | undefined;
}

const MASKED_FIELDS = ['input_data', 'output_data', 'error_message', 'metadata'] as const;

function isRecordMask(value: object): value is RecordMask {
  return typeof (value as Partial<RecordMask>).maskRecord === 'function';
}

/**
 * The `mask` option checked: a function, `maskWith(...)` whose rules are valid, or nothing; else
 * why it cannot be used (`init()` then sends nothing rather than sending unmasked).
 */
export function checkMask(value: unknown): { ok: true; mask: ContentMask | undefined } | { ok: false; problem: string } {
  if (value === undefined || value === null) return { ok: true, mask: undefined };
  if (typeof value === 'function') return { ok: true, mask: value as ContentMask };
  if (typeof value === 'object') {
    if (isRecordMask(value)) {
      const problems = Array.isArray(value.problems) ? value.problems : [];
      return problems.length === 0 ? { ok: true, mask: value } : { ok: false, problem: `mask: ${problems.join('; ')}` };
    }
    if ('detectors' in value || 'custom' in value) {
      return {
        ok: false,
        problem: "mask rules are applied by maskWith() from '@llmtrace/sdk/mask', which loads the detectors: init({ mask: maskWith({ detectors: [...] }) })",
      };
    }
  }
  return { ok: false, problem: "mask must be a function (value, field) => value or maskWith({ detectors, custom }) from '@llmtrace/sdk/mask'" };
}

/** Stands in for a mask that cannot be used: every masked field is dropped, nothing leaves unmasked. */
const DROP_CONTENT: RecordMask = Object.freeze({
  problems: [],
  maskRecord: (fields: MaskableFields): MaskableFields => ({ span_name: fields.span_name, input_data: null, output_data: null, error_message: null, metadata: null }),
});

/**
 * The mask a tracer records with: the option itself when it can be used; else (reported) one that
 * drops every masked field.
 */
export function usableMask(value: unknown): ContentMask | undefined {
  const checked = checkMask(value);
  if (checked.ok) return checked.mask;
  reportError(`${checked.problem}; inputs, outputs, errors and metadata are dropped instead of sent unmasked`);
  return DROP_CONTENT;
}

/** Applies the policy's content rules to a built record (only called when one is set). */
function applyContentPolicy(record: SpanRecord, policy: RecordPolicy): SpanRecord {
  if (!policy.captureContent) {
    record.input_data = null;
    record.output_data = null;
  }
  const mask = policy.mask;
  if (mask === undefined) return record;
  if (typeof mask !== 'function') {
    try {
      const { span_name, input_data, output_data, error_message, metadata } = record;
      const masked = mask.maskRecord({ span_name, input_data, output_data, error_message, metadata });
      if (typeof masked.span_name === 'string' && masked.span_name !== '') record.span_name = masked.span_name;
      record.input_data = masked.input_data ?? null;
      record.output_data = masked.output_data ?? null;
      record.error_message = typeof masked.error_message === 'string' ? masked.error_message : null;
      record.metadata = masked.metadata !== null && typeof masked.metadata === 'object' ? masked.metadata : null;
    } catch (error) {
      for (const field of MASKED_FIELDS) record[field] = null;
      reportError('masking failed; inputs, outputs, the error and metadata were dropped instead of sent unmasked', error);
    }
    return record;
  }
  for (const field of MASKED_FIELDS) {
    const value = record[field];
    if (value === null || value === undefined) continue;
    try {
      const masked = mask(value, field);
      if (field === 'error_message') record.error_message = typeof masked === 'string' ? masked : null;
      else if (field === 'metadata') record.metadata = masked !== null && typeof masked === 'object' ? (masked as Record<string, unknown>) : null;
      else record[field] = masked ?? null;
    } catch (error) {
      record[field] = null;
      reportError(`mask() threw on ${field}; the field was dropped instead of sent unmasked`, error);
    }
  }
  return record;
}

const FINAL: ReadonlySet<string> = new Set<string>(FINAL_STATUSES);
/** Stands in for a missing result or missing updates. */
const NOTHING: Partial<TraceResult> = Object.freeze({});

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function tagList(value: readonly string[] | undefined): string[] {
  if (!Array.isArray(value) || value.length === 0) return [];
  return [...new Set(value.filter((tag): tag is string => typeof tag === 'string' && tag !== ''))];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== undefined && value !== null && typeof value === 'object';
}

/**
 * The metadata objects merged in order, later keys winning: the one object itself when only one
 * is given (no copy), a new object when several are, null when none is.
 */
export function mergeMetadata(
  first: Record<string, unknown> | undefined,
  second: Record<string, unknown> | undefined,
  third?: Record<string, unknown>,
): Record<string, unknown> | null {
  let merged: Record<string, unknown> | null = isObject(first) ? first : null;
  let copied = false;
  if (isObject(second)) {
    if (merged === null) merged = second;
    else {
      merged = Object.assign({}, merged, second);
      copied = true;
    }
  }
  if (isObject(third)) {
    if (merged === null) merged = third;
    else if (copied) Object.assign(merged, third);
    else merged = Object.assign({}, merged, third);
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
export function buildRecord(span: OpenSpan, result: TraceResult | undefined, running: boolean, policy: RecordPolicy): SpanRecord {
  const context = span.context;
  // Plain property reads instead of `?.` chains: a missing result or update reads from NOTHING.
  const given: Partial<TraceResult> = result ?? NOTHING;
  const updates: Partial<TraceResult> = span.updates ?? NOTHING;
  const inputTokens = finiteOrNull(given.inputTokens ?? updates.inputTokens);
  const outputTokens = finiteOrNull(given.outputTokens ?? updates.outputTokens);
  const givenTotal = finiteOrNull(given.totalTokens ?? updates.totalTokens);
  let status: SpanStatus = 'running';
  let endTime: Date | null = null;
  if (!running) {
    const requested = given.status ?? updates.status;
    status = requested !== undefined && FINAL.has(requested) ? requested : 'completed';
    const end = given.endTime ?? updates.endTime;
    endTime = validDate(end) ? end : new Date();
  }
  const record: SpanRecord = {
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
    conversation_id: given.conversationId ?? updates.conversationId ?? context.conversationId ?? null,
    message_id: given.messageId ?? updates.messageId ?? context.messageId ?? null,
    model_name: given.modelName ?? updates.modelName ?? span.modelName ?? null,
    model_provider: given.modelProvider ?? updates.modelProvider ?? span.modelProvider ?? null,
    error_message: given.errorMessage ?? updates.errorMessage ?? null,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: givenTotal ?? (inputTokens !== null && outputTokens !== null ? inputTokens + outputTokens : null),
    cached_input_tokens: finiteOrNull(given.cachedInputTokens ?? updates.cachedInputTokens),
    reasoning_tokens: finiteOrNull(given.reasoningTokens ?? updates.reasoningTokens),
    cost_usd: finiteOrNull(given.costUsd !== undefined ? given.costUsd : updates.costUsd),
    time_to_first_token_ms: finiteOrNull(given.timeToFirstTokenMs ?? updates.timeToFirstTokenMs),
    service_name: policy.serviceName,
    session_id: given.sessionId ?? updates.sessionId ?? context.sessionId ?? null,
    end_user_id: given.endUserId ?? updates.endUserId ?? context.endUserId ?? null,
    tags: tagList(given.tags ?? updates.tags ?? context.tags),
    input_data: given.inputData ?? updates.inputData ?? span.inputData ?? null,
    output_data: given.outputData ?? updates.outputData ?? null,
    metadata: mergeMetadata(span.metadata, updates.metadata, given.metadata),
  };
  return policy.captureContent && policy.mask === undefined ? record : applyContentPolicy(record, policy);
}
