import { expect, it } from 'vitest';
import { DELETE as deleteTraceRoute } from '@/app/api/analytics/traces/[traceId]/route';
import { GET as exportTrace } from '@/app/api/analytics/traces/[traceId]/export/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { countEventLoopTurns } from '../support/event-loop';
import { hexId, threeLevelTrace } from '../support/spans';

describeEachDatabase('trace API', (getDatabase) => {
  const post = (apiKey: string, body: unknown) => call(postTraces, { path: '/api/analytics/traces', apiKey, body });
  const get = async (apiKey: string, query: string) => {
    const response = await call(getTraces, { path: `/api/analytics/traces?${query}`, apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };

  async function messageFor(userId: string) {
    const [conversation] = await getDatabase().query<{ id: string }>("INSERT INTO conversations (user_id, source) VALUES ($1, 'api') RETURNING id", [userId]);
    const [message] = await getDatabase().query<{ id: string }>(
      "INSERT INTO messages (conversation_id, user_id, role, content) VALUES ($1, $2, 'assistant', 'hello') RETURNING id",
      [conversation.id, userId],
    );
    return { conversationId: conversation.id, messageId: message.id };
  }

  it('stores a three-level trace and reads it back intact and linked, by trace and by message', async () => {
    const user = await createTestUser(getDatabase());
    const link = await messageFor(user.userId);
    const trace = threeLevelTrace(link);
    const response = await post(user.apiKey, { traces: trace.spans });
    expect(await response.json()).toEqual({ accepted: 4, rejected: [] });

    const byTrace = await get(user.apiKey, `trace_id=${trace.traceId}`);
    expect(byTrace.traces).toHaveLength(4);
    const byId = Object.fromEntries(byTrace.traces.map((s: { span_id: string }) => [s.span_id, s]));
    const root = byId[trace.spanIds.root];
    expect(root.parent_trace_id).toBeNull();
    expect(byId[trace.spanIds.retrieval].parent_trace_id).toBe(trace.spanIds.root);
    expect(byId[trace.spanIds.search].parent_trace_id).toBe(trace.spanIds.retrieval);
    expect(root).toMatchObject({
      user_id: user.userId, message_id: link.messageId, conversation_id: link.conversationId, duration_ms: 2500, total_tokens: 1200,
      start_time: '2026-11-20T10:00:00.000Z', end_time: '2026-11-20T10:00:02.500Z', status: 'completed',
      input_data: { messages: [{ role: 'user', content: 'hi' }] }, metadata: { env: 'test' },
    });
    // gpt-4o: $2.50 in / $10 out per 1M → 1000 × 2.5e-6 + 200 × 1e-5 = 0.0045, computed when absent.
    expect(root.cost_usd).toBeCloseTo(0.0045, 6);
    expect(byId[trace.spanIds.search].status).toBe('completed');

    const one = await get(user.apiKey, `trace_id=${trace.traceId}&span_id=${trace.spanIds.root}`);
    expect(one.traces).toHaveLength(1);
    expect(one.traces[0]).toMatchObject({ span_id: trace.spanIds.root, input_data: { messages: [{ role: 'user', content: 'hi' }] } });

    const byMessage = await get(user.apiKey, `message_id=${link.messageId}`);
    expect(byMessage.traces.map((s: { span_id: string }) => s.span_id).sort()).toEqual(Object.values(trace.spanIds).sort());
  });

  it('stores a batch bigger than a write part (PGlite upserts 100 spans a statement) as it stores the same spans posted one by one', async () => {
    // Two traces of 146 spans (a root, 20 agents with 6 model calls each, 5 spans whose parent
    // never comes), children first, so parents and their children fall in different parts. The
    // first trace is known (its root stored) before the batch comes, the second is new.
    const at = (ms: number) => new Date(Date.parse('2026-11-20T10:00:00.000Z') + ms).toISOString();
    const makeTrace = () => {
      const traceId = hexId(16);
      const root = hexId(8);
      const spans: Array<Record<string, unknown>> = [];
      for (let a = 0; a < 20; a++) {
        const agent = hexId(8);
        for (let c = 0; c < 6; c++) {
          spans.push({
            trace_id: traceId, span_id: hexId(8), parent_trace_id: agent, span_name: 'llm.call', operation_type: 'llm_call', start_time: at(a * 100 + c), end_time: at(a * 100 + c + 50),
            model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 100 + c, output_tokens: 10,
          });
        }
        spans.push({ trace_id: traceId, span_id: agent, parent_trace_id: root, span_name: 'agent', operation_type: 'agent', start_time: at(a * 100), end_time: at(a * 100 + 90) });
      }
      for (let o = 0; o < 5; o++) spans.push({ trace_id: traceId, span_id: hexId(8), parent_trace_id: hexId(8), span_name: 'tool.search', operation_type: 'tool_call', start_time: at(5000 + o), end_time: at(5010 + o) });
      const rootSpan = { trace_id: traceId, span_id: root, span_name: 'agent.run', operation_type: 'agent', start_time: at(0), end_time: at(6000) };
      return { root, rootSpan, spans: [...spans, rootSpan] };
    };
    const [known, fresh] = [makeTrace(), makeTrace()];
    const spans = [...known.spans, ...fresh.spans];

    const whole = await createTestUser(getDatabase(), 'whole');
    const single = await createTestUser(getDatabase(), 'single');
    expect((await post(whole.apiKey, { traces: [known.rootSpan] })).status).toBe(200);
    expect(await (await post(whole.apiKey, { traces: spans })).json()).toEqual({ accepted: spans.length, rejected: [] });
    for (const span of spans) expect((await post(single.apiKey, { traces: [span] })).status).toBe(200);

    const flags = (userId: string) =>
      getDatabase().query<{ span_id: string; orphan: boolean; usage_rollup: boolean }>(
        'SELECT span_id, orphan, usage_rollup FROM llm_traces WHERE user_id = $1 ORDER BY span_id',
        [userId],
      );
    const [bigBatch, oneByOne] = [await flags(whole.userId), await flags(single.userId)];
    expect(bigBatch).toHaveLength(spans.length);
    expect(bigBatch).toEqual(oneByOne);
    expect(bigBatch.filter((row) => row.orphan)).toHaveLength(10);
    expect(bigBatch.filter((row) => row.usage_rollup)).toHaveLength(42);
    // The list shows each root and its five orphans, and a trace's tokens count each model call once: 20 × (100…105 in + 6 × 10 out).
    const roots = async (apiKey: string) =>
      ((await get(apiKey, 'limit=50')).traces as Array<{ span_id: string; trace_total_tokens: number | null }>)
        .map(({ span_id, trace_total_tokens }) => ({ span_id, trace_total_tokens }))
        .sort((a, b) => a.span_id.localeCompare(b.span_id));
    const listed = await roots(whole.apiKey);
    expect(listed).toHaveLength(12);
    for (const { root } of [known, fresh]) expect(listed.find((row) => row.span_id === root)?.trace_total_tokens).toBe(20 * (615 + 60));
    expect(listed).toEqual(await roots(single.apiKey));
  });

  it('lets the event loop turn while it stores a 500-span batch (embedded PGlite runs each statement on this thread)', async () => {
    const user = await createTestUser(getDatabase());
    const spans = Array.from({ length: 125 }, () => threeLevelTrace().spans).flat();
    const turns = countEventLoopTurns();
    const response = await post(user.apiKey, { traces: spans });
    const turned = turns.stop();
    expect(await response.json()).toEqual({ accepted: 500, rejected: [] });
    // At least once before each of its statements: five upsert parts on PGlite.
    expect(turned).toBeGreaterThanOrEqual(5);
  });

  it('adds nothing when the same batch is posted again, and completes a running span in place', async () => {
    const user = await createTestUser(getDatabase());
    const trace = threeLevelTrace();
    await post(user.apiKey, { traces: trace.spans });
    await post(user.apiKey, { traces: trace.spans });
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = $1', [trace.traceId]);
    expect(n).toBe(4);

    const running = { trace_id: trace.traceId, span_id: hexId(8), parent_trace_id: trace.spanIds.root, span_name: 'tool.slow', operation_type: 'tool_call', status: 'running', start_time: '2026-11-20T10:00:01.000Z' };
    await post(user.apiKey, { traces: [running] });
    await post(user.apiKey, { traces: [{ ...running, status: 'completed', end_time: '2026-11-20T10:00:01.750Z', output_data: { ok: true } }] });
    // A late running snapshot never downgrades the finished span.
    await post(user.apiKey, { traces: [running] });
    const spans = (await get(user.apiKey, `trace_id=${trace.traceId}`)).traces.filter((s: { span_id: string }) => s.span_id === running.span_id);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ status: 'completed', duration_ms: 750, output_data: { ok: true } });
  });

  it('rejects bad spans one by one with reasons and stores the rest', async () => {
    const user = await createTestUser(getDatabase());
    const good = threeLevelTrace().spans[0];
    const response = await post(user.apiKey, {
      traces: [
        good,
        { ...good, span_id: 'xyz' },
        { ...good, span_id: hexId(8), start_time: 'yesterday' },
        { ...good, span_id: hexId(8), end_time: '2026-11-20T09:00:00Z' },
        { ...good, span_id: hexId(8), message_id: '00000000-0000-4000-8000-000000000000' },
        'not an object',
      ],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4, 5]);
    expect(body.rejected[0].message).toMatch(/span_id/);
    expect(body.rejected[1].message).toMatch(/start_time/);
    expect(body.rejected[2].message).toMatch(/end_time/);
    expect(body.rejected[3].message).toMatch(/message_id/);
  });

  it('answers malformed, empty, oversized and over-long batches with 4xx and writes nothing', async () => {
    const user = await createTestUser(getDatabase());
    const before = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
    const raw = (rawBody: string) => call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, rawBody, headers: { 'content-type': 'application/json' } });
    expect((await raw('{"traces": [')).status).toBe(400);
    expect((await post(user.apiKey, { traces: [] })).status).toBe(422);
    expect((await post(user.apiKey, { spans: [] })).status).toBe(422);
    expect((await post(user.apiKey, [1, 2])).status).toBe(422);
    const many = Array.from({ length: 1001 }, () => threeLevelTrace().spans[0]);
    expect((await post(user.apiKey, { traces: many })).status).toBe(422);
    const big = { ...threeLevelTrace().spans[0], input_data: 'x'.repeat(5 * 1024 * 1024) };
    const tooLarge = await post(user.apiKey, { traces: [big] });
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).error.code).toBe('payload_too_large');
    const after = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
    expect(after[0].n).toBe(before[0].n);
  });

  it("keeps users apart: B can neither read nor overwrite A's spans", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const link = await messageFor(alice.userId);
    const trace = threeLevelTrace(link);
    await post(alice.apiKey, { traces: trace.spans });

    expect((await get(bob.apiKey, `trace_id=${trace.traceId}`)).traces).toEqual([]);
    expect((await get(bob.apiKey, `message_id=${link.messageId}`)).traces).toEqual([]);
    expect((await get(bob.apiKey, '')).traces.some((s: { trace_id: string }) => s.trace_id === trace.traceId)).toBe(false);
    const exportResponse = await call(exportTrace, { path: `/api/analytics/traces/${trace.traceId}/export`, apiKey: bob.apiKey, params: { traceId: trace.traceId } });
    expect(exportResponse.status).toBe(404);
    const deleteResponse = await call(deleteTraceRoute, { method: 'DELETE', path: `/api/analytics/traces/${trace.traceId}`, apiKey: bob.apiKey, params: { traceId: trace.traceId } });
    expect(deleteResponse.status).toBe(404);

    // Bob posting the same ids (and Alice's message id) cannot touch Alice's rows.
    const hijack = trace.spans.map((s) => ({ ...s, span_name: 'hijacked', message_id: undefined, conversation_id: undefined }));
    expect((await (await post(bob.apiKey, { traces: hijack })).json()).accepted).toBe(4);
    const withAliceMessage = await (await post(bob.apiKey, { traces: [{ ...trace.spans[0], message_id: link.messageId }] })).json();
    expect(withAliceMessage.rejected).toHaveLength(1);
    const aliceSpans = (await get(alice.apiKey, `trace_id=${trace.traceId}`)).traces;
    expect(aliceSpans.map((s: { span_name: string }) => s.span_name)).not.toContain('hijacked');
  });

  it('filters the list by every filter and pages through it without gaps or repeats', async () => {
    const user = await createTestUser(getDatabase());
    const base = Date.parse('2026-11-01T00:00:00Z');
    const spans = [];
    for (let i = 0; i < 23; i++) {
      const trace = threeLevelTrace({ start: new Date(base + i * 60_000) });
      const root = trace.spans[0] as Record<string, unknown>;
      root.status = i % 5 === 0 ? 'failed' : 'completed';
      if (i % 5 === 0) root.error_message = `upstream timeout ${i}`;
      root.model_provider = i % 2 ? 'anthropic' : 'openai';
      root.model_name = i % 2 ? 'claude-sonnet-4-5' : 'gpt-4o';
      root.end_time = new Date(base + i * 60_000 + 100 * (i + 1)).toISOString();
      // Traces with an odd index have no tool span; even ones get one.
      spans.push(...(i % 2 === 0 ? [...trace.spans, { trace_id: trace.traceId, span_id: hexId(8), parent_trace_id: trace.spanIds.root, span_name: 'tool.calculator', operation_type: 'tool_call', start_time: root.start_time, end_time: root.start_time }] : trace.spans));
    }
    // Two roots with the same start time must still page cleanly.
    const twin = threeLevelTrace({ start: new Date(base + 5 * 60_000) });
    spans.push(...twin.spans);
    expect((await (await post(user.apiKey, { traces: spans })).json()).rejected).toEqual([]);

    const all: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { traces: Array<{ trace_id: string; start_time: string; parent_trace_id: string | null }>; next_cursor: string | null } = await get(user.apiKey, `limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.traces.every((t) => t.parent_trace_id === null)).toBe(true);
      all.push(...page.traces.map((t) => t.trace_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(all).toHaveLength(24);
    expect(new Set(all).size).toBe(24);
    const times = (await get(user.apiKey, 'limit=200')).traces.map((t: { start_time: string }) => t.start_time);
    expect([...times].sort().reverse()).toEqual(times);

    const count = async (query: string) => (await get(user.apiKey, `limit=200&${query}`)).traces.length;
    expect(await count('status=failed')).toBe(5);
    expect(await count('model_provider=anthropic')).toBe(11);
    expect(await count('model_name=gpt-4o')).toBe(13);
    expect(await count('operation_type=tool_call')).toBe(12);
    expect(await count('min_duration_ms=2000')).toBe(5); // i = 19..22 (2000..2300 ms) and the 2500 ms twin
    expect(await count('max_duration_ms=500')).toBe(5); // i = 0..4
    expect(await count(`from=${new Date(base + 20 * 60_000).toISOString()}`)).toBe(3);
    expect(await count(`to=${new Date(base + 2 * 60_000).toISOString()}`)).toBe(2);
    expect(await count('q=timeout 1')).toBe(2); // "upstream timeout 10", "upstream timeout 15"
    expect(await count(`conversation_id=00000000-0000-4000-8000-000000000000`)).toBe(0);

    const badLimit = await call(getTraces, { path: '/api/analytics/traces?limit=500', apiKey: user.apiKey });
    expect(badLimit.status).toBe(422);
    const badCursor = await call(getTraces, { path: '/api/analytics/traces?cursor=garbage', apiKey: user.apiKey });
    expect(badCursor.status).toBe(422);
  });

  it('exports a trace as a JSON attachment and deletes it', async () => {
    const user = await createTestUser(getDatabase());
    const trace = threeLevelTrace();
    await post(user.apiKey, { traces: trace.spans });
    const response = await call(exportTrace, { path: `/api/analytics/traces/${trace.traceId}/export`, apiKey: user.apiKey, params: { traceId: trace.traceId } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="trace-[0-9a-f]{32}\.json"/);
    expect((await response.json()).spans).toHaveLength(4);
    const deleted = await call(deleteTraceRoute, { method: 'DELETE', path: `/api/analytics/traces/${trace.traceId}`, apiKey: user.apiKey, params: { traceId: trace.traceId } });
    expect(deleted.status).toBe(204);
    expect((await get(user.apiKey, `trace_id=${trace.traceId}`)).traces).toEqual([]);
  });

  it('pages through roots that start within one millisecond (OpenTelemetry times carry microseconds) without skipping any', async () => {
    const user = await createTestUser(getDatabase());
    // Six roots 100 µs apart, all in one millisecond: a cursor cut to milliseconds would skip the rest of it.
    for (let i = 0; i < 6; i++) {
      await getDatabase().query(
        `INSERT INTO llm_traces (user_id, trace_id, span_id, span_name, start_time, operation_type, status)
         VALUES ($1, $2, $3, 'otel root', $4::timestamptz, 'chain', 'completed')`,
        [user.userId, hexId(16), hexId(8), `2026-11-20T10:00:00.123${String(i * 100).padStart(3, '0')}Z`],
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { traces: Array<{ trace_id: string }>; next_cursor: string | null } = await get(user.apiKey, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.traces.map((t) => t.trace_id));
      expect(Object.keys(page.traces[0] ?? {})).not.toContain('start_exact');
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });
});
