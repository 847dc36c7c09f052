/**
 * `wrapOpenAI` and `wrapAnthropic` on the official clients, against the fake provider servers:
 * each call is one span with model, tokens, input and output, the SDK's return values (its
 * `APIPromise`, `.withResponse()`, `.asResponse()`, its streams) and errors reach the caller
 * unchanged, and streams end their span when read to the end, broken off or aborted.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { APIPromise } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemorySpanSink, TraceService, init, observe, traceService, wrapAnthropic, wrapOpenAI } from '@llmtrace/sdk';
import { startFakes, tracedClients, TEST_USER_ID, type Fakes } from './support/wrapped-clients';

let fakes: Fakes;
beforeAll(async () => {
  fakes = await startFakes();
});
afterAll(async () => {
  await fakes?.close();
});

const question = () => [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
const weather = { city: 'Paris', unit: 'celsius' };

describe('wrapOpenAI: chat completions', () => {
  it('records a JSON completion and returns the same APIPromise and data', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'reply', content: 'Sunny, 24°C.', usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 40, reasoning_tokens: 5 } });
    const messages = question();
    const promise = openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
    expect(promise).toBeInstanceOf(APIPromise);
    const completion = await promise;
    messages.push({ role: 'user', content: 'and tomorrow?' }); // the span keeps what was sent

    expect(completion.choices[0].message.content).toBe('Sunny, 24°C.');
    expect(await span('openai.chat.completions')).toMatchObject({
      user_id: TEST_USER_ID, parent_trace_id: null, operation_type: 'llm_call', status: 'completed', error_message: null,
      model_name: 'gpt-4o-mini-2024-07-18', model_provider: 'openai',
      input_tokens: 100, output_tokens: 20, total_tokens: 120, cached_input_tokens: 40, reasoning_tokens: 5, cost_usd: null,
      input_data: { messages: question() }, output_data: { role: 'assistant', content: 'Sunny, 24°C.' },
      metadata: { source: 'sdk', stream: false, parameters: { model: 'gpt-4o-mini', temperature: 0 }, finish_reason: 'stop' },
    });
  });

  it('keeps .withResponse() and .asResponse() working', async () => {
    const { openai, spans } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'reply', content: 'One.' }, { kind: 'reply', content: 'Two.' });
    const { data, response, request_id } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() }).withResponse();
    expect(data.choices[0].message.content).toBe('One.');
    expect(response.status).toBe(200);
    expect(request_id).toBe(response.headers.get('x-request-id'));

    const raw = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() }).asResponse();
    expect(((await raw.json()) as OpenAI.ChatCompletion).choices[0].message.content).toBe('Two.');

    const [withResponse, asResponse] = await spans();
    expect(withResponse).toMatchObject({ status: 'completed', output_data: { content: 'One.' }, input_tokens: 12, output_tokens: 5 });
    // The caller read the body itself: the span ends with the response, without the answer.
    expect(asResponse).toMatchObject({ status: 'completed', output_data: null, metadata: { http_status: 200, body_read_by_caller: true } });
  });

  it('assembles a streamed answer with tool calls, with usage and time to first token when the request asked for usage', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'reply', content: 'Let me check.', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: weather }], usage: { prompt_tokens: 50, completion_tokens: 12 }, firstChunkDelayMs: 30 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question(), stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';

    expect(text).toBe('Let me check.');
    expect(fakes.chat.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const recorded = await span('openai.chat.completions');
    expect(recorded).toMatchObject({
      status: 'completed', input_tokens: 50, output_tokens: 12, model_name: 'gpt-4o-mini-2024-07-18',
      output_data: { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(weather) } }] },
      metadata: { source: 'sdk', stream: true, finish_reason: 'tool_calls' },
    });
    expect(recorded.time_to_first_token_ms).toBeGreaterThanOrEqual(25);
  });

  it('leaves a stream that did not ask for usage as it is, and records it without tokens', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'reply', content: 'Hi there.' });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question(), stream: true }).withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(fakes.chat.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
    expect(await span('openai.chat.completions')).toMatchObject({ status: 'completed', input_tokens: null, output_tokens: null, output_data: { content: 'Hi there.' } });
  });

  it('records an upstream 4xx as a failed span and throws the SDK error unchanged', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'error', status: 400, message: 'messages is required', code: 'invalid_request' });
    const error = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', requestID: expect.stringMatching(/^req_\d+$/) });
    expect(await span('openai.chat.completions')).toMatchObject({
      status: 'failed', error_message: (error as Error).message, metadata: { source: 'sdk', http_status: 400 }, output_data: null,
    });
  });

  it('records an unreachable upstream as failed, and the connection error reaches the caller', async () => {
    const { service, span } = tracedClients(fakes);
    const offline = new OpenAI({ apiKey: 'test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
    await expect(wrapOpenAI(offline, { traceService: service }).chat.completions.create({ model: 'gpt-4o-mini', messages: question() })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(await span('openai.chat.completions')).toMatchObject({ status: 'failed', error_message: 'Connection error.' });
  });

  it('ends the span as cancelled when the caller breaks off a stream, and the request is aborted', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'stall', content: 'one two three four', afterChunks: 2 });
    const aborted = fakes.chat.abortedResponses;
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question(), stream: true });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'one two') break;
    }
    await fakes.chat.waitForClientAbort();
    expect(fakes.chat.abortedResponses).toBe(aborted + 1);
    expect(await span('openai.chat.completions')).toMatchObject({
      status: 'cancelled', error_message: 'The caller stopped reading the stream.', output_data: { content: 'one two' }, metadata: { stream_stopped_early: true },
    });
  });

  it('ends the span as cancelled when the request is aborted mid-stream', async () => {
    const { openai, span } = tracedClients(fakes);
    fakes.chat.enqueue({ kind: 'stall', content: 'one two three', afterChunks: 1 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question(), stream: true }, { signal: controller.signal });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'one') controller.abort();
    }
    expect(await span('openai.chat.completions')).toMatchObject({ status: 'cancelled', output_data: { content: 'one' } });
  });
});

describe('wrapOpenAI: responses and embeddings', () => {
  it('records a JSON response with function calls', async () => {
    const { platform, span } = tracedClients(fakes);
    fakes.platform.enqueue({ kind: 'response', content: 'Checking.', functionCalls: [{ name: 'get_weather', arguments: weather }], usage: { input_tokens: 30, output_tokens: 9, cached_tokens: 10, reasoning_tokens: 3 } });
    const response = await platform.responses.create({ model: 'gpt-4.1-mini', input: 'Weather in Paris?', instructions: 'Be brief.' });
    expect(response.output_text).toBe('Checking.');
    expect(await span('openai.responses')).toMatchObject({
      status: 'completed', model_name: 'gpt-4.1-mini-2025-04-14', input_tokens: 30, output_tokens: 9, cached_input_tokens: 10, reasoning_tokens: 3,
      input_data: { messages: [{ role: 'user', content: 'Weather in Paris?' }], system: 'Be brief.' },
      output_data: { role: 'assistant', content: 'Checking.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(weather) } }] },
      metadata: { source: 'sdk', stream: false, finish_reason: 'completed' },
    });
  });

  it('records a streamed response from its final event', async () => {
    const { platform, span } = tracedClients(fakes);
    fakes.platform.enqueue({ kind: 'response', content: 'Sunny and warm.', usage: { input_tokens: 20, output_tokens: 4 } });
    const stream = await platform.responses.create({ model: 'gpt-4.1-mini', input: [{ role: 'user', content: 'Weather?' }], stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
    const recorded = await span('openai.responses');
    expect(recorded).toMatchObject({ status: 'completed', input_tokens: 20, output_tokens: 4, output_data: { content: 'Sunny and warm.' }, metadata: { stream: true } });
    expect(recorded.time_to_first_token_ms).toBeGreaterThan(0);
  });

  it('records embeddings as an embedding span with the shape of the answer, not the vectors', async () => {
    const { platform, span } = tracedClients(fakes);
    fakes.platform.enqueue({ kind: 'embeddings', dimensions: 4, promptTokens: 6 });
    const result = await platform.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    expect(result.data).toHaveLength(2);
    expect(await span('openai.embeddings')).toMatchObject({
      operation_type: 'embedding', status: 'completed', model_name: 'text-embedding-3-small-v1', input_tokens: 6, output_tokens: 0,
      input_data: { input: ['a', 'b'] }, output_data: { embeddings: 2, dimensions: 4 }, metadata: { parameters: { encoding_format: 'float' } },
    });
  });
});

describe('wrapAnthropic', () => {
  it('records a JSON message with a tool_use block and cache reads', async () => {
    const { anthropic, span } = tracedClients(fakes);
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Checking.', toolUses: [{ id: 'toolu_1', name: 'get_weather', input: weather }], usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 30 } });
    const { data, response } = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, system: 'Be brief.', messages: question() }).withResponse();
    expect(data.stop_reason).toBe('tool_use');
    expect(response.status).toBe(200);
    expect(await span('anthropic.messages')).toMatchObject({
      model_provider: 'anthropic', model_name: 'claude-sonnet-4-6-20250929', status: 'completed',
      input_tokens: 40, output_tokens: 7, cached_input_tokens: 30,
      input_data: { messages: question(), system: 'Be brief.' },
      output_data: { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: weather }] },
      metadata: { source: 'sdk', stream: false, parameters: { model: 'claude-sonnet-4-6', max_tokens: 100 }, finish_reason: 'tool_use' },
    });
  });

  it('assembles a streamed message with tool input, usage and time to first token', async () => {
    const { anthropic, span } = tracedClients(fakes);
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Let me look.', toolUses: [{ id: 'toolu_2', name: 'get_weather', input: weather }], usage: { input_tokens: 15, output_tokens: 9 }, firstChunkDelayMs: 30 });
    const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: question(), stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('message_stop');
    const recorded = await span('anthropic.messages');
    expect(recorded).toMatchObject({
      status: 'completed', input_tokens: 15, output_tokens: 9, metadata: { stream: true, finish_reason: 'tool_use' },
      output_data: { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_2', input: weather }] },
    });
    expect(recorded.time_to_first_token_ms).toBeGreaterThanOrEqual(25);
  });

  it('traces messages.stream(), which is built on messages.create', async () => {
    const { anthropic, span } = tracedClients(fakes);
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Streamed helper.' });
    const message = await anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: question() }).finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Streamed helper.' }]);
    expect(await span('anthropic.messages')).toMatchObject({ status: 'completed', output_data: { content: [{ text: 'Streamed helper.' }] } });
  });

  it('records a 5xx and an error event in a stream as failed, and throws the SDK errors unchanged', async () => {
    const { anthropic, spans } = tracedClients(fakes);
    fakes.anthropic.enqueue({ kind: 'error', status: 500, message: 'upstream broke' }, { kind: 'stream_error', content: 'Partial', message: 'Overloaded' });
    const first = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question() }).catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(Anthropic.InternalServerError);
    const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question(), stream: true });
    const second = await (async () => {
      for await (const _event of stream) void _event;
    })().catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(Anthropic.APIError);

    const [http, inStream] = await spans();
    expect(http).toMatchObject({ status: 'failed', error_message: (first as Error).message, metadata: { http_status: 500 } });
    expect(inStream).toMatchObject({ status: 'failed', error_message: (second as Error).message, output_data: { content: [{ type: 'text', text: 'Partial' }] } });
  });

  it('ends a stream broken off after the answer as completed, and an aborted one as cancelled', async () => {
    const { anthropic, spans } = tracedClients(fakes);
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Done.' }, { kind: 'stall', content: 'never ending story', afterChunks: 1 });
    for await (const event of await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question(), stream: true })) {
      if (event.type === 'message_delta') break; // the answer is complete; message_stop never read
    }
    const stalled = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question(), stream: true });
    for await (const event of stalled) if (event.type === 'content_block_delta') stalled.controller.abort();

    const [broken, aborted] = await spans();
    expect(broken).toMatchObject({ status: 'completed', output_data: { content: [{ text: 'Done.' }] }, metadata: { stream_stopped_early: true } });
    expect(aborted).toMatchObject({ status: 'cancelled', output_data: { content: [{ text: 'never' }] } });
  });
});

describe('observe and the default tracer', () => {
  const sink = new InMemorySpanSink();
  beforeAll(() => traceService.setDefaultUserId(TEST_USER_ID));
  afterAll(() => traceService.setDefaultUserId(undefined));

  it('nests wrapped calls, streams included, under observe spans, which pass on session, end user and tags', async () => {
    const { openai, anthropic, platform, spans } = tracedClients(fakes, traceService, sink);
    fakes.chat.enqueue({ kind: 'reply', content: 'Paris.' });
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Sunny.' });
    fakes.platform.enqueue({ kind: 'embeddings' });
    const answer = await observe({ name: 'answer-question', sessionId: 'session-1', endUserId: 'end-user-1', tags: ['beta'], inputData: { question: 'weather' } }, async () => {
      const city = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() });
      let text = '';
      for await (const event of await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question(), stream: true })) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      await observe('tool.lookup', () => platform.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'float' }));
      return `${city.choices[0].message.content} ${text}`;
    });
    expect(answer).toBe('Paris. Sunny.');

    const byName = Object.fromEntries((await spans()).map((span) => [span.span_name, span]));
    const root = byName['answer-question'];
    expect(root).toMatchObject({ parent_trace_id: null, operation_type: 'chain', status: 'completed', user_id: TEST_USER_ID, input_data: { question: 'weather' } });
    expect(byName['tool.lookup']).toMatchObject({ parent_trace_id: root.span_id, operation_type: 'tool_call' });
    expect(byName['openai.embeddings'].parent_trace_id).toBe(byName['tool.lookup'].span_id);
    for (const name of ['openai.chat.completions', 'anthropic.messages']) {
      expect(byName[name]).toMatchObject({ parent_trace_id: root.span_id, status: 'completed', session_id: 'session-1', end_user_id: 'end-user-1', tags: ['beta'] });
    }
    expect(new Set(Object.values(byName).map((span) => span.trace_id))).toEqual(new Set([root.trace_id]));
  });

  it('records a failing call as failed in a failed observe span, and re-throws the SDK error', async () => {
    const { openai, spans } = tracedClients(fakes, traceService, sink);
    sink.reset();
    fakes.chat.enqueue({ kind: 'error', status: 503, message: 'overloaded' });
    const call = observe('pipeline', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() }));
    await expect(call).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const [child, root] = await spans();
    expect(child).toMatchObject({ span_name: 'openai.chat.completions', status: 'failed', parent_trace_id: root.span_id, metadata: { http_status: 503 } });
    expect(root).toMatchObject({ span_name: 'pipeline', status: 'failed', error_message: child.error_message });
  });
});

describe('tracing never breaks the app', () => {
  it('returns every answer when the sink keeps failing, and counts the drops', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sink = new InMemorySpanSink();
    sink.failNextWrites(1_000);
    const service = new TraceService({ sink, config: { batchSize: 1, maxRetries: 0, defaultUserId: TEST_USER_ID } });
    const { openai, anthropic } = tracedClients(fakes, service, sink);
    fakes.chat.enqueue({ kind: 'reply', content: 'Still here.' });
    fakes.anthropic.enqueue({ kind: 'reply', content: 'Me too.' });
    expect((await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() })).choices[0].message.content).toBe('Still here.');
    expect((await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: question() })).content).toMatchObject([{ text: 'Me too.' }]);
    await service.flush();
    expect(service.stats()).toMatchObject({ written: 0, dropped: 2 });
    vi.restoreAllMocks();
  });

  it('passes through when tracing is disabled, and traces a client wrapped twice once', async () => {
    const sink = new InMemorySpanSink();
    const disabled = new TraceService({ sink, config: { enabled: false } });
    fakes.chat.enqueue({ kind: 'reply', content: 'Untraced.' }, { kind: 'reply', content: 'Once.' });
    const plain = wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL: fakes.chat.url, maxRetries: 0 }), { traceService: disabled });
    expect((await plain.chat.completions.create({ model: 'gpt-4o-mini', messages: question() })).choices[0].message.content).toBe('Untraced.');
    await disabled.flush();
    expect(sink.spans()).toEqual([]);

    const { openai, service, spans } = tracedClients(fakes);
    expect(wrapOpenAI(openai, { traceService: service })).toBe(openai);
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question() });
    expect(await spans()).toHaveLength(1);
  });

  it('init() without a server, a key or a valid URL only warns, and sends nothing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(init({ url: '', apiKey: '' })).toBe(traceService);
    expect(init({ url: 'ftp://example.test', apiKey: 'lt_key' })).toBe(traceService);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([expect.stringContaining('LLMTRACE_URL'), expect.stringContaining('not an http(s) URL')]);
    vi.restoreAllMocks();
  });

  it('accepts anything as a client and keeps what its methods return or throw', async () => {
    expect(wrapOpenAI(null)).toBeNull();
    expect(wrapAnthropic(42)).toBe(42);
    const { service, spans } = tracedClients(fakes);
    const boom = new Error('sync boom');
    const odd = wrapOpenAI(
      {
        chat: { completions: { create: () => 42 } },
        responses: { create: () => { throw boom; } },
        embeddings: { create: () => Promise.reject(new Error('async boom')) },
      },
      { traceService: service },
    );
    expect(odd.chat.completions.create()).toBe(42);
    expect(() => odd.responses.create()).toThrow(boom);
    await expect(odd.embeddings.create()).rejects.toThrow('async boom');
    expect((await spans()).map((span) => [span.span_name, span.status, span.error_message])).toEqual([
      ['openai.chat.completions', 'completed', null],
      ['openai.responses', 'failed', 'sync boom'],
      ['openai.embeddings', 'failed', 'async boom'],
    ]);
  });
});
