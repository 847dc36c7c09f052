import { describe, expect, it } from 'vitest';
import { normalizeProvider } from '@/lib/otlp/conventions/common';
import { genAiConvention } from '@/lib/otlp/conventions/genai';
import { mapOtlpSpan } from '@/lib/otlp/map';
import type { Attributes, OtlpEvent } from '@/lib/otlp/types';
import { otlpSpan } from '@/tests/support/otlp-json';

const map = (attributes: Attributes, extra: Parameters<typeof otlpSpan>[0] = {}) => mapOtlpSpan(otlpSpan({ attributes, ...extra }));
const event = (name: string, attributes: Attributes): OtlpEvent => ({ name, timeUnixNano: 1_700_000_000_500_000_000n, attributes });

describe('GenAI semantic conventions', () => {
  it.each([
    ['chat', 'llm_call'],
    ['text_completion', 'llm_call'],
    ['generate_content', 'llm_call'],
    ['embeddings', 'embedding'],
    ['execute_tool', 'tool_call'],
    ['invoke_agent', 'agent'],
    ['create_agent', 'agent'],
    ['something_new', 'other'],
  ])('gen_ai.operation.name %s is a %s span', (operation, expected) => {
    expect(map({ 'gen_ai.operation.name': operation }).operation_type).toBe(expected);
  });

  it('shows the model that answered over the one requested, and the provider by its one name', () => {
    const span = map({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.provider.name': 'gcp.vertex_ai', 'gen_ai.system': 'vertex_ai' });
    expect(span).toMatchObject({ model_name: 'gpt-4o-2024-08-06', model_provider: 'google' });
  });

  it('reads token usage in the current and the deprecated spellings', () => {
    expect(map({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20, 'gen_ai.usage.cache_read.input_tokens': 60, 'gen_ai.usage.reasoning.output_tokens': 8 })).toMatchObject({
      input_tokens: 100,
      output_tokens: 20,
      cached_input_tokens: 60,
      reasoning_tokens: 8,
    });
    const old = map({ 'gen_ai.usage.prompt_tokens': 7, 'gen_ai.usage.completion_tokens': 3, 'gen_ai.usage.cache_read_input_tokens': 2, 'gen_ai.usage.cache_creation_input_tokens': 5 });
    expect(old).toMatchObject({ input_tokens: 7, output_tokens: 3, cached_input_tokens: 2 });
    expect(old.metadata.cache_creation_input_tokens).toBe(5);
    expect(old.metadata).not.toHaveProperty('gen_ai.usage.prompt_tokens');
  });

  it('turns input/output messages and system instructions (JSON text or structured) into chat messages', () => {
    const asText = map({
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'search', arguments: { q: 'x' } }], finish_reason: 'tool_call' }]),
    });
    expect(asText.input_data).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
    expect(asText.output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'search', arguments: { q: 'x' } }], finish_reason: 'tool_call' }]);
    const structured = map({ 'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }] });
    expect(structured.input_data).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('shows a tool span with its arguments as input and its result as output', () => {
    const span = map({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather', 'gen_ai.tool.call.arguments': '{"city":"Oslo"}', 'gen_ai.tool.call.result': '{"temp":3}' });
    expect(span).toMatchObject({ operation_type: 'tool_call', input_data: { city: 'Oslo' }, output_data: { temp: 3 } });
    expect(span.metadata['gen_ai.tool.name']).toBe('weather');
  });

  it('takes the conversation id as the session', () => {
    expect(map({ 'gen_ai.conversation.id': 'conv-1' }).session_id).toBe('conv-1');
  });

  it('rebuilds the conversation from the older per-message span events', () => {
    const span = map(
      { 'gen_ai.operation.name': 'chat' },
      {
        events: [
          event('gen_ai.system.message', { 'gen_ai.event.content': '{"role":"system","content":"Be kind."}' }),
          event('gen_ai.user.message', { content: 'Hello' }),
          event('gen_ai.tool.message', { body: { content: '42', id: 'call_1' } }),
          event('gen_ai.choice', { 'gen_ai.event.content': '{"index":0,"finish_reason":"stop","message":{"content":"Hi!"}}' }),
        ],
      },
    );
    expect(span.input_data).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'Hello' },
      { role: 'tool', content: '42', tool_call_id: 'call_1' },
    ]);
    expect(span.output_data).toEqual([{ role: 'assistant', content: 'Hi!', finish_reason: 'stop' }]);
    expect(span.metadata).not.toHaveProperty('otel.events');
  });

  it('reads the messages of a gen_ai.client.inference.operation.details event', () => {
    const details = event('gen_ai.client.inference.operation.details', {
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Q' }] }],
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'A' }] }],
    });
    const span = map({ 'gen_ai.operation.name': 'chat' }, { events: [details] });
    expect(span).toMatchObject({ input_data: [{ role: 'user', content: 'Q' }], output_data: [{ role: 'assistant', content: 'A' }] });
    expect(span.metadata).not.toHaveProperty('otel.events');
  });

  it('is a pure function that reports the attributes it used', () => {
    const result = genAiConvention(otlpSpan({ attributes: { 'gen_ai.request.model': 'm', 'custom.key': 1 } }));
    expect([...result.consumed]).toEqual(['gen_ai.request.model']);
  });
});

describe('OpenInference', () => {
  it.each([
    ['LLM', 'llm_call'],
    ['EMBEDDING', 'embedding'],
    ['TOOL', 'tool_call'],
    ['RETRIEVER', 'retrieval'],
    ['RERANKER', 'retrieval'],
    ['AGENT', 'agent'],
    ['CHAIN', 'chain'],
    ['GUARDRAIL', 'other'],
    ['EVALUATOR', 'other'],
  ])('openinference.span.kind %s is a %s span', (kind, expected) => {
    expect(map({ 'openinference.span.kind': kind }).operation_type).toBe(expected);
  });

  it('rebuilds flattened messages with content parts and tool calls', () => {
    const span = map({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'text',
      'llm.input_messages.0.message.contents.0.message_content.text': 'Describe this',
      'llm.input_messages.0.message.contents.1.message_content.type': 'image',
      'llm.input_messages.0.message.contents.1.message_content.image.image.url': 'https://x/y.png',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'zoom',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"factor":2}',
      'input.value': '{"model":"gpt-4o"}',
      'input.mime_type': 'application/json',
    });
    expect(span.input_data).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Describe this' }, { type: 'image', url: 'https://x/y.png' }] },
    ]);
    expect(span.output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', name: 'zoom', arguments: { factor: 2 } }] }]);
    expect(span.metadata).not.toHaveProperty('input.value');
  });

  it('parses input.value / output.value only when their mime type is JSON', () => {
    const span = map({ 'input.value': '{"q":"a"}', 'input.mime_type': 'application/json', 'output.value': '{"not":"parsed"}', 'output.mime_type': 'text/plain' });
    expect(span).toMatchObject({ input_data: { q: 'a' }, output_data: '{"not":"parsed"}' });
  });

  it('maps model, provider, usage, session, user, tags and metadata', () => {
    const span = map({
      'llm.model_name': 'claude-sonnet-4-5',
      'llm.provider': 'azure',
      'llm.system': 'openai',
      'llm.token_count.prompt': 50,
      'llm.token_count.completion': 5,
      'llm.token_count.total': 55,
      'llm.token_count.prompt_details.cache_read': 30,
      'llm.token_count.prompt_details.cache_write': 10,
      'llm.token_count.completion_details.reasoning': 2,
      'session.id': 's-1',
      'user.id': 'u-1',
      'tag.tags': ['a', 'b'],
      metadata: '{"experiment":"x"}',
    });
    expect(span).toMatchObject({
      model_name: 'claude-sonnet-4-5',
      model_provider: 'azure',
      input_tokens: 50,
      output_tokens: 5,
      total_tokens: 55,
      cached_input_tokens: 30,
      reasoning_tokens: 2,
      session_id: 's-1',
      end_user_id: 'u-1',
      tags: ['a', 'b'],
    });
    expect(span.metadata).toMatchObject({ experiment: 'x', cache_creation_input_tokens: 10 });
  });
});

describe('OpenLLMetry', () => {
  it.each([
    [{ 'traceloop.span.kind': 'workflow' }, 'chain'],
    [{ 'traceloop.span.kind': 'task' }, 'chain'],
    [{ 'traceloop.span.kind': 'agent' }, 'agent'],
    [{ 'traceloop.span.kind': 'tool' }, 'tool_call'],
    [{ 'llm.request.type': 'chat' }, 'llm_call'],
    [{ 'llm.request.type': 'completion' }, 'llm_call'],
    [{ 'llm.request.type': 'embedding' }, 'embedding'],
    [{ 'llm.request.type': 'rerank' }, 'retrieval'],
  ] as Array<[Attributes, string]>)('%o is a %s span', (attributes, expected) => {
    expect(map(attributes).operation_type).toBe(expected);
  });

  it('rebuilds gen_ai.prompt.N / gen_ai.completion.N messages, tool calls included', () => {
    const span = map({
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': JSON.stringify([{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'u' } }]),
      'gen_ai.prompt.name': 'not-a-message',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.finish_reason': 'tool_calls',
      'gen_ai.completion.0.tool_calls.0.id': 'c9',
      'gen_ai.completion.0.tool_calls.0.name': 'lookup',
      'gen_ai.completion.0.tool_calls.0.arguments': '{"id":1}',
    });
    expect(span.input_data).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'u' } }] }]);
    expect(span.output_data).toEqual([{ role: 'assistant', content: null, tool_calls: [{ id: 'c9', name: 'lookup', arguments: { id: 1 } }], finish_reason: 'tool_calls' }]);
    expect(span.metadata['gen_ai.prompt.name']).toBe('not-a-message');
  });

  it('shows a decorated function call as what was passed and what it returned', () => {
    expect(map({ 'traceloop.entity.input': '{"args": ["hi"], "kwargs": {}}', 'traceloop.entity.output': '"hello"' })).toMatchObject({ input_data: 'hi', output_data: 'hello' });
    expect(map({ 'traceloop.entity.input': '{"args": [], "kwargs": {"city": "Rome"}}' }).input_data).toEqual({ city: 'Rome' });
  });

  it('names session and end user from association properties and keeps the others as metadata', () => {
    const span = map({
      'traceloop.association.properties.session_id': 'abc',
      'traceloop.association.properties.user_id': 'bob',
      'traceloop.association.properties.plan': 'free',
      'llm.usage.total_tokens': 12,
    });
    expect(span).toMatchObject({ session_id: 'abc', end_user_id: 'bob', total_tokens: 12 });
    expect(span.metadata.plan).toBe('free');
  });
});

describe('Vercel AI SDK', () => {
  it.each([
    ['ai.generateText', 'llm_call'],
    ['ai.streamText.doStream', 'llm_call'],
    ['ai.generateObject.doGenerate', 'llm_call'],
    ['ai.embedMany', 'embedding'],
    ['ai.embed.doEmbed', 'embedding'],
    ['ai.toolCall', 'tool_call'],
  ])('%s is a %s span', (operationId, expected) => {
    expect(map({ 'ai.operationId': operationId }, { name: operationId }).operation_type).toBe(expected);
  });

  it.each([
    ['openai.chat', 'openai'],
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['google.generative-ai', 'google'],
    ['mistral.chat', 'mistral'],
    ['amazon-bedrock', 'bedrock'],
  ])('provider %s is shown as %s', (provider, expected) => {
    expect(map({ 'ai.model.provider': provider }).model_provider).toBe(expected);
  });

  it('reads the older usage names too', () => {
    expect(map({ 'ai.usage.promptTokens': 11, 'ai.usage.completionTokens': 4 })).toMatchObject({ input_tokens: 11, output_tokens: 4 });
  });

  it('shows ai.prompt as chat messages, system first, and the response as an assistant message', () => {
    const span = map({
      'ai.operationId': 'ai.generateText',
      'ai.prompt': '{"system":"Be short.","prompt":"Capital of France?"}',
      'ai.response.text': 'Paris',
      'ai.response.toolCalls': '[{"toolCallId":"t1","toolName":"geo","input":"{\\"q\\":\\"Paris\\"}"}]',
    });
    expect(span.input_data).toEqual([{ role: 'system', content: 'Be short.' }, { role: 'user', content: 'Capital of France?' }]);
    expect(span.output_data).toEqual([{ role: 'assistant', content: 'Paris', tool_calls: [{ id: 't1', name: 'geo', arguments: { q: 'Paris' } }] }]);
  });

  it('shows a tool call with its arguments and result as values, and time to first chunk from a stream', () => {
    expect(map({ 'ai.operationId': 'ai.toolCall', 'ai.toolCall.args': '{"a":1}', 'ai.toolCall.result': '[1,2]' })).toMatchObject({ input_data: { a: 1 }, output_data: [1, 2] });
    expect(map({ 'ai.operationId': 'ai.streamText.doStream', 'ai.response.msToFirstChunk': 312.5 }).time_to_first_token_ms).toBe(312.5);
  });

  it('unpacks ai.telemetry.metadata, naming session and user', () => {
    const span = map({ 'ai.telemetry.metadata.userId': 'u1', 'ai.telemetry.metadata.sessionId': 's1', 'ai.telemetry.metadata.plan': 'pro' });
    expect(span).toMatchObject({ end_user_id: 'u1', session_id: 's1' });
    expect(span.metadata.plan).toBe('pro');
    expect(span.metadata).not.toHaveProperty('ai.telemetry.metadata.plan');
  });
});

describe('common to every span', () => {
  it('marks a span with status code 2 failed, with the exception as its error and the stack in metadata', () => {
    const span = map(
      {},
      {
        status: { code: 2, message: 'boom' },
        events: [event('exception', { 'exception.type': 'ValueError', 'exception.message': 'bad input', 'exception.stacktrace': 'x'.repeat(10_000) })],
      },
    );
    expect(span).toMatchObject({ status: 'failed', error_message: 'ValueError: bad input' });
    expect(String(span.metadata['exception.stacktrace']).length).toBeLessThan(5000);
  });

  it('takes the status message when there is no exception event, and an exception event alone as a failure', () => {
    expect(map({}, { status: { code: 2, message: 'upstream 503' } })).toMatchObject({ status: 'failed', error_message: 'upstream 503' });
    expect(map({}, { events: [event('exception', { 'exception.type': 'Timeout' })] })).toMatchObject({ status: 'failed', error_message: 'Timeout' });
  });

  it('keeps a span completed when its status is OK despite a recorded exception', () => {
    const span = map({}, { status: { code: 1, message: '' }, events: [event('exception', { 'exception.type': 'Retryable' })] });
    expect(span.status).toBe('completed');
    expect(span.error_message).toBeUndefined();
    expect(span.metadata['otel.events']).toEqual([{ name: 'exception', offset_ms: 500, attributes: { 'exception.type': 'Retryable' } }]);
  });

  it('shows a span that has not ended as running, and keeps sub-millisecond times', () => {
    expect(map({}, { endTimeUnixNano: null })).toMatchObject({ status: 'running', end_time: null, duration_ms: null });
    const span = map({}, { startTimeUnixNano: 1_700_000_000_000_123_456n, endTimeUnixNano: 1_700_000_000_000_623_956n });
    expect(span).toMatchObject({ start_time: 1_700_000_000_000.123, duration_ms: 0.5005 });
  });

  it('takes service.name from the resource and the generic session, user and tag keys', () => {
    const span = map({ 'langfuse.session.id': 'ls', 'enduser.id': 'eu', 'langfuse.trace.tags': ['x'], tags: 'a, b' }, { resource: { 'service.name': 'checkout' } });
    expect(span).toMatchObject({ service_name: 'checkout', session_id: 'ls', end_user_id: 'eu', tags: ['a', 'b', 'x'] });
  });

  it.each([
    ['OpenAI', 'openai'],
    ['azure.ai.openai', 'azure'],
    ['az.ai.openai', 'azure'],
    ['aws.bedrock', 'bedrock'],
    ['gcp.gen_ai', 'google'],
    ['gemini', 'google'],
    ['vertex_ai', 'google'],
    ['mistral_ai', 'mistral'],
    ['mistralai', 'mistral'],
    ['x_ai', 'xai'],
    ['ibm.watsonx.ai', 'watsonx'],
    ['groq', 'groq'],
    ['Some-New-Lab', 'some-new-lab'],
  ])('normalizeProvider(%s) is %s', (raw, expected) => {
    expect(normalizeProvider(raw)).toBe(expected);
  });
});
