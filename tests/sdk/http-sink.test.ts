import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpSinkError, HttpSpanSink, TraceService } from '@llmtrace/sdk';

const userId = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

interface Received {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: { traces: Array<Record<string, unknown>> };
}

const servers: Server[] = [];

/** A local ingest endpoint that answers with the given statuses in turn (then 200). */
async function ingestServer(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      method: request.method,
      url: request.url,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    const status = statuses.shift() ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? JSON.stringify({ accepted: 1, rejected: [] }) : JSON.stringify({ error: { code: 'x', message: 'nope' } }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, received };
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('HttpSpanSink', () => {
  it('POSTs {"traces":[…]} as JSON with the bearer key to /api/analytics/traces', async () => {
    const { baseUrl, received } = await ingestServer();
    const service = new TraceService({ sink: new HttpSpanSink({ baseUrl: `${baseUrl}/`, apiKey: 'lt_secret' }), config: { batchSize: 2 } });
    const root = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId, startTime: new Date('2026-01-01T00:00:00Z') });
    const child = await service.createChildSpan(root, 'tool.web_search');
    await service.endTrace(child, { endTime: new Date('2026-01-01T00:00:01Z') });
    await service.endTrace(root, { endTime: new Date('2026-01-01T00:00:02.5Z'), inputTokens: 3, outputTokens: 4, costUsd: null });
    await service.flush();

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', url: '/api/analytics/traces', authorization: 'Bearer lt_secret' });
    expect(request.contentType).toMatch(/^application\/json/);
    expect(Object.keys(request.body)).toEqual(['traces']);
    expect(request.body.traces).toHaveLength(2);
    expect(request.body.traces[1]).toMatchObject({
      trace_id: root.traceId,
      span_id: root.spanId,
      parent_trace_id: null,
      span_name: 'llm.completion',
      status: 'completed',
      start_time: '2026-01-01T00:00:00.000Z',
      end_time: '2026-01-01T00:00:02.500Z',
      duration_ms: 2500,
      total_tokens: 7,
      cost_usd: null,
    });
    expect(request.body.traces[0]).toMatchObject({ parent_trace_id: root.spanId, span_name: 'tool.web_search' });
  });

  it('retries after a 500 and a 429, then succeeds', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { baseUrl, received } = await ingestServer([500, 429]);
    const service = new TraceService({ sink: new HttpSpanSink({ baseUrl, apiKey: 'k' }), config: { batchSize: 1, retryBaseDelayMs: 1 } });
    const span = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    await service.endTrace(span);
    await service.flush();
    expect(received).toHaveLength(3);
    expect(received.every((request) => request.body.traces[0].span_id === span.spanId)).toBe(true);
    expect(service.stats()).toMatchObject({ written: 1, failedWrites: 2, dropped: 0 });
  });

  it('does not retry another 4xx: it logs, drops and counts', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { baseUrl, received } = await ingestServer([401]);
    const service = new TraceService({ sink: new HttpSpanSink({ baseUrl, apiKey: 'revoked' }), config: { batchSize: 1, retryBaseDelayMs: 1 } });
    await service.endTrace(await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId }));
    await service.flush();
    expect(received).toHaveLength(1);
    expect(service.stats()).toMatchObject({ written: 0, failedWrites: 1, dropped: 1 });
    expect(warn.mock.calls.some(([message]) => /401/.test(String(message)))).toBe(true);
  });

  it('sends nothing for an empty batch', async () => {
    const { baseUrl, received } = await ingestServer();
    await new HttpSpanSink({ baseUrl, apiKey: 'k' }).write([]);
    expect(received).toHaveLength(0);
  });

  it('rejects retryably on a network error and non-retryably on a 400', async () => {
    const span = { span_id: 'x' } as never;
    const unreachable = new HttpSpanSink({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k', timeoutMs: 2000 });
    const networkFailure = await unreachable.write([span]).catch((error: unknown) => error);
    expect(networkFailure).toBeInstanceOf(HttpSinkError);
    expect(networkFailure).toMatchObject({ retryable: true, status: undefined });

    const { baseUrl } = await ingestServer([400]);
    const refused = await new HttpSpanSink({ baseUrl, apiKey: 'k' }).write([span]).catch((error: unknown) => error);
    expect(refused).toMatchObject({ retryable: false, status: 400 });
  });

  it('reports spans the server rejected in a 200 answer, without failing the write', async () => {
    const onError = vi.fn();
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ accepted: 1, rejected: [{ index: 1, message: 'start_time is required' }] }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sink = new HttpSpanSink({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', onError });
    await expect(sink.write([{ span_id: 'a' }, { span_id: 'b' }] as never)).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledWith(expect.stringContaining('rejected 1 of 2 spans (first: #1: start_time is required)'), undefined);
  });

  it('splits large batches into requests of at most maxSpansPerRequest', async () => {
    const { baseUrl, received } = await ingestServer();
    const sink = new HttpSpanSink({ baseUrl, apiKey: 'k', maxSpansPerRequest: 2 });
    await sink.write([{ span_id: 'a' }, { span_id: 'b' }, { span_id: 'c' }] as never);
    expect(received.map((request) => request.body.traces.length)).toEqual([2, 1]);
  });
});
