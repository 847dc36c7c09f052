import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, ProviderError } from '@/lib/llm/errors';
import { createOpenAIProvider } from '@/lib/llm/providers/openai';
import type { ModelProvider } from '@/lib/llm/providers/provider';
import type { ChatMessage, ToolDefinition } from '@/lib/llm/types';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server';

let fake: FakeOpenAI;
let provider: ModelProvider;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  expect(fake.pending()).toBe(0);
});

const hello: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];

const calculatorTool: ToolDefinition = {
  name: 'calculator',
  description: 'Evaluate arithmetic',
  parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
};

describe('OpenAI provider through the official SDK', () => {
  it('returns the content, the reported model and usage with cached and reasoning tokens', async () => {
    fake.enqueue({
      kind: 'reply',
      content: 'Hello there!',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 2000, completion_tokens: 300, cached_tokens: 1024, reasoning_tokens: 128 },
    });
    const result = await provider.complete({ model: 'gpt-4o-mini', messages: hello, stream: false, maxTokens: 50 });

    expect(result).toMatchObject({ content: 'Hello there!', model: 'gpt-4o-mini-2024-07-18', finishReason: 'stop', toolCalls: [] });
    expect(result.usage).toEqual({ inputTokens: 2000, outputTokens: 300, cachedInputTokens: 1024, reasoningTokens: 128 });

    const [sent] = fake.chatRequests();
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] });
    // A base URL means an OpenAI-compatible server: the widely supported max_tokens is sent.
    expect(sent.body.max_tokens).toBe(50);
    expect(sent.body.stream).toBeFalsy();
  });

  it('streams deltas in order, asks for usage in the stream and reads the final usage chunk', async () => {
    fake.enqueue({ kind: 'reply', content: 'One two three four five', usage: { prompt_tokens: 40, completion_tokens: 5, cached_tokens: 0 } });
    const events: string[] = [];
    const result = await provider.complete({
      model: 'gpt-4o-mini',
      messages: hello,
      stream: true,
      onFirstToken: () => events.push('first'),
      onDelta: (text) => events.push(text),
    });

    expect(events).toEqual(['first', 'One', ' two', ' three', ' four', ' five']);
    expect(result.content).toBe('One two three four five');
    expect(result.usage).toMatchObject({ inputTokens: 40, outputTokens: 5 });
    expect(fake.chatRequests()[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('assembles streamed tool-call fragments and sends the tool round trip back in OpenAI format', async () => {
    fake.enqueue({
      kind: 'reply',
      toolCalls: [
        { id: 'call_a', name: 'calculator', arguments: { expression: '12*7' } },
        { id: 'call_b', name: 'calculator', arguments: { expression: '(1+2)/3' } },
      ],
    });
    const first = await provider.complete({ model: 'gpt-4o', messages: hello, tools: [calculatorTool], stream: true });
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([
      { id: 'call_a', name: 'calculator', arguments: { expression: '12*7' } },
      { id: 'call_b', name: 'calculator', arguments: { expression: '(1+2)/3' } },
    ]);
    expect(fake.chatRequests()[0].body.tools).toEqual([{ type: 'function', function: calculatorTool }]);

    fake.enqueue({ kind: 'reply', content: '12*7 is 84.' });
    const followUp: ChatMessage[] = [
      ...hello,
      { role: 'assistant', content: '', toolCalls: first.toolCalls },
      { role: 'tool', toolCallId: 'call_a', name: 'calculator', content: '{"result":84}' },
      { role: 'tool', toolCallId: 'call_b', name: 'calculator', content: '{"result":1}' },
    ];
    const second = await provider.complete({ model: 'gpt-4o', messages: followUp, tools: [calculatorTool], stream: false });
    expect(second.content).toBe('12*7 is 84.');
    expect(fake.chatRequests()[1].body.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'calculator', arguments: '{"expression":"12*7"}' } },
          { id: 'call_b', type: 'function', function: { name: 'calculator', arguments: '{"expression":"(1+2)/3"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"result":84}' },
      { role: 'tool', tool_call_id: 'call_b', content: '{"result":1}' },
    ]);
  });

  it('keeps unparseable tool arguments visible instead of dropping them', async () => {
    fake.enqueue({ kind: 'reply', toolCalls: [{ id: 'call_x', name: 'calculator', arguments: '{"expression": "1+' }] });
    const result = await provider.complete({ model: 'gpt-4o', messages: hello, tools: [calculatorTool], stream: false });
    expect(result.toolCalls[0].arguments).toEqual({ _unparsed: '{"expression": "1+' });
  });

  it('reports no usage when the server sends none', async () => {
    fake.enqueue({ kind: 'reply', content: 'no usage here', usage: null }, { kind: 'reply', content: 'nor here', usage: null });
    expect((await provider.complete({ model: 'local', messages: hello, stream: false })).usage).toBeUndefined();
    expect((await provider.complete({ model: 'local', messages: hello, stream: true })).usage).toBeUndefined();
  });

  it('turns a 429 into a retryable ProviderError with the retry-after delay, without SDK retries', async () => {
    fake.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached for requests', retryAfter: '2' });
    const error = await provider.complete({ model: 'gpt-4o', messages: hello, stream: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 429, code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    expect((error as Error).message).toContain('Rate limit reached');
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('turns a 500 into a provider_unavailable ProviderError and a 401 into a non-retryable one', async () => {
    fake.enqueue({ kind: 'error', status: 500, message: 'The server had an error' }, { kind: 'error', status: 401, message: 'Incorrect API key' });
    await expect(provider.complete({ model: 'gpt-4o', messages: hello, stream: true })).rejects.toMatchObject({
      status: 500,
      code: 'provider_unavailable',
      retryable: true,
    });
    await expect(provider.complete({ model: 'gpt-4o', messages: hello, stream: false })).rejects.toMatchObject({
      status: 401,
      code: 'authentication_failed',
      retryable: false,
    });
  });

  it('cancels a stalled stream when the signal fires, and the server sees the client go', async () => {
    fake.enqueue({ kind: 'stall', content: 'This answer never finishes because the server stalls', afterChunks: 3 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const call = provider.complete({
      model: 'gpt-4o',
      messages: hello,
      stream: true,
      signal: controller.signal,
      onDelta: (text) => {
        deltas.push(text);
        if (deltas.length === 3) setTimeout(() => controller.abort(), 20);
      },
    });
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    expect(deltas.join('')).toBe('This answer never');
    await fake.waitForClientAbort();
  });

  it('reports a connection failure as retryable', async () => {
    const offline = createOpenAIProvider({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' });
    await expect(offline.complete({ model: 'gpt-4o', messages: hello, stream: false })).rejects.toMatchObject({
      code: 'connection_failed',
      retryable: true,
    });
  });

  it('works against a keyless OpenAI-compatible server', async () => {
    fake.enqueue({ kind: 'reply', content: 'from a local server' });
    const keyless = createOpenAIProvider({ baseURL: fake.url });
    expect((await keyless.complete({ model: 'llama3.1:8b', messages: hello, stream: false })).content).toBe('from a local server');
  });
});
