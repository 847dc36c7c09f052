/**
 * The Anthropic proxy driven by the official `@anthropic-ai/sdk` over HTTP, with the fake
 * Anthropic server upstream: both auth modes, JSON and streamed messages (tool use included),
 * errors in and out of a stream, an unreachable upstream, a client abort, nesting, isolation, an
 * untraced path, and that no key is stored.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { calculateCost } from '@/lib/pricing';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { configureUpstreams, SERVER_ANTHROPIC_KEY, startProxyServer, storedSpan, storedTrace, unusedOrigin } from '../support/proxy-harness';
import type { RouteServer } from '../support/route-server';

const CLIENT_ANTHROPIC_KEY = 'sk-ant-client0own0key0042';

let fake: FakeAnthropic;
let server: RouteServer;
let restoreEnv: () => void;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  server = await startProxyServer();
  restoreEnv = configureUpstreams({ ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: SERVER_ANTHROPIC_KEY });
});
afterAll(async () => {
  restoreEnv();
  await server?.close();
  await fake?.close();
});

describeEachDatabase('Anthropic proxy', (getDatabase) => {
  let alice: Awaited<ReturnType<typeof createTestUser>>;
  let bob: Awaited<ReturnType<typeof createTestUser>>;
  beforeEach(async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    alice ??= await createTestUser(getDatabase(), 'alice');
    bob ??= await createTestUser(getDatabase(), 'bob');
  });

  const baseURL = () => `${server.url}/api/proxy/anthropic`;
  const managed = (apiKey = alice.apiKey) => new Anthropic({ apiKey, baseURL: baseURL(), maxRetries: 0 });
  const passThrough = (apiKey = alice.apiKey) => new Anthropic({ apiKey: CLIENT_ANTHROPIC_KEY, baseURL: baseURL(), maxRetries: 0, defaultHeaders: { 'x-llmtrace-key': apiKey } });
  const model = 'claude-sonnet-4-6';
  const messages = [{ role: 'user' as const, content: 'Weather in Rome?' }];
  const lastUpstream = () => fake.requests.at(-1)!;
  type ApiError = InstanceType<typeof Anthropic.APIError>;

  it('managed: answers as Anthropic would, with the server key, and records tokens with cache reads', async () => {
    fake.enqueue({ kind: 'reply', content: 'Warm.', toolUses: [{ name: 'get_weather', input: { city: 'Rome' } }], usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 } });
    const { data, response } = await managed().messages.create({ model, max_tokens: 100, system: 'Be brief.', messages }).withResponse();
    expect(data.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
    expect(lastUpstream().headers['x-api-key']).toBe(SERVER_ANTHROPIC_KEY);
    expect(lastUpstream().headers.authorization).toBeUndefined();
    expect(lastUpstream().headers['anthropic-version']).toBeDefined();
    expect(JSON.stringify(lastUpstream().headers)).not.toMatch(/lt_|x-llmtrace/);

    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      span_name: 'anthropic.messages', operation_type: 'llm_call', status: 'completed', model_provider: 'anthropic', model_name: `${model}-20250929`,
      input_tokens: 45, output_tokens: 7, cached_input_tokens: 30,
      input_data: { system: 'Be brief.', messages },
      output_data: { role: 'assistant', content: [{ type: 'text', text: 'Warm.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } }] },
      metadata: { source: 'proxy', auth: 'managed', finish_reason: 'tool_use', parameters: { model, max_tokens: 100 } },
    });
    expect(span.cost_usd).toBeCloseTo(calculateCost({ model: `${model}-20250929`, inputTokens: 45, outputTokens: 7, cachedInputTokens: 30 })!, 12);
  });

  it('pass-through: streams with the app key, the SDK assembles the same message, and the span assembles tool input', async () => {
    fake.enqueue({ kind: 'reply', content: 'Let me look.', toolUses: [{ name: 'get_weather', input: { city: 'Rome', days: 3 } }], usage: { input_tokens: 20, output_tokens: 9 } });
    const stream = passThrough().messages.stream({ model, max_tokens: 100, messages });
    const final = await stream.finalMessage();
    const { response } = await stream.withResponse();
    expect(final.content).toMatchObject([{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', input: { city: 'Rome', days: 3 } }]);
    // This SDK sends its key as a bearer token (older ones used x-api-key): either reaches Anthropic unchanged.
    expect(lastUpstream().headers.authorization).toBe(`Bearer ${CLIENT_ANTHROPIC_KEY}`);
    expect(lastUpstream().body.stream).toBe(true);

    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      status: 'completed', input_tokens: 20, output_tokens: 9, metadata: { auth: 'pass_through', stream: true },
      output_data: { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Rome', days: 3 } }] },
    });
    expect(span.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
  });

  it('an error event inside a 200 stream fails the span with its message', async () => {
    fake.enqueue({ kind: 'stream_error', errorType: 'overloaded_error', message: 'Overloaded', content: 'Partial' });
    const stream = managed().messages.stream({ model, max_tokens: 100, messages });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
    const { response } = await stream.withResponse();
    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({ status: 'failed', error_message: 'Overloaded', output_data: { content: [{ type: 'text', text: 'Partial' }] } });
  });

  it('passes 4xx and 5xx through in Anthropic format and records them failed', async () => {
    fake.enqueue({ kind: 'error', status: 400, message: 'max_tokens: Field required' }, { kind: 'error', status: 529, message: 'Overloaded' });
    const badRequest = (await managed().messages.create({ model, max_tokens: 1, messages }).catch((e: unknown) => e)) as ApiError;
    expect(badRequest).toBeInstanceOf(Anthropic.BadRequestError);
    expect(badRequest.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const overloaded = (await managed().messages.create({ model, max_tokens: 1, messages }).catch((e: unknown) => e)) as ApiError;
    expect(overloaded.status).toBe(529);
    for (const [error, message] of [[badRequest, 'max_tokens: Field required'], [overloaded, 'Overloaded']] as const) {
      const span = await storedSpan(alice.apiKey, error.headers?.get('x-llmtrace-trace-id') ?? null);
      expect(span).toMatchObject({ status: 'failed', error_message: message });
    }
  });

  it('answers 502 in Anthropic format when the upstream is unreachable', async () => {
    const restore = configureUpstreams({ ANTHROPIC_BASE_URL: await unusedOrigin() });
    try {
      const error = (await managed().messages.create({ model, max_tokens: 10, messages }).catch((e: unknown) => e)) as ApiError;
      expect(error.status).toBe(502);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('could not reach Anthropic') } });
      expect((await storedSpan(alice.apiKey, error.headers?.get('x-llmtrace-trace-id') ?? null)).status).toBe('failed');
    } finally {
      restore();
    }
  });

  it('refuses a missing or wrong LLMTrace key with an Anthropic authentication_error, forwarding nothing', async () => {
    const before = fake.requests.length;
    const error = (await new Anthropic({ apiKey: CLIENT_ANTHROPIC_KEY, baseURL: baseURL(), maxRetries: 0 }).messages.create({ model, max_tokens: 10, messages }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    await expect(managed('lt_wrong').messages.create({ model, max_tokens: 10, messages })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(fake.requests.length).toBe(before);
  });

  it('a client abort mid-stream aborts the upstream call and ends the span cancelled', async () => {
    fake.enqueue({ kind: 'stall', content: 'alpha beta gamma delta', afterChunks: 2 });
    const stream = managed().messages.stream({ model, max_tokens: 100, messages });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
      if (text === 'alpha beta') stream.abort();
    });
    await expect(stream.done()).rejects.toThrow();
    await fake.waitForClientAbort();
    const { response } = await stream.withResponse();
    const span = await storedSpan(alice.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({ status: 'cancelled', output_data: { content: [{ type: 'text', text: 'alpha beta' }] } });
  });

  it('traceparent nests the call; another user never sees it', async () => {
    const traceId = '6bf92f3577b34da6a3ce929d0e0e4738';
    fake.enqueue({ kind: 'reply', content: 'nested' });
    await managed().messages.create({ model, max_tokens: 10, messages }, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(await storedTrace(alice.apiKey, traceId)).toMatchObject([{ trace_id: traceId, parent_trace_id: '00f067aa0ba902b7' }]);
    expect(await storedTrace(bob.apiKey, traceId, { timeoutMs: 200 })).toEqual([]);
  });

  it('forwards an untraced path untouched (status and body), without a trace id', async () => {
    fake.enqueue({ kind: 'reply' });
    const response = await fetch(`${baseURL()}/v1/models`, { headers: { 'x-api-key': alice.apiKey } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'fake: no route GET /v1/models' } });
    expect(response.headers.get('x-llmtrace-trace-id')).toBeNull();
    expect(lastUpstream().headers['x-api-key']).toBe(SERVER_ANTHROPIC_KEY);
  });

  it('stores no provider key and no LLMTrace key anywhere in the spans', async () => {
    await traceService.flush();
    const rows = await getDatabase().query('SELECT * FROM llm_traces WHERE user_id = $1', [alice.userId]);
    expect(rows.length).toBeGreaterThan(5);
    const stored = JSON.stringify(rows);
    for (const secret of [SERVER_ANTHROPIC_KEY, CLIENT_ANTHROPIC_KEY, alice.apiKey]) expect(stored).not.toContain(secret);
  });
});
