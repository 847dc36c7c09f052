/**
 * The settings and counters of the batching queue ({@link SpanQueue} in `queue.ts`), and how
 * missing or out-of-range settings fall back to their defaults.
 */
import type { ErrorHandler } from './diag';
import type { SpanSink } from './types';

export interface SpanQueueOptions {
  /** Where batches go. Default: none; spans wait (bounded) until `setSink`. */
  sink?: SpanSink;
  /** Spans per write; a full batch is written at once. Default 10. */
  batchSize?: number;
  /** A partial batch is written this many ms after its first span was queued. Default 1000. */
  batchIntervalMs?: number;
  /** Spans held at most, the batch being written included; beyond it spans are dropped. Default 10000. */
  maxQueueSize?: number;
  /** A write still pending after this many ms counts as failed. Default 10000. */
  exportTimeoutMs?: number;
  /** Retries of a failed batch before it is dropped. Default 5. */
  maxRetries?: number;
  /** First retry delay in ms, doubled per attempt, with jitter. Default 100. */
  retryBaseDelayMs?: number;
  /** Upper bound of one retry delay in ms. Default 5000. */
  retryMaxDelayMs?: number;
  /** How long `shutdown()` keeps writing before it drops what is left. Default 10000. */
  shutdownTimeoutMs?: number;
  /** Receives failures. Default: `console.warn` with the `[llmtrace]` prefix. */
  onError?: ErrorHandler;
}

/** Counters of a {@link SpanQueue}. */
export interface SpanQueueStats {
  /** Spans waiting, the batch being written included. */
  queued: number;
  /** Spans handed to the sink by a write that succeeded. */
  written: number;
  /** Spans dropped: queue full, retries exhausted, refused by the sink, or left at shutdown. */
  dropped: number;
  /** Failed write attempts (a time-out counts as one). */
  failedWrites: number;
}

/** The numeric settings of a queue, each within its range. */
export type QueueSettings = Readonly<Required<Omit<SpanQueueOptions, 'sink' | 'onError'>>>;

/** `options` with every missing or out-of-range number replaced by its default (or bound). */
export function queueSettings(options: SpanQueueOptions): QueueSettings {
  const maxQueueSize = Math.max(1, options.maxQueueSize ?? 10_000);
  const retryBaseDelayMs = Math.max(0, options.retryBaseDelayMs ?? 100);
  return {
    maxQueueSize,
    batchSize: Math.min(Math.max(1, options.batchSize ?? 10), maxQueueSize),
    batchIntervalMs: Math.max(1, options.batchIntervalMs ?? 1000),
    exportTimeoutMs: Math.max(1, options.exportTimeoutMs ?? 10_000),
    maxRetries: Math.max(0, options.maxRetries ?? 5),
    retryBaseDelayMs,
    retryMaxDelayMs: Math.max(retryBaseDelayMs, options.retryMaxDelayMs ?? 5000),
    shutdownTimeoutMs: Math.max(1, options.shutdownTimeoutMs ?? 10_000),
  };
}
