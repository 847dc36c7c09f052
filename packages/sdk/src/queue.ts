/**
 * The batching queue between the trace service and a sink, after OpenTelemetry's
 * BatchSpanProcessor: spans wait in a bounded FIFO and are written in batches, one write at a
 * time, when a batch fills or a batch interval passes. Writing a batch (retries, time-outs) is
 * `batch-writer.ts`, the FIFO `record-fifo.ts`, the settings `queue-options.ts`. Nothing here
 * throws into the caller, and `enqueue` never waits for the sink.
 */
import { BatchWriter } from './batch-writer';
import { reportError, safeReport, type ErrorHandler } from './diag';
import { queueSettings, type QueueSettings, type SpanQueueOptions, type SpanQueueStats } from './queue-options';
import { RecordFifo } from './record-fifo';
import type { SpanRecord, SpanSink } from './types';

export { SinkTimeoutError } from './export-attempt';
export type { SpanQueueOptions, SpanQueueStats } from './queue-options';

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
  private readonly settings: QueueSettings;
  private readonly batchSize: number;
  private readonly maxQueueSize: number;
  private readonly onError: ErrorHandler;
  private readonly writer: BatchWriter;

  private readonly waiting = new RecordFifo();
  private inFlight = 0;
  private enqueuedTotal = 0;
  private settledTotal = 0;
  /** Spans dropped by the queue itself (full, closed, left at shutdown); the writer counts its own. */
  private droppedCount = 0;

  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private drainSoon: ReturnType<typeof setImmediate> | undefined;
  private draining = false;
  private drainDone: Promise<void> = Promise.resolve();
  private forcedDrains = 0;

  private closed = false;
  private shutdownDone: Promise<void> | undefined;
  private warnedFull = false;
  private warnedClosed = false;

  constructor(options: SpanQueueOptions = {}) {
    this.settings = queueSettings(options);
    this.batchSize = this.settings.batchSize;
    this.maxQueueSize = this.settings.maxQueueSize;
    this.onError = options.onError ?? reportError;
    this.writer = new BatchWriter(options.sink, this.settings, (message, error) => this.report(message, error));
  }

  private get size(): number {
    return this.waiting.size;
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
    if (this.waiting.size + this.inFlight >= this.maxQueueSize) {
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
    this.waiting.push(record);
    this.enqueuedTotal++;
    // Nothing to schedule while a drain runs (it reschedules when done), or while the batch
    // timer runs and no batch is full yet.
    if (!this.draining && (this.batchTimer === undefined || this.size >= this.batchSize)) {
      this.scheduleWrite();
    }
    return true;
  }

  /** Sets (or replaces) the sink. Spans that waited for one are written from now on. */
  setSink(sink: SpanSink): void {
    if (this.closed) {
      this.report('setSink after shutdown ignored');
      return;
    }
    this.writer.sink = sink;
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
      while (this.settledTotal < target && this.writer.sink !== undefined && !this.writer.gaveUp) {
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
      written: this.writer.written,
      dropped: this.droppedCount + this.writer.dropped,
      failedWrites: this.writer.failedWrites,
    };
  }

  private async runShutdown(): Promise<void> {
    this.writer.beginClosing();
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    // Not unref'd: during shutdown the process should stay up long enough to deliver.
    const deadline = new Promise<void>((resolve) => {
      deadlineTimer = setTimeout(resolve, this.settings.shutdownTimeoutMs);
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
      this.writer.abandon();
      this.droppedCount += this.size;
      this.settledTotal += this.size;
      this.waiting.clear();
      this.report(
        this.writer.sink === undefined
          ? `shutdown with no sink set: dropped ${left} queued spans`
          : `shutdown gave up after ${this.settings.shutdownTimeoutMs} ms: dropped ${left} unwritten spans`,
      );
    }
    await this.writer.closeSink();
  }

  private async flushEverything(): Promise<void> {
    while (this.writer.sink !== undefined && !this.writer.gaveUp && this.size + this.inFlight > 0) {
      await this.flush();
    }
  }

  private scheduleWrite(): void {
    if (this.writer.sink === undefined || this.size === 0) return;
    if (this.size >= this.batchSize) {
      this.drainSoon ??= setImmediate(this.onDrainSoon);
    } else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(this.onBatchTimer, this.settings.batchIntervalMs);
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
    this.writer.stop();
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
        this.writer.sink !== undefined &&
        !this.writer.gaveUp &&
        this.size > 0 &&
        (partialAllowed || this.forcedDrains > 0 || this.size >= this.batchSize)
      ) {
        partialAllowed = false;
        const batch = this.waiting.takeBatch(this.batchSize);
        this.inFlight = batch.length;
        try {
          await this.writer.write(batch);
        } finally {
          this.inFlight = 0;
          this.settledTotal += batch.length;
        }
      }
    } catch (error) {
      this.report('span queue failed', error);
    } finally {
      this.draining = false;
      if (!this.closed) this.scheduleWrite();
    }
  }

  private report(message: string, error?: unknown): void {
    safeReport(this.onError, message, error);
  }
}
