import 'server-only';
import type { SpanRecord, SpanSink } from '@llmtrace/sdk';
import { fieldsOfKind } from '@llmtrace/sdk/span';
import type { Database } from '@/lib/db/client';
import { limitJsonDepth } from '@/lib/trace-store/json-depth';
import { maskSpanRows } from './store';

const JSON_FIELDS = fieldsOfKind('json', 'object');

/**
 * A sink that masks each span with its account's rules before handing it on: for copies of
 * LLMTrace's own spans that leave the server (the OTLP export to another backend), so that they
 * are masked as the stored ones are. JSON is cut to the storable depth first, as for the database.
 * When the settings cannot be read the batch fails (the queue retries or drops it), never sent unmasked.
 */
export class MaskingSpanSink implements SpanSink {
  constructor(
    private readonly inner: SpanSink,
    private readonly getDatabase: () => Promise<Database>,
  ) {}

  async write(spans: SpanRecord[]): Promise<void> {
    const limited = spans.map((span) => {
      const copy: Record<string, unknown> = { ...span };
      for (const name of JSON_FIELDS) copy[name] = limitJsonDepth(copy[name] ?? null);
      return copy as unknown as SpanRecord;
    });
    await this.inner.write(await maskSpanRows(await this.getDatabase(), limited));
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
