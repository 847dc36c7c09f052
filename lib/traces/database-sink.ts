import 'server-only';
import type { Database } from '@/lib/db/client';
import { summarizeDatabaseError } from '@/lib/db/errors';
import { upsertSpansIsolating, type SpanRow } from '@/lib/db/queries/traces';
import type { SpanRecord, SpanSink } from '@/lib/tracing/types';
import { limitJsonDepth } from './json-depth';

export function spanRecordToRow(span: SpanRecord): SpanRow {
  return {
    user_id: span.user_id,
    conversation_id: span.conversation_id,
    message_id: span.message_id,
    trace_id: span.trace_id,
    parent_trace_id: span.parent_trace_id,
    span_id: span.span_id,
    span_name: span.span_name,
    start_time: span.start_time,
    end_time: span.end_time,
    duration_ms: span.duration_ms,
    operation_type: span.operation_type,
    model_name: span.model_name,
    model_provider: span.model_provider,
    status: span.status,
    error_message: span.error_message,
    input_tokens: span.input_tokens,
    output_tokens: span.output_tokens,
    total_tokens: span.total_tokens,
    cached_input_tokens: span.cached_input_tokens,
    reasoning_tokens: span.reasoning_tokens,
    cost_usd: span.cost_usd,
    time_to_first_token_ms: span.time_to_first_token_ms,
    service_name: null,
    session_id: span.conversation_id,
    end_user_id: null,
    tags: [],
    input_data: limitJsonDepth(span.input_data ?? null),
    output_data: limitJsonDepth(span.output_data ?? null),
    metadata: limitJsonDepth(span.metadata),
  };
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
    const refused = await upsertSpansIsolating(database, spans.map(spanRecordToRow));
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
