import 'server-only';
import type { Database } from '@/lib/db/client';
import { upsertSpans, type SpanRow } from '@/lib/db/queries/traces';
import type { SpanRecord, SpanSink } from '@/lib/tracing/types';

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
    input_data: span.input_data ?? null,
    output_data: span.output_data ?? null,
    metadata: span.metadata,
  };
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the rows are at fault, not the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/**
 * The app's sink: one bulk upsert per batch into `llm_traces`. When the batch is refused because
 * of its data (say a span whose message was deleted meanwhile), the spans are written one by one
 * so a single bad span cannot take its batch down; the bad ones are logged and skipped. Any other
 * failure (the database is down) rejects, and the queue retries the batch.
 */
export class DatabaseSpanSink implements SpanSink {
  constructor(private readonly getDatabase: () => Promise<Database>) {}

  async write(spans: SpanRecord[]): Promise<void> {
    const database = await this.getDatabase();
    const rows = spans.map(spanRecordToRow);
    try {
      await upsertSpans(database, rows);
    } catch (error) {
      if (!isDataError(error) || rows.length === 1) {
        if (isDataError(error)) console.warn(`[llmtrace] skipped a span the database refused (${(error as Error).message})`);
        else throw error;
        return;
      }
      let skipped = 0;
      for (const row of rows) {
        try {
          await upsertSpans(database, [row]);
        } catch (rowError) {
          if (!isDataError(rowError)) throw rowError;
          skipped++;
        }
      }
      console.warn(`[llmtrace] skipped ${skipped} of ${rows.length} spans the database refused (${(error as Error).message})`);
    }
  }
}
