/**
 * The tracer (the plan's trace service): opens and ends spans, turns them into
 * {@link SpanRecord}s and hands those to the batching queue, which writes them to the sink. Every
 * public method is safe to call from request code: it never throws, never rejects and never waits
 * for a write.
 */
import { TRACING_DEFAULTS, type TracingConfig } from './config';
import { isAbortError } from './abort';
import { currentSpan, runWithSpan } from './context';
import { describeError, reportError } from './diag';
import { calculateDuration, generateSpanId, generateTraceId, isValidTraceId } from './ids';
import { operationTypeForName } from './operation';
import { SpanQueue } from './queue';
import { buildRecord, mergeResult } from './record';
import { RunningSpanProcessor } from './running';
import { OPERATION_TYPES, type SpanRecord } from './span/fields';
import { SpanContext, detachedSpan, isRecording, nonRecordingContext, validDate, type OpenSpan } from './open-span';
import type {
  SpanSink,
  StartTraceParams,
  TraceContext,
  TraceResult,
  TraceStats,
  WithSpanParams,
} from './types';

export interface TraceServiceOptions {
  /** Where spans go. Default: none; spans wait in the bounded queue until {@link TraceService.setSink}. */
  sink?: SpanSink;
  /** Settings; each missing field takes its documented default (`TRACING_DEFAULTS`), not the environment. */
  config?: Partial<TracingConfig>;
}

/** Extra fields for {@link TraceService.createChildSpan}. */
export type ChildSpanParams = Partial<Omit<StartTraceParams, 'spanName' | 'parent' | 'userId' | 'traceId'>>;

const OPERATIONS: ReadonlySet<string> = new Set<string>(OPERATION_TYPES);

/**
 * Captures LLM operations as spans. Use the default instance {@link traceService}; tests build
 * their own with an explicit sink and settings.
 *
 * @example
 * const service = new TraceService({ sink: new InMemorySpanSink(), config: { batchSize: 1 } });
 * const root = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 * const tool = await service.createChildSpan(root, 'tool.web_search', { inputData: { query } });
 * await service.endTrace(tool, { outputData: results });
 * await service.endTrace(root, { inputTokens: 120, outputTokens: 40, costUsd: 0.0004 });
 */
export class TraceService {
  private readonly config: Readonly<TracingConfig>;
  private readonly queue: SpanQueue;
  private readonly running: RunningSpanProcessor;
  private readonly serviceName: string | null;
  private isShutDown = false;
  private shutdownDone: Promise<void> | undefined;
  private readonly warned = new Set<string>();

  constructor(options: TraceServiceOptions = {}) {
    const config: TracingConfig = { ...TRACING_DEFAULTS };
    for (const [key, value] of Object.entries(options.config ?? {})) {
      if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
    }
    this.config = config;
    this.queue = new SpanQueue({
      sink: options.sink,
      batchSize: this.config.batchSize,
      batchIntervalMs: this.config.batchIntervalMs,
      maxQueueSize: this.config.maxQueueSize,
      exportTimeoutMs: this.config.exportTimeoutMs,
      maxRetries: this.config.maxRetries,
      retryBaseDelayMs: this.config.retryBaseDelayMs,
      retryMaxDelayMs: this.config.retryMaxDelayMs,
      shutdownTimeoutMs: this.config.shutdownTimeoutMs,
      onError: reportError,
    });
    this.running = new RunningSpanProcessor(this.config.maxOpenSpans, (span) =>
      this.queue.enqueue(buildRecord(span, undefined, true, this.serviceName)),
    );
    this.serviceName = this.config.serviceName ?? null;
  }

  /** False when tracing is disabled (`ENABLE_TRACING=false`): every call is then a cheap no-op. */
  get enabled(): boolean {
    return this.config.enabled;
  }

  /**
   * Opens a span. Without `parent` it is the root of a new trace (or joins `params.traceId`) and
   * needs `userId`; with `parent` it is a child and inherits the parent's `userId`, `traceId` and
   * (unless given) `conversationId`. Never rejects: without a `userId` it logs once and returns a
   * context that records nothing (see {@link isRecording}).
   *
   * @example
   * const root = await traceService.startTrace({
   *   spanName: 'llm.completion', operationType: 'llm_call', userId, conversationId,
   *   modelName: 'gpt-4o-mini', modelProvider: 'openai', inputData: messages,
   * });
   */
  startTrace(params: StartTraceParams): Promise<TraceContext> {
    return Promise.resolve(this.open(params, params?.parent));
  }

  /**
   * Ends a span and queues it for writing; resolves without waiting for the sink. Fields given
   * earlier through {@link update} are applied, `result` wins over them. Ending a span twice only
   * logs (once).
   *
   * @example
   * await traceService.endTrace(root, {
   *   inputTokens: 812, outputTokens: 64, costUsd: 0.00021, messageId, outputData: answer,
   * });
   */
  endTrace(context: TraceContext, result?: TraceResult): Promise<void> {
    this.close(context, result, false);
    return Promise.resolve();
  }

  /**
   * Ends a span as `failed`, with the error's message as `error_message`. `result` may add
   * tokens, cost or output known at the time of the failure.
   *
   * @example
   * try { await callModel(); } catch (error) { await traceService.captureError(span, error); throw error; }
   */
  captureError(context: TraceContext, error: unknown, result?: TraceResult): Promise<void> {
    this.close(context, { ...result, status: 'failed', errorMessage: result?.errorMessage ?? describeError(error) }, false);
    return Promise.resolve();
  }

  /**
   * Opens a child of `parent`. The operation type follows from the name (`tool.*` → `tool_call`,
   * `llm.*` → `llm_call`, `retrieval` → `retrieval`, …) unless `extra.operationType` says otherwise.
   *
   * @example
   * const span = await traceService.createChildSpan(root, 'tool.web_search', { inputData: args });
   */
  createChildSpan(parent: TraceContext, name: string, extra?: ChildSpanParams): Promise<TraceContext> {
    const params: StartTraceParams = {
      ...extra,
      spanName: name,
      operationType: extra?.operationType ?? operationTypeForName(String(name)),
      parent,
    };
    return Promise.resolve(this.open(params, parent));
  }

  /**
   * Runs `fn` inside a new span and ends it: `completed` when `fn` returns; when it throws,
   * `cancelled` for an abort (an `AbortError`, the SDKs' `APIUserAbortError`, or anything thrown
   * once `params.signal` fired) and `failed` otherwise, with the error's message, and the original
   * error is re-thrown unchanged. The parent is `params.parent`, or else the current span, so
   * calls nest across `await`s and `Promise.all`. `fn` may call `update(ctx, …)` to attach
   * tokens, cost or output, or end the span itself.
   *
   * @example
   * const docs = await traceService.withSpan({ spanName: 'retrieval', operationType: 'retrieval', signal }, async (span) => {
   *   const found = await searchKnowledgeBase(query, { signal }); // its own withSpan calls become children
   *   traceService.update(span, { outputData: found.map((d) => d.id) });
   *   return found;
   * });
   */
  async withSpan<T>(params: WithSpanParams, fn: (context: TraceContext) => T | Promise<T>): Promise<T> {
    if (!this.config.enabled) return fn(nonRecordingContext(params, params?.parent));
    const context = this.open(params, params?.parent ?? currentSpan());
    let value: T;
    try {
      value = await runWithSpan(context, () => fn(context));
    } catch (error) {
      const status = isAbortError(error, params?.signal) ? 'cancelled' : 'failed';
      this.close(context, { status, errorMessage: describeError(error) }, true);
      throw error;
    }
    this.close(context, undefined, true);
    return value;
  }

  /** The span the calling code runs in (set by `withSpan`), or undefined. */
  currentSpan(): TraceContext | undefined {
    return currentSpan();
  }

  /**
   * Merges result fields (tokens, cost, model, output, metadata, …) into an open span; they are
   * written when it ends (and show in its `running` record). Later values win; metadata merges.
   *
   * @example
   * traceService.update(span, { modelName: 'gpt-4o', inputTokens: 900, outputTokens: 120, costUsd: 0.0035 });
   */
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

  /**
   * Sets where spans go. The app injects its database sink at start; spans queued before that
   * are written then.
   *
   * @example
   * traceService.setSink(new HttpSpanSink({ baseUrl: 'http://127.0.0.1:3000', apiKey }));
   */
  setSink(sink: SpanSink): void {
    try {
      this.queue.setSink(sink);
    } catch (error) {
      reportError('setSink() failed', error);
    }
  }

  /**
   * Writes every span ended so far (waiting for retries). Never rejects. With no sink set it
   * resolves at once and the spans keep waiting.
   *
   * @example
   * await traceService.flush();
   */
  flush(): Promise<void> {
    if (!this.config.enabled) return Promise.resolve();
    return this.queue.flush().catch((error: unknown) => reportError('flush() failed', error));
  }

  /**
   * Flushes (for at most `shutdownTimeoutMs`), closes the sink and stops the timers. Idempotent;
   * never rejects. Spans opened afterwards record nothing.
   *
   * @example
   * process.once('SIGTERM', () => void traceService.shutdown().then(() => process.exit(0)));
   */
  shutdown(): Promise<void> {
    this.shutdownDone ??= this.runShutdown();
    return this.shutdownDone;
  }

  /**
   * Counters for health checks and dashboards.
   *
   * @example
   * traceService.stats(); // { enabled: true, queued: 3, written: 1200, dropped: 0, failedWrites: 1, runningSkipped: 0 }
   */
  stats(): TraceStats {
    const queue = this.queue.stats();
    return { enabled: this.config.enabled, ...queue, runningSkipped: this.running.skipped };
  }

  /** A new W3C trace id (32 lowercase hex). Same as the exported `generateTraceId`. */
  generateTraceId(): string {
    return generateTraceId();
  }

  /** A new W3C span id (16 lowercase hex). Same as the exported `generateSpanId`. */
  generateSpanId(): string {
    return generateSpanId();
  }

  /** Milliseconds from `start` to `end` (2500 for 2.5 s); never negative. */
  calculateDuration(start: Date, end: Date): number {
    return calculateDuration(start, end);
  }

  private async runShutdown(): Promise<void> {
    this.isShutDown = true;
    this.running.shutdown();
    try {
      await this.queue.shutdown();
    } catch (error) {
      reportError('shutdown() failed', error);
    }
  }

  private open(params: StartTraceParams, parent: TraceContext | undefined): TraceContext {
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
      const span: OpenSpan = {
        context,
        modelName: params.modelName,
        modelProvider: params.modelProvider,
        inputData: params.inputData,
        metadata: params.metadata,
        updates: undefined,
        ended: false,
        watched: false,
        runningDueAt: startTime.getTime() + this.config.batchIntervalMs,
      };
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
  private close(context: TraceContext, result: TraceResult | undefined, fromWithSpan: boolean): void {
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

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    reportError(message);
  }
}
