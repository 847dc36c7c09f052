import { gzipSync, deflateSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { expect, it } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { createApiKey } from '@/lib/auth/accounts';
import { decodeTraceResponse } from '@/lib/otlp/decode';
import { encodeTraceRequest, type ExportSpan } from '@/lib/otlp/encode';
import { OTLP_BODY_LIMIT } from '@/lib/otlp/ingest';
import { setAppContext } from '@/lib/server/context';
import { IngestGate, ingestGate } from '@/lib/trace-store/admission';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

/**
 * `POST /v1/traces` at the HTTP edge: encodings, compression, limits, partial success, errors
 * in the spec's form, ordering across batches. The real exporters are in otlp-interop*.test.ts.
 */

const T0 = 1_764_000_000_000n * 1_000_000n;
const ms = (n: number) => T0 + BigInt(n) * 1_000_000n;

function span(traceId: string, spanId: string, parentSpanId: string | null, name: string, extra: Partial<ExportSpan> = {}): ExportSpan {
  return {
    resource: { 'service.name': 'orders-api' }, scope: { name: 'test' }, traceId, spanId, parentSpanId, name, kind: 1,
    startTimeUnixNano: ms(0), endTimeUnixNano: ms(100), attributes: {}, status: { code: 0 }, ...extra,
  };
}

/** An agent run: root agent (its usage sums its calls) → two chat calls, and a tool. */
function agentTrace() {
  const traceId = hexId(16);
  const [root, chat1, chat2, tool] = [hexId(8), hexId(8), hexId(8), hexId(8)];
  const chat = (id: string, input: number, output: number, at: number) =>
    span(traceId, id, root, 'chat gpt-4o-mini', {
      kind: 3, startTimeUnixNano: ms(at), endTimeUnixNano: ms(at + 50),
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output },
    });
  const spans = [
    span(traceId, root, null, 'invoke_agent support', {
      endTimeUnixNano: ms(400),
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 300, 'session.id': 's-1' },
    }),
    chat(chat1, 1000, 100, 10),
    span(traceId, tool, root, 'execute_tool refund', { startTimeUnixNano: ms(70), endTimeUnixNano: ms(90), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' }, status: { code: 2, message: 'refund service down' } }),
    chat(chat2, 2000, 200, 100),
  ];
  return { traceId, ids: { root, chat1, chat2, tool }, spans };
}

describeEachDatabase('OTLP/HTTP ingest', (getDatabase) => {
  const post = (apiKey: string | undefined, body: Uint8Array | string, headers: Record<string, string> = { 'content-type': 'application/x-protobuf' }) =>
    call(postOtlp, { path: '/v1/traces', apiKey, rawBody: body, headers, method: 'POST' });
  const read = async (apiKey: string, query: string) => ((await (await call(getTraces, { path: `/api/analytics/traces?${query}`, apiKey })).json()) as { traces: Array<Record<string, any>> }).traces;

  it('stores a protobuf export and answers an empty ExportTraceServiceResponse in protobuf', async () => {
    const user = await createTestUser(getDatabase());
    const { traceId, spans } = agentTrace();
    const response = await post(user.apiKey, encodeTraceRequest(spans, 'protobuf'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeTraceResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf')).toBeNull();
    const stored = await read(user.apiKey, `trace_id=${traceId}`);
    expect(stored).toHaveLength(4);
    expect(stored.find((s) => s.span_name === 'execute_tool refund')).toMatchObject({ operation_type: 'tool_call', status: 'failed', error_message: 'refund service down', service_name: 'orders-api' });
  });

  it('counts each model call once in the trace list, whatever order and batches the spans came in', async () => {
    const user = await createTestUser(getDatabase());
    const { traceId, ids, spans } = agentTrace();
    // The root first (its children not stored yet), then one child per request.
    for (const s of [spans[0], spans[3], spans[2], spans[1]]) expect((await post(user.apiKey, encodeTraceRequest([s], 'protobuf'))).status).toBe(200);
    const [row] = await read(user.apiKey, 'service_name=orders-api');
    expect(row).toMatchObject({ trace_id: traceId, span_id: ids.root, span_count: 4, trace_input_tokens: 3000, trace_output_tokens: 300, trace_total_tokens: 3300, session_id: 's-1' });
    // gpt-4o-mini is priced: $0.15 in / $0.60 out per 1M tokens.
    expect(row.trace_cost_usd).toBeCloseTo((3000 * 0.15 + 300 * 0.6) / 1e6, 10);
    expect(row.input_tokens).toBe(3000);
  });

  it('lists a span whose parent has not arrived as a root, until the parent comes', async () => {
    const user = await createTestUser(getDatabase());
    const { traceId, ids, spans } = agentTrace();
    await post(user.apiKey, encodeTraceRequest([spans[1]], 'protobuf'));
    expect((await read(user.apiKey, 'service_name=orders-api')).map((r) => r.span_id)).toEqual([ids.chat1]);
    await post(user.apiKey, encodeTraceRequest([spans[0]], 'protobuf'));
    const rows = await read(user.apiKey, 'service_name=orders-api');
    expect(rows.map((r) => r.span_id)).toEqual([ids.root]);
    expect(rows[0]).toMatchObject({ trace_id: traceId, trace_input_tokens: 1000 });
  });

  it('takes OTLP/JSON with upper-case hex ids, int64 strings, and gzip or deflate bodies', async () => {
    const user = await createTestUser(getDatabase());
    const traceId = hexId(16);
    const body = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py-worker' } }] },
        scopeSpans: [{ scope: { name: 'openinference.instrumentation.openai' }, spans: [{
          traceId: traceId.toUpperCase(), spanId: 'ABCDEF0123456789', name: 'ChatCompletion', kind: 3,
          startTimeUnixNano: String(ms(0)), endTimeUnixNano: Number(ms(20)) + 0, unknownField: true,
          attributes: [
            { key: 'openinference.span.kind', value: { stringValue: 'LLM' } },
            { key: 'llm.model_name', value: { stringValue: 'gpt-4o' } },
            { key: 'llm.token_count.prompt', value: { intValue: '12' } },
            { key: 'llm.token_count.completion', value: { intValue: 3 } },
            { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'beta' }] } } },
            { key: 'extra', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
          ],
        }] }],
      }],
    });
    for (const [encoding, compressed] of [['gzip', gzipSync(body)], ['deflate', deflateSync(body)]] as const) {
      const response = await post(user.apiKey, new Uint8Array(compressed), { 'content-type': 'application/json', 'content-encoding': encoding });
      expect(response.status, encoding).toBe(200);
      expect(await response.json()).toEqual({});
    }
    const [stored] = await read(user.apiKey, `trace_id=${traceId}`);
    expect(stored).toMatchObject({ span_id: 'abcdef0123456789', model_name: 'gpt-4o', input_tokens: 12, output_tokens: 3, service_name: 'py-worker', tags: ['beta'] });
    expect(stored.metadata.extra).toEqual({ k: true });
  });

  it('refuses bad spans alone, with partialSuccess in the request’s encoding', async () => {
    const user = await createTestUser(getDatabase());
    const good = agentTrace();
    const bad = span(good.traceId, '0000000000000000', null, 'all-zero id');
    const backwards = span(good.traceId, hexId(8), null, 'ends before it starts', { startTimeUnixNano: ms(100), endTimeUnixNano: ms(50) });
    const response = await post(user.apiKey, encodeTraceRequest([...good.spans, bad, backwards], 'protobuf'));
    expect(response.status).toBe(200);
    const partial = decodeTraceResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf');
    expect(partial?.rejectedSpans).toBe(2);
    expect(partial?.errorMessage).toMatch(/span_id/);
    expect(await read(user.apiKey, `trace_id=${good.traceId}`)).toHaveLength(4);

    const json = await post(user.apiKey, encodeTraceRequest([bad], 'json'), { 'content-type': 'application/json' });
    expect(await json.json()).toMatchObject({ partialSuccess: { rejectedSpans: '1' } });
  });

  it('answers undecodable bodies 400, other types 415 and unknown encodings 415, in the spec’s form', async () => {
    const user = await createTestUser(getDatabase());
    const garbage = await post(user.apiKey, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
    const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));
    new protobuf.Root().add(Status);
    expect(Status.toObject(Status.decode(new Uint8Array(await garbage.arrayBuffer())))).toMatchObject({ code: 3, message: expect.stringMatching(/could not be decoded/) });

    const badJson = await post(user.apiKey, '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.code).toBe('bad_request');
    expect((await post(user.apiKey, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(user.apiKey, 'x', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
    const notGzip = await post(user.apiKey, 'not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(notGzip.status).toBe(400);
  });

  it('checks the size limit after decompression: a zip bomb gets 413', async () => {
    const user = await createTestUser(getDatabase());
    const bomb = gzipSync(Buffer.alloc(OTLP_BODY_LIMIT + 1024 * 1024, 0x20));
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    const response = await post(user.apiKey, new Uint8Array(bomb), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
  });

  it('needs a full-scope key: none or a wrong one 401, a chat-scope key 403; spans belong to the key’s user', async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const { traceId, spans } = agentTrace();
    const body = encodeTraceRequest(spans, 'protobuf');
    expect((await post(undefined, body)).status).toBe(401);
    expect((await post('lt_wrong', body)).status).toBe(401);
    const { key: widgetKey } = await createApiKey(getDatabase(), { userId: alice.userId, name: 'widget', scope: 'chat' });
    expect((await post(widgetKey, body)).status).toBe(403);
    expect(await read(alice.apiKey, `trace_id=${traceId}`)).toEqual([]);

    expect((await post(alice.apiKey, body)).status).toBe(200);
    expect(await read(bob.apiKey, `trace_id=${traceId}`)).toEqual([]);
    expect(await read(bob.apiKey, 'service_name=orders-api')).toEqual([]);
  });

  it('filters the trace list by session, end user and every given tag, from OTLP attributes', async () => {
    const user = await createTestUser(getDatabase());
    const make = (session: string, endUser: string, tags: string[]) => {
      const traceId = hexId(16);
      const attributes = { 'session.id': session, 'user.id': endUser, tags };
      return { traceId, body: encodeTraceRequest([span(traceId, hexId(8), null, 'checkout', { attributes })], 'protobuf') };
    };
    const a = make('s-1', 'u-42', ['beta', 'refunds']);
    const b = make('s-1', 'u-7', ['beta']);
    const c = make('s-2', 'u-42', []);
    for (const t of [a, b, c]) expect((await post(user.apiKey, t.body)).status).toBe(200);
    const ids = async (query: string) => (await read(user.apiKey, query)).map((r) => r.trace_id).sort();
    expect(await ids('session_id=s-1')).toEqual([a.traceId, b.traceId].sort());
    expect(await ids('end_user_id=u-42')).toEqual([a.traceId, c.traceId].sort());
    expect(await ids('tag=beta')).toEqual([a.traceId, b.traceId].sort());
    expect(await ids('tag=beta&tag=refunds')).toEqual([a.traceId]);
    expect(await ids('session_id=s-2&end_user_id=u-7')).toEqual([]);
    const other = await createTestUser(getDatabase(), 'other');
    expect(await read(other.apiKey, 'session_id=s-1')).toEqual([]);
  });

  it('answers 503 with Retry-After while the database is down, and stores the batch once it is back', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const { traceId, spans } = agentTrace();
    const body = encodeTraceRequest(spans, 'protobuf');
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    setAppContext({ database: { ...database, transaction: () => Promise.reject(down), query: () => Promise.reject(down) } });
    try {
      const refused = await post(user.apiKey, body);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(ingestGate.bytesInFlight).toBe(0);
    } finally {
      setAppContext({ database });
    }
    expect((await post(user.apiKey, body)).status).toBe(200);
    expect(await read(user.apiKey, `trace_id=${traceId}`)).toHaveLength(4);
  });
});

it('admits request bodies up to its byte budget, then answers 503 with Retry-After until bytes are released', () => {
  const gate = new IngestGate(1000);
  const first = gate.admit(600);
  expect(() => gate.admit(500)).toThrow(expect.objectContaining({ status: 503, options: expect.objectContaining({ headers: { 'retry-after': '1' } }) }));
  const second = gate.admit(400);
  first();
  first();
  expect(gate.bytesInFlight).toBe(400);
  second();
  // One body larger than the whole budget still gets in when nothing else is in flight.
  const big = gate.admit(5000);
  expect(gate.bytesInFlight).toBe(5000);
  big();
});
