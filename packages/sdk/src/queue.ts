/**
 * The batching queue between the trace service and a sink, after OpenTelemetry's
 * BatchSpanProcessor: spans wait in a bounded FIFO and are written in batches, one write at a
 * time, when a batch fills or a batch interval passes. A failed write is retried with
 * exponential backoff and jitter; a write that hangs is timed out. Nothing here throws into the
 * caller, and `enqueue` never waits for the sink.
 */
import { reportError, safeReport, type ErrorHandler } from './diag';
import { spanKey } from './span/fields';
import type { SpanRecord, SpanSink } from './types';

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

type WriteOutcome = { ok: true } | { ok: false; error: unknown };

const OK: WriteOutcome = { ok: true };
const COMPACT_AFTER = 1024;

/** Raised when a sink write does not settle within the export time-out. */
export class SinkTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`sink write timed out after ${timeoutMs} ms`);
    this.name = 'SinkTimeoutError';
  }
}

/** A sink rejects with an error whose `retryable` is `false` to have its batch dropped, not retried. */
function isRetryable(error: unknown): boolean {
  try {
    return !(error !== null && typeof error === 'object' && (error as { retryable?: unknown }).retryable === false);
  } catch {
    return true;
  }
}

/**
 * Collapses several records of one span in a batch (a `running` record followed by the final one)
 * into the last, so that a sink can upsert a batch in one statement.
 */
function latestPerSpan(batch: SpanRecord[]): SpanRecord[] {
  if (!hasRepeatedSpanId(batch)) return batch;
  const latest = new Map<string, SpanRecord>();
  for (const record of batch) latest.set(spanKey(record), record);
  return [...latest.values()];
}

function hasRepeatedSpanId(batch: SpanRecord[]): boolean {
  if (batch.length > 32) return new Set(batch.map((record) => record.span_id)).size < batch.length;
  // Small batches (the usual case): comparing pairs is cheaper than building a set.
  for (let i = 1; i < batch.length; i++) {
    const spanId = batch[i].span_id;
    for (let j = 0; j < i; j++) if (batch[j].span_id === spanId) return true;
  }
  return false;
}

/**
 * A bounded batching queue of span records in front of a {@link SpanSink}.
 *
 * @example
 * const queue = new SpanQueue({ sink: new InMemorySpanSink(), batchSize: 100 });
 * queue.enqueue(record);   // returns at once; false when the record was dropped
 * await queue.flush();     // everything enqueued so far is written (or dropped after retries)
 * await queue.shutdown();  // flush, then close the sink; idempotent
 */
export class SpanQueue {
  private sink: SpanSink | undefined;
  private readonly batchSize: number;
  private readonly batchIntervalMs: number;
  private readonly maxQueueSize: number;
  private readonly exportTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly onError: ErrorHandler;

  private buffer: SpanRecord[] = [];
  private head = 0;
  private inFlight = 0;
  private enqueuedTotal = 0;
  private settledTotal = 0;
  private writtenCount = 0;
  private droppedCount = 0;
  private failedWriteCount = 0;

  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private drainSoon: ReturnType<typeof setImmediate> | undefined;
  private draining = false;
  private drainDone: Promise<void> = Promise.resolve();
  private forcedDrains = 0;
  /** Cuts short the pending write attempt or retry delay when shutdown gives up. */
  private interrupt: (() => void) | undefined;

  private closing = false;
  private closed = false;
  private abandoned = false;
  private shutdownDone: Promise<void> | undefined;

  private warnedFull = false;
  private warnedClosed = false;
  private loggedFailure = false;
  private loggedDrop = false;

  constructor(options: SpanQueueOptions = {}) {
    this.sink = options.sink;
    this.maxQueueSize = Math.max(1, options.maxQueueSize ?? 10_000);
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? 10), this.maxQueueSize);
    this.batchIntervalMs = Math.max(1, options.batchIntervalMs ?? 1000);
    this.exportTimeoutMs = Math.max(1, options.exportTimeoutMs ?? 10_000);
    this.maxRetries = Math.max(0, options.maxRetries ?? 5);
    this.retryBaseDelayMs = Math.max(0, options.retryBaseDelayMs ?? 100);
    this.retryMaxDelayMs = Math.max(this.retryBaseDelayMs, options.retryMaxDelayMs ?? 5000);
    this.shutdownTimeoutMs = Math.max(1, options.shutdownTimeoutMs ?? 10_000);
    this.onError = options.onError ?? reportError;
  }

  private get size(): number {
    return this.buffer.length - this.head;
  }

  /**
   * Queues one record for writing. Returns at once; false when the record was dropped because
   * the queue is full or shut down (counted in `stats().dropped`).
   */
  enqueue(record: SpanRecord): boolean {
    if (this.closed) {
      this.droppedCount++;
      if (!this.warnedClosed) {
        this.warnedClosed = true;
        this.report('a span ended after shutdown and was dropped');
      }
      return false;
    }
    if (this.size + this.inFlight >= this.maxQueueSize) {
      this.droppedCount++;
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.report(
          `span queue full (${this.maxQueueSize} spans): dropping new spans until the sink catches up; ` +
            'stats().dropped counts them (raise TRACE_MAX_QUEUE or check the sink)',
        );
      }
      return false;
    }
    this.buffer.push(record);
    this.enqueuedTotal++;
    if (!this.draining) this.scheduleWrite();
    return true;
  }

  /** Sets (or replaces) the sink. Spans that waited for one are written from now on. */
  setSink(sink: SpanSink): void {
    if (this.closed) {
      this.report('setSink after shutdown ignored');
      return;
    }
    this.sink = sink;
    if (!this.draining) this.scheduleWrite();
  }

  /**
   * Writes everything enqueued before the call, in batches, waiting for retries. Resolves (never
   * rejects) once each of those spans is written or dropped; at once when no sink is set.
   */
  async flush(): Promise<void> {
    const target = this.enqueuedTotal;
    this.forcedDrains++;
    try {
      while (this.settledTotal < target && this.sink !== undefined && !this.abandoned) {
        await this.startDrain(true);
      }
    } finally {
      this.forcedDrains--;
    }
  }

  /**
   * Flushes (for at most `shutdownTimeoutMs`), then closes the sink. Spans left unwritten are
   * dropped and counted; spans enqueued afterwards are dropped. Idempotent: every call returns
   * the same promise, which never rejects.
   */
  shutdown(): Promise<void> {
    this.shutdownDone ??= this.runShutdown();
    return this.shutdownDone;
  }

  /** Current counters. */
  stats(): SpanQueueStats {
    return {
      queued: this.size + this.inFlight,
      written: this.writtenCount,
      dropped: this.droppedCount,
      failedWrites: this.failedWriteCount,
    };
  }

  private async runShutdown(): Promise<void> {
    this.closing = true;
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    // Not unref'd: during shutdown the process should stay up long enough to deliver.
    const deadline = new Promise<void>((resolve) => {
      deadlineTimer = setTimeout(resolve, this.shutdownTimeoutMs);
    });
    try {
      await Promise.race([this.flushEverything(), deadline]);
    } catch (error) {
      this.report('shutdown flush failed', error);
    }
    clearTimeout(deadlineTimer);
    this.closed = true;
    this.clearTimers();
    const left = this.size + this.inFlight;
    if (left > 0) {
      this.abandoned = true;
      this.interrupt?.();
      this.droppedCount += this.size;
      this.settledTotal += this.size;
      this.buffer = [];
      this.head = 0;
      this.report(
        this.sink === undefined
          ? `shutdown with no sink set: dropped ${left} queued spans`
          : `shutdown gave up after ${this.shutdownTimeoutMs} ms: dropped ${left} unwritten spans`,
      );
    }
    await this.closeSink();
  }

  private async flushEverything(): Promise<void> {
    while (this.sink !== undefined && !this.abandoned && this.size + this.inFlight > 0) {
      await this.flush();
    }
  }

  private async closeSink(): Promise<void> {
    const sink = this.sink;
    if (sink?.close === undefined) return;
    const outcome = await this.settle(() => sink.close!(), this.exportTimeoutMs);
    if (!outcome.ok) this.report('closing the sink failed', outcome.error);
  }

  private scheduleWrite(): void {
    if (this.sink === undefined || this.size === 0) return;
    if (this.size >= this.batchSize) {
      this.drainSoon ??= setImmediate(this.onDrainSoon);
    } else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(this.onBatchTimer, this.batchIntervalMs);
      this.batchTimer.unref?.();
    }
  }

  private readonly onDrainSoon = (): void => {
    this.drainSoon = undefined;
    void this.startDrain(false);
  };

  private readonly onBatchTimer = (): void => {
    this.batchTimer = undefined;
    void this.startDrain(true);
  };

  private clearTimers(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    if (this.drainSoon !== undefined) clearImmediate(this.drainSoon);
    this.batchTimer = undefined;
    this.drainSoon = undefined;
  }

  private startDrain(writePartialBatch: boolean): Promise<void> {
    if (this.draining) return this.drainDone;
    this.drainDone = this.drain(writePartialBatch);
    return this.drainDone;
  }

  /** Writes batches one at a time while there is a full batch, or a partial one is due. */
  private async drain(writePartialBatch: boolean): Promise<void> {
    this.draining = true;
    if (this.batchTimer !== undefined) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    let partialAllowed = writePartialBatch;
    try {
      while (
        this.sink !== undefined &&
        !this.abandoned &&
        this.size > 0 &&
        (partialAllowed || this.forcedDrains > 0 || this.size >= this.batchSize)
      ) {
        partialAllowed = false;
        await this.writeBatch(this.take());
      }
    } catch (error) {
      this.report('span queue failed', error);
    } finally {
      this.draining = false;
      if (!this.closed) this.scheduleWrite();
    }
  }

  private take(): SpanRecord[] {
    const end = Math.min(this.head + this.batchSize, this.buffer.length);
    const batch = this.buffer.slice(this.head, end);
    if (end === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else {
      this.head = end;
      if (this.head >= COMPACT_AFTER && this.head * 2 >= this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
    }
    return batch;
  }

  /** One batch, with retries. Never rejects; the batch is written or dropped and counted. */
  private async writeBatch(records: SpanRecord[]): Promise<void> {
    const batch = latestPerSpan(records);
    this.inFlight = records.length;
    try {
      for (let attempt = 0; ; attempt++) {
        const sink = this.sink!;
        const outcome = await this.settle(() => sink.write(batch), this.exportTimeoutMs);
        if (outcome.ok) {
          this.writtenCount += batch.length;
          this.loggedFailure = false;
          this.loggedDrop = false;
          return;
        }
        this.failedWriteCount++;
        const retryable = isRetryable(outcome.error);
        if (!retryable || attempt >= this.maxRetries || this.abandoned) {
          this.droppedCount += records.length;
          if (!this.loggedDrop) {
            this.loggedDrop = true;
            this.report(
              retryable
                ? `dropped ${records.length} spans after ${attempt + 1} failed writes (further drops are only counted until a write succeeds)`
                : `the sink refused ${records.length} spans; dropped without retry`,
              outcome.error,
            );
          }
          return;
        }
        if (!this.loggedFailure) {
          this.loggedFailure = true;
          this.report(`sink write failed; retrying up to ${this.maxRetries} times with backoff`, outcome.error);
        }
        await this.sleep(this.backoffDelay(attempt));
      }
    } finally {
      this.inFlight = 0;
      this.settledTotal += records.length;
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of base * 2^attempt, capped. */
  private backoffDelay(attempt: number): number {
    const ceiling = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** attempt);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  /** Runs `operation` and reports how it settled: resolved, rejected, threw, or timed out. */
  private settle(operation: () => Promise<void> | void, timeoutMs: number): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: WriteOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.interrupt === interrupt) this.interrupt = undefined;
        resolve(outcome);
      };
      const interrupt = (): void => finish({ ok: false, error: new Error('shutdown deadline passed') });
      const timer = setTimeout(() => finish({ ok: false, error: new SinkTimeoutError(timeoutMs) }), timeoutMs);
      if (!this.closing) timer.unref?.();
      this.interrupt = interrupt;
      try {
        Promise.resolve(operation()).then(
          () => finish(OK),
          (error: unknown) => finish({ ok: false, error: error ?? new Error('sink write rejected') }),
        );
      } catch (error) {
        finish({ ok: false, error });
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        if (this.interrupt === wake) this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      if (!this.closing) timer.unref?.();
      this.interrupt = wake;
    });
  }

  private report(message: string, error?: unknown): void {
    safeReport(this.onError, message, error);
  }
}
