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
import { buildRecord, mergeResult, usableMask, type RecordPolicy } from './record';
import { RunningSpanProcessor } from './running';
import { OPERATION_TYPES } from './span/fields';
import { OpenSpan, SpanContext, detachedSpan, isRecording, nonRecordingContext, validDate } from './open-span';
import type { SpanSink, StartTraceParams, TraceContext, TraceResult, TraceStats } from './types';

const OPERATIONS: ReadonlySet<string> = new Set<string>(OPERATION_TYPES);

function validRate(rate: unknown): number {
  return typeof rate === 'number' && rate >= 0 && rate <= 1 ? rate : 1;
}

/**
 * Whether a trace is sampled at `rate`, from its id alone: the last 8 hex digits (random in W3C
 * ids) as a fraction of 2^32. Every process with the same rate decides the same.
 *
 * @example
 * isSampled('4bf92f3577b34da6a3ce929d0e0e4736', 0.5); // 0x0e0e4736 / 2^32 ≈ 0.055 < 0.5 → true
 */
export function isSampled(traceId: string, rate: number): boolean {
  return parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < rate;
}

/**
 * What a {@link TraceService} runs on: its settings, the queue and the running-span processor, and
 * the synchronous open/close of spans that its (promise-returning) public methods call.
 */
export class SpanLifecycle {
  /** The settings: each field not given takes its documented default (`TRACING_DEFAULTS`), not the environment. */
  readonly config: Readonly<TracingConfig>;
  readonly queue: SpanQueue;
  readonly running: RunningSpanProcessor;
  /** Service name and content rules of every record; `configure` may change them. */
  readonly policy: RecordPolicy;
  /** Share of traces recorded (head sampling by trace id). */
  private sampleRate: number;
  private sampledOut = 0;
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
    this.policy = { serviceName: config.serviceName ?? null, captureContent: config.captureContent !== false, mask: usableMask(config.mask) };
    this.sampleRate = validRate(config.sampleRate);
    this.running = new RunningSpanProcessor(config.maxOpenSpans, (span) =>
      this.queue.enqueue(buildRecord(span, undefined, true, this.policy)),
    );
  }

  /** Changes the record settings of spans ended from now on (what `init()` passes). */
  configure(settings: Pick<Partial<TracingConfig>, 'serviceName' | 'captureContent' | 'mask' | 'sampleRate'>): void {
    if (settings.serviceName !== undefined) this.policy.serviceName = settings.serviceName.trim().slice(0, 200) || null;
    if (settings.captureContent !== undefined) this.policy.captureContent = settings.captureContent !== false;
    if (settings.mask !== undefined) this.policy.mask = usableMask(settings.mask);
    if (settings.sampleRate !== undefined) this.sampleRate = validRate(settings.sampleRate);
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
      // Head sampling: a root (or a span joining a trace by id) is recorded only when its trace is
      // sampled; its children then inherit a non-recording parent, so the trace is dropped whole.
      if (parent === undefined && this.sampleRate < 1 && !isSampled(traceId, this.sampleRate)) {
        this.sampledOut++;
        return nonRecordingContext(params, parent);
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
        this.queue.enqueue(buildRecord(detachedSpan(context), result, false, this.policy));
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
      this.queue.enqueue(buildRecord(span, result, false, this.policy));
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
    return { enabled: this.config.enabled, ...this.queue.stats(), runningSkipped: this.running.skipped, sampledOut: this.sampledOut };
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
