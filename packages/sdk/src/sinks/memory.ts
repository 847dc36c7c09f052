/**
 * An in-memory sink: the test double, after OpenTelemetry's InMemorySpanExporter.
 */
import { spanKey } from '../span/fields';
import type { SpanRecord, SpanSink } from '../types';


/**
 * Keeps every batch it receives. `spans()` gives the stored view (the last record of each span,
 * as an upserting database would hold it); `records()` every record in arrival order.
 *
 * @example
 * const sink = new InMemorySpanSink();
 * const service = new TraceService({ sink });
 * await service.endTrace(await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId }));
 * await service.flush();
 * sink.spans()[0].status; // 'completed'
 */
export class InMemorySpanSink implements SpanSink {
  private readonly received: SpanRecord[][] = [];
  private failuresLeft = 0;
  private failureError: Error = new Error('InMemorySpanSink: simulated failure');
  private isClosed = false;

  /** Stores the batch, or rejects when a failure was requested with `failNextWrites`. */
  async write(spans: SpanRecord[]): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw this.failureError;
    }
    this.received.push([...spans]);
  }

  /** Marks the sink closed (see `closed`). */
  async close(): Promise<void> {
    this.isClosed = true;
  }

  /** Whether `close()` was called (the service calls it on shutdown). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Makes the next `count` writes reject with `error` (default: a generic Error).
   *
   * @example
   * sink.failNextWrites(2); // two failed attempts, then the retry succeeds
   */
  failNextWrites(count: number, error?: Error): void {
    this.failuresLeft = count;
    if (error !== undefined) this.failureError = error;
  }

  /** Every successful batch, in order. */
  batches(): SpanRecord[][] {
    return this.received.map((batch) => [...batch]);
  }

  /** Every record received, in order (a span written as `running` then final appears twice). */
  records(): SpanRecord[] {
    return this.received.flat();
  }

  /** The last record of each span, in order of first arrival: what an upserting store holds. */
  spans(): SpanRecord[] {
    const latest = new Map<string, SpanRecord>();
    for (const record of this.records()) latest.set(spanKey(record), record);
    return [...latest.values()];
  }

  /** Forgets everything received. */
  reset(): void {
    this.received.length = 0;
  }
}
