/**
 * Public types of the LLMTrace tracing library.
 *
 * The library is self-contained: it imports nothing from `app/`, `lib/db` or `lib/chat`.
 * Where spans go is decided by the {@link SpanSink} handed to the trace service.
 */

import type { FinalStatus, OperationType, SpanRecord } from './span/fields';

export type { OperationType, SpanStatus, SpanRecord } from './span/fields';

/** A handle on one open span. Pass it to `endTrace`, `captureError` or `createChildSpan`. */
export interface TraceContext {
  /** 32 lowercase hex characters (W3C trace id); shared by every span of one request. */
  traceId: string;
  /** 16 lowercase hex characters (W3C span id). */
  spanId: string;
  /** `spanId` of the parent span; undefined on the root. Stored as `parent_trace_id`. */
  parentSpanId?: string;
  userId: string;
  conversationId?: string;
  messageId?: string;
  /** Inherited by children unless they set their own. */
  sessionId?: string;
  endUserId?: string;
  tags?: readonly string[];
  spanName: string;
  operationType: OperationType;
  startTime: Date;
}

export interface StartTraceParams {
  /** e.g. `llm.completion`, `llm.call`, `tool.web_search`, `retrieval`. */
  spanName: string;
  operationType: OperationType;
  /** Owner of the span. Required for a root; children inherit it from their parent. */
  userId?: string;
  /**
   * Start a child of this span instead of a new trace. It may be a span of another process,
   * propagated as a W3C `traceparent` header (see `contextFromTraceparent`).
   */
  parent?: TraceContext;
  /** Join an existing trace (e.g. propagated from another process) as a root-less span. */
  traceId?: string;
  modelName?: string;
  modelProvider?: string;
  conversationId?: string;
  messageId?: string;
  /** The session (conversation) the trace belongs to. Children inherit it. */
  sessionId?: string;
  /** The application's own user. Children inherit it. */
  endUserId?: string;
  /** Labels to filter traces by. Children inherit them. */
  tags?: readonly string[];
  inputData?: unknown;
  metadata?: Record<string, unknown>;
  /** Defaults to now. */
  startTime?: Date;
}

/** Parameters of `withSpan`: those of `startTrace`, plus the caller's abort signal. */
export interface WithSpanParams extends StartTraceParams {
  /**
   * The caller's signal. When `fn` throws after it fired, the span ends `cancelled` instead of
   * `failed`, whatever was thrown. Without it only abort errors (`AbortError`,
   * `APIUserAbortError`) count as cancellations.
   */
  signal?: AbortSignal;
}

export interface TraceResult {
  /** Defaults to now. */
  endTime?: Date;
  /** Defaults to `completed`. */
  status?: FinalStatus;
  modelName?: string;
  modelProvider?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** Defaults to input + output when both are known. */
  totalTokens?: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens?: number;
  /** Reasoning tokens (a subset of outputTokens). */
  reasoningTokens?: number;
  /** null = unpriced model; undefined = not known here. Never a made-up 0. */
  costUsd?: number | null;
  timeToFirstTokenMs?: number;
  conversationId?: string;
  messageId?: string;
  sessionId?: string;
  endUserId?: string;
  /** Replace the tags given at start. */
  tags?: readonly string[];
  inputData?: unknown;
  outputData?: unknown;
  errorMessage?: string;
  /** Merged into the metadata given at start. */
  metadata?: Record<string, unknown>;
}

/**
 * Where spans go. `write` receives one batch; a rejection (or a time-out) is retried with backoff.
 * Reject with an error whose `retryable` property is `false` to have the batch dropped (and
 * counted) without retries, e.g. for a request the receiver will never accept. A batch never
 * holds two records of the same span, so it can be upserted in one statement. Records must not
 * be mutated.
 *
 * @example
 * const consoleSink: SpanSink = { async write(spans) { console.log(spans.length, 'spans') } };
 */
export interface SpanSink {
  write(spans: SpanRecord[]): Promise<void>;
  /** Optional: release resources. Called once by `shutdown()`. */
  close?(): Promise<void>;
}

/** Counters exposed by `traceService.stats()` and `/api/health`. */
export interface TraceStats {
  enabled: boolean;
  /** Spans currently waiting in the queue. */
  queued: number;
  /** Spans ever handed to the sink successfully. */
  written: number;
  /** Spans dropped because the queue was full or retries were exhausted. */
  dropped: number;
  /** Sink writes that failed (each failed attempt counts once). */
  failedWrites: number;
  /**
   * Open spans that got no `running` record because more than `maxOpenSpans` were waiting for
   * one at once. Their final record is still written when they end.
   */
  runningSkipped?: number;
  /** Traces not recorded because head sampling (`sampleRate` < 1) left them out. */
  sampledOut?: number;
}
