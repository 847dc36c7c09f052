/**
 * OTLP/JSON bodies of what instrumentations send (`tests/fixtures/otlp/`), mapped as the OTLP
 * endpoint maps them; the assertions are what a user sees in the trace list and the span panel.
 *
 * `vercel-ai.json` was recorded from `ai` 6.0 (generateText with a tool, streamText, embedMany on
 * mock models) through the OTel JS SDK's JSON serializer. The Python ones could not be recorded
 * here (no PyPI access); they are written to the attribute names, value types and JSON encodings
 * in each instrumentation's source and test snapshots: OpenLLMetry's OpenAI instrumentation
 * before its move to GenAI messages, `openinference-instrumentation-openai`, Logfire's OpenAI
 * integration (4.x), the Azure AI Inference SDK's span events, and GenAI semconv ≥ 1.37 attributes.
 */
import { describe, expect, it } from 'vitest';
import { mapOtlpSpan } from '@/lib/otlp/map';
import type { MappedSpan, OtlpSpan } from '@/lib/otlp/types';
import { extractChatMessages } from '@/lib/trace-view/messages';
import { buildTraceTree, traceTotals } from '@/lib/trace-view/tree';
import type { ApiSpan } from '@/lib/trace-view/types';
import { IncomingSpan } from '@/lib/trace-store/ingest';
import { loadOtlpFixture } from '@/tests/support/otlp-json';

const FIXTURES = ['openllmetry-openai.json', 'openinference-openai.json', 'logfire-openai.json', 'genai-events.json', 'genai-agent.json', 'vercel-ai.json'];

function mapped(fixture: string): Array<MappedSpan & { source: OtlpSpan }> {
  return loadOtlpFixture(fixture).map((source) => ({ ...mapOtlpSpan(source), source }));
}

/** The trace header's totals of these spans: the one rule that counts each model call once. */
function inputTokenTotal(spans: MappedSpan[]): number | null {
  return traceTotals(buildTraceTree(spans as unknown as ApiSpan[])).inputTokens;
}

function only(spans: MappedSpan[], predicate: (span: MappedSpan) => boolean): MappedSpan {
  const found = spans.filter(predicate);
  expect(found).toHaveLength(1);
  return found[0];
}

describe.each(FIXTURES)('%s', (fixture) => {
  it('maps every span into a row the ingest schema accepts', () => {
    for (const span of mapped(fixture)) {
      const { source: _source, ...row } = span;
      const parsed = IncomingSpan.safeParse(row);
      expect(parsed.success, `${span.span_name}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it('shows LLM inputs and outputs as conversations in the chat view', () => {
    for (const span of mapped(fixture).filter((s) => s.operation_type === 'llm_call' && Array.isArray(s.input_data))) {
      expect(extractChatMessages(span.input_data), span.span_name).not.toBeNull();
      if (span.output_data !== undefined) expect(extractChatMessages(span.output_data), span.span_name).not.toBeNull();
    }
  });
});

describe('OpenLLMetry (Traceloop SDK + OpenAI instrumentation)', () => {
  const spans = mapped('openllmetry-openai.json');

  it('shows the workflow as a chain with its argument and return value, for the session and user', () => {
    const workflow = only(spans, (s) => s.span_name === 'weather_assistant.workflow');
    expect(workflow).toMatchObject({ operation_type: 'chain', input_data: "What's the weather in Paris?", output_data: 'It is sunny in Paris, 21°C.', session_id: 'sess-7f3a', end_user_id: 'user-1042', service_name: 'weather-assistant' });
    expect(workflow.metadata.tenant).toBe('acme');
  });

  it('shows each model call with model, provider, tokens, and the tool round trip in its messages', () => {
    const [first, second] = spans.filter((s) => s.span_name === 'openai.chat');
    expect(first).toMatchObject({ operation_type: 'llm_call', model_name: 'gpt-4o-mini-2024-07-18', model_provider: 'openai', input_tokens: 72, output_tokens: 15, total_tokens: 87 });
    expect(first.output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'call_Q1w2', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_calls' }]);
    expect(second).toMatchObject({ cached_input_tokens: 64, output_data: [{ role: 'assistant', content: 'It is sunny in Paris, 21°C.', finish_reason: 'stop' }] });
    expect((second.input_data as Array<{ role: string }>).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second.metadata['llm.is_streaming']).toBe(true);
  });

  it('shows the tool with its keyword arguments and result', () => {
    expect(only(spans, (s) => s.span_name === 'get_weather.tool')).toMatchObject({ operation_type: 'tool_call', input_data: { city: 'Paris' }, output_data: { city: 'Paris', condition: 'sunny', temp_c: 21 } });
  });
});

describe('OpenInference (OpenAI instrumentation + manual chain and tool)', () => {
  const spans = mapped('openinference-openai.json');

  it('shows the image the user sent and the tool call the model requested', () => {
    const call = only(spans, (s) => s.span_name === 'ChatCompletion' && s.output_tokens === 19);
    expect(call).toMatchObject({ model_name: 'gpt-4o-2024-08-06', model_provider: 'openai', input_tokens: 412, total_tokens: 431, cached_input_tokens: 256, reasoning_tokens: 0 });
    expect(call.input_data).toEqual([
      { role: 'system', content: 'You are a support agent. Look orders up before answering.' },
      { role: 'user', content: [{ type: 'text', text: 'Is order 1234 shipped yet?' }, { type: 'image', url: 'https://example.com/receipt.png' }] },
    ]);
    expect(call.output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'call_9x', name: 'lookup_order', arguments: { order_id: '1234' } }] }]);
    expect(call.metadata).not.toHaveProperty('output.value');
  });

  it('carries session, user, tags and metadata on every span', () => {
    for (const span of spans) {
      expect(span).toMatchObject({ session_id: 'conv-88', end_user_id: 'alice@example.com', tags: ['prod', 'checkout'], service_name: 'rag-api' });
      expect(span.metadata).toMatchObject({ experiment: 'prompt-v3', tenant: 'acme' });
    }
  });

  it('shows the chain, the tool and the embedding with their own inputs', () => {
    expect(only(spans, (s) => s.span_name === 'answer_question')).toMatchObject({ operation_type: 'chain', input_data: 'Is order 1234 shipped yet?', output_data: 'Yes, order 1234 shipped on Monday.' });
    expect(only(spans, (s) => s.span_name === 'lookup_order')).toMatchObject({ operation_type: 'tool_call', input_data: { order_id: '1234' }, output_data: { status: 'shipped', shipped_at: '2025-10-06' } });
    const embedding = only(spans, (s) => s.operation_type === 'embedding');
    expect(embedding).toMatchObject({ model_name: 'text-embedding-3-small', input_tokens: 8, input_data: ['Is order 1234 shipped yet?'] });
    expect(JSON.stringify(embedding.metadata)).not.toContain('0.0123');
  });
});

describe('Logfire (OpenAI integration)', () => {
  const spans = mapped('logfire-openai.json');

  it('shows the answered call with its conversation, not the raw request and response again', () => {
    const ok = only(spans, (s) => s.status === 'completed' && s.operation_type === 'llm_call');
    expect(ok).toMatchObject({ model_name: 'gpt-4-0613', model_provider: 'openai', input_tokens: 24, output_tokens: 1, tags: ['LLM'], service_name: 'support-bot' });
    expect(ok.output_data).toEqual([{ role: 'assistant', content: 'Nine', finish_reason: 'stop' }]);
    expect(ok.metadata).not.toHaveProperty('request_data');
    expect(ok.metadata).not.toHaveProperty('response_data');
    expect(ok.metadata['operation.cost']).toBe(0.00012);
  });

  it('shows the rate-limited call as failed with the exception, and its stack in metadata', () => {
    const failed = only(spans, (s) => s.status === 'failed');
    expect(failed.error_message).toMatch(/^openai\.RateLimitError: Error code: 429/);
    expect(failed.metadata['exception.stacktrace']).toContain('Traceback');
    expect(failed.metadata).not.toHaveProperty('otel.events');
  });
});

describe('GenAI per-message events (Azure AI Inference)', () => {
  const spans = mapped('genai-events.json');

  it('rebuilds both calls of a tool round trip from the events', () => {
    const [first, second] = spans;
    expect(first).toMatchObject({ model_name: 'gpt-4o-mini-2024-07-18', model_provider: 'azure', input_tokens: 58, output_tokens: 16 });
    expect(first.output_data).toEqual([{ role: 'assistant', content: '', tool_calls: [{ id: 'call_k3', name: 'get_weather', arguments: { city: 'Seattle' } }], finish_reason: 'tool_calls' }]);
    expect(second.input_data).toContainEqual({ role: 'tool', content: 'Rain, 12°C', tool_call_id: 'call_k3' });
    expect(second.output_data).toEqual([{ role: 'assistant', content: 'Yes — rain is expected in Seattle today, take an umbrella.', finish_reason: 'stop' }]);
  });
});

describe('GenAI attributes (agent run)', () => {
  const spans = mapped('genai-agent.json');

  it('shows the agent, its model calls and its tool, in the conversation thread', () => {
    expect(only(spans, (s) => s.operation_type === 'agent')).toMatchObject({ model_provider: 'anthropic', session_id: 'thread-31', input_tokens: 2300 });
    const [first, second] = spans.filter((s) => s.operation_type === 'llm_call');
    expect(first).toMatchObject({ model_name: 'claude-sonnet-4-5-20250929', cached_input_tokens: 900, time_to_first_token_ms: 420 });
    expect(first.metadata.cache_creation_input_tokens).toBe(100);
    expect(first.input_data).toEqual([{ role: 'system', content: 'You plan trips. Check the weather first.' }, { role: 'user', content: 'Plan a day in Lisbon.' }]);
    expect(second).toMatchObject({ reasoning_tokens: 50 });
    expect(only(spans, (s) => s.operation_type === 'tool_call')).toMatchObject({ input_data: { city: 'Lisbon' }, output_data: { forecast: 'sunny', high_c: 26 } });
  });

  it('counts the agent’s usage once: it repeats its model calls’', () => {
    expect(inputTokenTotal(mapped('genai-agent.json'))).toBe(2300);
  });
});

describe('Vercel AI SDK (recorded from ai 6 with a mock model)', () => {
  const spans = mapped('vercel-ai.json');

  it('shows each provider call with the model that answered, the provider and the usage', () => {
    const calls = spans.filter((s) => s.span_name === 'ai.generateText.doGenerate');
    expect(calls.map((s) => [s.model_name, s.model_provider, s.input_tokens, s.output_tokens, s.cached_input_tokens])).toEqual([
      ['gpt-4.1-mini-2025-04-14', 'openai', 120, 18, 0],
      ['gpt-4.1-mini-2025-04-14', 'openai', 160, 12, 64],
    ]);
    expect(calls[1].reasoning_tokens).toBe(4);
    expect(calls[0].output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'call_v1', name: 'weather', arguments: { city: 'Berlin' } }], finish_reason: 'tool-calls' }]);
  });

  it('shows the call as the system prompt and question, with the session and user from telemetry metadata', () => {
    const root = only(spans, (s) => s.span_name === 'ai.generateText');
    expect(root).toMatchObject({
      operation_type: 'llm_call',
      session_id: 'chat_5',
      end_user_id: 'u_77',
      input_data: [{ role: 'system', content: 'You are a concise weather bot.' }, { role: 'user', content: 'Weather in Berlin?' }],
      output_data: [{ role: 'assistant', content: 'It is 18°C and cloudy in Berlin.', finish_reason: 'stop' }],
    });
    expect(root.metadata).toMatchObject({ plan: 'pro', 'ai.telemetry.functionId': 'weather-chat' });
  });

  it('shows the tool call, the streamed call with its time to first chunk, and the embedded values', () => {
    expect(only(spans, (s) => s.span_name === 'ai.toolCall')).toMatchObject({ operation_type: 'tool_call', input_data: { city: 'Berlin' }, output_data: { city: 'Berlin', temperature_c: 18, condition: 'cloudy' } });
    const stream = only(spans, (s) => s.span_name === 'ai.streamText.doStream');
    expect(stream).toMatchObject({ model_provider: 'anthropic', model_name: 'claude-haiku-4-5-20251001' });
    expect(stream.time_to_first_token_ms).toBeGreaterThan(0);
    expect(only(spans, (s) => s.span_name === 'ai.embedMany')).toMatchObject({ operation_type: 'embedding', input_data: ['sunny', 'rainy'], input_tokens: 18 });
  });

  it('counts each model call once: the wrappers repeat their children’s usage', () => {
    const traceIds = [...new Set(spans.map((s) => s.trace_id))];
    const total = traceIds.reduce((sum, id) => sum + (inputTokenTotal(spans.filter((s) => s.trace_id === id)) ?? 0), 0);
    expect(total).toBe(120 + 160 + 30 + 9 + 9);
  });
});
