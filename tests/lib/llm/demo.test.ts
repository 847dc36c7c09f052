import { describe, expect, it } from 'vitest';
import { CancelledError, ProviderError } from '@/lib/llm/errors';
import { createDemoProvider, DEMO_FAIL_TRIGGER, findArithmetic, planDemoReply } from '@/lib/llm/providers/demo';
import type { ChatMessage } from '@/lib/llm/types';
import { toolDefinitions } from '@/lib/tools';
import { readLlmConfig } from '@/lib/config/llm.config';

const fast = createDemoProvider({ firstTokenDelayMs: 0, wordDelayMs: 0 });
const allTools = toolDefinitions(['calculator', 'current_time', 'web_search'], readLlmConfig({ WEB_SEARCH_URL: 'http://127.0.0.1:1' }));
const ask = (content: string): ChatMessage[] => [{ role: 'user', content }];

describe('demo model', () => {
  it('answers deterministically and says it is the offline demo model', async () => {
    const first = await fast.complete({ model: 'demo-1', messages: ask('Tell me about tracing'), stream: false });
    const second = await fast.complete({ model: 'demo-1', messages: ask('Tell me about tracing'), stream: false });
    expect(first.content).toBe(second.content);
    expect(first.content).toMatch(/offline demo model/);
    expect(first).toMatchObject({ model: 'demo-1', finishReason: 'stop', toolCalls: [] });
  });

  it('streams word by word, in order, and the words make up the answer', async () => {
    const deltas: string[] = [];
    let firstTokenAt = -1;
    const result = await fast.complete({
      model: 'demo-1',
      messages: ask('Hello demo'),
      stream: true,
      onFirstToken: () => (firstTokenAt = deltas.length),
      onDelta: (text) => deltas.push(text),
    });
    expect(firstTokenAt).toBe(0);
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.join('')).toBe(result.content);
    for (const delta of deltas) expect(delta.trim().split(/\s+/)).toHaveLength(1);
  });

  it('paces its words with the configured delays', async () => {
    const paced = createDemoProvider({ firstTokenDelayMs: 30, wordDelayMs: [2, 4] });
    const started = performance.now();
    const deltas: number[] = [];
    await paced.complete({ model: 'demo-1', messages: ask('Hello demo'), stream: true, onDelta: () => deltas.push(performance.now() - started) });
    expect(deltas[0]).toBeGreaterThanOrEqual(25);
    expect(deltas.at(-1)! - deltas[0]).toBeGreaterThanOrEqual(2 * (deltas.length - 1) - 5);
  });

  it('reports usage by counting tokens of the prompt and the answer', async () => {
    const short = await fast.complete({ model: 'demo-1', messages: ask('Hi'), stream: false });
    const long = await fast.complete({ model: 'demo-1', messages: ask('Hi '.repeat(200)), stream: false });
    expect(short.usage?.inputTokens).toBeGreaterThan(0);
    expect(short.usage?.outputTokens).toBeGreaterThan(20);
    expect(long.usage!.inputTokens).toBeGreaterThan((short.usage?.inputTokens ?? 0) + 150);
  });

  it('calls the calculator for arithmetic, then answers from the tool result', async () => {
    const call = await fast.complete({ model: 'demo-1', messages: ask('What is 12*7?'), tools: allTools, stream: true });
    expect(call.finishReason).toBe('tool_calls');
    expect(call.toolCalls).toEqual([{ id: expect.stringMatching(/^call_demo_/), name: 'calculator', arguments: { expression: '12*7' } }]);

    const answer = await fast.complete({
      model: 'demo-1',
      messages: [
        ...ask('What is 12*7?'),
        { role: 'assistant', content: '', toolCalls: call.toolCalls },
        { role: 'tool', toolCallId: call.toolCalls[0].id, name: 'calculator', content: '{"expression":"12*7","result":84}' },
      ],
      tools: allTools,
      stream: false,
    });
    expect(answer.toolCalls).toEqual([]);
    expect(answer.content).toContain('12*7 = 84');
    expect(answer.content).toMatch(/offline demo model/);
  });

  it('calls current_time for time questions, with a time zone when one is named', () => {
    expect(planDemoReply(ask('What time is it?'), allTools).toolCalls[0]).toMatchObject({ name: 'current_time', arguments: {} });
    expect(planDemoReply(ask("What's the date in Europe/Paris?"), allTools).toolCalls[0]).toMatchObject({
      name: 'current_time',
      arguments: { timezone: 'Europe/Paris' },
    });
  });

  it('calls web_search for news only when it is offered', () => {
    const search = planDemoReply(ask('Search for the latest TypeScript release'), allTools);
    expect(search.toolCalls[0]).toMatchObject({ name: 'web_search', arguments: { query: 'the latest TypeScript release' } });

    const withoutSearch = planDemoReply(ask('Any news about Postgres?'), toolDefinitions(['calculator'], readLlmConfig({})));
    expect(withoutSearch.toolCalls).toEqual([]);
    expect(withoutSearch.content).toMatch(/web_search tool is not available/);
  });

  it('does not call tools that were not offered', () => {
    const reply = planDemoReply(ask('what is 3 plus 4'), []);
    expect(reply.toolCalls).toEqual([]);
    expect(reply.content).toMatch(/calculator tool is not enabled/);
  });

  it('explains a failed tool instead of inventing an answer', () => {
    const reply = planDemoReply(
      [
        ...ask('what is 1/0'),
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'calculator', arguments: { expression: '1/0' } }] },
        { role: 'tool', toolCallId: 'c1', name: 'calculator', content: '{"error":"Division by zero."}' },
      ],
      allTools,
    );
    expect(reply.content).toMatch(/calculator tool failed \(Division by zero\.\)/);
  });

  it(`fails like an upstream 502 when the message contains ${DEMO_FAIL_TRIGGER}`, async () => {
    const error = await fast.complete({ model: 'demo-1', messages: ask(`Please ${DEMO_FAIL_TRIGGER} now`), stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'demo', status: 502, code: 'provider_unavailable', retryable: false });
  });

  it('stops when the signal fires mid-answer', async () => {
    const slow = createDemoProvider({ firstTokenDelayMs: 0, wordDelayMs: 20 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const call = slow.complete({
      model: 'demo-1',
      messages: ask('Hello there'),
      stream: true,
      signal: controller.signal,
      onDelta: (text) => {
        deltas.push(text);
        if (deltas.length === 3) controller.abort();
      },
    });
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    expect(deltas).toHaveLength(3);
  });
});

describe('findArithmetic', () => {
  it.each([
    ['what is 12*7', '12*7'],
    ['What is (3 + 4) * 2?', '(3 + 4) * 2'],
    ['compute 2^10 please', '2^10'],
    ['what is 3 plus 4', '3 + 4'],
    ['12 times 7', '12 * 7'],
    ['how much is 12 x 7', '12*7'],
    ['-5 + 2', '-5 + 2'],
  ])('finds the expression in %j', (text, expected) => {
    expect(findArithmetic(text)).toBe(expected);
  });

  it.each(['hello there', 'I have 3 cats', 'gpt-4o is a model', 'on 2024-08-06 we met', 'version 1.2'])('finds none in %j', (text) => {
    expect(findArithmetic(text)).toBeNull();
  });
});
