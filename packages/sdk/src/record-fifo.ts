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

  /** Forgets every waiting record. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
