import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeTraceRequest, type OtlpEncoding } from '@/lib/otlp/decode';
import { encodeTraceResponse } from '@/lib/otlp/encode';
import { OtlpHttpSpanSink } from '@/lib/otlp/export';
import type { OtlpSpan } from '@/lib/otlp/types';
import { HttpSinkError } from '@llmtrace/sdk';
import type { SpanRecord } from '@llmtrace/sdk';
import { freePort } from '../../support/ports';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function record(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    user_id: '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01',
    trace_id: TRACE_ID,
    span_id: '00f067aa0ba902b7',
    parent_trace_id: 'a3ce929d0e0e4736',
    span_name: 'llm.call',
    operation_type: 'llm_call',
    status: 'completed',
    start_time: new Date('2026-01-01T00:00:00.000Z'),
    end_time: new Date('2026-01-01T00:00:01.250Z'),
    duration_ms: 1250,
    conversation_id: 'c0ffee00-0000-4000-8000-000000000001',
    message_id: 'c0ffee00-0000-4000-8000-000000000002',
    model_name: 'gpt-4o-mini',
    model_provider: 'openai',
    error_message: null,
    input_tokens: 120,
    output_tokens: 30,
    total_tokens: 150,
    cached_input_tokens: 100,
    reasoning_tokens: null,
    cost_usd: 0.000042,
    time_to_first_token_ms: 310,
    service_name: null,
    session_id: null,
    end_user_id: null,
    tags: [],
    input_data: [{ role: 'user', content: 'hi' }],
    output_data: { content: 'hello' },
    metadata: null,
    ...overrides,
  };
}

interface Received {
  headers: IncomingHttpHeaders;
  url: string | undefined;
  spans: OtlpSpan[];
}

const servers: Server[] = [];

/** A local OTLP receiver answering the given statuses in turn (then 200), decoding what it gets. */
async function otlpServer(statuses: number[] = [], partial?: { rejectedSpans: number; errorMessage: string }) {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const encoding: OtlpEncoding = request.headers['content-type'] === 'application/json' ? 'json' : 'protobuf';
    received.push({ headers: request.headers, url: request.url, spans: decodeTraceRequest(Buffer.concat(chunks), encoding).spans });
    const status = statuses.shift() ?? 200;
    const answer = encodeTraceResponse(encoding, status === 200 ? partial : undefined);
    response.writeHead(status, { 'content-type': status === 200 ? answer.contentType : 'text/plain' });
    response.end(status === 200 ? answer.body : 'refused');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received };
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('OtlpHttpSpanSink', () => {
  it.each(['protobuf', 'json'] as const)('exports an LLM call over %s with GenAI semantic-convention attributes', async (encoding) => {
    const { url, received } = await otlpServer();
    const sink = new OtlpHttpSpanSink({ url, encoding, headers: { 'x-api-key': 'secret' }, serviceName: 'chat-api' });
    await sink.write([record()]);

    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/traces');
    expect(received[0].headers['content-type']).toBe(encoding === 'json' ? 'application/json' : 'application/x-protobuf');
    expect(received[0].headers['x-api-key']).toBe('secret');
    const [span] = received[0].spans;
    expect(span).toMatchObject({
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'a3ce929d0e0e4736',
      name: 'llm.call',
      kind: 3,
      startTimeUnixNano: 1_767_225_600_000_000_000n,
      endTimeUnixNano: 1_767_225_601_250_000_000n,
      status: { code: 0 },
      resource: { 'service.name': 'chat-api', 'telemetry.sdk.name': 'llmtrace' },
      scope: { name: 'llmtrace' },
    });
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]',
      'gen_ai.conversation.id': 'c0ffee00-0000-4000-8000-000000000001',
      'llmtrace.operation_type': 'llm_call',
      'llmtrace.cost_usd': 0.000042,
      'llmtrace.conversation_id': 'c0ffee00-0000-4000-8000-000000000001',
      'llmtrace.message_id': 'c0ffee00-0000-4000-8000-000000000002',
      'llmtrace.time_to_first_token_ms': 310,
      'llmtrace.total_tokens': 150,
    });
  });

  it('marks a failed tool call as an error with its tool name, arguments and an exception event', async () => {
    const { url, received } = await otlpServer();
    await new OtlpHttpSpanSink({ url }).write([
      record({
        span_name: 'tool.web_search',
        operation_type: 'tool_call',
        status: 'failed',
        error_message: 'search backend down',
        model_name: null,
        model_provider: null,
        input_data: { query: 'otlp' },
        output_data: null,
      }),
    ]);
    const [span] = received[0].spans;
    expect(span.kind).toBe(1);
    expect(span.status).toEqual({ code: 2, message: 'search backend down' });
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'web_search',
      'gen_ai.tool.call.arguments': '{"query":"otlp"}',
      'error.type': '_OTHER',
    });
    expect(span.attributes).not.toHaveProperty('gen_ai.provider.name');
    expect(span.events).toEqual([
      { name: 'exception', timeUnixNano: span.endTimeUnixNano, attributes: { 'exception.message': 'search backend down' } },
    ]);
    expect(received[0].spans[0].resource['service.name']).toBe('llmtrace');
  });

  it('skips records of spans still open and sends nothing when none has ended', async () => {
    const { url, received } = await otlpServer();
    const sink = new OtlpHttpSpanSink({ url });
    await sink.write([record({ status: 'running', end_time: null, duration_ms: null })]);
    expect(received).toHaveLength(0);

    await sink.write([record({ span_id: '1111111111111111', status: 'running', end_time: null }), record({ span_id: '2222222222222222' })]);
    expect(received).toHaveLength(1);
    expect(received[0].spans.map((span) => span.spanId)).toEqual(['2222222222222222']);
  });

  it.each([
    [503, true],
    [429, true],
    [400, false],
    [500, false],
  ])('rejects a %i answer with retryable=%s', async (status, retryable) => {
    const { url } = await otlpServer([status]);
    const failure = await new OtlpHttpSpanSink({ url }).write([record()]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HttpSinkError);
    expect(failure).toMatchObject({ status, retryable });
    expect((failure as Error).message).toContain(`answered ${status}: refused`);
  });

  it('rejects retryably when the backend cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1/traces`;
    const failure = await new OtlpHttpSpanSink({ url, timeoutMs: 2000 }).write([record()]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'HttpSinkError', retryable: true, status: undefined });
  });

  it('reports spans the backend refused in a partialSuccess answer', async () => {
    const { url } = await otlpServer([], { rejectedSpans: 1, errorMessage: 'span too large' });
    const onError = vi.fn();
    await new OtlpHttpSpanSink({ url, onError }).write([record()]);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError.mock.calls[0][0]).toBe('the OTLP backend refused 1 of 1 spans: span too large');
  });

  it('never throws synchronously, even with a fetch that throws', () => {
    const sink = new OtlpHttpSpanSink({
      url: 'http://127.0.0.1:1/v1/traces',
      fetch: () => {
        throw new Error('broken fetch');
      },
    });
    const pending = sink.write([record()]);
    return expect(pending).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('broken fetch') });
  });
});
