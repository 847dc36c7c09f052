/**
 * The trace service: opens and ends spans, turns them into {@link SpanRecord}s and hands those to
 * the batching queue, which writes them to the sink. Every public method is safe to call from
 * request code: it never throws, never rejects and never waits for a write.
 */
import { TRACING_DEFAULTS, tracingConfig, type TracingConfig } from '../config/tracing.config';
import { isAbortError } from './abort';
import { currentSpan, runWithSpan } from './context';
import { describeError, reportError } from './diag';
import {
  INVALID_SPAN_ID,
  INVALID_TRACE_ID,
  calculateDuration,
  generateSpanId,
  generateTraceId,
  isValidTraceId,
} from './ids';
import { SpanQueue } from './queue';
import type {
  OperationType,
  SpanRecord,
  SpanSink,
  SpanStatus,
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

/** What the service remembers about a span between its start and its end. */
interface OpenSpan {
  readonly context: TraceContext;
  readonly modelName: string | undefined;
  readonly modelProvider: string | undefined;
  /** Released once the span is written, since the context (and so this state) may outlive it. */
  inputData: unknown;
  metadata: Record<string, unknown> | undefined;
  /** Fields given by `update()`, applied when the span is written. */
  updates: Partial<TraceResult> | undefined;
  ended: boolean;
  /** On the watch list for a `running` record (not yet written, ended or evicted). */
  watched: boolean;
  /** When (epoch ms) the span is due for its `running` record. */
  readonly runningDueAt: number;
}

/**
 * The context handed out for a recording span. Its state rides along in a private field, so that
 * ending a span needs no lookup table, and state dies with the context when a span is never ended.
 * Copies (`{ ...context }`) and serialized contexts carry only the public fields.
 */
class SpanContext implements TraceContext {
  #span: OpenSpan | undefined;

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

const OPERATION_TYPES: ReadonlySet<string> = new Set<OperationType>([
  'llm_call',
  'tool_call',
  'retrieval',
  'embedding',
  'chain',
  'agent',
  'other',
]);
const FINAL_STATUSES: ReadonlySet<string> = new Set<SpanStatus>(['completed', 'failed', 'cancelled']);

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
  return context.traceId !== INVALID_TRACE_ID && context.spanId !== INVALID_SPAN_ID;
}

/**
 * The operation type a span name implies: `llm.*` → `llm_call`, `tool.*` → `tool_call`,
 * `retrieval*` and `*.search` → `retrieval`, `embedding*` → `embedding`, otherwise `other`.
 *
 * @example
 * operationTypeForName('tool.web_search'); // 'tool_call'
 */
export function operationTypeForName(spanName: string): OperationType {
  if (spanName.startsWith('llm.')) return 'llm_call';
  if (spanName.startsWith('tool.')) return 'tool_call';
  if (spanName.startsWith('retrieval') || spanName.endsWith('.search')) return 'retrieval';
  if (spanName.startsWith('embedding')) return 'embedding';
  return 'other';
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function mergeMetadata(
  ...parts: Array<Record<string, unknown> | undefined>
): Record<string, unknown> | null {
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
function mergeResult(target: Partial<TraceResult>, fields: Partial<TraceResult>): Partial<TraceResult> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    merged[key] = key === 'metadata' ? mergeMetadata(target.metadata, value as Record<string, unknown>) : value;
  }
  return merged as Partial<TraceResult>;
}

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
  /**
   * Spans waiting for their `running` record, oldest first. Ended spans are skipped lazily; at most
   * `maxOpenSpans` are watched, and the list is compacted before it holds twice that.
   */
  private watchList: OpenSpan[] = [];
  private watchHead = 0;
  private watchedCount = 0;
  private runningTimer: ReturnType<typeof setTimeout> | undefined;
  private runningSkipped = 0;
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
    if (!this.config.enabled) return fn(this.nonRecording(params, params?.parent));
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
    return { enabled: this.config.enabled, ...queue, runningSkipped: this.runningSkipped };
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
    if (this.runningTimer !== undefined) clearTimeout(this.runningTimer);
    this.runningTimer = undefined;
    this.watchList = [];
    this.watchHead = 0;
    this.watchedCount = 0;
    try {
      await this.queue.shutdown();
    } catch (error) {
      reportError('shutdown() failed', error);
    }
  }

  private open(params: StartTraceParams, parent: TraceContext | undefined): TraceContext {
    if (!this.config.enabled || this.isShutDown) return this.nonRecording(params, parent);
    try {
      if (params === null || typeof params !== 'object') {
        this.warnOnce('bad-params', 'startTrace without parameters: span is not recorded');
        return this.nonRecording(params, parent);
      }
      if (parent !== undefined && !isRecording(parent)) return this.nonRecording(params, parent);
      const userId = parent !== undefined ? parent.userId : params.userId;
      if (typeof userId !== 'string' || userId === '') {
        this.warnOnce('no-user', `startTrace without userId: span "${params.spanName}" is not recorded`);
        return this.nonRecording(params, parent);
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
        OPERATION_TYPES.has(params.operationType) ? params.operationType : 'other',
        startTime,
      );
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
      this.watchForRunning(span);
      return context;
    } catch (error) {
      reportError('startTrace() failed', error);
      return this.nonRecording(params, parent);
    }
  }

  /** A context that works for callers but records nothing (all-zero W3C ids). */
  private nonRecording(maybeParams: StartTraceParams | undefined, parent: TraceContext | undefined): TraceContext {
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
        this.queue.enqueue(this.toRecord(this.detachedSpan(context), result, false));
        return;
      }
      if (span.ended) {
        if (!fromWithSpan) {
          this.warnOnce('double-end', `span "${context.spanName}" (${context.spanId}) ended twice; the second end is ignored`);
        }
        return;
      }
      span.ended = true;
      if (span.watched) {
        span.watched = false;
        this.watchedCount--;
      }
      this.queue.enqueue(this.toRecord(span, result, false));
      span.inputData = undefined;
      span.metadata = undefined;
      span.updates = undefined;
    } catch (error) {
      reportError('endTrace() failed', error);
    }
  }

  private detachedSpan(context: TraceContext): OpenSpan {
    return {
      context,
      modelName: undefined,
      modelProvider: undefined,
      inputData: undefined,
      metadata: undefined,
      updates: undefined,
      ended: true,
      watched: false,
      runningDueAt: 0,
    };
  }

  private toRecord(span: OpenSpan, result: TraceResult | undefined, running: boolean): SpanRecord {
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
      status = requested !== undefined && FINAL_STATUSES.has(requested) ? requested : 'completed';
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
      input_data: result?.inputData ?? updates?.inputData ?? span.inputData ?? null,
      output_data: result?.outputData ?? updates?.outputData ?? null,
      metadata: mergeMetadata(span.metadata, updates?.metadata, result?.metadata),
    };
  }

  private watchForRunning(span: OpenSpan): void {
    if (this.watchedCount >= this.config.maxOpenSpans) this.unwatchOldest();
    span.watched = true;
    this.watchedCount++;
    this.watchList.push(span);
    if (this.watchList.length - this.watchHead > 2 * this.config.maxOpenSpans) {
      this.watchList = this.watchList.slice(this.watchHead).filter((watched) => watched.watched);
      this.watchHead = 0;
    }
    if (this.runningTimer === undefined) this.armRunningTimer(span.runningDueAt - Date.now());
  }

  private unwatchOldest(): void {
    while (this.watchHead < this.watchList.length) {
      const oldest = this.watchList[this.watchHead++];
      if (oldest.watched) {
        oldest.watched = false;
        this.watchedCount--;
        this.runningSkipped++;
        break;
      }
    }
    this.trimWatchList();
  }

  private trimWatchList(): void {
    if (this.watchHead === this.watchList.length) {
      this.watchList.length = 0;
      this.watchHead = 0;
    } else if (this.watchHead >= 1024 && this.watchHead * 2 >= this.watchList.length) {
      this.watchList = this.watchList.slice(this.watchHead);
      this.watchHead = 0;
    }
  }

  private armRunningTimer(delayMs: number): void {
    this.runningTimer = setTimeout(this.emitRunningSpans, Math.max(1, delayMs));
    this.runningTimer.unref?.();
  }

  /** Writes a `running` record for every span that has been open for one batch interval. */
  private readonly emitRunningSpans = (): void => {
    this.runningTimer = undefined;
    try {
      const now = Date.now();
      while (this.watchHead < this.watchList.length) {
        const span = this.watchList[this.watchHead];
        if (span.watched && span.runningDueAt > now) break;
        this.watchHead++;
        if (!span.watched) continue;
        span.watched = false;
        this.watchedCount--;
        this.queue.enqueue(this.toRecord(span, undefined, true));
      }
      this.trimWatchList();
      if (this.watchedCount > 0) this.armRunningTimer(this.watchList[this.watchHead].runningDueAt - now);
    } catch (error) {
      reportError('writing running spans failed', error);
    }
  };

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    reportError(message);
  }
}

// One service per process, even when a bundler evaluates this module more than once.
const SERVICE_KEY = Symbol.for('llmtrace.traceService');
type GlobalWithService = typeof globalThis & { [SERVICE_KEY]?: TraceService };
const globalWithService = globalThis as GlobalWithService;

/**
 * The process-wide trace service, configured from the environment (`tracingConfig`). It starts
 * without a sink: the app calls `traceService.setSink(...)` at start.
 *
 * @example
 * import { traceService } from '@/lib/tracing';
 * const ctx = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 */
export const traceService: TraceService =
  globalWithService[SERVICE_KEY] ?? (globalWithService[SERVICE_KEY] = new TraceService({ config: tracingConfig }));

/**
 * `traceService.withSpan`: runs `fn` in a span of the default service, nested under the current span.
 *
 * @example
 * const result = await withSpan({ spanName: 'tool.calculator', operationType: 'tool_call', inputData: args },
 *   () => calculate(args));
 */
export function withSpan<T>(params: WithSpanParams, fn: (context: TraceContext) => T | Promise<T>): Promise<T> {
  return traceService.withSpan(params, fn);
}

/**
 * `traceService.update`: merges result fields into an open span of the default service.
 *
 * @example
 * update(span, { inputTokens: 120, outputTokens: 30, costUsd: null }); // null = unpriced model
 */
export function update(context: TraceContext, fields: Partial<TraceResult>): void {
  traceService.update(context, fields);
}
