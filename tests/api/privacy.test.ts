/**
 * Issue 13 end to end, on both databases: the privacy settings API; one secret and one email sent
 * through every way in (chat API, HTTP ingest, OTLP, the proxy) never stored and never exported
 * when masking is on, stored as sent when it is off; deleting an end user's or a session's data
 * (exactly that, and only the caller's); and per-account retention.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { GET as exportTrace } from '@/app/api/analytics/traces/[traceId]/export/route';
import { POST as chat } from '@/app/api/chat/route';
import { DELETE as deleteEndUser } from '@/app/api/end-users/[endUserId]/route';
import { POST as evaluate } from '@/app/api/evaluations/route';
import { DELETE as deleteSession } from '@/app/api/sessions/[sessionId]/route';
import { GET as getPrivacy, PUT as putPrivacy } from '@/app/api/settings/privacy/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import type { Database } from '@/lib/db/client';
import { encodeTraceRequest, type ExportSpan } from '@/lib/otlp/encode';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { deleteSpansOlderThan } from '@/lib/trace-store/retention';
import { traceService, type SpanRecord } from '@llmtrace/sdk';
import { MaskingSpanSink } from '@/lib/privacy/sink';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { configureUpstreams, SERVER_OPENAI_KEY, startProxyServer, storedSpan } from '../support/proxy-harness';
import type { RouteServer } from '../support/route-server';
import { hexId, threeLevelTrace } from '../support/spans';

const SECRET = 'sk-proj-Zq7xW2vB9nM4kL1pR8tY3uE6iO0aS5dF';
const EMAIL = 'jane.doe@example.com';
const LEAK = `My key is ${SECRET}, write to ${EMAIL}`;
const MASKED = 'My key is [SECRET], write to [EMAIL]';
const DAY = 86_400_000;

let fake: FakeOpenAI;
let proxy: RouteServer;
let restoreUpstreams: () => void;
const savedEnv = { ...process.env };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  proxy = await startProxyServer();
  restoreUpstreams = configureUpstreams({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: SERVER_OPENAI_KEY });
  Object.assign(process.env, { DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0' });
});
afterAll(async () => {
  restoreUpstreams?.();
  process.env = savedEnv;
  await proxy?.close();
  await fake?.close();
});

type Row = Record<string, any>;
type User = Awaited<ReturnType<typeof createTestUser>>;

const ON = { masking: { detectors: ['email', 'phone', 'card', 'iban', 'ip', 'secret'], custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }], spanNames: true } };

describeEachDatabase('privacy', (getDatabase) => {
  beforeEach(() => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
  });

  const put = (user: User, body: unknown) => call(putPrivacy, { method: 'PUT', path: '/api/settings/privacy', apiKey: user.apiKey, body });
  const get = async (user: User) => (await call(getPrivacy, { path: '/api/settings/privacy', apiKey: user.apiKey })).json();
  const ingest = async (user: User, traces: unknown[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces } });
    expect(response.status).toBe(200);
    return response.json();
  };
  const sendChat = async (user: User, body: Record<string, unknown>) => {
    const response = await chat(
      new Request('http://127.0.0.1:3000/api/chat', { method: 'POST', headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
    expect(response.status).toBe(200);
    const result = (await response.json()) as { traceId: string; messageId: string; conversationId: string };
    await traceService.flush();
    return result;
  };
  const spansOf = (userId: string, traceId: string) => getDatabase().query<Row>('SELECT * FROM llm_traces WHERE user_id = $1 AND trace_id = $2 ORDER BY start_time, span_id', [userId, traceId]);
  /** Rows of the user's spans, messages and conversations whose every column, as JSON text, holds `needle`. */
  const rowsHolding = async (database: Database, userId: string, needle: string) => {
    const found: string[] = [];
    for (const table of ['llm_traces', 'messages', 'conversations']) {
      const rows = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE t.user_id = $1 AND strpos(row_to_json(t)::text, $2) > 0`, [userId, needle]);
      if (Number(rows[0]!.n) > 0) found.push(`${table}: ${rows[0]!.n}`);
    }
    return found;
  };

  it('returns the defaults, replaces the settings with PUT, and reads them back', async () => {
    const user = await createTestUser(getDatabase());
    expect(await get(user)).toEqual({
      masking: { detectors: [], custom: [], spanNames: false },
      sampling: { successRate: 1, keepFailed: true, slowMs: null },
      retentionDays: null,
      serverRetentionDays: expect.any(Number),
    });
    const body = {
      masking: { detectors: ['secret', 'email', 'email'], custom: [{ pattern: '(?i)project falcon', replacement: '[CODENAME]' }] },
      sampling: { successRate: 1, keepFailed: true, slowMs: 5000 },
      retentionDays: 7,
    };
    const response = await put(user, body);
    expect(response.status).toBe(200);
    const expected = {
      masking: { detectors: ['email', 'secret'], custom: [{ pattern: '(?i)project falcon', replacement: '[CODENAME]' }], spanNames: false },
      sampling: { successRate: 1, keepFailed: true, slowMs: 5000 },
      retentionDays: 7,
      serverRetentionDays: expect.any(Number),
    };
    expect(await response.json()).toEqual(expected);
    expect(await get(user)).toEqual(expected);
    // What GET returns can be sent back as it is; an empty body resets everything.
    expect((await put(user, await get(user))).status).toBe(200);
    expect((await put(user, {})).status).toBe(200);
    expect(await get(user)).toMatchObject({ masking: { detectors: [], custom: [] }, retentionDays: null });
  });

  it('answers 422 with the reason for an invalid or dangerous pattern, and for other invalid settings', async () => {
    const user = await createTestUser(getDatabase());
    const cases: Array<[unknown, string, RegExp]> = [
      [{ masking: { custom: [{ pattern: '(a)\\1', replacement: 'x' }] } }, 'masking.custom.0.pattern', /backreferences are not supported/],
      [{ masking: { custom: [{ pattern: '(?<=a)b', replacement: 'x' }] } }, 'masking.custom.0.pattern', /look-ahead and look-behind/],
      [{ masking: { custom: [{ pattern: 'ok', replacement: 'x' }, { pattern: '([a-z]', replacement: 'x' }] } }, 'masking.custom.1.pattern', /invalid regular expression/],
      [{ masking: { custom: [{ pattern: '\\s*', replacement: 'x' }] } }, 'masking.custom.0.pattern', /matches the empty text/],
      [{ masking: { custom: [{ pattern: '(?:(?:ab|cd|ef|gh){20}){40}', replacement: 'x' }] } }, 'masking.custom.0.pattern', /too large/],
      [{ masking: { detectors: ['email', 'names'] } }, 'masking.detectors.1', /./],
      [{ retentionDays: 0 }, 'retentionDays', /./],
      [{ sampling: { successRate: 1.5 } }, 'sampling.successRate', /./],
      [{ sampling: { successRate: -0.1 } }, 'sampling.successRate', /./],
    ];
    for (const [body, path, reason] of cases) {
      const response = await put(user, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      const { error } = await response.json();
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([expect.objectContaining({ path, message: expect.stringMatching(reason) })]);
    }
    expect(await get(user)).toMatchObject({ masking: { detectors: [], custom: [] } });
  });

  it('never stores the secret or the email, whichever way they come in, and records what was masked', async () => {
    const database = getDatabase();
    const user = await createTestUser(database, 'masked');
    expect((await put(user, ON)).status).toBe(200);

    // 1. The chat API (demo model), through the tracer and DatabaseSpanSink.
    const chatted = await sendChat(user, { messages: [{ role: 'user', content: LEAK }], user: 'eu-chat' });
    const [message] = await database.query<Row>('SELECT * FROM messages WHERE id = (SELECT message_id FROM llm_traces WHERE trace_id = $1 AND parent_trace_id IS NULL)', [chatted.traceId]);
    const userMessage = (await database.query<Row>("SELECT * FROM messages WHERE conversation_id = $1 AND role = 'user'", [chatted.conversationId]))[0]!;
    expect(userMessage.content).toBe(MASKED);
    const chatRoot = (await spansOf(user.userId, chatted.traceId)).find((s) => s.parent_trace_id === null)!;
    // The trace and the message agree: both masked alike.
    expect(chatRoot.input_data.messages.at(-1).content).toBe(userMessage.content);
    expect(chatRoot.output_data.content).toBe(message!.content);
    // The demo model repeats the question in its answer: one of each in the input, one in the output.
    expect(chatRoot.output_data.content).toContain('[SECRET]');
    expect(chatRoot.metadata.masked).toEqual({ secret: 2, email: 2 });
    const [conversation] = await database.query<Row>('SELECT title FROM conversations WHERE id = $1', [chatted.conversationId]);
    expect(conversation!.title).toBe(MASKED);

    // 2. HTTP ingest: every masked field, span names included (this account chose so).
    const http = threeLevelTrace();
    Object.assign(http.spans[0]!, {
      span_name: `reply to ${EMAIL}`,
      input_data: { messages: [{ role: 'user', content: LEAK }], deep: [[[{ note: `order ORD-123456 from ${EMAIL}` }]]] },
      output_data: `Done. Your card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00 are on file; call +44 20 7946 0958 from 10.1.2.3.`,
      error_message: `upstream said: invalid key ${SECRET}`,
      metadata: { env: 'test', headers: { authorization: `Bearer ${SECRET}` }, [EMAIL]: 'a key that is an email' },
    });
    expect(await ingest(user, http.spans)).toEqual({ accepted: 4, rejected: [] });
    const httpRoot = (await spansOf(user.userId, http.traceId)).find((s) => s.parent_trace_id === null)!;
    expect(httpRoot).toMatchObject({
      span_name: 'reply to [EMAIL]',
      input_data: { messages: [{ role: 'user', content: MASKED }], deep: [[[{ note: 'order [ORDER] from [EMAIL]' }]]] },
      output_data: 'Done. Your card [CARD] and IBAN [IBAN] are on file; call [PHONE] from [IP].',
      error_message: 'upstream said: invalid key [SECRET]',
      metadata: { env: 'test', headers: { authorization: 'Bearer [SECRET]' }, '[EMAIL]': 'a key that is an email' },
    });
    expect(httpRoot.metadata.masked).toEqual({ email: 4, secret: 3, card: 1, iban: 1, phone: 1, ip: 1, custom: 1 });
    const untouched = (await spansOf(user.userId, http.traceId)).filter((s) => s.parent_trace_id !== null);
    expect(untouched.every((s) => s.metadata === null)).toBe(true);

    // 3. OTLP: attributes, the status message and span events.
    const otlpTrace = hexId(16);
    const otlpSpan: ExportSpan = {
      resource: { 'service.name': 'support-bot' }, scope: { name: 'test' }, traceId: otlpTrace, spanId: hexId(8), parentSpanId: null,
      name: 'chat gpt-4o-mini', kind: 3, startTimeUnixNano: BigInt(Date.now()) * 1_000_000n, endTimeUnixNano: BigInt(Date.now() + 50) * 1_000_000n,
      attributes: { 'gen_ai.operation.name': 'chat', 'input.value': JSON.stringify({ messages: [{ role: 'user', content: LEAK }] }), 'app.contact': EMAIL, 'user.id': 'eu-otlp' },
      status: { code: 2, message: `rejected ${SECRET}` },
      events: [{ name: 'log', timeUnixNano: BigInt(Date.now()) * 1_000_000n, attributes: { message: `token ${SECRET} for ${EMAIL}` } }],
    };
    const otlp = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: encodeTraceRequest([otlpSpan], 'protobuf'), headers: { 'content-type': 'application/x-protobuf' }, method: 'POST' });
    expect(otlp.status).toBe(200);
    const [otlpRow] = await spansOf(user.userId, otlpTrace);
    expect(otlpRow!.error_message).toBe('rejected [SECRET]');
    expect(otlpRow!.metadata.masked).toMatchObject({ secret: expect.any(Number), email: expect.any(Number) });

    // 4. The proxy (managed mode), through the tracer.
    fake.enqueue({ kind: 'reply', content: `I will write to ${EMAIL} with ${SECRET}.` });
    const proxied = await fetch(`${proxy.url}/api/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: LEAK }] }),
    });
    expect(proxied.status).toBe(200);
    // The app itself gets the model's answer as it was: masking is about what is stored.
    expect(((await proxied.json()) as Row).choices[0].message.content).toContain(EMAIL);
    const proxySpan = await storedSpan(user.apiKey, proxied.headers.get('x-llmtrace-trace-id'));
    expect(proxySpan.input_data.messages[0].content).toBe(MASKED);
    expect(proxySpan.output_data.content).toBe('I will write to [EMAIL] with [SECRET].');
    expect(proxySpan.metadata.masked).toEqual({ secret: 2, email: 2 });

    // Nowhere in the database, in any column of any row of the account…
    await traceService.flush();
    for (const needle of [SECRET, EMAIL, '4111 1111 1111 1111', 'ORD-123456']) expect(await rowsHolding(database, user.userId, needle), needle).toEqual([]);
    // …nor in any export.
    for (const traceId of [chatted.traceId, http.traceId, otlpTrace, proxied.headers.get('x-llmtrace-trace-id')!]) {
      const exported = await (await call(exportTrace, { path: `/api/analytics/traces/${traceId}/export`, apiKey: user.apiKey, params: { traceId } })).text();
      expect(exported).toContain('[SECRET]');
      expect(exported).not.toContain(SECRET);
      expect(exported).not.toContain(EMAIL);
    }
  });

  it('masks the copies of its own spans exported to another OTLP backend, as it masks stored ones', async () => {
    const database = getDatabase();
    const user = await createTestUser(database, 'export');
    await put(user, ON);
    const received: SpanRecord[] = [];
    const sink = new MaskingSpanSink({ write: async (spans) => void received.push(...spans) }, async () => database);
    const record = { ...threeLevelTrace().spans[0]!, user_id: user.userId, start_time: new Date(), end_time: new Date(), input_data: { content: LEAK }, error_message: null, metadata: null } as unknown as SpanRecord;
    await sink.write([record]);
    expect(received[0]!.input_data).toEqual({ content: MASKED });
    expect(received[0]!.metadata).toEqual({ masked: { secret: 1, email: 1 } });
    expect((record.input_data as { content: string }).content).toBe(LEAK);
  });

  it('stores spans and messages as sent when masking is off', async () => {
    const database = getDatabase();
    const user = await createTestUser(database, 'plain');
    const http = threeLevelTrace();
    Object.assign(http.spans[0]!, { input_data: { messages: [{ role: 'user', content: LEAK }] }, metadata: { env: 'test' } });
    await ingest(user, http.spans);
    const chatted = await sendChat(user, { messages: [{ role: 'user', content: LEAK }] });
    const root = (await spansOf(user.userId, http.traceId)).find((s) => s.parent_trace_id === null)!;
    expect(root.input_data.messages[0].content).toBe(LEAK);
    expect(root.metadata).toEqual({ env: 'test' });
    const [stored] = await database.query<Row>("SELECT content FROM messages WHERE conversation_id = $1 AND role = 'user'", [chatted.conversationId]);
    expect(stored!.content).toBe(LEAK);
    // Switched on, then off again: stored as sent once more (this process drops its cached settings on PUT).
    await put(user, ON);
    await put(user, { masking: { detectors: [] } });
    const again = threeLevelTrace();
    Object.assign(again.spans[0]!, { input_data: { content: LEAK } });
    await ingest(user, again.spans);
    expect((await spansOf(user.userId, again.traceId)).find((s) => s.parent_trace_id === null)!.input_data).toEqual({ content: LEAK });
  });

  it('deletes everything tied to an end user, and nothing else; another account deletes nothing of it', async () => {
    const database = getDatabase();
    const alice = await createTestUser(database, 'alice');
    const bob = await createTestUser(database, 'bob');
    // eu-1: an ingested trace whose root alone names the end user, and a chat conversation with a reviewed answer.
    const ingested = threeLevelTrace();
    Object.assign(ingested.spans[0]!, { end_user_id: 'eu-1' });
    await ingest(alice, ingested.spans);
    const chatted = await sendChat(alice, { messages: [{ role: 'user', content: 'Hello from eu-1' }], user: 'eu-1' });
    expect((await call(evaluate, { path: '/api/evaluations', apiKey: alice.apiKey, body: { message_id: chatted.messageId, success: true } })).status).toBe(201);
    // eu-2 of the same account, and bob's own eu-1.
    const other = threeLevelTrace();
    Object.assign(other.spans[0]!, { end_user_id: 'eu-2' });
    await ingest(alice, other.spans);
    const otherChat = await sendChat(alice, { messages: [{ role: 'user', content: 'Hello from eu-2' }], user: 'eu-2' });
    const bobs = threeLevelTrace();
    Object.assign(bobs.spans[0]!, { end_user_id: 'eu-1' });
    await ingest(bob, bobs.spans);
    const chatSpans = (await spansOf(alice.userId, chatted.traceId)).length;
    expect(chatSpans).toBeGreaterThanOrEqual(2);

    const remove = (user: User, endUserId: string) => call(deleteEndUser, { method: 'DELETE', path: `/api/end-users/${encodeURIComponent(endUserId)}`, apiKey: user.apiKey, params: { endUserId } });

    // Bob cannot reach alice's eu-2 (he has none).
    const denied = await remove(bob, 'eu-2');
    expect(denied.status).toBe(200);
    expect(await denied.json()).toEqual({ deleted: { spans: 0, messages: 0, evaluations: 0 } });

    const response = await remove(alice, 'eu-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: { spans: 4 + chatSpans, messages: 2, evaluations: 1 } });
    // Gone: every span of both traces (children without the attribute too), the messages, the evaluation and the conversation.
    expect(await database.query('SELECT 1 FROM llm_traces WHERE trace_id = ANY($1::text[])', [[ingested.traceId, chatted.traceId]])).toEqual([]);
    expect(await database.query('SELECT 1 FROM messages WHERE conversation_id = $1', [chatted.conversationId])).toEqual([]);
    expect(await database.query('SELECT 1 FROM conversations WHERE id = $1', [chatted.conversationId])).toEqual([]);
    expect(await database.query('SELECT 1 FROM message_evaluations WHERE message_id = $1', [chatted.messageId])).toEqual([]);
    // Kept: eu-2's trace and conversation, and bob's eu-1.
    expect(await spansOf(alice.userId, other.traceId)).toHaveLength(4);
    expect((await spansOf(alice.userId, otherChat.traceId)).length).toBeGreaterThanOrEqual(2);
    expect(await database.query('SELECT 1 FROM messages WHERE conversation_id = $1', [otherChat.conversationId])).toHaveLength(2);
    expect(await spansOf(bob.userId, bobs.traceId)).toHaveLength(4);
    // Deleting again finds nothing.
    expect(await (await remove(alice, 'eu-1')).json()).toEqual({ deleted: { spans: 0, messages: 0, evaluations: 0 } });
  });

  it('deletes a session: a chat conversation by its id, or ingested spans by their session id', async () => {
    const database = getDatabase();
    const alice = await createTestUser(database, 'alice');
    const bob = await createTestUser(database, 'bob');
    const first = await sendChat(alice, { messages: [{ role: 'user', content: 'first turn' }] });
    await sendChat(alice, { messages: [{ role: 'user', content: 'second turn' }], conversationId: first.conversationId });
    const kept = await sendChat(alice, { messages: [{ role: 'user', content: 'another conversation' }] });
    const ingested = threeLevelTrace();
    for (const span of ingested.spans) Object.assign(span, { session_id: 's-9' });
    await ingest(alice, ingested.spans);
    const keptIngested = threeLevelTrace();
    for (const span of keptIngested.spans) Object.assign(span, { session_id: 's-10' });
    await ingest(alice, keptIngested.spans);
    const chatSpans = await database.query('SELECT 1 FROM llm_traces WHERE user_id = $1 AND session_id = $2', [alice.userId, first.conversationId]);

    const remove = (user: User, sessionId: string) => call(deleteSession, { method: 'DELETE', path: `/api/sessions/${sessionId}`, apiKey: user.apiKey, params: { sessionId } });
    expect(await (await remove(bob, first.conversationId)).json()).toEqual({ deleted: { spans: 0, messages: 0, evaluations: 0 } });
    expect(await (await remove(alice, first.conversationId)).json()).toEqual({ deleted: { spans: chatSpans.length, messages: 4, evaluations: 0 } });
    expect(await (await remove(alice, 's-9')).json()).toEqual({ deleted: { spans: 4, messages: 0, evaluations: 0 } });
    expect(await database.query('SELECT 1 FROM llm_traces WHERE user_id = $1 AND session_id = ANY($2::text[])', [alice.userId, [first.conversationId, 's-9']])).toEqual([]);
    expect(await spansOf(alice.userId, keptIngested.traceId)).toHaveLength(4);
    expect(await database.query('SELECT 1 FROM messages WHERE conversation_id = $1', [kept.conversationId])).toHaveLength(2);
    // An id longer than a span column holds is a 422.
    expect((await remove(alice, 'x'.repeat(201))).status).toBe(422);
  });

  it('keeps each account’s spans for its own number of days, and the server default for the others', async () => {
    const database = getDatabase();
    const [short, long, plain] = [await createTestUser(database), await createTestUser(database), await createTestUser(database)];
    expect((await put(short, { retentionDays: 5 })).status).toBe(200);
    expect((await put(long, { retentionDays: 60 })).status).toBe(200);
    const now = Date.now();
    const traces = new Map<string, string>();
    for (const [user, name] of [[short, 'short'], [long, 'long'], [plain, 'plain']] as const) {
      for (const age of [2, 10, 40, 90]) {
        const trace = threeLevelTrace({ start: new Date(now - age * DAY) });
        await ingest(user, trace.spans);
        traces.set(`${name}:${age}`, trace.traceId);
      }
    }
    await deleteSpansOlderThan(database, { cutoff: new Date(now - 30 * DAY), now: new Date(now) });
    const left = async (user: User) => {
      const rows = await database.query<{ trace_id: string }>('SELECT DISTINCT trace_id FROM llm_traces WHERE user_id = $1', [user.userId]);
      return [...traces].filter(([, id]) => rows.some((r) => r.trace_id === id)).map(([key]) => key).sort();
    };
    expect(await left(short)).toEqual(['short:2']);
    expect(await left(long)).toEqual(['long:10', 'long:2', 'long:40']);
    expect(await left(plain)).toEqual(['plain:10', 'plain:2']);
  });
});
