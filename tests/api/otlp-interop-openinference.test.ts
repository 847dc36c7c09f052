/**
 * Interop: `@arizeai/openinference-instrumentation-openai` on the official `openai` client
 * (patched with `manuallyInstrument(OpenAI)`, the documented route for ESM apps, which vitest is),
 * calling the fake OpenAI server; spans go through a real SDK pipeline and OTLP/protobuf exporter to
 * LLMTrace's `/v1/traces`. OpenInference puts the prompt and the answer on the span
 * (`input.value`, `llm.input_messages.*`, `output.value`, `llm.output_messages.*`).
 */
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { flushAndRead, installContextManager, listTraces, startTracing, text, type StoredSpan, type Tracing } from '../support/otlp-interop';
import { startRouteServer, type RouteServer } from '../support/route-server';

const instrumentation = new OpenAIInstrumentation();
instrumentation.manuallyInstrument(OpenAI);
installContextManager();

let server: RouteServer;
let fake: FakeOpenAI;
let client: OpenAI;
const providers: Tracing[] = [];

beforeAll(async () => {
  server = await startRouteServer({ '/v1/traces': { POST: postOtlp }, '/api/analytics/traces': { GET: getTraces } });
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all(providers.map((p) => p.shutdown().catch(() => {})));
  instrumentation.disable();
  await server?.close();
  await fake?.close();
});

/** A user's app: its own tracer provider, the instrumentation reporting through it. */
function tracing(apiKey: string): Tracing {
  const t = startTracing({ url: server.url, apiKey, protocol: 'proto', serviceName: 'rag-service' });
  providers.push(t);
  instrumentation.setTracerProvider(t.provider);
  return t;
}

/** Runs `work` inside an app span (`rag.answer`), returns the ids the SDK gave it. */
async function inAppSpan<T>(t: Tracing, work: () => Promise<T>) {
  return t.provider.getTracer('rag-app').startActiveSpan('rag.answer', async (span) => {
    try {
      const result = await work();
      return { result, traceId: span.spanContext().traceId, rootId: span.spanContext().spanId };
    } finally {
      span.end();
    }
  });
}

function llmSpan(spans: StoredSpan[]): StoredSpan {
  const calls = spans.filter((s) => s.span_name === 'OpenAI Chat Completions');
  expect(calls, JSON.stringify(spans.map((s) => [s.span_name, s.operation_type]))).toHaveLength(1);
  return calls[0];
}

describeEachDatabase('OTLP interop: OpenInference OpenAI instrumentation', (getDatabase) => {
  it('a chat completion: llm_call span with model, provider, tokens, cost, the prompt and the answer', async () => {
    const user = await createTestUser(getDatabase());
    const t = tracing(user.apiKey);
    fake.enqueue({ kind: 'reply', content: 'The warranty lasts two years.', usage: { prompt_tokens: 1000, completion_tokens: 200 } });
    const run = await inAppSpan(t, () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Answer from the manual.' },
          { role: 'user', content: 'How long is the warranty on the X200 kettle?' },
        ],
      }),
    );
    expect(run.result.choices[0].message.content).toBe('The warranty lasts two years.');
    const spans = await flushAndRead(t, user.apiKey, run.traceId, (s) => s.length >= 2);
    expect(spans).toHaveLength(2);
    const call = llmSpan(spans);
    expect(call).toMatchObject({
      operation_type: 'llm_call',
      parent_trace_id: run.rootId,
      model_provider: 'openai',
      input_tokens: 1000,
      output_tokens: 200,
      total_tokens: 1200,
      status: 'completed',
      service_name: 'rag-service',
    });
    expect(call.model_name).toMatch(/^gpt-4o-mini/);
    // gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
    expect(call.cost_usd).not.toBeNull();
    expect(Number(call.cost_usd)).toBeCloseTo(1000 * 0.15e-6 + 200 * 0.6e-6, 9);
    expect(text(call.input_data)).toContain('How long is the warranty on the X200 kettle?');
    expect(text(call.output_data)).toContain('The warranty lasts two years.');
    const root = spans.find((s) => s.span_id === run.rootId);
    expect(root).toMatchObject({ span_name: 'rag.answer', parent_trace_id: null, service_name: 'rag-service' });
    expect(root?.operation_type).not.toBe('llm_call');

    // The list row counts the call once.
    const [row] = (await listTraces(user.apiKey, 'service_name=rag-service')).filter((s) => s.trace_id === run.traceId);
    expect(row).toMatchObject({ span_id: run.rootId, trace_input_tokens: 1000, trace_output_tokens: 200, trace_total_tokens: 1200 });
  });

  it('a streamed chat completion: the streamed answer is the output', async () => {
    const user = await createTestUser(getDatabase());
    const t = tracing(user.apiKey);
    fake.enqueue({ kind: 'reply', content: 'Descale it monthly with citric acid.', usage: { prompt_tokens: 400, completion_tokens: 60 } });
    const run = await inAppSpan(t, async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'How do I descale the X200?' }],
      });
      let answer = '';
      for await (const chunk of stream) answer += chunk.choices[0]?.delta?.content ?? '';
      return answer;
    });
    expect(run.result).toBe('Descale it monthly with citric acid.');
    // OpenInference ends its span when it has read its own copy of the stream (a tee), maybe just after us.
    const spans = await flushAndRead(t, user.apiKey, run.traceId, (s) => s.length >= 2);
    expect(spans).toHaveLength(2);
    const call = llmSpan(spans);
    expect(call).toMatchObject({ operation_type: 'llm_call', parent_trace_id: run.rootId, model_provider: 'openai', status: 'completed' });
    expect(call.model_name).toMatch(/^gpt-4o-mini/);
    expect(text(call.input_data)).toContain('How do I descale the X200?');
    expect(text(call.output_data)).toContain('Descale it monthly with citric acid.');
    // OpenInference 4.2.7 skips the usage chunk of a stream (it has no choices), so the span has
    // no token counts: nothing to check there, but they must not be invented as zero.
    expect([null, 400]).toContain(call.input_tokens);
  });

  it('a tool call round: the tool call is the output, the tool result the next input', async () => {
    const user = await createTestUser(getDatabase());
    const t = tracing(user.apiKey);
    fake.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_stock', name: 'check_stock', arguments: { sku: 'X200' } }], usage: { prompt_tokens: 500, completion_tokens: 20 } },
      { kind: 'reply', content: 'Yes, 14 in stock.', usage: { prompt_tokens: 540, completion_tokens: 8 } },
    );
    const tools = [{ type: 'function' as const, function: { name: 'check_stock', parameters: { type: 'object', properties: { sku: { type: 'string' } } } } }];
    const run = await inAppSpan(t, async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Is the X200 in stock?' }];
      const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
      const call = first.choices[0].message.tool_calls![0];
      messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"sku":"X200","count":14}' });
      const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
      return second.choices[0].message.content;
    });
    expect(run.result).toBe('Yes, 14 in stock.');
    const spans = await flushAndRead(t, user.apiKey, run.traceId, (s) => s.length >= 3);
    const calls = spans.filter((s) => s.operation_type === 'llm_call' && s.parent_trace_id === run.rootId);
    expect(calls).toHaveLength(2);
    const [first, second] = calls.sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
    expect(text(first.output_data)).toContain('check_stock');
    expect(text(second.input_data)).toMatch(/count\\*":14/);
    expect(text(second.output_data)).toContain('Yes, 14 in stock.');
    expect([first.input_tokens, second.input_tokens]).toEqual([500, 540]);

    const [row] = (await listTraces(user.apiKey, 'service_name=rag-service')).filter((s) => s.trace_id === run.traceId);
    expect(row).toMatchObject({ trace_input_tokens: 1040, trace_output_tokens: 28, trace_total_tokens: 1068 });
  });
});
