import { expect, it, vi } from 'vitest';

// Before any import reads the configuration: this file's process runs with tracing off.
vi.hoisted(() => {
  process.env.ENABLE_TRACING = 'false';
  process.env.DEFAULT_PROVIDER = 'demo';
  process.env.DEMO_DELAY_SCALE = '0';
});

import { POST as chat } from '@/app/api/chat/route';
import { GET as health } from '@/app/api/health/route';
import { traceService } from '@llmtrace/sdk';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('ENABLE_TRACING=false', (getDatabase) => {
  it('keeps chat working, writes no spans, and saves messages without a trace', async () => {
    expect(traceService.enabled).toBe(false);
    const user = await createTestUser(getDatabase());
    const response = await chat(new Request('http://127.0.0.1/api/chat', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'What is 2+2?' }], tools: ['calculator'] }),
    }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.traceId).toBeNull();
    expect(response.headers.get('x-trace-id')).toBeNull();
    await traceService.flush();
    const spans = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces');
    expect(spans[0].n).toBe(0);
    const messages = await getDatabase().query<{ role: string; trace_id: string | null }>('SELECT role, trace_id FROM messages WHERE conversation_id = $1', [body.conversationId]);
    expect(messages.map((m) => m.trace_id)).toEqual([null, null]);
    expect((await (await health()).json()).tracing.enabled).toBe(false);
  });
});
