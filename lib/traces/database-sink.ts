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
    input_data: span.input_data ?? null,
    output_data: span.output_data ?? null,
    metadata: span.metadata,
  };
}

/** The app's sink: one bulk upsert per batch into `llm_traces`. */
export class DatabaseSpanSink implements SpanSink {
  constructor(private readonly getDatabase: () => Promise<Database>) {}

  async write(spans: SpanRecord[]): Promise<void> {
    const database = await this.getDatabase();
    await upsertSpans(database, spans.map(spanRecordToRow));
  }
}
