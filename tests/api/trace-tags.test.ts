import { expect, it } from 'vitest';
import { POST as retag } from '@/app/api/analytics/traces/[traceId]/tags/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { threeLevelTrace } from '../support/spans';

describeEachDatabase('POST /api/analytics/traces/{trace_id}/tags', (getDatabase) => {
  const change = (apiKey: string, traceId: string, body: unknown) =>
    call(retag, { path: `/api/analytics/traces/${traceId}/tags`, apiKey, body, params: { traceId } });
  const list = async (apiKey: string, query: string) =>
    (await (await call(getTraces, { path: `/api/analytics/traces?${query}`, apiKey })).json()).traces as Array<{ trace_id: string; tags: string[] }>;

  async function storedTrace(apiKey: string, tags: string[] = []) {
    const trace = threeLevelTrace();
    for (const span of trace.spans) (span as Record<string, unknown>).tags = tags;
    expect((await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces: trace.spans } })).status).toBe(200);
    return trace.traceId;
  }

  it('adds and removes tags on every span of the trace, keeps their order, and the list filters by them', async () => {
    const user = await createTestUser(getDatabase());
    const traceId = await storedTrace(user.apiKey, ['vip', 'triage']);
    const response = await change(user.apiKey, traceId, { add: ['refund', 'vip', 'escalated'], remove: ['triage'] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tags: ['vip', 'refund', 'escalated'] });
    const spans = await getDatabase().query<{ tags: string[] }>('SELECT tags FROM llm_traces WHERE trace_id = $1', [traceId]);
    expect(spans.length).toBe(4);
    for (const span of spans) expect(span.tags).toEqual(['vip', 'refund', 'escalated']);
    expect((await list(user.apiKey, 'tag=refund&tag=vip')).map((t) => t.trace_id)).toEqual([traceId]);
    expect(await list(user.apiKey, 'tag=triage')).toEqual([]);

    expect(await (await change(user.apiKey, traceId, { remove: ['vip', 'refund', 'escalated', 'never-there'] })).json()).toEqual({ tags: [] });
  });

  it('answers 404 for another user\'s trace or none, and leaves that trace untouched', async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const traceId = await storedTrace(alice.apiKey, ['mine']);
    const refused = await change(bob.apiKey, traceId, { add: ['stolen'], remove: ['mine'] });
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe('not_found');
    expect((await change(bob.apiKey, 'f'.repeat(32), { add: ['x'] })).status).toBe(404);
    expect((await change(alice.apiKey, 'not-a-trace-id', { add: ['x'] })).status).toBe(404);
    const spans = await getDatabase().query<{ tags: string[] }>('SELECT tags FROM llm_traces WHERE trace_id = $1', [traceId]);
    for (const span of spans) expect(span.tags).toEqual(['mine']);
  });

  it('refuses a bad change with 422 and writes nothing', async () => {
    const user = await createTestUser(getDatabase());
    const traceId = await storedTrace(user.apiKey, ['keep']);
    for (const body of [{}, { add: [] }, { add: [''] }, { add: ['x'.repeat(101)] }, { add: 'vip' }, { add: [1] }]) {
      const response = await change(user.apiKey, traceId, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    // 50 tags per trace at most: 49 more fit, 50 more do not, and the refused change leaves nothing behind.
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const tooMany = await change(user.apiKey, traceId, { add: fifty });
    expect(tooMany.status).toBe(422);
    expect((await tooMany.json()).error.message).toMatch(/at most 50 tags/);
    const [root] = await getDatabase().query<{ tags: string[] }>('SELECT tags FROM llm_traces WHERE trace_id = $1 AND parent_trace_id IS NULL', [traceId]);
    expect(root!.tags).toEqual(['keep']);
    expect((await change(user.apiKey, traceId, { add: fifty.slice(0, 49) })).status).toBe(200);
  });
});
