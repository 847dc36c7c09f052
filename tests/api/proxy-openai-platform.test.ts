/**
 * The OpenAI proxy's other traced endpoints, through the official `openai` SDK: embeddings and
 * the Responses API (JSON and streamed, function calls included), and an untraced path
 * (`GET /models`) forwarded as it is.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, expect, it, onTestFinished } from 'vitest';
import { resetPriceTable } from '@/lib/pricing';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { startFakeOpenAIPlatform, type FakeOpenAIPlatform } from '../fakes/openai-platform-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { configureUpstreams, SERVER_OPENAI_KEY, startProxyServer, storedSpan } from '../support/proxy-harness';
import type { RouteServer } from '../support/route-server';

let fake: FakeOpenAIPlatform;
let server: RouteServer;
let restoreEnv: () => void;

beforeAll(async () => {
  fake = await startFakeOpenAIPlatform();
  server = await startProxyServer();
  restoreEnv = configureUpstreams({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: SERVER_OPENAI_KEY });
});
afterAll(async () => {
  restoreEnv();
  await server?.close();
  await fake?.close();
});

/** Points PRICING_FILE at `file` until the returned function is called. */
function configurePricing(file: string): () => void {
  const saved = process.env.PRICING_FILE;
  process.env.PRICING_FILE = file;
  resetPriceTable();
  return () => {
    if (saved === undefined) delete process.env.PRICING_FILE;
    else process.env.PRICING_FILE = saved;
    resetPriceTable();
  };
}

describeEachDatabase('OpenAI proxy: embeddings, responses, other paths', (getDatabase) => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  beforeEach(async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    user ??= await createTestUser(getDatabase());
  });
  const client = () => new OpenAI({ apiKey: user.apiKey, baseURL: `${server.url}/api/proxy/openai/v1`, maxRetries: 0 });

  it('embeddings: an `embedding` span with the texts, token count, cost and the answer’s shape, not the vectors', async () => {
    // The shipped table prices no embedding model; a PRICING_FILE entry does.
    const pricing = path.join(await mkdtemp(path.join(tmpdir(), 'lt-pricing-')), 'prices.json');
    await writeFile(pricing, JSON.stringify({ models: { 'text-embedding-3-small': { input: 0.02, output: 0 } } }));
    const restorePricing = configurePricing(pricing);
    onTestFinished(restorePricing);
    fake.enqueue({ kind: 'embeddings', dimensions: 8, promptTokens: 9 });
    const input = ['first text', 'second text'];
    const { data, response } = await client().embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0].embedding).toHaveLength(8);
    const span = await storedSpan(user.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      span_name: 'openai.embeddings', operation_type: 'embedding', status: 'completed', model_name: 'text-embedding-3-small-v1',
      input_tokens: 9, output_tokens: 0, input_data: { input }, output_data: { embeddings: 2, dimensions: 8 },
    });
    expect(span.cost_usd).toBeCloseTo((9 * 0.02) / 1e6, 12);
  });

  it('responses (JSON): tokens with cached and reasoning counts, instructions and input, the answer with its function call', async () => {
    fake.enqueue({ kind: 'response', content: 'Checking the weather.', functionCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }], usage: { input_tokens: 120, output_tokens: 30, cached_tokens: 100, reasoning_tokens: 12 } });
    const { data, response } = await client().responses.create({ model: 'gpt-4.1-mini', instructions: 'Be brief.', input: 'Weather in Oslo?' }).withResponse();
    expect(data.output_text).toBe('Checking the weather.');
    const span = await storedSpan(user.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({
      span_name: 'openai.responses', operation_type: 'llm_call', status: 'completed', model_name: 'gpt-4.1-mini-2025-04-14',
      input_tokens: 120, output_tokens: 30, cached_input_tokens: 100, reasoning_tokens: 12,
      input_data: { system: 'Be brief.', messages: [{ role: 'user', content: 'Weather in Oslo?' }] },
      output_data: { role: 'assistant', content: 'Checking the weather.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      metadata: { finish_reason: 'completed' },
    });
  });

  it('responses (stream): events pass through as sent, and the span gets usage from response.completed and a time to first token', async () => {
    fake.enqueue({ kind: 'response', content: 'Cold and clear.', usage: { input_tokens: 40, output_tokens: 6 } });
    const { data: stream, response } = await client().responses.create({ model: 'gpt-4.1-mini', input: [{ role: 'user', content: 'Weather?' }], stream: true }).withResponse();
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Cold and clear.');
    expect(types.at(-1)).toBe('response.completed');
    const span = await storedSpan(user.apiKey, response.headers.get('x-llmtrace-trace-id'));
    expect(span).toMatchObject({ status: 'completed', input_tokens: 40, output_tokens: 6, output_data: { content: 'Cold and clear.' }, metadata: { stream: true } });
    expect(span.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
  });

  it('an untraced path (GET /models) is forwarded with the server key, and records nothing', async () => {
    fake.enqueue({ kind: 'models' });
    const { data, response } = await client().models.list().withResponse();
    expect(data.data.map((model) => model.id)).toEqual(['gpt-4o-mini']);
    expect(response.headers.get('x-llmtrace-trace-id')).toBeNull();
    expect(response.headers.get('x-request-id')).toBe('req_platform');
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', headers: { authorization: `Bearer ${SERVER_OPENAI_KEY}` } });
    await traceService.flush();
    const rows = await getDatabase().query<{ endpoint: string }>("SELECT metadata->>'endpoint' AS endpoint FROM llm_traces WHERE user_id = $1", [user.userId]);
    expect(rows.map((row) => row.endpoint)).not.toContain('/models');
  });
});
