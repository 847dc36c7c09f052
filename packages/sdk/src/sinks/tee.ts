/**
 * A sink that writes to a primary sink and hands a copy of every span to a second, independent
 * queue (say an OTLP exporter). The copy never waits on, nor fails, the primary write: the second
 * queue has its own bound, batching, retries and counters.
 */
import type { SpanQueue } from '../queue';
import type { SpanRecord, SpanSink } from '../types';

export class TeeSpanSink implements SpanSink {
  /** A batch the primary failed is written again; its spans were already copied. */
  private readonly copied = new WeakSet<SpanRecord>();

  constructor(
    private readonly primary: SpanSink,
    private readonly copy: SpanQueue,
  ) {}

  write(spans: SpanRecord[]): Promise<void> {
    for (const span of spans) {
      if (this.copied.has(span)) continue;
      this.copied.add(span);
      this.copy.enqueue(span);
    }
    return this.primary.write(spans);
  }

  async close(): Promise<void> {
    await Promise.all([this.copy.shutdown(), this.primary.close?.()]);
  }
}
