import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as chat } from '@/app/api/chat/route';
import { GET as getSession } from '@/app/api/analytics/sessions/[sessionId]/route';
import { GET as getSessions } from '@/app/api/analytics/sessions/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { GET as getUsers } from '@/app/api/analytics/users/route';
import { finalOutputOf, userInputOf } from '@/components/sessions/turns';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

const savedEnv = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, { DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0' });
});
afterAll(() => {
  process.env = savedEnv;
});

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (minutes: number, ms = 0) => new Date(T0 + minutes * 60_000 + ms).toISOString();

type Span = Record<string, unknown>;

interface TraceSpec {
  minutes: number;
  session?: string;
  user?: string;
  failed?: boolean;
  question?: string;
  answer?: string;
}

/**
 * An agent run: a root whose own usage (1000 in / 200 out, $0.01) only rolls up its two model
 * calls (500 and 600 tokens, $0.004 and $0.003). Counting each model call once: 1,100 tokens, $0.007.
 */
function agentTrace(spec: TraceSpec): { traceId: string; rootId: string; spans: Span[] } {
  const traceId = hexId(16);
  const rootId = hexId(8);
  const common = { trace_id: traceId, session_id: spec.session, end_user_id: spec.user };
  const start = T0 + spec.minutes * 60_000;
  const iso = (ms: number) => new Date(start + ms).toISOString();
  const spans: Span[] = [
    {
      ...common, span_id: rootId, span_name: 'agent.run', operation_type: 'agent', status: spec.failed ? 'failed' : 'completed',
      error_message: spec.failed ? 'tool crashed' : undefined, start_time: iso(0), end_time: iso(3000),
      model_name: 'in-house-model', input_tokens: 1000, output_tokens: 200, cost_usd: 0.01,
      input_data: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: spec.question ?? 'q' }] },
      output_data: { content: spec.answer ?? 'a' },
    },
    { ...common, span_id: hexId(8), parent_trace_id: rootId, span_name: 'llm.call', operation_type: 'llm_call', start_time: iso(100), end_time: iso(1000), model_name: 'in-house-model', input_tokens: 400, output_tokens: 100, cost_usd: 0.004 },
    { ...common, span_id: hexId(8), parent_trace_id: rootId, span_name: 'llm.call', operation_type: 'llm_call', start_time: iso(1100), end_time: iso(2900), model_name: 'in-house-model', input_tokens: 500, output_tokens: 100, cost_usd: 0.003 },
  ];
  return { traceId, rootId, spans };
}

/** One model call as the whole trace: its own usage counts. */
function singleCall(spec: TraceSpec & { tokens: [number, number]; cost?: number }): { traceId: string; spans: Span[] } {
  const traceId = hexId(16);
  return {
    traceId,
    spans: [
      {
        trace_id: traceId, span_id: hexId(8), session_id: spec.session, end_user_id: spec.user, span_name: 'llm.completion', operation_type: 'llm_call',
        status: spec.failed ? 'failed' : 'completed', start_time: at(spec.minutes), end_time: at(spec.minutes, 800), model_name: 'in-house-model',
        input_tokens: spec.tokens[0], output_tokens: spec.tokens[1], cost_usd: spec.cost,
        input_data: [{ role: 'user', content: spec.question ?? 'q' }], output_data: { role: 'assistant', content: spec.answer ?? 'a' },
      },
    ],
  };
}

const SESSION_KEYS = ['session_id', 'traces', 'first_seen', 'last_seen', 'total_tokens', 'cost_usd', 'errors', 'end_user_id'];
const USER_KEYS = ['end_user_id', 'traces', 'total_tokens', 'cost_usd', 'error_rate', 'last_seen'];

describeEachDatabase('sessions and end users API', (getDatabase) => {
  const post = async (apiKey: string, spans: Span[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces: spans } });
    const body = await response.json();
    expect(body.rejected, JSON.stringify(body)).toEqual([]);
  };
  const getJson = async (handler: typeof getSessions, apiKey: string, path: string, params?: Record<string, string>) => {
    const response = await call(handler, { path, apiKey, params });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const sessions = (apiKey: string, query = '') => getJson(getSessions, apiKey, `/api/analytics/sessions${query ? `?${query}` : ''}`);
  const users = (apiKey: string, query = '') => getJson(getUsers, apiKey, `/api/analytics/users${query ? `?${query}` : ''}`);
  const session = (apiKey: string, sessionId: string) =>
    call(getSession, { path: `/api/analytics/sessions/${encodeURIComponent(sessionId)}`, apiKey, params: { sessionId } });

  /** Every page of a list, following next_cursor; checks each page's size. */
  async function allPages<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>, limit: number): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { items: got, next } = await fetchPage(cursor);
      items.push(...got);
      if (!next) return items;
      expect(got).toHaveLength(limit);
      cursor = next;
    }
    throw new Error('more than 100 pages');
  }

  let alice: Awaited<ReturnType<typeof createTestUser>>;
  let bob: Awaited<ReturnType<typeof createTestUser>>;
  const sessA: Array<ReturnType<typeof agentTrace>> = [];

  beforeAll(async () => {
    alice = await createTestUser(getDatabase(), 'alice');
    bob = await createTestUser(getDatabase(), 'bob');
    // sess-a: three agent runs of end user u-alice, the second failed.
    for (let i = 0; i < 3; i++) sessA.push(agentTrace({ minutes: i, session: 'sess-a', user: 'u-alice', failed: i === 1, question: `question ${i}`, answer: `answer ${i}` }));
    // Posted newest first and in separate batches: order must come from the times.
    for (const trace of [...sessA].reverse()) await post(alice.apiKey, trace.spans);
    await post(alice.apiKey, [
      ...singleCall({ minutes: 3, session: 'sess-c', user: 'u-alice', tokens: [60, 40], cost: 0.002 }).spans,
      ...singleCall({ minutes: 4, user: 'u-carol', failed: true, tokens: [7, 3], cost: 0.0001 }).spans,
      // Unpriced: no cost and a model without a price.
      ...singleCall({ minutes: 5, session: 'sess-b', user: 'u-bob', tokens: [300, 50] }).spans,
      // Neither a session nor an end user: in no list.
      ...singleCall({ minutes: 6, tokens: [1, 1], cost: 0.5 }).spans,
    ]);
    // Bob's account has a session with the same id and an end user with the same name.
    await post(bob.apiKey, singleCall({ minutes: 7, session: 'sess-a', user: 'u-alice', tokens: [5, 5], cost: 1 }).spans);
  });

  it('lists sessions with the exact shape, newest activity first, each model call counted once', async () => {
    const body = await sessions(alice.apiKey);
    expect(Object.keys(body).sort()).toEqual(['next_cursor', 'sessions']);
    expect(body.next_cursor).toBeNull();
    expect(body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['sess-b', 'sess-c', 'sess-a']);
    for (const row of body.sessions) expect(Object.keys(row).sort()).toEqual([...SESSION_KEYS].sort());
    const [b, c, a] = body.sessions;
    expect(a).toEqual({
      session_id: 'sess-a', traces: 3, first_seen: at(0), last_seen: at(2),
      // 3 × (500 + 600): the roots' roll-ups (1,200 tokens, $0.01 each) are not counted again.
      total_tokens: 3300, cost_usd: expect.closeTo(0.021, 9), errors: 1, end_user_id: 'u-alice',
    });
    expect(c).toEqual({ session_id: 'sess-c', traces: 1, first_seen: at(3), last_seen: at(3), total_tokens: 100, cost_usd: expect.closeTo(0.002, 9), errors: 0, end_user_id: 'u-alice' });
    expect(b).toEqual({ session_id: 'sess-b', traces: 1, first_seen: at(5), last_seen: at(5), total_tokens: 350, cost_usd: null, errors: 0, end_user_id: 'u-bob' });

    // The same traces the trace list shows for that session.
    const listed = await getJson(getTraces, alice.apiKey, '/api/analytics/traces?session_id=sess-a');
    expect(listed.traces).toHaveLength(a.traces);
    expect(listed.traces.reduce((n: number, t: { trace_total_tokens: number }) => n + t.trace_total_tokens, 0)).toBe(a.total_tokens);
  });

  it("returns a session's roots in time order, with their trace totals", async () => {
    const response = await session(alice.apiKey, 'sess-a');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body)).toEqual(['traces']);
    expect(body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual(sessA.map((t) => t.traceId));
    expect(body.traces.map((t: { span_id: string }) => t.span_id)).toEqual(sessA.map((t) => t.rootId));
    const [first, second] = body.traces;
    expect(first).toMatchObject({
      parent_trace_id: null, span_name: 'agent.run', session_id: 'sess-a', end_user_id: 'u-alice', status: 'completed', start_time: at(0),
      input_data: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'question 0' }] }, output_data: { content: 'answer 0' },
      span_count: 3, trace_total_tokens: 1100,
    });
    expect(first.trace_cost_usd).toBeCloseTo(0.007, 9);
    expect(second).toMatchObject({ status: 'failed', error_message: 'tool crashed', output_data: { content: 'answer 1' } });
  });

  it('lists end users with the exact shape, tokens, cost and error rate', async () => {
    const body = await users(alice.apiKey);
    expect(Object.keys(body).sort()).toEqual(['next_cursor', 'users']);
    expect(body.next_cursor).toBeNull();
    for (const row of body.users) expect(Object.keys(row).sort()).toEqual([...USER_KEYS].sort());
    expect(body.users).toEqual([
      { end_user_id: 'u-bob', traces: 1, total_tokens: 350, cost_usd: null, error_rate: 0, last_seen: at(5) },
      { end_user_id: 'u-carol', traces: 1, total_tokens: 10, cost_usd: expect.closeTo(0.0001, 9), error_rate: 1, last_seen: at(4) },
      // sess-a (3 runs, one failed) and sess-c.
      { end_user_id: 'u-alice', traces: 4, total_tokens: 3400, cost_usd: expect.closeTo(0.023, 9), error_rate: 0.25, last_seen: at(3) },
    ]);
  });

  it('sorts end users by each column, both ways, with unpriced cost ranked lowest', async () => {
    const order = async (query: string) => (await users(alice.apiKey, query)).users.map((u: { end_user_id: string }) => u.end_user_id);
    expect(await order('sort=last_seen&order=desc')).toEqual(['u-bob', 'u-carol', 'u-alice']);
    expect(await order('sort=last_seen&order=asc')).toEqual(['u-alice', 'u-carol', 'u-bob']);
    expect(await order('sort=total_tokens')).toEqual(['u-alice', 'u-bob', 'u-carol']);
    expect(await order('sort=total_tokens&order=asc')).toEqual(['u-carol', 'u-bob', 'u-alice']);
    expect(await order('sort=cost_usd')).toEqual(['u-alice', 'u-carol', 'u-bob']);
    expect(await order('sort=cost_usd&order=asc')).toEqual(['u-bob', 'u-carol', 'u-alice']);
    expect(await order('sort=error_rate')).toEqual(['u-carol', 'u-alice', 'u-bob']);
    const byTraces = await order('sort=traces');
    expect(byTraces[0]).toBe('u-alice');
    expect(new Set(byTraces.slice(1))).toEqual(new Set(['u-bob', 'u-carol']));
  });

  it('pages end users with next_cursor in every sort and order, the same rows as one page', async () => {
    for (const sort of ['last_seen', 'traces', 'total_tokens', 'cost_usd', 'error_rate']) {
      for (const order of ['desc', 'asc']) {
        const whole = (await users(alice.apiKey, `sort=${sort}&order=${order}`)).users;
        const paged = await allPages(async (cursor) => {
          const body = await users(alice.apiKey, `sort=${sort}&order=${order}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
          return { items: body.users, next: body.next_cursor };
        }, 1);
        expect(paged, `${sort} ${order}`).toEqual(whole);
      }
    }
  });

  it('pages sessions with next_cursor across interleaved traces and equal times', async () => {
    const user = await createTestUser(getDatabase(), 'pager');
    // Eight sessions of three traces each, interleaved in time; s6 and s7 end at the same instant.
    const expected = new Map<string, number>();
    const spans: Span[] = [];
    for (let s = 0; s < 8; s++) {
      for (let k = 0; k < 3; k++) {
        const minutes = s === 7 ? [1, 9, 32][k] : s * 3 + k * 7;
        spans.push(...singleCall({ minutes, session: `s${s}`, user: `user-${s % 3}`, tokens: [1, 1], cost: 0.001 }).spans);
        expected.set(`s${s}`, Math.max(expected.get(`s${s}`) ?? -Infinity, minutes));
      }
    }
    await post(user.apiKey, spans);
    const want = [...expected].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    const whole = (await sessions(user.apiKey)).sessions;
    expect(whole.map((s: { session_id: string }) => s.session_id).sort()).toEqual([...want].sort());
    // Newest activity first (the two sessions ending together in either order).
    expect(whole.map((s: { last_seen: string }) => s.last_seen)).toEqual(want.map((id) => at(expected.get(id)!)));
    for (const limit of [1, 2, 3]) {
      const paged = await allPages(async (cursor) => {
        const body = await sessions(user.apiKey, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        return { items: body.sessions, next: body.next_cursor };
      }, limit);
      expect(paged, `limit ${limit}`).toEqual(whole);
    }
    for (const row of whole) expect(row).toMatchObject({ traces: 3, total_tokens: 6, errors: 0 });
  });

  it("keeps accounts apart: B sees none of A's sessions or end users, and A's session id answers only B's own traces", async () => {
    const bobSessions = (await sessions(bob.apiKey)).sessions;
    expect(bobSessions).toEqual([{ session_id: 'sess-a', traces: 1, first_seen: at(7), last_seen: at(7), total_tokens: 10, cost_usd: 1, errors: 0, end_user_id: 'u-alice' }]);
    expect((await users(bob.apiKey)).users).toEqual([{ end_user_id: 'u-alice', traces: 1, total_tokens: 10, cost_usd: 1, error_rate: 0, last_seen: at(7) }]);
    const bobView = await (await session(bob.apiKey, 'sess-a')).json();
    expect(bobView.traces).toHaveLength(1);
    expect(sessA.map((t) => t.traceId)).not.toContain(bobView.traces[0].trace_id);
    // A's other sessions do not exist for B.
    const missing = await session(bob.apiKey, 'sess-c');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    // And A's numbers are untouched by B's traces.
    expect((await sessions(alice.apiKey)).sessions.find((s: { session_id: string }) => s.session_id === 'sess-a').traces).toBe(3);

    const stranger = await createTestUser(getDatabase(), 'stranger');
    expect(await sessions(stranger.apiKey)).toEqual({ sessions: [], next_cursor: null });
    expect(await users(stranger.apiKey)).toEqual({ users: [], next_cursor: null });
    expect((await session(stranger.apiKey, 'sess-a')).status).toBe(404);
  });

  it('finds a session whose id has spaces, slashes and non-Latin characters; an impossible id is a 404', async () => {
    const id = 'conv/42 ü 会话?#%';
    await post(alice.apiKey, singleCall({ minutes: 8, session: id, tokens: [1, 2], cost: 0 }).spans);
    const response = await session(alice.apiKey, id);
    expect(response.status).toBe(200);
    expect((await response.json()).traces[0].session_id).toBe(id);
    expect((await sessions(alice.apiKey, 'limit=1')).sessions[0]).toMatchObject({ session_id: id, traces: 1, total_tokens: 3, cost_usd: 0 });
    expect((await session(alice.apiKey, 'x'.repeat(201))).status).toBe(404);
    expect((await session(alice.apiKey, '')).status).toBe(404);
  });

  it('counts a trace whose root has not arrived (an orphan subtree) once, as the trace list does', async () => {
    const user = await createTestUser(getDatabase(), 'orphans');
    const trace = agentTrace({ minutes: 0, session: 'late-root', user: 'u-late' });
    // Only the two model calls: each is listed as an orphan root until the parent comes.
    await post(user.apiKey, trace.spans.slice(1));
    expect((await sessions(user.apiKey)).sessions[0]).toMatchObject({ session_id: 'late-root', traces: 1, total_tokens: 1100, errors: 0 });
    expect((await (await session(user.apiKey, 'late-root')).json()).traces).toHaveLength(1);
    // The root arrives: still one trace, same usage (the root's roll-up is not added).
    await post(user.apiKey, trace.spans.slice(0, 1));
    expect((await sessions(user.apiKey)).sessions[0]).toMatchObject({ session_id: 'late-root', traces: 1, total_tokens: 1100, first_seen: at(0) });
    const roots = (await (await session(user.apiKey, 'late-root')).json()).traces;
    expect(roots.map((r: { span_id: string }) => r.span_id)).toEqual([trace.rootId]);
    expect((await users(user.apiKey)).users).toEqual([{ end_user_id: 'u-late', traces: 1, total_tokens: 1100, cost_usd: expect.closeTo(0.007, 9), error_rate: 0, last_seen: at(0) }]);
  });

  it('answers bad parameters and forged or foreign cursors with 422', async () => {
    const status = async (handler: typeof getSessions, path: string) => (await call(handler, { path, apiKey: alice.apiKey })).status;
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'cursor=nope', `cursor=${'x'.repeat(501)}`, 'limit=1&limit=2']) {
      expect(await status(getSessions, `/api/analytics/sessions?${query}`), query).toBe(422);
    }
    const forged = (position: string, id = '00000000-0000-4000-8000-000000000000') => Buffer.from(JSON.stringify([position, id])).toString('base64url');
    for (const position of ['9'.repeat(19), '-99999999999999999', 'abc', '1.5', '']) {
      expect(await status(getSessions, `/api/analytics/sessions?cursor=${forged(position)}`), position).toBe(422);
    }
    expect(await status(getSessions, `/api/analytics/sessions?cursor=${forged('1767225600000000', 'not-a-uuid')}`)).toBe(422);
    // A well-formed position far in the past or future is fine (an empty or full page).
    expect(await status(getSessions, `/api/analytics/sessions?cursor=${forged('-62135596800000000')}`)).toBe(200);
    expect(await status(getSessions, `/api/analytics/sessions?cursor=${forged('253402300799999999')}`)).toBe(200);

    for (const query of ['sort=name', 'order=up', 'sort=cost_usd&sort=traces', 'limit=-1', 'cursor=%00']) {
      expect(await status(getUsers, `/api/analytics/users?${query}`), query).toBe(422);
    }
    // A cursor is bound to its sort and order.
    const page = await users(alice.apiKey, 'sort=total_tokens&limit=1');
    expect(page.next_cursor).toBeTruthy();
    expect(await status(getUsers, `/api/analytics/users?sort=total_tokens&limit=1&cursor=${page.next_cursor}`)).toBe(200);
    expect(await status(getUsers, `/api/analytics/users?sort=cost_usd&limit=1&cursor=${page.next_cursor}`)).toBe(422);
    expect(await status(getUsers, `/api/analytics/users?sort=total_tokens&order=asc&limit=1&cursor=${page.next_cursor}`)).toBe(422);
    const sessionCursor = (await sessions(alice.apiKey, 'limit=1')).next_cursor;
    expect(await status(getUsers, `/api/analytics/users?cursor=${sessionCursor}`)).toBe(422);
    expect(await status(getUsers, `/api/analytics/users?sort=error_rate&cursor=${forged('error_rate.desc:1e5')}`)).toBe(422);
    expect(await status(getUsers, `/api/analytics/users?sort=error_rate&cursor=${forged('error_rate.desc:0.5')}`)).toBe(200);
  });

  it('answers other methods with a JSON 405', async () => {
    const { POST: postSessions } = await import('@/app/api/analytics/sessions/route');
    const { DELETE: deleteUsers } = await import('@/app/api/analytics/users/route');
    const { PUT: putSession } = await import('@/app/api/analytics/sessions/[sessionId]/route');
    for (const [handler, method, path] of [
      [postSessions, 'POST', '/api/analytics/sessions'],
      [deleteUsers, 'DELETE', '/api/analytics/users'],
      [putSession, 'PUT', '/api/analytics/sessions/sess-a'],
    ] as const) {
      const response = await call(handler, { method, path, apiKey: alice.apiKey, body: method === 'DELETE' ? undefined : {} });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect((await response.json()).error.code).toBe('method_not_allowed');
    }
  });

  it('makes every chat of the chat API a session of its end user, turn by turn', async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    const user = await createTestUser(getDatabase(), 'chatter');
    const send = async (body: unknown) => {
      const response = await chat(
        new Request('http://127.0.0.1:3000/api/chat', { method: 'POST', headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      );
      expect(response.status, await response.clone().text()).toBe(200);
      return response.json() as Promise<{ conversationId: string; traceId: string; content: string }>;
    };
    const first = await send({ messages: [{ role: 'user', content: 'First question?' }], provider: 'demo', user: 'customer-7' });
    const second = await send({ messages: [{ role: 'user', content: 'Second question?' }], provider: 'demo', user: 'customer-7', conversationId: first.conversationId });
    await traceService.flush();

    const listed = (await sessions(user.apiKey)).sessions;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ session_id: first.conversationId, traces: 2, errors: 0, end_user_id: 'customer-7' });
    const turns = (await (await session(user.apiKey, first.conversationId)).json()).traces;
    expect(turns.map((t: { trace_id: string }) => t.trace_id)).toEqual([first.traceId, second.traceId]);
    const lastUserMessage = (t: { input_data: { messages: Array<{ role: string; content: string }> } }) => t.input_data.messages.filter((m) => m.role === 'user').at(-1)?.content;
    expect(turns.map(lastUserMessage)).toEqual(['First question?', 'Second question?']);
    expect(turns[1].output_data.content).toBe(second.content);
    const endUsers = (await users(user.apiKey)).users;
    expect(endUsers).toEqual([expect.objectContaining({ end_user_id: 'customer-7', traces: 2, error_rate: 0 })]);
  });
});

describe('a trace as a turn of the session view', () => {
  const text = (value: string) => ({ text: value, format: 'text' });
  it("finds the user's last message in every input shape the ingest paths store", () => {
    // The chat API and the proxy: the whole history; the turn is its last user message.
    expect(userInputOf({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Refund?' }], tools: [] })).toEqual(text('Refund?'));
    // Anthropic's system beside the messages, content as parts.
    expect(userInputOf({ system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Part one' }, { type: 'image', source: {} }] }] })).toEqual(text('Part one\n\n[image]'));
    // OTLP: a bare list of messages; the Responses API: `input` as a string or a list.
    expect(userInputOf([{ role: 'system', content: 'x' }, { role: 'user', content: '你好' }])).toEqual(text('你好'));
    expect(userInputOf({ model: 'gpt-4o', input: 'Plain prompt' })).toEqual(text('Plain prompt'));
    expect(userInputOf({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'Listed' }] }] })).toEqual(text('Listed'));
    expect(userInputOf('just text')).toEqual(text('just text'));
    expect(userInputOf({ question: 'Why?' })).toEqual(text('Why?'));
    expect(userInputOf({ expression: '2+2' })).toEqual({ text: '{"expression":"2+2"}', format: 'json' });
    expect(userInputOf(null)).toBeNull();
    expect(userInputOf(undefined)).toBeNull();
  });

  it('finds the final answer in every output shape the ingest paths store', () => {
    expect(finalOutputOf({ content: 'Within 30 days.', toolCalls: [] })).toEqual(text('Within 30 days.'));
    expect(finalOutputOf({ role: 'assistant', content: [{ type: 'text', text: 'From parts' }, { type: 'tool_use', id: 't1' }] })).toEqual(text('From parts\n\n[tool_use]'));
    expect(finalOutputOf({ choices: [{ message: { role: 'assistant', content: 'OpenAI' } }] })).toEqual(text('OpenAI'));
    expect(finalOutputOf({ content: [{ type: 'text', text: 'Anthropic' }] })).toEqual(text('Anthropic'));
    expect(finalOutputOf([{ role: 'assistant', content: 'first' }, { role: 'tool', content: 'x' }, { role: 'assistant', content: 'last' }])).toEqual(text('last'));
    expect(finalOutputOf({ output: [{ type: 'reasoning', summary: [] }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Responses' }] }] })).toEqual(text('Responses'));
    expect(finalOutputOf('<b>as text</b>')).toEqual(text('<b>as text</b>'));
    expect(finalOutputOf({ result: 4 })).toEqual({ text: '{"result":4}', format: 'json' });
    expect(finalOutputOf(null)).toBeNull();
  });
});
