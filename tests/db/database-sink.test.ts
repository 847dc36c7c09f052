import { expect, it } from 'vitest';
import { DatabaseSpanSink } from '@/lib/traces/database-sink';
import { TraceService } from '@/lib/tracing';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('DatabaseSpanSink', (getDatabase) => {
  it('writes a traced operation as linked rows, showing it running before it completes', async () => {
    const user = await createTestUser(getDatabase());
    const service = new TraceService({ sink: new DatabaseSpanSink(async () => getDatabase()), config: { batchSize: 100, batchIntervalMs: 50 } });
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const done = service.withSpan({ spanName: 'llm.completion', operationType: 'llm_call', userId: user.userId }, async (root) => {
      await service.withSpan({ spanName: 'tool.slow', operationType: 'tool_call' }, () => hanging);
      return root.traceId;
    });
    const statusOf = async (name: string) =>
      (await getDatabase().query<{ status: string }>('SELECT status FROM llm_traces WHERE user_id = $1 AND span_name = $2', [user.userId, name]))[0]?.status;
    let seen: string | undefined;
    for (let i = 0; i < 50 && seen !== 'running'; i++) {
      await new Promise((r) => setTimeout(r, 40));
      seen = await statusOf('tool.slow');
    }
    expect(seen).toBe('running');
    release();
    const traceId = await done;
    await service.shutdown();
    const rows = await getDatabase().query<{ span_name: string; status: string; parent_trace_id: string | null; span_id: string }>(
      'SELECT span_name, status, parent_trace_id, span_id FROM llm_traces WHERE trace_id = $1 ORDER BY (parent_trace_id IS NOT NULL), start_time',
      [traceId],
    );
    expect(rows.map((r) => [r.span_name, r.status])).toEqual([['llm.completion', 'completed'], ['tool.slow', 'completed']]);
    expect(rows[1].parent_trace_id).toBe(rows[0].span_id);
  });

  it('skips a span the database refuses without losing the rest of its batch', async () => {
    const user = await createTestUser(getDatabase());
    const sink = new DatabaseSpanSink(async () => getDatabase());
    const base = {
      user_id: user.userId, trace_id: 'a'.repeat(32), parent_trace_id: null, span_name: 'x', operation_type: 'other' as const, status: 'completed' as const,
      start_time: new Date(), end_time: new Date(), duration_ms: 0, conversation_id: null, message_id: null, model_name: null, model_provider: null,
      error_message: null, input_tokens: null, output_tokens: null, total_tokens: null, cached_input_tokens: null, reasoning_tokens: null, cost_usd: null,
      time_to_first_token_ms: null, input_data: null, output_data: null, metadata: null,
    };
    await sink.write([
      { ...base, span_id: '1'.repeat(16) },
      { ...base, span_id: '2'.repeat(16), message_id: '00000000-0000-4000-8000-000000000000' }, // no such message: FK violation
      { ...base, span_id: '3'.repeat(16) },
    ]);
    const rows = await getDatabase().query<{ span_id: string }>('SELECT span_id FROM llm_traces WHERE user_id = $1 ORDER BY span_id', [user.userId]);
    expect(rows.map((r) => r.span_id)).toEqual(['1'.repeat(16), '3'.repeat(16)]);
  });

  it('stores a span whose text holds NUL characters, with U+FFFD in their place', async () => {
    const user = await createTestUser(getDatabase());
    const service = new TraceService({ sink: new DatabaseSpanSink(async () => getDatabase()), config: { batchSize: 100, batchIntervalMs: 50 } });
    await service.withSpan({ spanName: 'tool.nul\u0000name', operationType: 'tool_call', userId: user.userId, inputData: { raw: 'a\u0000b', literal: 'keep \\u0000 as text' } }, async () => {});
    await service.shutdown();
    const [row] = await getDatabase().query<{ span_name: string; input_data: { raw: string; literal: string } }>('SELECT span_name, input_data FROM llm_traces WHERE user_id = $1', [user.userId]);
    expect(row.span_name).toBe('tool.nul\uFFFDname');
    expect(row.input_data.raw).toBe('a\uFFFDb');
    expect(row.input_data.literal).toBe('keep \\u0000 as text');
  });
});
