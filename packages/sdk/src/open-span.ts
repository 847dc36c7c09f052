/**
 * A span between its start and its end: its public handle ({@link TraceContext}) and the state the
 * tracer keeps for it. In OpenTelemetry's terms, the Span.
 */
import { INVALID_SPAN_ID, INVALID_TRACE_ID } from './ids';
import type { OperationType } from './span/fields';
import type { StartTraceParams, TraceContext, TraceResult } from './types';

/** What the tracer remembers about a span between its start and its end. */
export class OpenSpan {
  /** Fields given by `update()`, applied when the span is written. */
  updates: Partial<TraceResult> | undefined = undefined;
  ended = false;
  /** On the running-span watch list (not yet written as `running`, ended or evicted). */
  watched = false;
  /** Neighbours on the running-span watch list (see `running.ts`). */
  olderWatched: OpenSpan | undefined = undefined;
  newerWatched: OpenSpan | undefined = undefined;

  constructor(
    readonly context: TraceContext,
    readonly modelName: string | undefined,
    readonly modelProvider: string | undefined,
    /** Released once the span is written, since the context (and so this state) may outlive it. */
    public inputData: unknown,
    public metadata: Record<string, unknown> | undefined,
    /** When (epoch ms) the span is due for its `running` record. */
    readonly runningDueAt: number,
  ) {}
}

/**
 * The context handed out for a recording span. Its state rides along in a private field, so that
 * ending a span needs no lookup table, and state dies with the context when a span is never ended.
 * Copies (`{ ...context }`) and serialized contexts carry only the public fields.
 */
export class SpanContext implements TraceContext {
  #span: OpenSpan | undefined;
  sessionId: string | undefined;
  endUserId: string | undefined;
  tags: readonly string[] | undefined;

  constructor(
    public traceId: string,
    public spanId: string,
    public parentSpanId: string | undefined,
    public userId: string,
    public conversationId: string | undefined,
    public messageId: string | undefined,
    public spanName: string,
    public operationType: OperationType,
    public startTime: Date,
  ) {}

  static attach(context: SpanContext, span: OpenSpan): void {
    context.#span = span;
  }

  static openSpanOf(context: TraceContext): OpenSpan | undefined {
    return context instanceof SpanContext ? context.#span : undefined;
  }
}

/**
 * Whether a context records anything. Contexts handed out while tracing is disabled, after
 * shutdown, or for a root without `userId` carry the all-zero W3C ids and record nothing: do not
 * store their `traceId` (e.g. as `messages.trace_id`).
 *
 * @example
 * const ctx = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 * const traceId = isRecording(ctx) ? ctx.traceId : null;
 */
export function isRecording(context: TraceContext): boolean {
  return isNot(context.traceId, INVALID_TRACE_ID) && isNot(context.spanId, INVALID_SPAN_ID);
}

/**
 * `id !== invalid` for an all-zero `invalid`, answered from the first character when it is not
 * '0' (most ids), which costs less than comparing two strings.
 */
function isNot(id: string, invalid: string): boolean {
  return (typeof id === 'string' && id.length > 0 && id.charCodeAt(0) !== 48) || id !== invalid;
}

export function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** A context that works for callers but records nothing (all-zero W3C ids). */
export function nonRecordingContext(maybeParams: StartTraceParams | undefined, parent: TraceContext | undefined): TraceContext {
  const params: Partial<StartTraceParams> = maybeParams ?? {};
  return {
    traceId: INVALID_TRACE_ID,
    spanId: INVALID_SPAN_ID,
    parentSpanId: parent?.spanId,
    userId: parent?.userId ?? params.userId ?? '',
    conversationId: params.conversationId ?? parent?.conversationId,
    messageId: params.messageId,
    spanName: params.spanName ?? 'span',
    operationType: params.operationType ?? 'other',
    startTime: validDate(params.startTime) ? params.startTime : new Date(),
  };
}

/** The state of a span ended through a copy of its context (or one from another process). */
export function detachedSpan(context: TraceContext): OpenSpan {
  const span = new OpenSpan(context, undefined, undefined, undefined, undefined, 0);
  span.ended = true;
  return span;
}
