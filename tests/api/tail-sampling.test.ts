/**
 * Server-side tail sampling per account (issue 13), on both databases, as a user sees it: with a
 * rule on, successful traces disappear whole once their root ends; failed and slow ones stay
 * whole; spans of a dropped trace that arrive later do not come back as orphans; the Overview's
 * API says how much was sampled out; and one account's rule never touches another's traces.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { GET as getStats } from '@/app/api/analytics/stats/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { POST as chat } from '@/app/api/chat/route';
import { GET as getPrivacy, PUT as putPrivacy } from '@/app/api/settings/privacy/route';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { IncomingSpan, toSpanRow } from '@/lib/trace-store/ingest';
import { keptByDraw, samplingDraw } from '@/lib/trace-store/tail-sampling';
import { traceService } from '@llmtrace/sdk';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId, threeLevelTrace } from '../support/spans';

type User = Awaited<ReturnType<typeof createTestUser>>;
type Span = Record<string, unknown>;

const savedEnv = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, { DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0' });
});
afterAll(() => {
  process.env = savedEnv;
});

const START = new Date('2026-11-20T10:00:00.000Z');

describeEachDatabase('tail sampling', (getDatabase) => {
  beforeEach(() => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
  });

  const put = async (user: User, sampling: unknown) => {
    const response = await call(putPrivacy, { method: 'PUT', path: '/api/settings/privacy', apiKey: user.apiKey, body: { sampling } });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const ingest = async (user: User, traces: Span[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.rejected).toEqual([]);
    return body as { accepted: number };
  };
  /** Every span of the trace, through the API the trace view uses. */
  const spansOf = async (user: User, traceId: string) => {
    const response = await call(getTraces, { path: `/api/analytics/traces?trace_id=${traceId}`, apiKey: user.apiKey });
    if (response.status === 404) return [];
    expect(response.status).toBe(200);
    return ((await response.json()).traces as Span[]);
  };
  /** The trace list (roots and orphans), as the Traces page shows it. */
  const listed = async (user: User) => {
    const response = await call(getTraces, { path: '/api/analytics/traces?limit=200', apiKey: user.apiKey });
    expect(response.status).toBe(200);
    return ((await response.json()).traces as Span[]).map((s) => s.trace_id);
  };
  /** What the Overview's API says for the day of START. */
  const stats = async (user: User) => {
    const response = await call(getStats, { path: '/api/analytics/stats?from=2026-11-20T00:00:00.000Z&to=2026-11-21T00:00:00.000Z', apiKey: user.apiKey });
    expect(response.status).toBe(200);
    return response.json();
  };
  const children = (spans: Span[]) => spans.filter((s) => s.parent_trace_id);
  const root = (spans: Span[]) => spans.filter((s) => !s.parent_trace_id);

  it('the settings API takes a rate below 1 and still refuses one outside 0..1', async () => {
    const user = await createTestUser(getDatabase(), 'rule');
    expect((await put(user, { successRate: 0.25, keepFailed: true, slowMs: 5000 })).sampling).toEqual({ successRate: 0.25, keepFailed: true, slowMs: 5000 });
    const got = await (await call(getPrivacy, { path: '/api/settings/privacy', apiKey: user.apiKey })).json();
    expect(got.sampling).toEqual({ successRate: 0.25, keepFailed: true, slowMs: 5000 });
    const bad = await call(putPrivacy, { method: 'PUT', path: '/api/settings/privacy', apiKey: user.apiKey, body: { sampling: { successRate: 2 } } });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({ code: 'validation_failed' });
  });

  it('successRate 0: a successful trace stays while it runs and disappears whole once its root ends; failed and slow ones stay whole', async () => {
    const user = await createTestUser(getDatabase(), 'zero');
    await put(user, { successRate: 0, keepFailed: true, slowMs: 10_000 });

    // A successful trace in pieces: its children first, then its root.
    const ok = threeLevelTrace({ start: START });
    await ingest(user, children(ok.spans));
    expect(await spansOf(user, ok.traceId)).toHaveLength(3);
    const { accepted } = await ingest(user, root(ok.spans));
    expect(accepted).toBe(1);
    expect(await spansOf(user, ok.traceId)).toEqual([]);

    // A root seen running first, then ended: decided only when it ends.
    const later = threeLevelTrace({ start: START });
    await ingest(user, [...children(later.spans), { ...root(later.spans)[0], status: 'running', end_time: undefined }]);
    expect(await spansOf(user, later.traceId)).toHaveLength(4);
    await ingest(user, root(later.spans));
    expect(await spansOf(user, later.traceId)).toEqual([]);

    // A failed child, sent before its root ends (as children end first): the whole trace stays.
    const failedChild = threeLevelTrace({ start: START });
    const failedSpans: Span[] = failedChild.spans.map((span) => (span.span_id === failedChild.spanIds.call ? { ...span, status: 'failed', error_message: 'rate limited' } : span));
    await ingest(user, children(failedSpans));
    await ingest(user, root(failedSpans));
    expect(await spansOf(user, failedChild.traceId)).toHaveLength(4);

    // A failed root.
    const failedRoot = threeLevelTrace({ start: START });
    await ingest(user, [...children(failedRoot.spans), { ...root(failedRoot.spans)[0], status: 'failed', error_message: 'upstream 500' }]);
    expect(await spansOf(user, failedRoot.traceId)).toHaveLength(4);

    // A slow one: its root lasts 12 s, over the 10 s threshold.
    const slow = threeLevelTrace({ start: START });
    await ingest(user, [...children(slow.spans), { ...root(slow.spans)[0], end_time: new Date(START.getTime() + 12_000).toISOString() }]);
    expect(await spansOf(user, slow.traceId)).toHaveLength(4);

    // A root whose child is still running: not decided yet; dropped when the child ends.
    const pending = threeLevelTrace({ start: START });
    const [, retrieval, search, llmCall] = pending.spans;
    await ingest(user, [search!, llmCall!, { ...retrieval!, status: 'running', end_time: undefined }, root(pending.spans)[0]!]);
    expect(await spansOf(user, pending.traceId)).toHaveLength(4);
    await ingest(user, [retrieval!]);
    expect(await spansOf(user, pending.traceId)).toEqual([]);

    const list = await listed(user);
    expect(list.sort()).toEqual([failedChild.traceId, failedRoot.traceId, slow.traceId].sort());

    // The Overview's API: the rule, and 3 whole traces of 4 spans dropped.
    const { sampling, totals } = await stats(user);
    expect(sampling).toEqual({ success_rate: 0, keep_failed: true, slow_ms: 10_000, sampled_out: { traces: 3, spans: 12, late_spans: 0, late_failed_spans: 0 } });
    expect(totals.requests).toBe(3);
  });

  it('late spans of a dropped trace are dropped too (counted), never stored as orphans; its messages lose the dead trace id', async () => {
    const database = getDatabase();
    const user = await createTestUser(database, 'late');
    await put(user, { successRate: 0, keepFailed: true, slowMs: null });
    const trace = threeLevelTrace({ start: START });
    await ingest(user, trace.spans);
    expect(await spansOf(user, trace.traceId)).toEqual([]);

    const late = (status: string): Span => ({
      trace_id: trace.traceId, span_id: hexId(8), parent_trace_id: trace.spanIds.root, span_name: 'tool.lookup', operation_type: 'tool_call',
      start_time: new Date(START.getTime() + 100).toISOString(), end_time: new Date(START.getTime() + 3000).toISOString(), status,
      ...(status === 'failed' ? { error_message: 'timeout' } : {}),
    });
    // Accepted (the sender did nothing wrong), not stored.
    expect((await ingest(user, [late('completed'), late('failed')])).accepted).toBe(2);
    // The same through the chat API's and the proxy's sink.
    await new DatabaseSpanSink(async () => database).write([toSpanRow(user.userId, IncomingSpan.parse(late('completed')))]);
    expect(await spansOf(user, trace.traceId)).toEqual([]);
    expect(await listed(user)).toEqual([]);
    expect((await database.query('SELECT 1 FROM llm_traces WHERE user_id = $1', [user.userId])).length).toBe(0);
    expect((await stats(user)).sampling.sampled_out).toEqual({ traces: 1, spans: 4, late_spans: 3, late_failed_spans: 1 });
  });

  it('batches of one trace racing its decision never leave part of it behind', async () => {
    const user = await createTestUser(getDatabase(), 'race');
    await put(user, { successRate: 0, keepFailed: true, slowMs: null });
    const traces = Array.from({ length: 12 }, () => threeLevelTrace({ start: START }));
    await Promise.all(
      traces.flatMap((trace) => [
        ingest(user, [...children(trace.spans).slice(0, 2), ...root(trace.spans)]),
        ingest(user, children(trace.spans).slice(2)),
        ingest(user, [{ ...trace.spans[1]!, span_id: hexId(8), span_name: 'late' }]),
      ]),
    );
    expect(await listed(user)).toEqual([]);
    expect(await getDatabase().query('SELECT trace_id FROM llm_traces WHERE user_id = $1', [user.userId])).toEqual([]);
    const { sampled_out } = (await stats(user)).sampling;
    expect(sampled_out.traces).toBe(traces.length);
    expect(sampled_out.spans + sampled_out.late_spans).toBe(5 * traces.length);
  });

  it('successRate 1 keeps everything; a partial rate keeps exactly the traces its draw keeps, each whole', async () => {
    const database = getDatabase();
    const all = await createTestUser(database, 'all');
    await put(all, { successRate: 1, keepFailed: true, slowMs: null });
    const kept = Array.from({ length: 5 }, () => threeLevelTrace({ start: START }));
    for (const trace of kept) await ingest(all, trace.spans);
    for (const trace of kept) expect(await spansOf(all, trace.traceId)).toHaveLength(4);
    expect((await stats(all)).sampling.sampled_out.traces).toBe(0);

    const half = await createTestUser(database, 'half');
    await put(half, { successRate: 0.5, keepFailed: true, slowMs: null });
    const traces = Array.from({ length: 30 }, () => threeLevelTrace({ start: START }));
    for (const trace of traces) await ingest(half, [...children(trace.spans), ...root(trace.spans)]);
    const expected = traces.filter((t) => samplingDraw(t.traceId) < 0.5);
    expect(expected.every((t) => keptByDraw(t.traceId, 0.5))).toBe(true);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(27);
    expect((await listed(half)).sort()).toEqual(expected.map((t) => t.traceId).sort());
    for (const trace of expected) expect(await spansOf(half, trace.traceId)).toHaveLength(4);
    expect((await stats(half)).sampling.sampled_out).toMatchObject({ traces: traces.length - expected.length, spans: 4 * (traces.length - expected.length) });
  });

  it('keepFailed false samples failed traces at the rate too', async () => {
    const user = await createTestUser(getDatabase(), 'nofail');
    await put(user, { successRate: 0, keepFailed: false, slowMs: null });
    const failed = threeLevelTrace({ start: START });
    await ingest(user, [...children(failed.spans), { ...root(failed.spans)[0], status: 'failed', error_message: 'boom' }]);
    expect(await spansOf(user, failed.traceId)).toEqual([]);
  });

  it("one account's rule never touches another's traces, even with the same trace id in one batch", async () => {
    const database = getDatabase();
    const alice = await createTestUser(database, 'alice');
    const bob = await createTestUser(database, 'bob');
    await put(alice, { successRate: 0, keepFailed: true, slowMs: null });
    const trace = threeLevelTrace({ start: START });
    const rows = (user: User) => trace.spans.map((span) => toSpanRow(user.userId, IncomingSpan.parse(span)));
    // One batch of both accounts, as the chat API's queue writes them.
    await new DatabaseSpanSink(async () => database).write([...rows(alice), ...rows(bob)]);
    expect(await spansOf(alice, trace.traceId)).toEqual([]);
    expect(await spansOf(bob, trace.traceId)).toHaveLength(4);
    // Bob's late span of the same trace id is his, and stored.
    await ingest(bob, [{ ...trace.spans[1]!, span_id: hexId(8) }]);
    expect(await spansOf(bob, trace.traceId)).toHaveLength(5);
    expect((await stats(bob)).sampling).toMatchObject({ success_rate: 1, sampled_out: { traces: 0, spans: 0 } });
    expect((await stats(alice)).sampling.sampled_out).toMatchObject({ traces: 1, spans: 4 });
  });

  it('the chat API: a successful chat trace is dropped whole, its messages saved without a trace id', async () => {
    const database = getDatabase();
    const user = await createTestUser(database, 'chat');
    await put(user, { successRate: 0, keepFailed: true, slowMs: null });
    const response = await chat(
      new Request('http://127.0.0.1:3000/api/chat', {
        method: 'POST',
        headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'What is 2+2?' }], tools: ['calculator'] }),
      }),
    );
    expect(response.status).toBe(200);
    const { traceId, conversationId } = (await response.json()) as { traceId: string; conversationId: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await traceService.flush();
    expect(await spansOf(user, traceId)).toEqual([]);
    const messages = await database.query<{ trace_id: string | null }>('SELECT trace_id FROM messages WHERE conversation_id = $1', [conversationId]);
    expect(messages.length).toBe(2);
    expect(messages.map((m) => m.trace_id)).toEqual([null, null]);
    const now = Date.now();
    const body = await (
      await call(getStats, { path: `/api/analytics/stats?from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`, apiKey: user.apiKey })
    ).json();
    expect(body.sampling.sampled_out.traces).toBe(1);
    expect(body.totals.requests).toBe(0);
  });
});
