import { expect, it, vi } from 'vitest';

// Before any import reads the configuration: this file's process samples half of its traces.
vi.hoisted(() => {
  process.env.TRACE_SAMPLE_RATE = '0.5';
  process.env.DEFAULT_PROVIDER = 'demo';
  process.env.DEMO_DELAY_SCALE = '0';
});

import { POST as chat } from '@/app/api/chat/route';
import { GET as health } from '@/app/api/health/route';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { isSampled } from '../../packages/sdk/src/span-lifecycle';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('TRACE_SAMPLE_RATE=0.5 on the chat API', (getDatabase) => {
  it('records about half of the requests as whole traces; the others leave messages without a trace, and are counted', async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    const user = await createTestUser(getDatabase());
    const before = traceService.stats().sampledOut ?? 0;
    const REQUESTS = 40;
    const answers: Array<{ traceId: string | null; conversationId: string }> = [];
    for (let i = 0; i < REQUESTS; i++) {
      const response = await chat(new Request('http://127.0.0.1/api/chat', {
        method: 'POST',
        headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `What is ${i}+2?` }], tools: ['calculator'] }),
      }));
      expect(response.status).toBe(200);
      answers.push(await response.json());
    }
    await traceService.flush();
    const kept = answers.filter((a) => a.traceId !== null);
    expect(kept.length).toBeGreaterThan(8);
    expect(kept.length).toBeLessThan(32);
    expect((traceService.stats().sampledOut ?? 0) - before).toBe(REQUESTS - kept.length);

    const rows = await getDatabase().query<{ trace_id: string; span_name: string; parent_trace_id: string | null }>(
      'SELECT trace_id, span_name, parent_trace_id FROM llm_traces WHERE user_id = $1', [user.userId],
    );
    const traces = new Set(rows.map((r) => r.trace_id));
    expect([...traces].sort()).toEqual(kept.map((a) => a.traceId).sort());
    for (const traceId of traces) {
      expect(isSampled(traceId, 0.5)).toBe(true);
      const spans = rows.filter((r) => r.trace_id === traceId);
      // Whole traces: the root and its model call(s), never one without the other.
      expect(spans.filter((s) => s.parent_trace_id === null).map((s) => s.span_name)).toEqual(['llm.completion']);
      expect(spans.some((s) => s.span_name === 'llm.call')).toBe(true);
    }
    for (const dropped of answers.filter((a) => a.traceId === null)) {
      const messages = await getDatabase().query<{ trace_id: string | null }>('SELECT trace_id FROM messages WHERE conversation_id = $1', [dropped.conversationId]);
      expect(messages.map((m) => m.trace_id)).toEqual([null, null]);
    }
    const tracing = (await (await health()).json()).tracing;
    expect(tracing).toMatchObject({ sampleRate: 0.5, sampledOut: traceService.stats().sampledOut });
  });
});
