import { expect, it, vi } from 'vitest';
import { DatabaseSpanSink, databaseSinkStats } from '@/lib/trace-store/database-sink';
import { TraceService } from '@llmtrace/sdk';
import type { SpanRecord } from '@llmtrace/sdk';
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
      time_to_first_token_ms: null, service_name: null, session_id: null, end_user_id: null, tags: [], input_data: null, output_data: null, metadata: null,
    };
    await sink.write([
      { ...base, span_id: '1'.repeat(16) },
      { ...base, span_id: '2'.repeat(16), input_tokens: 2 ** 40 }, // beyond integer: the database refuses it
      { ...base, span_id: '3'.repeat(16) },
    ]);
    const rows = await getDatabase().query<{ span_id: string }>('SELECT span_id FROM llm_traces WHERE user_id = $1 ORDER BY span_id', [user.userId]);
    expect(rows.map((r) => r.span_id)).toEqual(['1'.repeat(16), '3'.repeat(16)]);
    expect(sink.rejected).toBe(1);
  });

  it('splits a refused batch so every other span is written, counts the refused ones and logs one short line', async () => {
    const user = await createTestUser(getDatabase());
    const sink = new DatabaseSpanSink(async () => getDatabase());
    const traceId = 'b'.repeat(32);
    const bulky = { text: 'x'.repeat(100_000) };
    const spans: SpanRecord[] = Array.from({ length: 64 }, (_, i) => ({
      user_id: user.userId, trace_id: traceId, parent_trace_id: i === 0 ? null : '0'.repeat(15) + '1', span_id: (i + 1).toString(16).padStart(16, '0'),
      span_name: `step ${i}`, operation_type: 'other', status: 'completed', start_time: new Date(), end_time: new Date(), duration_ms: 0,
      conversation_id: null, message_id: null, model_name: null, model_provider: null, error_message: null, input_tokens: null, output_tokens: null,
      total_tokens: null, cached_input_tokens: null, reasoning_tokens: null, cost_usd: null, time_to_first_token_ms: null, service_name: null, session_id: null, end_user_id: null, tags: [],
      input_data: bulky, output_data: null, metadata: null,
    }));
    const refusedAt = [3, 40, 41];
    // Refused by the database: token counts beyond integer.
    spans[3] = { ...spans[3], input_tokens: 2 ** 40 };
    spans[40] = { ...spans[40], cached_input_tokens: 2 ** 40 };
    spans[41] = { ...spans[41], total_tokens: -1 * 2 ** 40 };
    const before = databaseSinkStats().rejected;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let warnings: unknown[][];
    try {
      await sink.write(spans);
      warnings = [...warn.mock.calls];
    } finally {
      warn.mockRestore();
    }
    const rows = await getDatabase().query<{ span_id: string }>('SELECT span_id FROM llm_traces WHERE user_id = $1 AND trace_id = $2', [user.userId, traceId]);
    expect(rows.map((r) => r.span_id).sort()).toEqual(spans.filter((_, i) => !refusedAt.includes(i)).map((s) => s.span_id));
    expect(sink.rejected).toBe(3);
    expect(databaseSinkStats().rejected - before).toBe(3);
    expect(warnings).toHaveLength(1);
    const line = String(warnings[0][0]);
    expect(line).toMatch(/refused 3 of 64 spans/);
    expect(line.length).toBeLessThan(400);
    expect(line).not.toContain('xxxxxxxxxx');
  });

  it('writes a span whose data is nested too deep cut at 100 levels, and counts one it cannot serialise', async () => {
    const user = await createTestUser(getDatabase());
    const sink = new DatabaseSpanSink(async () => getDatabase());
    const base: SpanRecord = {
      user_id: user.userId, trace_id: 'c'.repeat(32), parent_trace_id: null, span_id: '1'.repeat(16), span_name: 'deep', operation_type: 'tool_call', status: 'completed',
      start_time: new Date(), end_time: new Date(), duration_ms: 0, conversation_id: null, message_id: null, model_name: null, model_provider: null,
      error_message: null, input_tokens: null, output_tokens: null, total_tokens: null, cached_input_tokens: null, reasoning_tokens: null, cost_usd: null,
      time_to_first_token_ms: null, service_name: null, session_id: null, end_user_id: null, tags: [], input_data: JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), output_data: null, metadata: null,
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await sink.write([base, { ...base, span_id: '2'.repeat(16), span_name: 'bigint', metadata: { count: 10n } }, { ...base, span_id: '3'.repeat(16), span_name: 'plain', input_data: null }]);
    } finally {
      warn.mockRestore();
    }
    const rows = await getDatabase().query<{ span_name: string; input_data: unknown }>('SELECT span_name, input_data FROM llm_traces WHERE user_id = $1 ORDER BY span_id', [user.userId]);
    expect(rows.map((r) => r.span_name)).toEqual(['deep', 'plain']);
    expect(JSON.stringify(rows[0].input_data)).toBe(`${'['.repeat(100)}"[cut: nested deeper than 100 levels]"${']'.repeat(100)}`);
    expect(sink.rejected).toBe(1);
  });

  it('stores a span whose text holds NUL characters or lone surrogates, with U+FFFD in their place', async () => {
    const user = await createTestUser(getDatabase());
    const sink = new DatabaseSpanSink(async () => getDatabase());
    const service = new TraceService({ sink, config: { batchSize: 100, batchIntervalMs: 50 } });
    await service.withSpan(
      {
        spanName: 'tool.nul\u0000name\ud800',
        operationType: 'tool_call',
        userId: user.userId,
        inputData: { raw: 'a\u0000b', literal: 'keep \\u0000 as text', ['key\udc00']: 'lone \ud800 and paired 💥' },
      },
      async () => {},
    );
    await service.shutdown();
    const [row] = await getDatabase().query<{ span_name: string; input_data: Record<string, string> }>('SELECT span_name, input_data FROM llm_traces WHERE user_id = $1', [user.userId]);
    expect(row.span_name).toBe('tool.nul\uFFFDname\uFFFD');
    expect(row.input_data).toEqual({ raw: 'a\uFFFDb', literal: 'keep \\u0000 as text', 'key\uFFFD': 'lone \uFFFD and paired 💥' });
    expect(sink.rejected).toBe(0);
  });
});
