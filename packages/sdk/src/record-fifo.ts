/**
 * The records waiting in the batching queue: a FIFO that takes whole batches from its head in
 * amortised constant time per record (a moving head, compacted once it has moved far). Each record
 * keeps the time it was queued, so that a record held back ({@link RecordFifo.takeReady}) is
 * written once it has waited long enough.
 */
import type { SpanRecord } from './types';

const COMPACT_AFTER = 1024;

export class RecordFifo {
  private items: SpanRecord[] = [];
  /** When each record was queued (epoch ms), in step with `items`. */
  private times: number[] = [];
  private head = 0;

  /** Records waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** When the oldest waiting record was queued (epoch ms); undefined when none waits. */
  get oldestAt(): number | undefined {
    return this.head < this.items.length ? this.times[this.head] : undefined;
  }

  push(record: SpanRecord, at: number): void {
    this.items.push(record);
    this.times.push(at);
  }

  /** Removes and returns the oldest `count` records (fewer when fewer wait), oldest first. */
  take(count: number): SpanRecord[] {
    const end = Math.min(this.head + count, this.items.length);
    const batch = this.items.slice(this.head, end);
    this.advance(end);
    return batch;
  }

  /**
   * Removes and returns up to `count` records for which `ready` holds, oldest first, looking at no
   * more than `scanLimit` records from the head. With `traceOf`, the batch then takes the ready
   * records of its traces that wait after it (up to `2 × count` records in all), so that a batch
   * cut falls between traces. The records passed over stay at the head, in their order, with
   * their queue times.
   */
  takeReady(count: number, scanLimit: number, ready: (record: SpanRecord, at: number) => boolean, traceOf?: (record: SpanRecord) => string): SpanRecord[] {
    const picked: number[] = [];
    const passed: number[] = [];
    const end = Math.min(this.head + scanLimit, this.items.length);
    let i = this.head;
    for (; i < end && picked.length < count; i++) (ready(this.items[i]!, this.times[i]!) ? picked : passed).push(i);
    if (picked.length === 0) return [];
    if (traceOf && i < end) {
      const traces = new Set(picked.map((index) => traceOf(this.items[index]!)));
      // Up to the last record of those traces within the window, at most `2 × count` in the batch.
      let last = -1;
      for (let j = i; j < end; j++) if (traces.has(traceOf(this.items[j]!))) last = j;
      for (; i <= last && picked.length < 2 * count; i++) {
        const record = this.items[i]!;
        (traces.has(traceOf(record)) && ready(record, this.times[i]!) ? picked : passed).push(i);
      }
    }
    const batch = picked.map((index) => this.items[index]!);
    // The passed-over records go back right before the first record not looked at, in order.
    const start = i - passed.length;
    const keptItems = passed.map((index) => this.items[index]!);
    const keptTimes = passed.map((index) => this.times[index]!);
    for (let k = 0; k < keptItems.length; k++) {
      this.items[start + k] = keptItems[k]!;
      this.times[start + k] = keptTimes[k]!;
    }
    this.advance(start);
    return batch;
  }

  /** Forgets every waiting record. */
  clear(): void {
    this.items = [];
    this.times = [];
    this.head = 0;
  }

  /** Moves the head to `end`, compacting when it has moved far. */
  private advance(end: number): void {
    if (end === this.items.length) {
      this.items.length = 0;
      this.times.length = 0;
      this.head = 0;
    } else {
      this.head = end;
      if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.times = this.times.slice(this.head);
        this.head = 0;
      }
    }
  }
}
