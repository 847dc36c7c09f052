/**
 * Interop: the Vercel AI SDK (`ai` + `@ai-sdk/openai`) with `experimental_telemetry`, calling the
 * fake OpenAI server through `createOpenAI({ baseURL })`; its spans go through a real SDK pipeline
 * and OTLP/protobuf exporter to LLMTrace's `/v1/traces`.
 *
 * The AI SDK reports usage twice: the call span (`ai.generateText`, `ai.streamText`) carries the
 * total of all its steps and each `….doGenerate`/`….doStream` child carries its own. A trace's
 * totals must count each model call once (DESIGN §6), so the list row equals the fake's usage.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool, type TelemetrySettings } from 'ai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { flushAndRead, installContextManager, listTraces, startTracing, text, type StoredSpan, type Tracing } from '../support/otlp-interop';
import { startRouteServer, type RouteServer } from '../support/route-server';

installContextManager();

let server: RouteServer;
let fake: FakeOpenAI;
const providers: Tracing[] = [];

beforeAll(async () => {
  server = await startRouteServer({ '/v1/traces': { POST: postOtlp }, '/api/analytics/traces': { GET: getTraces } });
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await Promise.all(providers.map((p) => p.shutdown().catch(() => {})));
  await server?.close();
  await fake?.close();
});

// gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
const price = (input: number, output: number) => input * 0.15e-6 + output * 0.6e-6;

function setup(apiKey: string, processor: 'batch' | 'simple' = 'batch') {
  const t = startTracing({ url: server.url, apiKey, protocol: 'proto', serviceName: 'support-bot-service', processor });
  providers.push(t);
  const openai = createOpenAI({ baseURL: fake.url, apiKey: 'sk-test' });
  const telemetry: TelemetrySettings = {
    isEnabled: true,
    functionId: 'support-bot',
    metadata: { userId: 'u-42', sessionId: 's-7' },
    tracer: t.provider.getTracer('ai'),
  };
  // `.chat()`: the Chat Completions API (the fake speaks it); `openai(...)` would use Responses.
  return { t, model: openai.chat('gpt-4o-mini'), telemetry };
}

/** The one row of the trace list for this trace, as the user's list shows it. */
async function listRow(apiKey: string, traceId: string): Promise<StoredSpan> {
  const rows = (await listTraces(apiKey, 'service_name=support-bot-service')).filter((s) => s.trace_id === traceId);
  expect(rows, 'the trace is listed exactly once').toHaveLength(1);
  return rows[0];
}

/** The trace id of the last AI SDK call: the spans are the only place it exists. */
async function lastTrace(t: Tracing, apiKey: string, rootName: string, minimumSpans: number): Promise<{ traceId: string; spans: StoredSpan[] }> {
  await t.flush();
  const row = (await listTraces(apiKey, 'service_name=support-bot-service')).find((s) => s.span_name === rootName);
  expect(row, `a ${rootName} root in the trace list`).toBeDefined();
  const spans = await flushAndRead(t, apiKey, row!.trace_id, (s) => s.length >= minimumSpans);
  return { traceId: row!.trace_id, spans };
}

describeEachDatabase('OTLP interop: Vercel AI SDK telemetry', (getDatabase) => {
  it('generateText: root and doGenerate stored, provider normalised, tokens and cost, totals counted once', async () => {
    const user = await createTestUser(getDatabase());
    const { t, model, telemetry } = setup(user.apiKey);
    fake.enqueue({ kind: 'reply', content: 'Your order ships tomorrow.', usage: { prompt_tokens: 1000, completion_tokens: 200 } });
    const result = await generateText({ model, prompt: 'When does order 5521 ship?', experimental_telemetry: telemetry });
    expect(result.text).toBe('Your order ships tomorrow.');

    const { traceId, spans } = await lastTrace(t, user.apiKey, 'ai.generateText', 2);
    expect(spans.map((s) => s.span_name).sort()).toEqual(['ai.generateText', 'ai.generateText.doGenerate']);
    const root = spans.find((s) => s.span_name === 'ai.generateText')!;
    const call = spans.find((s) => s.span_name === 'ai.generateText.doGenerate')!;
    expect(root.parent_trace_id).toBeNull();
    expect(call.parent_trace_id).toBe(root.span_id);

    expect(call).toMatchObject({ operation_type: 'llm_call', model_provider: 'openai', input_tokens: 1000, output_tokens: 200, total_tokens: 1200, status: 'completed' });
    expect(call.model_name).toMatch(/^gpt-4o-mini/);
    expect(Number(call.cost_usd)).toBeCloseTo(price(1000, 200), 9);
    expect(text(call.input_data)).toContain('When does order 5521 ship?');
    expect(text(call.output_data)).toContain('Your order ships tomorrow.');

    expect(root).toMatchObject({ model_provider: 'openai', status: 'completed', service_name: 'support-bot-service' });
    expect(text(root.input_data)).toContain('When does order 5521 ship?');
    expect(text(root.output_data)).toContain('Your order ships tomorrow.');
    // experimental_telemetry.metadata: userId and sessionId are the end user and the session.
    expect(root).toMatchObject({ end_user_id: 'u-42', session_id: 's-7' });

    // No double counting: the root's roll-up (1000/200) and the call's own (1000/200) are one call.
    const row = await listRow(user.apiKey, traceId);
    expect(row).toMatchObject({ span_id: root.span_id, trace_input_tokens: 1000, trace_output_tokens: 200, trace_total_tokens: 1200 });
    expect(Number(row.trace_cost_usd)).toBeCloseTo(price(1000, 200), 9);
  });

  it('streamText: root and doStream stored, time to first token from the stream, totals counted once', async () => {
    const user = await createTestUser(getDatabase());
    const { t, model, telemetry } = setup(user.apiKey);
    fake.enqueue({ kind: 'reply', content: 'Returns are free within 30 days.', usage: { prompt_tokens: 700, completion_tokens: 90 }, firstChunkDelayMs: 150 });
    const result = streamText({ model, prompt: 'Can I return shoes?', experimental_telemetry: telemetry });
    let streamed = '';
    for await (const delta of result.textStream) streamed += delta;
    expect(streamed).toBe('Returns are free within 30 days.');
    await result.consumeStream();

    const { traceId, spans } = await lastTrace(t, user.apiKey, 'ai.streamText', 2);
    expect(spans.map((s) => s.span_name).sort()).toEqual(['ai.streamText', 'ai.streamText.doStream']);
    const root = spans.find((s) => s.span_name === 'ai.streamText')!;
    const call = spans.find((s) => s.span_name === 'ai.streamText.doStream')!;
    expect(call.parent_trace_id).toBe(root.span_id);
    expect(call).toMatchObject({ operation_type: 'llm_call', model_provider: 'openai', input_tokens: 700, output_tokens: 90, status: 'completed' });
    expect(Number(call.cost_usd)).toBeCloseTo(price(700, 90), 9);
    expect(text(call.output_data)).toContain('Returns are free within 30 days.');
    // ai.response.msToFirstChunk: the fake held the first chunk back 150 ms.
    expect(call.time_to_first_token_ms).not.toBeNull();
    expect(Number(call.time_to_first_token_ms)).toBeGreaterThanOrEqual(140);
    expect(Number(call.time_to_first_token_ms)).toBeLessThanOrEqual(Number(call.duration_ms) + 1);

    const row = await listRow(user.apiKey, traceId);
    expect(row).toMatchObject({ trace_input_tokens: 700, trace_output_tokens: 90, trace_total_tokens: 790 });
    expect(Number(row.trace_cost_usd)).toBeCloseTo(price(700, 90), 9);
  });

  // With SimpleSpanProcessor every span is its own request, sent as it ends and concurrently:
  // the children arrive before their root (orphans for a moment), in any order.
  it.each([
    { processor: 'batch', name: 'BatchSpanProcessor' },
    { processor: 'simple', name: 'SimpleSpanProcessor' },
  ] as const)('generateText with a tool round ($name): two model calls and a tool call, totals are the two calls once', async ({ processor }) => {
    const user = await createTestUser(getDatabase());
    const { t, model, telemetry } = setup(user.apiKey, processor);
    fake.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_lookup', name: 'lookupOrder', arguments: { orderId: '5521' } }], usage: { prompt_tokens: 600, completion_tokens: 25 } },
      { kind: 'reply', content: 'Order 5521 is in the Leeds depot.', usage: { prompt_tokens: 680, completion_tokens: 12 } },
    );
    const result = await generateText({
      model,
      prompt: 'Where is order 5521?',
      tools: {
        lookupOrder: tool({
          description: 'Finds an order',
          inputSchema: z.object({ orderId: z.string() }),
          execute: async ({ orderId }) => ({ orderId, depot: 'Leeds' }),
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry,
    });
    expect(result.text).toBe('Order 5521 is in the Leeds depot.');
    expect(fake.chatRequests().at(-1)?.body.messages.some((m: { role: string }) => m.role === 'tool')).toBe(true);

    const { traceId, spans } = await lastTrace(t, user.apiKey, 'ai.generateText', 4);
    const root = spans.find((s) => s.span_name === 'ai.generateText')!;
    const calls = spans.filter((s) => s.span_name === 'ai.generateText.doGenerate').sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
    expect(calls.map((c) => [c.parent_trace_id, c.input_tokens, c.output_tokens])).toEqual([
      [root.span_id, 600, 25],
      [root.span_id, 680, 12],
    ]);
    const toolSpans = spans.filter((s) => s.operation_type === 'tool_call');
    expect(toolSpans, JSON.stringify(spans.map((s) => [s.span_name, s.operation_type]))).toHaveLength(1);
    expect(toolSpans[0].parent_trace_id).toBe(root.span_id);
    expect(text(toolSpans[0].input_data)).toContain('5521');
    expect(text(toolSpans[0].output_data)).toContain('Leeds');
    expect(`${toolSpans[0].span_name} ${text(toolSpans[0].metadata)}`).toContain('lookupOrder');

    // Root's roll-up says 1280/37; the calls say 600/25 + 680/12: the list shows 1280/37, not 2560/74.
    const row = await listRow(user.apiKey, traceId);
    expect(row).toMatchObject({ trace_input_tokens: 1280, trace_output_tokens: 37, trace_total_tokens: 1317 });
    expect(Number(row.trace_cost_usd)).toBeCloseTo(price(1280, 37), 9);
  });
});
