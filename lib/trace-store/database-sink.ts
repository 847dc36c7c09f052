import 'server-only';
import type { Database } from '@/lib/db/client';
import { summarizeDatabaseError } from '@/lib/db/errors';
import { upsertSpansSampled } from './tail-sampling';
import type { SpanRecord, SpanSink } from '@llmtrace/sdk';
import { fieldsOfKind } from '@llmtrace/sdk/span';
import type { SpanRow } from './columns';
import { limitJsonDepth } from './json-depth';
import { maskSpanRows } from '@/lib/privacy/store';

const JSON_FIELDS = fieldsOfKind('json', 'object');

/**
 * A tracer's record as a row to store: the same fields (both are the one span definition), with
 * JSON values cut to the storable depth.
 */
export function spanRecordToRow(span: SpanRecord): SpanRow {
  const row: Record<string, unknown> = { ...span };
  for (const name of JSON_FIELDS) row[name] = limitJsonDepth(row[name] ?? null);
  // A chat conversation is its session, on every path (as in `toSpanRow`).
  row.session_id ??= span.conversation_id;
  return row as SpanRow;
}

interface SinkCounters {
  rejected: number;
}

// On globalThis, like the app context: every route bundle of the Next.js server sees one count.
const COUNTERS_KEY = Symbol.for('llmtrace.databaseSinkCounters');
const counters: SinkCounters = ((globalThis as Record<symbol, SinkCounters>)[COUNTERS_KEY] ??= { rejected: 0 });

/**
 * Spans the database refused since the process started, over every {@link DatabaseSpanSink}.
 * The queue counts them as written (they were handed to the sink); they are not stored.
 */
export function databaseSinkStats(): { rejected: number } {
  return { rejected: counters.rejected };
}

/**
 * The app's sink: one bulk upsert per batch into `llm_traces`. When the database refuses the
 * batch because of its data (say a span whose message was deleted meanwhile), the batch is split
 * until the refused spans stand alone: the others are written, the refused ones are counted in
 * {@link databaseSinkStats} (and {@link DatabaseSpanSink.rejected}) and logged in one short line.
 * Any other failure (the database is down) rejects, and the queue retries the batch.
 */
export class DatabaseSpanSink implements SpanSink {
  private refusedHere = 0;

  constructor(private readonly getDatabase: () => Promise<Database>) {}

  /** Spans of this sink's batches that the database refused. */
  get rejected(): number {
    return this.refusedHere;
  }

  async write(spans: SpanRecord[]): Promise<void> {
    const database = await this.getDatabase();
    // Masked with each account's rules just before the write, then sampled by its rule (issue 13); a failure to read them rejects, and the queue retries.
    const refused = await upsertSpansSampled(database, await maskSpanRows(database, spans.map(spanRecordToRow)));
    if (refused.length === 0) return;
    this.refusedHere += refused.length;
    counters.rejected += refused.length;
    const first = spans[refused[0]!.index]!;
    console.warn(
      `[llmtrace] the database refused ${refused.length} of ${spans.length} spans; the rest were written ` +
        `(first: ${first.span_name.slice(0, 80)} in trace ${first.trace_id}: ${summarizeDatabaseError(refused[0]!.error)})`,
    );
  }
}
