/**
 * The OpenAI proxy driven by the official `openai` SDK over HTTP, with the fake OpenAI server
 * upstream: both auth modes, JSON and streamed chat completions (tool calls included), errors,
 * an unreachable upstream, a client abort, `traceparent` nesting, isolation, and that no key is
 * stored.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '@/lib/auth/accounts';
import { revokeApiKey } from '@/lib/db/queries/accounts';
import { KEY_CACHE_TTL_MS } from '@/lib/proxy/key-cache';
import { calculateCost } from '@/lib/pricing';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { configureUpstreams, SERVER_OPENAI_KEY, startProxyServer, storedSpan, storedTrace, unusedOrigin } from '../support/proxy-harness';
import type { RouteServer } from '../support/route-server';

const CLIENT_OPENAI_KEY = 'sk-client0own0openai0key0042';

let fake: FakeOpenAI;
let server: RouteServer;
let restoreEnv: () => void;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  server = await startProxyServer();
  restoreEnv = configureUpstreams({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: SERVER_OPENAI_KEY });
});
afterAll(async () => {
  restoreEnv();
  await server?.close();
  await fake?.close();
});

describeEachDatabase('OpenAI proxy', (getDatabase) => {
  let alice: Awaited<ReturnType<typeof createTestUser>>;
  let bob: Awaited<ReturnType<typeof createTestUser>>;
  beforeEach(async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    alice ??= await createTestUser(getDatabase(), 'alice');
    bob ??= await createTestUser(getDatabase(), 'bob');
  });

  const baseURL = () => `${server.url}/api/proxy/openai/v1`;
  /** Managed: the LLMTrace key is the OpenAI key. */
  const managed = (apiKey = alice.apiKey) => new OpenAI({ apiKey, baseURL: baseURL(), maxRetries: 0 });
  /** Pass-through: the app's own OpenAI key, plus the LLMTrace key in a header. */
  const passThrough = (apiKey = alice.apiKey) => new OpenAI({ apiKey: CLIENT_OPENAI_KEY, baseURL: baseURL(), maxRetries: 0, defaultHeaders: { 'x-llmtrace-key': apiKey } });
  const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
  const lastUpstream = () => fake.requests.at(-1)!;

  it('managed: answers as OpenAI would, calls upstream with the server key, and records the call', async () => {
    fake.enqueue({ kind: 'reply', content: 'Sunny, 24°C.', usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 40, reasoning_tokens: 5 } });
    const { data, response } = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
    expect(data.choices[0].message.content).toBe('Sunny, 24°C.');
    expect(lastUpstream().headers.authorization).toBe(`Bearer ${SERVER_OPENAI_KEY}`);
    expect(JSON.stringify(lastUpstream().headers)).not.toMatch(/lt_|x-llmtrace/);

    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      span_name: 'openai.chat.completions', operation_type: 'llm_call', status: 'completed', parent_trace_id: null,
      model_name: 'gpt-4o-mini-2024-07-18', model_provider: 'openai',
      input_tokens: 100, output_tokens: 20, cached_input_tokens: 40, reasoning_tokens: 5,
      input_data: { messages }, output_data: { role: 'assistant', content: 'Sunny, 24°C.' },
      metadata: { source: 'proxy', auth: 'managed', endpoint: '/chat/completions', stream: false, parameters: { model: 'gpt-4o-mini', temperature: 0 }, http_status: 200 },
    });
    expect(span.cost_usd).toBeCloseTo(calculateCost({ model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 20, cachedInputTokens: 40 })!, 12);
  });

  it('pass-through: streams tool calls with the app key, hides the usage chunk it added, and assembles the answer', async () => {
    const args = { city: 'Paris', unit: 'celsius' };
    fake.enqueue({ kind: 'reply', content: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: args }], usage: { prompt_tokens: 50, completion_tokens: 12 } });
    const { data: stream, response } = await passThrough().chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(lastUpstream().headers.authorization).toBe(`Bearer ${CLIENT_OPENAI_KEY}`);
    expect(lastUpstream().body.stream_options).toEqual({ include_usage: true });
    expect(chunks.every((chunk) => !('usage' in chunk) && chunk.choices.length === 1)).toBe(true);
    const streamedArgs = chunks.map((chunk) => chunk.choices[0].delta.tool_calls?.[0]?.function?.arguments ?? '').join('');
    expect(JSON.parse(streamedArgs)).toEqual(args);

    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      status: 'completed', input_tokens: 50, output_tokens: 12, metadata: { auth: 'pass_through', stream: true, finish_reason: 'tool_calls' },
      output_data: { role: 'assistant', content: 'Let me check.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(args) } }] },
    });
    expect(span.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect(span.time_to_first_token_ms).toBeLessThanOrEqual(span.duration_ms);
  });

  it('keeps the usage chunk when the client asked for it, and sends its request unchanged', async () => {
    fake.enqueue({ kind: 'reply', content: 'Hi.', usage: { prompt_tokens: 8, completion_tokens: 2 } });
    const stream = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 2 } });
    expect(lastUpstream().body.stream_options).toEqual({ include_usage: true });
  });

  it('session, end user and tags headers go to the span, never upstream', async () => {
    fake.enqueue({ kind: 'reply', content: 'ok' });
    const { response } = await managed()
      .chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-llmtrace-session-id': 'sess-1', 'x-llmtrace-user-id': 'user-7', 'x-llmtrace-tags': 'beta, support ,beta' } })
      .withResponse();
    expect(Object.keys(lastUpstream().headers).filter((name) => name.startsWith('x-llmtrace'))).toEqual([]);
    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({ session_id: 'sess-1', end_user_id: 'user-7', tags: ['beta', 'support'] });
  });

  it('keeps inline base64 data out of the stored input', async () => {
    fake.enqueue({ kind: 'reply', content: 'A cat.' });
    const image = `data:image/png;base64,${'iVBORw0KGgo'.repeat(3000)}`;
    const content = [{ type: 'text' as const, text: 'What is this?' }, { type: 'image_url' as const, image_url: { url: image } }];
    const { response } = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse();
    expect(lastUpstream().body.messages[0].content[1].image_url.url).toBe(image);
    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span.input_data.messages[0].content).toEqual([content[0], { type: 'image_url', image_url: { url: `[inline data: ${image.length} characters, not stored]` } }]);
  });

  describe('errors', () => {
    it('passes a 4xx through unchanged (status, message, retry-after) and records the span failed', async () => {
      fake.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached for gpt-4o-mini', retryAfter: '7' });
      const error = await passThrough().chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const apiError = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(apiError.message).toContain('Rate limit reached for gpt-4o-mini');
      expect(apiError.headers.get('retry-after')).toBe('7');
      const span = await storedSpan(alice.apiKey, apiError.headers?.get('x-llmtrace-trace-id') ?? null);
      expect(span).toMatchObject({ status: 'failed', error_message: 'Rate limit reached for gpt-4o-mini', metadata: { http_status: 429 } });
    });

    it('passes a 5xx through and records the span failed', async () => {
      fake.enqueue({ kind: 'error', status: 500, message: 'The server had an error' });
      const error = (await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      const span = await storedSpan(alice.apiKey, error.headers?.get('x-llmtrace-trace-id') ?? null);
      expect(span).toMatchObject({ status: 'failed', error_message: 'The server had an error' });
    });

    it('managed: redacts the server key the provider quotes back, for the client and in the span', async () => {
      fake.enqueue({ kind: 'error', status: 401, message: `Incorrect API key provided: ${SERVER_OPENAI_KEY.slice(0, 8)}****${SERVER_OPENAI_KEY.slice(-4)}.`, code: 'invalid_api_key' });
      const error = (await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.message).toContain('Incorrect API key provided: [redacted].');
      const span = await storedSpan(alice.apiKey, error.headers?.get('x-llmtrace-trace-id') ?? null);
      expect(span.error_message).toBe('Incorrect API key provided: [redacted].');
    });

    it('answers 502 in OpenAI format when the upstream is unreachable, and records the span failed', async () => {
      const restore = configureUpstreams({ OPENAI_BASE_URL: `${await unusedOrigin()}/v1` });
      try {
        const error = (await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect(error.status).toBe(502);
        expect(error.error).toMatchObject({ type: 'server_error', code: 'upstream_unreachable', message: expect.stringContaining('could not reach OpenAI') });
        const span = await storedSpan(alice.apiKey, error.headers?.get('x-llmtrace-trace-id') ?? null);
        expect(span).toMatchObject({ status: 'failed', error_message: expect.stringContaining('ECONNREFUSED') });
      } finally {
        restore();
      }
    });

    it('refuses a missing, wrong or chat-scope LLMTrace key in OpenAI format, forwarding nothing', async () => {
      const before = fake.requests.length;
      const noKey = await fetch(`${baseURL()}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_OPENAI_KEY}` }, body: '{}' });
      expect(noKey.status).toBe(401);
      expect(noKey.headers.get('x-should-retry')).toBe('false');
      expect((await noKey.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', message: expect.stringContaining('x-llmtrace-key') });
      await expect(managed('lt_not_a_real_key').chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      await expect(passThrough('lt_not_a_real_key').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const { key: chatKey } = await createApiKey(getDatabase(), { userId: alice.userId, name: 'widget', scope: 'chat' });
      await expect(managed(chatKey).chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(fake.requests.length).toBe(before);
    });

    it('a revoked key stops working within the key cache time', async () => {
      const { key, id } = await createApiKey(getDatabase(), { userId: alice.userId, name: 'soon revoked', scope: 'full' });
      fake.enqueue({ kind: 'reply', content: 'still live' });
      await managed(key).chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect(await revokeApiKey(getDatabase(), { userId: alice.userId, keyId: id })).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_TTL_MS + 50));
      await expect(managed(key).chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    });

    it('managed without a server key: says to set OPENAI_API_KEY on the server', async () => {
      const restore = configureUpstreams({ OPENAI_BASE_URL: '', OPENAI_API_KEY: '' });
      try {
        const error = (await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
        expect(error.status).toBe(502);
        expect(error.message).toContain('Set OPENAI_API_KEY');
      } finally {
        restore();
      }
    });
  });

  it('a client abort mid-stream aborts the upstream call and ends the span cancelled with the partial answer', async () => {
    fake.enqueue({ kind: 'stall', content: 'one two three four five', afterChunks: 2 });
    const { data: stream, response } = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    let received = '';
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? '';
      if (received === 'one two') break;
    }
    await fake.waitForClientAbort();
    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({ status: 'cancelled', output_data: { content: 'one two' } });
  });

  it('traceparent nests the call under the caller span; without it each call is its own trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    fake.enqueue({ kind: 'reply', content: 'nested' }, { kind: 'reply', content: 'alone' });
    const nested = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { traceparent: `00-${traceId}-${parentSpanId}-01` } }).withResponse();
    expect(nested.response.headers.get('x-llmtrace-trace-id')).toBe(traceId);
    const [span] = await storedTrace(alice.apiKey, traceId);
    expect(span).toMatchObject({ trace_id: traceId, parent_trace_id: parentSpanId, output_data: { content: 'nested' } });

    const alone = await managed().chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { traceparent: 'garbage' } }).withResponse();
    expect(alone.response.headers.get('x-llmtrace-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(alone.response.headers.get('x-llmtrace-trace-id')).not.toBe(traceId);
  });

  it('isolation: another user sees none of these spans, even by joining the same trace id', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    fake.enqueue({ kind: 'reply', content: 'for alice' }, { kind: 'reply', content: 'for bob' });
    await managed(alice.apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await managed(bob.apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b8-01` } });
    const seenByAlice = await storedTrace(alice.apiKey, traceId);
    const seenByBob = await storedTrace(bob.apiKey, traceId);
    expect(seenByAlice.map((s) => s.output_data.content)).toEqual(['for alice']);
    expect(seenByBob.map((s) => s.output_data.content)).toEqual(['for bob']);
  });

  it('stores no provider key and no LLMTrace key anywhere in the spans', async () => {
    await traceService.flush();
    const rows = await getDatabase().query('SELECT * FROM llm_traces WHERE user_id = $1', [alice.userId]);
    expect(rows.length).toBeGreaterThan(5);
    const stored = JSON.stringify(rows);
    for (const secret of [SERVER_OPENAI_KEY, CLIENT_OPENAI_KEY, alice.apiKey]) expect(stored).not.toContain(secret);
  });
});
