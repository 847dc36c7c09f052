import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, ProviderError } from '@/lib/llm/errors';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, createAnthropicProvider } from '@/lib/llm/providers/anthropic';
import type { ModelProvider } from '@/lib/llm/providers/provider';
import type { ChatMessage, ToolDefinition } from '@/lib/llm/types';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic-server';

let fake: FakeAnthropic;
let provider: ModelProvider;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  provider = createAnthropicProvider({ apiKey: 'sk-ant-test', baseURL: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  expect(fake.pending()).toBe(0);
});

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi' },
];

const timeTool: ToolDefinition = {
  name: 'current_time',
  description: 'Current time',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
};

describe('Anthropic provider through the official SDK', () => {
  it('sends the system prompt separately, and the API key', async () => {
    fake.enqueue({ kind: 'reply', content: 'Hello.' });
    const result = await provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: false });

    expect(result).toMatchObject({ content: 'Hello.', model: 'claude-sonnet-4-6-20250929', finishReason: 'end_turn' });
    const [sent] = fake.messageRequests();
    // API version 2026-10-21 sends the key as a bearer token; older versions used x-api-key.
    expect([sent.headers['x-api-key'], sent.headers.authorization]).toContainEqual(expect.stringContaining('sk-ant-test'));
    expect(sent.headers['anthropic-version']).toBeTruthy();
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
    });
  });

  it('counts cache reads and writes as input, and cache reads as cached input', async () => {
    fake.enqueue({
      kind: 'reply',
      content: 'Cached.',
      usage: { input_tokens: 50, cache_read_input_tokens: 3000, cache_creation_input_tokens: 200, output_tokens: 40, thinking_tokens: 12 },
    });
    const result = await provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: false });
    expect(result.usage).toEqual({ inputTokens: 3250, outputTokens: 40, cachedInputTokens: 3000, reasoningTokens: 12 });
  });

  it('streams text deltas in order and takes usage from message_start and message_delta', async () => {
    fake.enqueue({
      kind: 'reply',
      content: 'Alpha beta gamma delta',
      usage: { input_tokens: 20, cache_read_input_tokens: 1000, output_tokens: 4 },
    });
    const events: string[] = [];
    const result = await provider.complete({
      model: 'claude-haiku-4-5',
      messages: conversation,
      stream: true,
      onFirstToken: () => events.push('first'),
      onDelta: (text) => events.push(text),
    });
    expect(events).toEqual(['first', 'Alpha', ' beta', ' gamma', ' delta']);
    expect(result).toMatchObject({ content: 'Alpha beta gamma delta', finishReason: 'end_turn' });
    expect(result.usage).toEqual({ inputTokens: 1020, outputTokens: 4, cachedInputTokens: 1000 });
    expect(fake.messageRequests()[0].body.stream).toBe(true);
  });

  it('streams tool_use blocks from input_json_delta fragments and sends tool results back as one user turn', async () => {
    fake.enqueue({
      kind: 'reply',
      content: 'Let me check.',
      toolUses: [
        { id: 'toolu_1', name: 'current_time', input: { timezone: 'Europe/Paris' } },
        { id: 'toolu_2', name: 'current_time', input: { timezone: 'Asia/Tokyo' } },
      ],
    });
    const first = await provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, tools: [timeTool], stream: true });
    expect(first.finishReason).toBe('tool_use');
    expect(first.content).toBe('Let me check.');
    expect(first.toolCalls).toEqual([
      { id: 'toolu_1', name: 'current_time', arguments: { timezone: 'Europe/Paris' } },
      { id: 'toolu_2', name: 'current_time', arguments: { timezone: 'Asia/Tokyo' } },
    ]);
    expect(fake.messageRequests()[0].body.tools).toEqual([
      { name: 'current_time', description: 'Current time', input_schema: timeTool.parameters },
    ]);

    fake.enqueue({ kind: 'reply', content: 'Paris 10:00, Tokyo 17:00.' });
    await provider.complete({
      model: 'claude-sonnet-4-6',
      messages: [
        ...conversation,
        { role: 'assistant', content: first.content, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_1', name: 'current_time', content: '10:00' },
        { role: 'tool', toolCallId: 'toolu_2', name: 'current_time', content: '17:00' },
      ],
      tools: [timeTool],
      stream: false,
    });
    expect(fake.messageRequests()[1].body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'current_time', input: { timezone: 'Europe/Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'current_time', input: { timezone: 'Asia/Tokyo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '10:00' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '17:00' },
        ],
      },
    ]);
  });

  it('reads tool_use blocks from a JSON reply', async () => {
    fake.enqueue({ kind: 'reply', toolUses: [{ id: 'toolu_9', name: 'current_time', input: {} }] });
    const result = await provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, tools: [timeTool], stream: false });
    expect(result.toolCalls).toEqual([{ id: 'toolu_9', name: 'current_time', arguments: {} }]);
    expect(result.finishReason).toBe('tool_use');
  });

  it('turns a 429 into a retryable ProviderError with the retry-after delay, without SDK retries', async () => {
    fake.enqueue({ kind: 'error', status: 429, message: 'Number of request tokens has exceeded your rate limit', retryAfter: '7' });
    const error = await provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', status: 429, code: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    expect(fake.messageRequests()).toHaveLength(1);
  });

  it('turns a 500 and an overloaded 529 into provider_unavailable', async () => {
    fake.enqueue({ kind: 'error', status: 500, message: 'Internal server error' }, { kind: 'error', status: 529, message: 'Overloaded' });
    await expect(provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: false })).rejects.toMatchObject({
      status: 500,
      code: 'provider_unavailable',
    });
    await expect(provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: false })).rejects.toMatchObject({
      status: 529,
      code: 'provider_unavailable',
      retryable: true,
    });
  });

  it('turns an error event inside a stream into a ProviderError', async () => {
    fake.enqueue({ kind: 'stream_error', errorType: 'overloaded_error', message: 'Overloaded' });
    await expect(provider.complete({ model: 'claude-sonnet-4-6', messages: conversation, stream: true })).rejects.toMatchObject({
      provider: 'anthropic',
      code: 'provider_unavailable',
    });
  });

  it('cancels a stalled stream when the signal fires, and the server sees the client go', async () => {
    fake.enqueue({ kind: 'stall', content: 'Half an answer and then silence forever', afterChunks: 2 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const call = provider.complete({
      model: 'claude-sonnet-4-6',
      messages: conversation,
      stream: true,
      signal: controller.signal,
      onDelta: (text) => {
        deltas.push(text);
        if (deltas.length === 2) setTimeout(() => controller.abort(), 20);
      },
    });
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    expect(deltas.join('')).toBe('Half an');
    await fake.waitForClientAbort();
  });
});
