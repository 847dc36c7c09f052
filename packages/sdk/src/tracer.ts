/**
 * The tracer's public API (the plan's trace service): `startTrace`, `endTrace`, `captureError`,
 * `createChildSpan`, `withSpan`, `update`, and the flush/shutdown/stats controls. The span
 * lifecycle underneath (opening, ending, queueing records) is in `span-lifecycle.ts`. Every
 * public method is safe to call from request code: it never throws, never rejects and never waits
 * for a write.
 */
import type { TracingConfig } from './config';
import { isAbortError } from './abort';
import { currentSpan, runWithSpan } from './context';
import { describeError, reportError } from './diag';
import { calculateDuration, generateSpanId, generateTraceId } from './ids';
import { operationTypeForName } from './operation';
import { SpanLifecycle } from './span-lifecycle';
import { nonRecordingContext } from './open-span';
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

/** What `endTrace` and `captureError` return: they never wait, so one settled promise serves all. */
const DONE: Promise<void> = Promise.resolve();

/** Extra fields for {@link TraceService.createChildSpan}. */
export type ChildSpanParams = Partial<Omit<StartTraceParams, 'spanName' | 'parent' | 'userId' | 'traceId'>>;

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
  /** Opens and ends spans, and owns the queue and the running-span processor. */
  private readonly spans: SpanLifecycle;
  private shutdownDone: Promise<void> | undefined;
  /** Owner of root spans started without `userId` (`config.defaultUserId`, or `setDefaultUserId`). */
  private defaultUserId: string | undefined;

  constructor(options: TraceServiceOptions = {}) {
    this.spans = new SpanLifecycle(options.config, options.sink);
    const config = this.spans.config;
    this.config = config;
    this.defaultUserId = config.defaultUserId || undefined;
  }

  /** False when tracing is disabled (`ENABLE_TRACING=false`): every call is then a cheap no-op. */
  get enabled(): boolean {
    return this.config.enabled;
  }

  /**
   * Opens a span. Without `parent` it is the root of a new trace (or joins `params.traceId`) and
   * needs `userId` (or a default owner, see {@link setDefaultUserId}); with `parent` it is a child
   * and inherits the parent's `userId`, `traceId` and (unless given) `conversationId`. Never
   * rejects: without a `userId` it logs once and returns a context that records nothing (see
   * {@link isRecording}).
   *
   * @example
   * const root = await traceService.startTrace({
   *   spanName: 'llm.completion', operationType: 'llm_call', userId, conversationId,
   *   modelName: 'gpt-4o-mini', modelProvider: 'openai', inputData: messages,
   * });
   */
  startTrace(params: StartTraceParams): Promise<TraceContext> {
    return Promise.resolve(this.spans.open(this.withDefaultUser(params, params?.parent), params?.parent));
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
    this.spans.close(context, result, false);
    return DONE;
  }

  /**
   * Ends a span as `failed`, with the error's message as `error_message`. `result` may add
   * tokens, cost or output known at the time of the failure.
   *
   * @example
   * try { await callModel(); } catch (error) { await traceService.captureError(span, error); throw error; }
   */
  captureError(context: TraceContext, error: unknown, result?: TraceResult): Promise<void> {
    this.spans.close(context, { ...result, status: 'failed', errorMessage: result?.errorMessage ?? describeError(error) }, false);
    return DONE;
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
    return Promise.resolve(this.spans.open(params, parent));
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
    const parent = params?.parent ?? currentSpan();
    const context = this.spans.open(this.withDefaultUser(params, parent), parent);
    let value: T;
    try {
      value = await runWithSpan(context, () => fn(context));
    } catch (error) {
      const status = isAbortError(error, params?.signal) ? 'cancelled' : 'failed';
      this.spans.close(context, { status, errorMessage: describeError(error) }, true);
      throw error;
    }
    this.spans.close(context, undefined, true);
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
    this.spans.update(context, fields);
  }

  /**
   * Sets the owner of root spans started without `userId` (undefined: such spans are not
   * recorded). `init()` sets it: an LLMTrace server replaces it with the API key's user.
   *
   * @example
   * traceService.setDefaultUserId('sdk');
   */
  setDefaultUserId(userId: string | undefined): void {
    this.defaultUserId = typeof userId === 'string' && userId !== '' ? userId : undefined;
  }

  /**
   * Changes how spans ended from now on are recorded: `serviceName`, `captureContent`, `mask` and
   * `sampleRate` (see `TracingConfig`). `init()` passes its options here. Never throws.
   *
   * @example
   * traceService.configure({ sampleRate: 0.1, captureContent: false });
   */
  configure(settings: Pick<Partial<TracingConfig>, 'serviceName' | 'captureContent' | 'mask' | 'sampleRate'>): void {
    try {
      this.spans.configure(settings ?? {});
    } catch (error) {
      reportError('configure() failed', error);
    }
  }

  /** `params` with the default owner when it is a root without `userId`; otherwise unchanged. */
  private withDefaultUser<P extends StartTraceParams>(params: P, parent: TraceContext | undefined): P {
    if (this.defaultUserId === undefined || parent !== undefined || params === null || typeof params !== 'object') return params;
    return params.userId === undefined ? { ...params, userId: this.defaultUserId } : params;
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
      this.spans.queue.setSink(sink);
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
    return this.spans.queue.flush().catch((error: unknown) => reportError('flush() failed', error));
  }

  /**
   * Flushes (for at most `shutdownTimeoutMs`), closes the sink and stops the timers. Idempotent;
   * never rejects. Spans opened afterwards record nothing.
   *
   * @example
   * process.once('SIGTERM', () => void traceService.shutdown().then(() => process.exit(0)));
   */
  shutdown(): Promise<void> {
    this.shutdownDone ??= this.spans.shutdown();
    return this.shutdownDone;
  }

  /**
   * Counters for health checks and dashboards.
   *
   * @example
   * traceService.stats(); // { enabled: true, queued: 3, written: 1200, dropped: 0, failedWrites: 1, runningSkipped: 0 }
   */
  stats(): TraceStats {
    return this.spans.stats();
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
}
