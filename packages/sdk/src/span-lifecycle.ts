/**
 * The open/close lifecycle of a span, under the tracer's public API: opening a span (ids, parent,
 * owner), ending it once, and handing its record to the running-span processor and the batching
 * queue. In OpenTelemetry's terms, the part of the Tracer that creates Spans plus the span
 * processor pipeline. Nothing here throws to the caller.
 */
import { TRACING_DEFAULTS, type TracingConfig } from './config';
import { reportError } from './diag';
import { generateSpanId, generateTraceId, isValidTraceId } from './ids';
import { SpanQueue } from './queue';
import { buildRecord, mergeResult } from './record';
import { RunningSpanProcessor } from './running';
import { OPERATION_TYPES } from './span/fields';
import { OpenSpan, SpanContext, detachedSpan, isRecording, nonRecordingContext, validDate } from './open-span';
import type { SpanSink, StartTraceParams, TraceContext, TraceResult, TraceStats } from './types';

const OPERATIONS: ReadonlySet<string> = new Set<string>(OPERATION_TYPES);

/**
 * What a {@link TraceService} runs on: its settings, the queue and the running-span processor, and
 * the synchronous open/close of spans that its (promise-returning) public methods call.
 */
export class SpanLifecycle {
  /** The settings: each field not given takes its documented default (`TRACING_DEFAULTS`), not the environment. */
  readonly config: Readonly<TracingConfig>;
  readonly queue: SpanQueue;
  readonly running: RunningSpanProcessor;
  private readonly serviceName: string | null;
  /** Set by {@link shutdown}: spans opened afterwards record nothing. */
  private isShutDown = false;
  private readonly warned = new Set<string>();

  constructor(settings: Partial<TracingConfig> | undefined, sink: SpanSink | undefined) {
    const config: TracingConfig = { ...TRACING_DEFAULTS };
    for (const [key, value] of Object.entries(settings ?? {})) {
      if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
    }
    this.config = config;
    this.queue = new SpanQueue({
      sink,
      batchSize: config.batchSize,
      batchIntervalMs: config.batchIntervalMs,
      maxQueueSize: config.maxQueueSize,
      exportTimeoutMs: config.exportTimeoutMs,
      maxRetries: config.maxRetries,
      retryBaseDelayMs: config.retryBaseDelayMs,
      retryMaxDelayMs: config.retryMaxDelayMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      onError: reportError,
    });
    this.serviceName = config.serviceName ?? null;
    this.running = new RunningSpanProcessor(config.maxOpenSpans, (span) =>
      this.queue.enqueue(buildRecord(span, undefined, true, this.serviceName)),
    );
  }

  /** Opens a span under `parent` (or a root); a non-recording context when it cannot record. */
  open(params: StartTraceParams, parent: TraceContext | undefined): TraceContext {
    if (!this.config.enabled || this.isShutDown) return nonRecordingContext(params, parent);
    try {
      if (params === null || typeof params !== 'object') {
        this.warnOnce('bad-params', 'startTrace without parameters: span is not recorded');
        return nonRecordingContext(params, parent);
      }
      if (parent !== undefined && !isRecording(parent)) return nonRecordingContext(params, parent);
      const userId = parent !== undefined ? parent.userId : params.userId;
      if (typeof userId !== 'string' || userId === '') {
        this.warnOnce('no-user', `startTrace without userId: span "${params.spanName}" is not recorded`);
        return nonRecordingContext(params, parent);
      }
      let traceId: string;
      if (parent !== undefined) traceId = parent.traceId;
      else if (params.traceId === undefined) traceId = generateTraceId();
      else if (isValidTraceId(params.traceId)) traceId = params.traceId;
      else {
        this.warnOnce('bad-trace-id', `startTrace: invalid traceId "${String(params.traceId)}", started a new trace`);
        traceId = generateTraceId();
      }
      const startTime = validDate(params.startTime) ? params.startTime : new Date();
      const context = new SpanContext(
        traceId,
        generateSpanId(),
        parent?.spanId,
        userId,
        params.conversationId ?? parent?.conversationId,
        params.messageId,
        typeof params.spanName === 'string' && params.spanName !== '' ? params.spanName : 'span',
        OPERATIONS.has(params.operationType) ? params.operationType : 'other',
        startTime,
      );
      context.sessionId = params.sessionId ?? parent?.sessionId;
      context.endUserId = params.endUserId ?? parent?.endUserId;
      context.tags = params.tags ?? parent?.tags;
      const span = new OpenSpan(
        context,
        params.modelName,
        params.modelProvider,
        params.inputData,
        params.metadata,
        startTime.getTime() + this.config.batchIntervalMs,
      );
      SpanContext.attach(context, span);
      this.running.onStart(span);
      return context;
    } catch (error) {
      reportError('startTrace() failed', error);
      return nonRecordingContext(params, parent);
    }
  }

  /**
   * Ends a span. `fromWithSpan` means the caller is `withSpan`, whose `fn` may legitimately have
   * ended the span already: then a second end is silent.
   */
  close(context: TraceContext, result: TraceResult | undefined, fromWithSpan: boolean): void {
    if (!this.config.enabled) return;
    try {
      if (context === null || typeof context !== 'object' || !isRecording(context)) return;
      const span = SpanContext.openSpanOf(context);
      if (span === undefined) {
        // A copy of a context (or one from another process): its identity is enough to write it.
        this.warnOnce('unknown-span', `ended a span this service did not start (${context.spanName}); writing it anyway`);
        this.queue.enqueue(buildRecord(detachedSpan(context), result, false, this.serviceName));
        return;
      }
      if (span.ended) {
        if (!fromWithSpan) {
          this.warnOnce('double-end', `span "${context.spanName}" (${context.spanId}) ended twice; the second end is ignored`);
        }
        return;
      }
      span.ended = true;
      this.running.onEnd(span);
      this.queue.enqueue(buildRecord(span, result, false, this.serviceName));
      span.inputData = undefined;
      span.metadata = undefined;
      span.updates = undefined;
    } catch (error) {
      reportError('endTrace() failed', error);
    }
  }

  /** Merges result fields into an open span, to be written when it ends (see `TraceService.update`). */
  update(context: TraceContext, fields: Partial<TraceResult>): void {
    if (!this.config.enabled) return;
    try {
      const span = SpanContext.openSpanOf(context);
      if (span === undefined) return;
      if (span.ended) {
        this.warnOnce('update-ended', `update() on an ended span is ignored (${context.spanName})`);
        return;
      }
      span.updates = mergeResult(span.updates ?? {}, fields);
    } catch (error) {
      reportError('update() failed', error);
    }
  }

  /** The queue's counters, plus whether tracing is enabled and the running records skipped. */
  stats(): TraceStats {
    return { enabled: this.config.enabled, ...this.queue.stats(), runningSkipped: this.running.skipped };
  }

  /** Stops recording, stops the running-span timer, and shuts the queue down. Never rejects. */
  async shutdown(): Promise<void> {
    this.isShutDown = true;
    this.running.shutdown();
    try {
      await this.queue.shutdown();
    } catch (error) {
      reportError('shutdown() failed', error);
    }
  }

  /** Reports `message` the first time `key` comes up, and never again. */
  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    reportError(message);
  }
}
