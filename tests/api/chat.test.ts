import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { POST as chat } from '@/app/api/chat/route';
import { POST as addDocument } from '@/app/api/documents/route';
import { POST as createKey } from '@/app/api/keys/route';
import type { Database } from '@/lib/db/client';
import { calculateCost } from '@/lib/pricing';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import type { SpanSink } from '@llmtrace/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { readSse } from '../support/sse';

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
const savedEnv = { ...process.env };

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: anthropic.origin,
    DEFAULT_PROVIDER: 'demo',
    DEMO_DELAY_SCALE: '0',
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await openai?.close();
  await anthropic?.close();
});

type Row = Record<string, any>;

/** A message whose content holds this is refused by the test database (see `refuseMarkedMessages`). */
const REFUSED = '[db:refuse]';

/** Makes the database refuse to store any message containing {@link REFUSED}, as a failing write would. */
async function refuseMarkedMessages(database: Database): Promise<void> {
  await database.exec(`
    CREATE OR REPLACE FUNCTION refuse_marked_message() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF strpos(NEW.content, '${REFUSED}') > 0 THEN
        RAISE EXCEPTION 'message insert refused by the test database';
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS refuse_marked_message ON messages;
    CREATE TRIGGER refuse_marked_message BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_marked_message();
  `);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describeEachDatabase('POST /api/chat', (getDatabase) => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  beforeEach(async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    user ??= await createTestUser(getDatabase());
  });

  const send = (body: unknown, apiKey = user.apiKey, signal?: AbortSignal) =>
    chat(new Request('http://127.0.0.1:3000/api/chat', { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal }));

  async function spansOf(database: Database, traceId: string): Promise<Row[]> {
    await traceService.flush();
    const rows = await database.query<Row>('SELECT * FROM llm_traces WHERE trace_id = $1 ORDER BY start_time, span_id', [traceId]);
    return rows.map((r) => ({ ...r, duration_ms: r.duration_ms === null ? null : Number(r.duration_ms), cost_usd: r.cost_usd === null ? null : Number(r.cost_usd) }));
  }

  /** Polls, under a deadline, until the trace's root is stored with a final status; returns the last read. */
  async function finishedRoot(traceId: string, timeoutMs = 5000): Promise<Row | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const root = (await spansOf(getDatabase(), traceId)).find((s) => s.parent_trace_id === null);
      if ((root && root.status !== 'running' && root.status !== 'pending') || Date.now() > deadline) return root;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** DESIGN.md §3: the message and its trace agree exactly. */
  async function expectMessageAndTraceAgree(messageId: string, traceId: string) {
    const [message] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [messageId]);
    const spans = await spansOf(getDatabase(), traceId);
    const root = spans.find((s) => s.parent_trace_id === null)!;
    expect(root.span_name).toBe('llm.completion');
    expect(root.operation_type).toBe('llm_call');
    expect(message.trace_id).toBe(traceId);
    expect(root.message_id).toBe(messageId);
    expect(root.conversation_id).toBe(message.conversation_id);
    expect(root.input_tokens).toBe(message.input_tokens);
    expect(root.output_tokens).toBe(message.output_tokens);
    expect(root.cost_usd === null ? null : Number(root.cost_usd)).toBe(message.cost_usd === null ? null : Number(message.cost_usd));
    expect(Number(root.duration_ms)).toBe(Number(message.latency_ms));
    const calls = spans.filter((s) => s.span_name === 'llm.call');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.parent_trace_id === root.span_id)).toBe(true);
    expect(root.input_tokens).toBe(calls.reduce((n, c) => n + c.input_tokens, 0));
    return { message, spans, root, calls };
  }

  it('answers with the demo model, saves both messages, and leaves one linked trace', async () => {
    const response = await send({ messages: [{ role: 'user', content: 'Hello there, who are you?' }] });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ provider: 'demo', model: expect.stringContaining('demo'), content: expect.stringMatching(/demo/i), toolCalls: [] });
    expect(response.headers.get('x-trace-id')).toBe(body.traceId);
    expect(body.usage.totalTokens).toBe(body.usage.inputTokens + body.usage.outputTokens);
    const { root, calls, message } = await expectMessageAndTraceAgree(body.messageId, body.traceId);
    expect(calls).toHaveLength(1);
    expect(root.status).toBe('completed');
    expect(message.content).toBe(body.content);
    expect(Number(message.latency_ms)).toBe(body.latencyMs);
    const saved = await getDatabase().query<Row>('SELECT role, content FROM messages WHERE conversation_id = $1 ORDER BY created_at', [body.conversationId]);
    expect(saved.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('runs tools through native tool calls: one llm.call per round and a tool span per run', async () => {
    const body = await (await send({ messages: [{ role: 'user', content: 'What is 12*7?' }], tools: ['calculator'] })).json();
    expect(body.toolCalls).toEqual([expect.objectContaining({ name: 'calculator', ok: true })]);
    expect(body.content).toContain('84');
    const { spans, root, calls } = await expectMessageAndTraceAgree(body.messageId, body.traceId);
    expect(calls).toHaveLength(2);
    const tool = spans.find((s) => s.span_name === 'tool.calculator')!;
    expect(tool).toMatchObject({ operation_type: 'tool_call', status: 'completed', parent_trace_id: root.span_id });
    expect(tool.input_data).toEqual({ expression: '12*7' });
    // Each round records what the model was sent then: the first round had only the question. (Two
    // rounds of the instant demo model may start in the same instant, so the spans' order by start
    // time can tie: the rounds are told apart by what they were sent, then checked not to run backwards.)
    const roles = (span: Row) => span.input_data.messages.map((m: { role: string }) => m.role);
    const [first, second] = [...calls].sort((a, b) => roles(a).length - roles(b).length);
    expect(roles(first)).toEqual(['user']);
    expect(roles(second)).toEqual(['user', 'assistant', 'tool']);
    expect(Date.parse(second.start_time)).toBeGreaterThanOrEqual(Date.parse(first.start_time));
  });

  it('streams deltas, tool events and a done event equal to the JSON body', async () => {
    const response = await send({ messages: [{ role: 'user', content: 'What is 6*7?' }], tools: ['calculator'], stream: true });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(response);
    const done = events.find((e) => e.event === 'done')!.data;
    expect(events.filter((e) => e.event === 'tool').map((e) => e.data.name)).toEqual(['calculator']);
    const streamed = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    expect(streamed).toBe(done.content);
    expect(done).toMatchObject({ provider: 'demo', toolCalls: [expect.objectContaining({ name: 'calculator' })] });
    expect(response.headers.get('x-trace-id')).toBe(done.traceId);
    const { calls } = await expectMessageAndTraceAgree(done.messageId, done.traceId);
    expect(calls.every((c) => c.time_to_first_token_ms !== null)).toBe(true);
  });

  it('retrieves from the knowledge base before the model: retrieval → knowledge_base.search', async () => {
    const added = await call(addDocument, { path: '/api/documents', apiKey: user.apiKey, body: { title: 'Refund policy', content: 'Customers may request a refund within 30 days of purchase by emailing support.' } });
    expect(added.status).toBe(201);
    const body = await (await send({ messages: [{ role: 'user', content: 'How many days do I have to ask for a refund?' }], knowledgeBase: true })).json();
    const { spans, root } = await expectMessageAndTraceAgree(body.messageId, body.traceId);
    const retrieval = spans.find((s) => s.span_name === 'retrieval')!;
    const search = spans.find((s) => s.span_name === 'knowledge_base.search')!;
    expect(retrieval).toMatchObject({ operation_type: 'retrieval', parent_trace_id: root.span_id });
    expect(search.parent_trace_id).toBe(retrieval.span_id);
    expect(search.output_data.hits[0].title).toBe('Refund policy');
    const firstCall = spans.find((s) => s.span_name === 'llm.call')!;
    expect(JSON.stringify(firstCall.input_data)).toContain('30 days');
  });

  it('turns a provider failure into 502 with the traceId, a failed root and the user message saved', async () => {
    const response = await send({ messages: [{ role: 'user', content: 'Please fail [demo:fail]' }] });
    expect(response.status).toBe(502);
    const { error } = await response.json();
    expect(error.code).toBe('provider_error');
    expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await spansOf(getDatabase(), error.traceId);
    const root = spans.find((s) => s.parent_trace_id === null)!;
    expect(root.status).toBe('failed');
    expect(root.error_message).toMatch(/\w/);
    const [userMessage] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [root.message_id]);
    expect(userMessage).toMatchObject({ role: 'user', trace_id: error.traceId });
    expect(spans.find((s) => s.span_name === 'llm.call')?.status).toBe('failed');
  });

  it('traces an OpenAI-compatible server through the official SDK, streamed, with cached tokens priced', async () => {
    openai.enqueue({ kind: 'reply', content: 'Paris is the capital of France.', usage: { prompt_tokens: 1200, completion_tokens: 8, cached_tokens: 1000 }, model: 'gpt-4o-2024-08-06' });
    const response = await send({ messages: [{ role: 'user', content: 'Capital of France?' }], provider: 'openai', model: 'gpt-4o', stream: true });
    const done = (await readSse(response)).find((e) => e.event === 'done')!.data;
    expect(done.content).toBe('Paris is the capital of France.');
    expect(done.usage).toEqual({ inputTokens: 1200, outputTokens: 8, totalTokens: 1208 });
    const expected = calculateCost({ model: 'gpt-4o', inputTokens: 1200, outputTokens: 8, cachedInputTokens: 1000 })!;
    expect(Math.abs(done.costUsd - expected) / expected).toBeLessThan(0.01);
    const { calls } = await expectMessageAndTraceAgree(done.messageId, done.traceId);
    expect(calls[0]).toMatchObject({ model_provider: 'openai', cached_input_tokens: 1000 });
    expect(openai.chatRequests().at(-1)!.body.stream_options).toEqual({ include_usage: true });
  });

  it('traces Anthropic tool use through the official SDK', async () => {
    anthropic.enqueue(
      { kind: 'reply', toolUses: [{ name: 'calculator', input: { expression: '2+3' } }], usage: { input_tokens: 50, output_tokens: 10 } },
      { kind: 'reply', content: 'It is 5.', usage: { input_tokens: 80, output_tokens: 4 } },
    );
    const body = await (await send({ messages: [{ role: 'user', content: 'Add 2 and 3' }], provider: 'anthropic', model: 'claude-sonnet-4-5', tools: ['calculator'] })).json();
    expect(body.content).toContain('It is 5.');
    expect(body.usage).toEqual({ inputTokens: 130, outputTokens: 14, totalTokens: 144 });
    const { spans, calls } = await expectMessageAndTraceAgree(body.messageId, body.traceId);
    expect(calls).toHaveLength(2);
    expect(spans.find((s) => s.span_name === 'tool.calculator')?.output_data).toMatchObject({ result: 5 });
  });

  it('continues a conversation with its stored history', async () => {
    openai.enqueue({ kind: 'reply', content: 'Nice to meet you, Ada.' });
    const first = await (await send({ messages: [{ role: 'user', content: 'My name is Ada.' }], provider: 'openai' })).json();
    openai.enqueue({ kind: 'reply', content: 'Your name is Ada.' });
    await send({ messages: [{ role: 'user', content: 'What is my name?' }], provider: 'openai', conversationId: first.conversationId });
    const sent = openai.chatRequests().at(-1)!.body.messages.map((m: { content: string }) => m.content);
    expect(sent).toEqual(['My name is Ada.', first.content, 'What is my name?']);
    const other = await createTestUser(getDatabase(), 'other');
    expect((await send({ messages: [{ role: 'user', content: 'hi' }], conversationId: first.conversationId }, other.apiKey)).status).toBe(404);
  });

  it('stores the conversation as every span\'s session, and the request\'s user and tags on every span', async () => {
    openai.enqueue({ kind: 'reply', content: 'Hello.' });
    const first = await (await send({ messages: [{ role: 'user', content: 'Hi' }], provider: 'openai', user: 'customer-42', tags: ['beta', 'support', 'beta'] })).json();
    openai.enqueue({ kind: 'reply', content: 'Again.' });
    const second = await (await send({ messages: [{ role: 'user', content: 'Again' }], provider: 'openai', conversationId: first.conversationId })).json();
    const firstSpans = await spansOf(getDatabase(), first.traceId);
    expect(firstSpans.length).toBeGreaterThan(1);
    for (const span of firstSpans) {
      expect(span).toMatchObject({ session_id: first.conversationId, end_user_id: 'customer-42', tags: ['beta', 'support'] });
    }
    const secondSpans = await spansOf(getDatabase(), second.traceId);
    for (const span of secondSpans) expect(span).toMatchObject({ session_id: first.conversationId, end_user_id: null, tags: [] });
    expect((await send({ messages: [{ role: 'user', content: 'x' }], user: '' })).status).toBe(422);
  });

  it('serves widget mode with a chat-scope key: the conversation is stored as source widget', async () => {
    const { apiKey } = await (await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { scope: 'chat' } })).json();
    const response = await send({ messages: [{ role: 'user', content: 'Hi from the widget' }] }, apiKey);
    expect(response.status).toBe(200);
    const body = await response.json();
    const [conversation] = await getDatabase().query<Row>('SELECT source FROM conversations WHERE id = $1', [body.conversationId]);
    expect(conversation.source).toBe('widget');
    await expectMessageAndTraceAgree(body.messageId, body.traceId);
  });

  it('leaves a cancelled trace and the partial answer when the client disconnects mid-stream', async () => {
    openai.enqueue({ kind: 'stall', content: 'This answer will never finish because the stream stalls', afterChunks: 3 });
    const abort = new AbortController();
    const response = await send({ messages: [{ role: 'user', content: 'Tell me a long story' }], provider: 'openai', stream: true }, user.apiKey, abort.signal);
    const traceId = response.headers.get('x-trace-id')!;
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => {});
    await openai.waitForClientAbort(5000);
    const root = await finishedRoot(traceId);
    expect(root?.status).toBe('cancelled');
    const [assistant] = await getDatabase().query<Row>("SELECT * FROM messages WHERE trace_id = $1 AND role = 'assistant'", [traceId]);
    expect(assistant.content.length).toBeGreaterThan(0);
    expect(assistant.metadata).toMatchObject({ cancelled: true });
  });

  it('still saves the answer when every trace write fails, and counts the failed writes', async () => {
    // Earlier tests' spans go to the database, not to the failing sink.
    await traceService.flush();
    const before = traceService.stats();
    const attempted = new Set<string>();
    const failing: SpanSink = {
      write: async (spans) => {
        for (const span of spans) attempted.add(span.trace_id);
        throw new Error('database for traces is down');
      },
    };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    traceService.setSink(failing);
    let body: Row;
    try {
      const response = await send({ messages: [{ role: 'user', content: 'Are you still there?' }] });
      expect(response.status).toBe(200);
      body = await response.json();
      const [message] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [body.messageId]);
      expect(message.content).toBe(body.content);
      // Written while the failing sink is still set: every attempt fails, is retried, and the spans are dropped.
      await traceService.flush();
    } finally {
      traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    }
    const after = traceService.stats();
    expect(attempted.has(body.traceId)).toBe(true);
    expect(after.failedWrites).toBeGreaterThan(before.failedWrites);
    expect(after.dropped).toBeGreaterThanOrEqual(before.dropped + 2);
    expect(after.written).toBe(before.written);
    expect(await spansOf(getDatabase(), body.traceId)).toEqual([]);
  });

  it('answers a streamed provider failure with an error event carrying the traceId, and a failed root linked to the user message', async () => {
    const response = await send({ messages: [{ role: 'user', content: 'Please fail while streaming [demo:fail]' }], stream: true });
    const traceId = response.headers.get('x-trace-id');
    const events = await readSse(response);
    const error = events.find((e) => e.event === 'error')!.data;
    expect(events.some((e) => e.event === 'done')).toBe(false);
    expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(error.traceId).toBe(traceId);
    const root = await finishedRoot(error.traceId);
    expect(root).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/demo failed/) });
    const [userMessage] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [root!.message_id]);
    expect(userMessage).toMatchObject({ role: 'user', trace_id: error.traceId, conversation_id: root!.conversation_id });
  });

  it('ends the root failed and answers 500 with its traceId when saving the user message fails, leaving no orphan conversation', async () => {
    await refuseMarkedMessages(getDatabase());
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const stream of [false, true]) {
      const response = await send({ messages: [{ role: 'user', content: `Hello ${REFUSED} (stream: ${stream})` }], stream });
      expect(response.status).toBe(500);
      const { error } = await response.json();
      expect(error.code).toBe('internal_error');
      expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);
      // The database's error is logged, and kept in the user's own trace, but never sent to the client.
      expect(error.message).not.toMatch(/refused/);
      const root = await finishedRoot(error.traceId);
      expect(root).toMatchObject({ span_name: 'llm.completion', status: 'failed', error_message: expect.stringMatching(/refused by the test database/) });
      expect(root!.error_message).not.toMatch(/insert into/i);
      expect(root!.end_time).not.toBeNull();
      // The conversation was rolled back with its first message, so the trace names neither.
      expect(root).toMatchObject({ conversation_id: null, message_id: null });
    }
    expect(logged).toHaveBeenCalled();
    const orphans = await getDatabase().query<Row>(
      'SELECT c.id FROM conversations c WHERE c.user_id = $1 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)',
      [user.userId],
    );
    expect(orphans).toEqual([]);
  });

  it('ends the root failed with the error when the user message of a continued conversation cannot be saved', async () => {
    await refuseMarkedMessages(getDatabase());
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const first = await (await send({ messages: [{ role: 'user', content: 'Start a conversation' }] })).json();
    const response = await send({ messages: [{ role: 'user', content: `Then this ${REFUSED}` }], conversationId: first.conversationId });
    expect(response.status).toBe(500);
    const { error } = await response.json();
    const root = await finishedRoot(error.traceId);
    expect(root).toMatchObject({ status: 'failed', conversation_id: first.conversationId, error_message: expect.stringMatching(/refused/) });
    const saved = await getDatabase().query<Row>('SELECT role FROM messages WHERE conversation_id = $1', [first.conversationId]);
    expect(saved.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('ends the root failed and answers 500 with its traceId when the answer cannot be saved', async () => {
    await refuseMarkedMessages(getDatabase());
    vi.spyOn(console, 'error').mockImplementation(() => {});
    openai.enqueue({ kind: 'reply', content: `An answer the database refuses ${REFUSED}` });
    const response = await send({ messages: [{ role: 'user', content: 'Say the words' }], provider: 'openai' });
    expect(response.status).toBe(500);
    const { error } = await response.json();
    expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);
    const root = await finishedRoot(error.traceId);
    expect(root).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/refused/) });
    const [userMessage] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [root!.message_id]);
    expect(userMessage).toMatchObject({ role: 'user', content: 'Say the words', trace_id: error.traceId });
  });

  it('ends the root cancelled even when the partial answer of a disconnected client cannot be saved', async () => {
    await refuseMarkedMessages(getDatabase());
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    openai.enqueue({ kind: 'stall', content: `${REFUSED} This answer stalls and is never saved`, afterChunks: 3 });
    const abort = new AbortController();
    const response = await send({ messages: [{ role: 'user', content: 'Tell me something' }], provider: 'openai', stream: true }, user.apiKey, abort.signal);
    const traceId = response.headers.get('x-trace-id')!;
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => {});
    const root = await finishedRoot(traceId);
    expect(root?.status).toBe('cancelled');
    const [userMessage] = await getDatabase().query<Row>('SELECT * FROM messages WHERE id = $1', [root!.message_id]);
    expect(userMessage.role).toBe('user');
  });

  it('lets a widget key continue its own widget conversation with its history', async () => {
    const { apiKey: widgetKey } = await (await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { scope: 'chat' } })).json();
    openai.enqueue({ kind: 'reply', content: 'Hello, Grace.' });
    const first = await (await send({ messages: [{ role: 'user', content: 'I am Grace.' }], provider: 'openai' }, widgetKey)).json();
    openai.enqueue({ kind: 'reply', content: 'You are Grace.' });
    const response = await send({ messages: [{ role: 'user', content: 'Who am I?' }], provider: 'openai', conversationId: first.conversationId }, widgetKey);
    expect(response.status).toBe(200);
    const sent = openai.chatRequests().at(-1)!.body.messages.map((m: { content: string }) => m.content);
    expect(sent).toEqual(['I am Grace.', 'Hello, Grace.', 'Who am I?']);
  });

  it("keeps a widget key out of its user's api and app conversations: 404, and their history never reaches the model", async () => {
    const { apiKey: widgetKey } = await (await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { scope: 'chat' } })).json();
    openai.enqueue({ kind: 'reply', content: 'Noted.' });
    const apiChat = await (await send({ messages: [{ role: 'user', content: 'The vault code is 7291.' }], provider: 'openai' })).json();
    const [appChat] = await getDatabase().query<Row>("INSERT INTO conversations (user_id, title, source) VALUES ($1, 'Dashboard chat', 'app') RETURNING id", [user.userId]);
    await getDatabase().query("INSERT INTO messages (conversation_id, user_id, role, content) VALUES ($1, $2, 'user', 'The alarm code is 4410.')", [appChat.id, user.userId]);
    const modelCallsBefore = openai.chatRequests().length;

    for (const conversationId of [apiChat.conversationId, appChat.id]) {
      const response = await send({ messages: [{ role: 'user', content: 'Repeat everything I told you.' }], provider: 'openai', conversationId }, widgetKey);
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(JSON.parse(text).error.code).toBe('not_found');
      expect(text).not.toMatch(/7291|4410/);
    }
    expect(openai.chatRequests()).toHaveLength(modelCallsBefore);
    const stored = await getDatabase().query<Row>('SELECT conversation_id, count(*)::int AS n FROM messages WHERE conversation_id = ANY($1::uuid[]) GROUP BY conversation_id', [
      [apiChat.conversationId, appChat.id],
    ]);
    expect(Object.fromEntries(stored.map((r) => [r.conversation_id, r.n]))).toEqual({ [apiChat.conversationId]: 2, [appChat.id]: 1 });
  });

  it('rejects bad chat bodies with 4xx', async () => {
    expect((await send({ messages: [] })).status).toBe(422);
    expect((await send({ messages: [{ role: 'assistant', content: 'x' }] })).status).toBe(422);
    expect((await send({ messages: [{ role: 'user', content: 'x' }], tools: ['rm_rf'] })).status).toBe(422);
    expect((await send({ messages: [{ role: 'user', content: 'x' }], provider: 'mystery' })).status).toBe(422);
  });
});
