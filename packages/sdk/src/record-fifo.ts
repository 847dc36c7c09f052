/**
 * The records waiting in the batching queue: a FIFO that takes whole batches from its head in
 * amortised constant time per record (a moving head, compacted once it has moved far).
 */
import type { SpanRecord } from './types';

const COMPACT_AFTER = 1024;

export class RecordFifo {
  private items: SpanRecord[] = [];
  private head = 0;

  /** Records waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  push(record: SpanRecord): void {
    this.items.push(record);
  }

  /** Removes and returns the oldest `count` records (fewer when fewer wait), oldest first. */
  take(count: number): SpanRecord[] {
    const end = Math.min(this.head + count, this.items.length);
    const batch = this.items.slice(this.head, end);
    if (end === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else {
      this.head = end;
      if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
    return batch;
  }

  /**
   * Removes a batch: the oldest `count` records, except that when a trace's root (a record
   * without a parent) stands in the second half of a full batch, the batch ends after the last
   * such root. Records after it belong to traces still open; left for the next batch, they
   * reach the store with the rest of their trace instead of continuing a stored one (which costs
   * the store more statements than a new trace: lib/trace-store/write.ts). A constant amount of
   * work per record; sequential traces (a server's requests one after another) are never cut.
   */
  takeBatch(count: number): SpanRecord[] {
    const end = Math.min(this.head + count, this.items.length);
    if (end - this.head === count) {
      for (let i = end - 1, floor = this.head + Math.ceil(count / 2); i >= floor; i--) {
        if (this.items[i]!.parent_trace_id == null) return this.take(i + 1 - this.head);
      }
    }
    return this.take(count);
  }

  /** Forgets every waiting record. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
