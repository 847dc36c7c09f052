import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readLlmConfig } from '@/lib/config/llm.config';
import { CancelledError, ProviderError } from '@/lib/llm/errors';
import { createModelClient, type ModelClientOptions } from '@/lib/llm/unified-client';
import type { ChatMessage } from '@/lib/llm/types';
import { buildPriceTable, MODEL_PRICES } from '@/lib/pricing';
import { executeTool, toolDefinitions } from '@/lib/tools';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic-server';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server';
import { createTestTracer, type TestTracer } from '../../fakes/tracing';

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let tracer: TestTracer;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
});
afterAll(() => Promise.all([openai.close(), anthropic.close()]));
beforeEach(() => {
  tracer = createTestTracer();
  expect(openai.pending()).toBe(0);
  expect(anthropic.pending()).toBe(0);
  openai.requests.length = 0;
  anthropic.requests.length = 0;
});

const prices = buildPriceTable();

function client(options: Partial<ModelClientOptions> = {}) {
  return createModelClient({
    config: readLlmConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: anthropic.url }),
    tracer: tracer.service,
    demo: { firstTokenDelayMs: 0, wordDelayMs: 0 },
    maxRetries: 0,
    prices: () => prices,
    ...options,
  });
}

const messages: ChatMessage[] = [{ role: 'user', content: 'How are you?' }];

function expectWithinOnePercent(actual: number | null | undefined, expected: number) {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 0.01);
}

describe('callModel', () => {
  it('records one completed llm.call span per call, nested under the current span, with tokens and cost', async () => {
    openai.enqueue({
      kind: 'reply',
      content: 'Fine, thanks.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 10_000, completion_tokens: 2_000, cached_tokens: 4_000, reasoning_tokens: 500 },
    });
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'openai', model: 'gpt-4o-mini', messages }));

    // gpt-4o-mini: 6000 × 0.15 + 4000 × 0.075 + 2000 × 0.60 per 1M.
    const expectedCost = (6000 * 0.15 + 4000 * 0.075 + 2000 * 0.6) / 1e6;
    expect(reply).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      content: 'Fine, thanks.',
      finishReason: 'stop',
      usage: { inputTokens: 10_000, outputTokens: 2_000, totalTokens: 12_000, cachedInputTokens: 4_000, reasoningTokens: 500, estimated: false },
    });
    expectWithinOnePercent(reply.costUsd, expectedCost);
    expect(reply.timeToFirstTokenMs).toBeUndefined();

    const [root] = await tracer.spansNamed('llm.completion');
    const [span] = await tracer.spansNamed('llm.call');
    expect(span).toMatchObject({
      status: 'completed',
      operation_type: 'llm_call',
      parent_trace_id: root.span_id,
      trace_id: root.trace_id,
      model_name: 'gpt-4o-mini-2024-07-18',
      model_provider: 'openai',
      input_tokens: 10_000,
      output_tokens: 2_000,
      total_tokens: 12_000,
      cached_input_tokens: 4_000,
      reasoning_tokens: 500,
      time_to_first_token_ms: null,
      input_data: { messages },
      output_data: { content: 'Fine, thanks.', toolCalls: [] },
      metadata: { finish_reason: 'stop' },
    });
    expectWithinOnePercent(span.cost_usd, expectedCost);
    expect(span.metadata).not.toHaveProperty('usage_estimated');
  });

  it('streams deltas in order and records the time to first token', async () => {
    openai.enqueue({ kind: 'reply', content: 'Streaming is working well', firstChunkDelayMs: 60, chunkDelayMs: 5 });
    const deltas: string[] = [];
    const reply = await tracer.inRoot(() =>
      client().callModel({ provider: 'openai', model: 'gpt-4o-mini', messages, stream: true, onDelta: (text) => deltas.push(text) }),
    );
    expect(deltas).toEqual(['Streaming', ' is', ' working', ' well']);
    expect(reply.content).toBe('Streaming is working well');
    expect(reply.timeToFirstTokenMs).toBeGreaterThanOrEqual(50);

    const [span] = await tracer.spansNamed('llm.call');
    expect(span.time_to_first_token_ms).toBe(reply.timeToFirstTokenMs);
    expect(span.time_to_first_token_ms!).toBeLessThanOrEqual(span.duration_ms!);
  });

  it('prices Anthropic cache reads at the cached rate', async () => {
    anthropic.enqueue({
      kind: 'reply',
      content: 'Cached answer',
      usage: { input_tokens: 1_000, cache_read_input_tokens: 9_000, output_tokens: 500 },
    });
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'anthropic', model: 'claude-sonnet-4-6', messages, stream: true }));
    const price = MODEL_PRICES['claude-sonnet-4-6'];
    const expected = (1_000 * price.input + 9_000 * price.cachedInput! + 500 * price.output) / 1e6;
    expect(reply.usage).toMatchObject({ inputTokens: 10_000, cachedInputTokens: 9_000, outputTokens: 500 });
    expectWithinOnePercent(reply.costUsd, expected);
    const [span] = await tracer.spansNamed('llm.call');
    expectWithinOnePercent(span.cost_usd, expected);
    expect(span.time_to_first_token_ms).toBeTypeOf('number');
  });

  it('records tool calls as the span output, and TTFT for a streamed tool call', async () => {
    openai.enqueue({ kind: 'reply', toolCalls: [{ id: 'call_1', name: 'calculator', arguments: { expression: '2+2' } }] });
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'openai', model: 'gpt-4o', messages, stream: true }));
    expect(reply.toolCalls).toEqual([{ id: 'call_1', name: 'calculator', arguments: { expression: '2+2' } }]);
    const [span] = await tracer.spansNamed('llm.call');
    expect(span.output_data).toEqual({ content: '', toolCalls: reply.toolCalls });
    expect(span.metadata).toMatchObject({ finish_reason: 'tool_calls' });
    expect(span.time_to_first_token_ms).toBeTypeOf('number');
  });

  it('estimates usage only when the provider reports none, and says so', async () => {
    openai.enqueue({ kind: 'reply', content: 'A local model answer without usage', usage: null, model: 'gpt-4o-mini' });
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'openai', model: 'gpt-4o-mini', messages }));
    expect(reply.usage.estimated).toBe(true);
    expect(reply.usage.inputTokens).toBeGreaterThan(0);
    expect(reply.usage.outputTokens).toBeGreaterThan(3);
    const [span] = await tracer.spansNamed('llm.call');
    expect(span.metadata).toMatchObject({ usage_estimated: true });
    expect(span.input_tokens).toBe(reply.usage.inputTokens);
    expectWithinOnePercent(span.cost_usd, (reply.usage.inputTokens * 0.15 + reply.usage.outputTokens * 0.6) / 1e6);
  });

  it('records null cost, not 0, for an unpriced model', async () => {
    openai.enqueue({ kind: 'reply', content: 'hi', model: 'llama3.1:8b' });
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'openai', model: 'llama3.1:8b', messages }));
    expect(reply.costUsd).toBeNull();
    const [span] = await tracer.spansNamed('llm.call');
    expect(span.cost_usd).toBeNull();
    expect(span.input_tokens).toBe(12);
  });

  it.each([
    [429, 'rate_limited'],
    [500, 'provider_unavailable'],
  ] as const)('turns a %i into a ProviderError and a failed llm.call span', async (status, code) => {
    openai.enqueue({ kind: 'error', status, message: `upstream said ${status}`, retryAfter: status === 429 ? '1' : undefined });
    const error = await tracer.inRoot(() => client().callModel({ provider: 'openai', model: 'gpt-4o', messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status, code });

    const [span] = await tracer.spansNamed('llm.call');
    expect(span.status).toBe('failed');
    expect(span.error_message).toContain(`upstream said ${status}`);
    expect(span.metadata).toMatchObject({ error_code: code, http_status: status });
    expect(span.end_time).not.toBeNull();
  });

  it('retries a retryable failure, each attempt in its own span', async () => {
    openai.enqueue({ kind: 'error', status: 500, message: 'flaky' }, { kind: 'error', status: 429, retryAfter: '0' }, { kind: 'reply', content: 'third time lucky' });
    const reply = await tracer.inRoot(() =>
      client({ maxRetries: 2, retryBaseDelayMs: 1 }).callModel({ provider: 'openai', model: 'gpt-4o', messages }),
    );
    expect(reply.content).toBe('third time lucky');
    const spans = await tracer.spansNamed('llm.call');
    expect(spans.map((s) => s.status)).toEqual(['failed', 'failed', 'completed']);
    expect(spans.map((s) => s.metadata?.attempt)).toEqual([undefined, 2, 3]);
    expect(openai.chatRequests()).toHaveLength(3);
  });

  it('does not wait for a retry-after beyond its limit', async () => {
    openai.enqueue({ kind: 'error', status: 429, retryAfter: '120' });
    const started = Date.now();
    await expect(
      tracer.inRoot(() => client({ maxRetries: 3, maxRetryDelayMs: 1000 }).callModel({ provider: 'openai', model: 'gpt-4o', messages })),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await tracer.spansNamed('llm.call')).toHaveLength(1);
  });

  it('does not retry after text was streamed to the caller, which would repeat it', async () => {
    anthropic.enqueue({ kind: 'stream_error', content: 'Partial answer', message: 'Overloaded' });
    const deltas: string[] = [];
    await expect(
      tracer.inRoot(() =>
        client({ maxRetries: 2, retryBaseDelayMs: 1 }).callModel({
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          messages,
          stream: true,
          onDelta: (text) => deltas.push(text),
        }),
      ),
    ).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(deltas.join('')).toBe('Partial answer');
    expect(anthropic.messageRequests()).toHaveLength(1);
    const spans = await tracer.spansNamed('llm.call');
    expect(spans.map((s) => s.status)).toEqual(['failed']);
    expect(spans[0].output_data).toEqual({ content: 'Partial answer', partial: true });
  });

  it('cancels a stalled stream on abort: the span is cancelled, ended once, never failed', async () => {
    openai.enqueue({ kind: 'stall', content: 'This will stall after a few words', afterChunks: 2 });
    const controller = new AbortController();
    let received = 0;
    const call = tracer.inRoot(() =>
      client({ maxRetries: 2 }).callModel({
        provider: 'openai',
        model: 'gpt-4o',
        messages,
        stream: true,
        signal: controller.signal,
        onDelta: () => {
          if (++received === 2) setTimeout(() => controller.abort(), 20);
        },
      }),
    );
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    await openai.waitForClientAbort();

    const [span] = await tracer.spansNamed('llm.call');
    expect(span.status).toBe('cancelled');
    expect(span.error_message).toMatch(/cancel/i);
    expect(span.output_data).toEqual({ content: 'This will', partial: true });
    expect(span.time_to_first_token_ms).toBeTypeOf('number');
    const finalRecords = tracer.sink.records().filter((r) => r.span_id === span.span_id);
    expect(finalRecords).toHaveLength(1);
    expect(openai.chatRequests()).toHaveLength(1);
  });

  it('fails fast, with a failed span, when the provider is not configured', async () => {
    const unconfigured = createModelClient({ config: readLlmConfig({}), tracer: tracer.service, maxRetries: 0 });
    await expect(tracer.inRoot(() => unconfigured.callModel({ provider: 'anthropic', model: 'claude-haiku-4-5', messages }))).rejects.toMatchObject({
      code: 'not_configured',
      message: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
    const [span] = await tracer.spansNamed('llm.call');
    expect(span).toMatchObject({ status: 'failed', model_provider: 'anthropic', model_name: 'claude-haiku-4-5' });
  });

  it('serves the demo model with counted (not estimated) usage and its nominal price', async () => {
    const reply = await tracer.inRoot(() => client().callModel({ provider: 'demo', model: 'demo-1', messages, stream: true }));
    expect(reply.usage.estimated).toBe(false);
    expect(reply.costUsd).toBeGreaterThan(0);
    const [span] = await tracer.spansNamed('llm.call');
    expect(span).toMatchObject({ status: 'completed', model_provider: 'demo', model_name: 'demo-1' });
  });

  it('records the demo failure trigger as a failed span', async () => {
    await expect(
      tracer.inRoot(() => client({ maxRetries: 2 }).callModel({ provider: 'demo', model: 'demo-1', messages: [{ role: 'user', content: 'break [demo:fail]' }] })),
    ).rejects.toMatchObject({ status: 502 });
    const spans = await tracer.spansNamed('llm.call');
    expect(spans).toHaveLength(1);
    expect(spans[0].status).toBe('failed');
  });

  it('runs a full tool round trip with the demo model: llm.call, tool.calculator, llm.call under one root', async () => {
    const config = readLlmConfig({});
    const demo = client({ config });
    const tools = toolDefinitions(['calculator'], config);
    const conversation: ChatMessage[] = [{ role: 'user', content: 'What is 12*7?' }];

    const answer = await tracer.inRoot(async () => {
      const first = await demo.callModel({ provider: 'demo', model: 'demo-1', messages: conversation, tools, stream: true });
      conversation.push({ role: 'assistant', content: first.content, toolCalls: first.toolCalls });
      for (const call of first.toolCalls) {
        const result = await executeTool(call, { tracer: tracer.service, config });
        conversation.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result.content });
      }
      return demo.callModel({ provider: 'demo', model: 'demo-1', messages: conversation, tools, stream: true });
    });

    expect(answer.content).toContain('= 84');
    const spans = await tracer.spans();
    const root = spans.find((s) => s.span_name === 'llm.completion')!;
    const children = spans.filter((s) => s.parent_trace_id === root.span_id).sort((a, b) => a.start_time.getTime() - b.start_time.getTime());
    expect(children.map((s) => s.span_name)).toEqual(['llm.call', 'tool.calculator', 'llm.call']);
    expect(children.every((s) => s.status === 'completed')).toBe(true);
    expect(children[1].output_data).toEqual({ expression: '12*7', result: 84 });
  });
});
