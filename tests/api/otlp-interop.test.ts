/**
 * Interop: the real OpenTelemetry JS SDK and its OTLP/HTTP exporters (protobuf and JSON, plain and
 * gzip) sending to LLMTrace's `POST /v1/traces` over a socket, configured exactly as a user would
 * (`url`, `Authorization: Bearer lt_…`); then what the user sees through the analytics API.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { createApiKey } from '@/lib/auth/accounts';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { ExportResultCode, listTraces, readTrace, readTraceWhen, startTracing, type Tracing } from '../support/otlp-interop';
import { startRouteServer, type RouteServer } from '../support/route-server';

let server: RouteServer;
const providers: Array<{ shutdown(): Promise<void> }> = [];

beforeAll(async () => {
  server = await startRouteServer({ '/v1/traces': { POST: postOtlp }, '/api/analytics/traces': { GET: getTraces } });
});
afterAll(async () => {
  await Promise.all(providers.map((p) => p.shutdown().catch(() => {})));
  await server?.close();
});

function tracing(options: Omit<Parameters<typeof startTracing>[0], 'url'>): Tracing {
  const started = startTracing({ url: server.url, ...options });
  providers.push(started);
  return started;
}

/**
 * What a checkout service would record: a server span, a child doing the payment and a
 * grandchild calling the bank that fails (recordException + status ERROR, the usual pattern).
 */
function recordCheckout(t: Tracing) {
  const tracer = t.provider.getTracer('checkout', '1.2.3');
  const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'order.id': 'ord-991' } });
  const rootContext = trace.setSpan(context.active(), root);
  const child = tracer.startSpan('payment.charge', { attributes: { 'payment.amount': 42.5 } }, rootContext);
  const grandchild = tracer.startSpan('bank.authorize', { kind: SpanKind.CLIENT }, trace.setSpan(rootContext, child));
  grandchild.recordException(new Error('card declined: insufficient funds'));
  grandchild.setStatus({ code: SpanStatusCode.ERROR });
  grandchild.end();
  child.end();
  root.end();
  return {
    traceId: root.spanContext().traceId,
    rootId: root.spanContext().spanId,
    childId: child.spanContext().spanId,
    grandchildId: grandchild.spanContext().spanId,
  };
}

describeEachDatabase('OTLP interop: OpenTelemetry SDK exporters', (getDatabase) => {
  const exporters = [
    { name: 'exporter-trace-otlp-proto (application/x-protobuf)', protocol: 'proto', gzip: false },
    { name: 'exporter-trace-otlp-http (application/json)', protocol: 'json', gzip: false },
    { name: 'exporter-trace-otlp-proto with compression: gzip', protocol: 'proto', gzip: true },
    { name: 'exporter-trace-otlp-http with compression: gzip', protocol: 'json', gzip: true },
  ] as const;

  it.each(exporters)('$name: a three-level tree with a failed span is stored linked, with its service and error', async ({ protocol, gzip }) => {
    const user = await createTestUser(getDatabase());
    const t = tracing({ apiKey: user.apiKey, protocol, gzip, serviceName: 'checkout-api' });
    const sentBefore = server.log.length;
    const ids = recordCheckout(t);
    await t.flush();
    expect(t.exporter.results.length).toBeGreaterThan(0);
    // The exporter really spoke this encoding (so the case tests what its name says).
    const posts = server.log.slice(sentBefore).filter((entry) => entry.path === '/v1/traces');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.map((p) => [p.status, p.contentType, p.contentEncoding])).toEqual(
      posts.map(() => [200, protocol === 'proto' ? 'application/x-protobuf' : 'application/json', gzip ? 'gzip' : null]),
    );

    const spans = await readTraceWhen(user.apiKey, ids.traceId, (s) => s.length >= 3);
    expect(spans.map((s) => s.span_name).sort()).toEqual(['POST /checkout', 'bank.authorize', 'payment.charge']);
    const byId = Object.fromEntries(spans.map((s) => [s.span_id, s]));
    const root = byId[ids.rootId];
    const child = byId[ids.childId];
    const grandchild = byId[ids.grandchildId];

    // Links: the span ids the SDK generated, parent by parent.
    expect(root).toMatchObject({ trace_id: ids.traceId, parent_trace_id: null, span_name: 'POST /checkout', status: 'completed', service_name: 'checkout-api' });
    expect(child).toMatchObject({ trace_id: ids.traceId, parent_trace_id: ids.rootId, status: 'completed', service_name: 'checkout-api' });
    expect(grandchild).toMatchObject({ trace_id: ids.traceId, parent_trace_id: ids.childId, status: 'failed', service_name: 'checkout-api' });
    // The status carried no message: the reason comes from the recorded exception.
    expect(grandchild.error_message).toContain('card declined: insufficient funds');
    expect(root.error_message ?? null).toBeNull();

    // Real timestamps, real durations; attributes no column took are kept.
    for (const span of spans) {
      expect(Date.parse(span.start_time)).toBeGreaterThan(Date.now() - 60_000);
      expect(span.end_time).not.toBeNull();
      expect(span.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(JSON.stringify(root.metadata)).toContain('ord-991');

    // The trace list shows the root, once, failed or not as the product decides, but present.
    const list = await listTraces(user.apiKey);
    expect(list.filter((s) => s.trace_id === ids.traceId).map((s) => s.span_id)).toEqual([ids.rootId]);
  });

  it('the same spans exported again (an exporter retry) are stored once', async () => {
    const user = await createTestUser(getDatabase());
    const copy = new InMemorySpanExporter();
    const t = tracing({ apiKey: user.apiKey, protocol: 'proto', processor: 'simple', extraProcessors: [new SimpleSpanProcessor(copy)] });
    const ids = recordCheckout(t);
    await t.flush();
    // The exporter sends the very same batch again, as after a timeout it never heard back from.
    const result = await new Promise<ExportResult>((resolve) => t.exporter.export(copy.getFinishedSpans(), resolve));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = $1', [ids.traceId]);
    expect(n).toBe(3);
  });

  it.each([
    { name: 'an unknown API key', status: 401, reason: /Unauthorized|401/ },
    { name: 'a chat-scope (widget) key', status: 403, reason: /Forbidden|403/ },
  ])('$name: the exporter reports FAILED and nothing is stored', async ({ name, status, reason }) => {
    const owner = await createTestUser(getDatabase());
    const apiKey = name.startsWith('a chat-scope')
      ? (await createApiKey(getDatabase(), { userId: owner.userId, name: 'widget', scope: 'chat' })).key
      : 'lt_not_a_real_key_0000000000000000';
    const t = tracing({ apiKey, protocol: 'proto', processor: 'simple' });
    const sentBefore = server.log.length;
    const ids = recordCheckout(t);
    // SimpleSpanProcessor surfaces a failed export as a rejected forceFlush.
    const flushed = await t.provider.forceFlush().then(() => 'flushed', (error: unknown) => String(error));
    expect(flushed).toMatch(reason);
    expect(t.exporter.results).toHaveLength(3);
    expect(t.exporter.results.map((r) => r.code), JSON.stringify(t.exporter.results.map((r) => String(r.error)))).toEqual([
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
    ]);
    // Not retried: a refused key is final (the exporter retries only 429, 502, 503, 504).
    expect(server.log.slice(sentBefore).map((entry) => [entry.path, entry.status])).toEqual([
      ['/v1/traces', status],
      ['/v1/traces', status],
      ['/v1/traces', status],
    ]);

    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = $1', [ids.traceId]);
    expect(n).toBe(0);
    expect(await readTrace(owner.apiKey, ids.traceId)).toEqual([]);
  });

  it("another user's key cannot read a trace sent over OTLP, nor join or overwrite it by replaying its ids", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const copy = new InMemorySpanExporter();
    const t = tracing({ apiKey: alice.apiKey, protocol: 'json', serviceName: 'checkout-api', extraProcessors: [new SimpleSpanProcessor(copy)] });
    const ids = recordCheckout(t);
    await t.flush();

    const before = await readTraceWhen(alice.apiKey, ids.traceId, (s) => s.length === 3);
    expect(before).toHaveLength(3);
    expect(await readTrace(bob.apiKey, ids.traceId)).toEqual([]);
    expect((await listTraces(bob.apiKey)).map((s) => s.trace_id)).not.toContain(ids.traceId);
    expect((await listTraces(alice.apiKey)).map((s) => s.trace_id)).toContain(ids.traceId);

    // Bob's exporter sends the very same spans (same trace and span ids) with his key.
    const replay = tracing({ apiKey: bob.apiKey, protocol: 'proto', serviceName: 'mallory' });
    const result = await new Promise<ExportResult>((resolve) => replay.exporter.export(copy.getFinishedSpans(), resolve));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    // Alice's trace is unchanged; Bob sees only his own copy.
    const after = await readTrace(alice.apiKey, ids.traceId);
    const strip = (spans: typeof after) => spans.map(({ span_id, parent_trace_id, status, service_name }) => ({ span_id, parent_trace_id, status, service_name })).sort((a, b) => a.span_id.localeCompare(b.span_id));
    expect(strip(after)).toEqual(strip(before));
    const bobs = await readTrace(bob.apiKey, ids.traceId);
    expect(bobs).toHaveLength(3);
    expect(bobs.every((s) => s.user_id === bob.userId)).toBe(true);
  });

  it.each(['proto', 'json'] as const)('odd but legal content (%s): unicode names, a NUL, a 200 KB attribute, arrays, big ints are stored, not refused', async (protocol) => {
    const user = await createTestUser(getDatabase());
    const t = tracing({ apiKey: user.apiKey, protocol, serviceName: 'café-service ✓' });
    const span = t.provider.getTracer('odd').startSpan('résumé ✓ 🚀 写作', {
      attributes: {
        note: 'before\u0000after',
        big: 'x'.repeat(200_000),
        ints: [1, 2, 3],
        words: ['a', 'b'],
        'max.safe': Number.MAX_SAFE_INTEGER,
        flag: true,
        ratio: 0.25,
        empty: '',
      },
    });
    span.addEvent('checkpoint', { step: 2 });
    span.end();
    await t.flush();

    const [stored] = await readTraceWhen(user.apiKey, span.spanContext().traceId, (s) => s.length > 0);
    expect(stored).toMatchObject({ span_name: 'résumé ✓ 🚀 写作', service_name: 'café-service ✓', status: 'completed' });
    // Postgres text refuses U+0000: it becomes U+FFFD, the rest of the value survives.
    expect(stored.metadata).toMatchObject({ note: 'before\ufffdafter', ints: [1, 2, 3], words: ['a', 'b'], 'max.safe': Number.MAX_SAFE_INTEGER, flag: true, ratio: 0.25 });
  });

  it('a batch of 2000 spans in one export (maxExportBatchSize 2048) is stored whole', async () => {
    const user = await createTestUser(getDatabase());
    const exporter = new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers: { Authorization: `Bearer ${user.apiKey}` } });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'bulk-job' }),
      spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 2048, maxQueueSize: 4096, scheduledDelayMillis: 60_000 })],
    });
    providers.push(provider);
    const tracer = provider.getTracer('bulk');
    const sentBefore = server.log.length;
    const root = tracer.startSpan('import.run');
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 1999; i++) tracer.startSpan(`import.row`, { attributes: { row: i, payload: `row ${i} `.repeat(20) } }, parent).end();
    root.end();
    await provider.forceFlush();

    const posts = server.log.slice(sentBefore).filter((entry) => entry.path === '/v1/traces');
    expect(posts.map((p) => p.status)).toEqual([200]);
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = $1', [root.spanContext().traceId]);
    expect(n).toBe(2000);
    const rows = (await listTraces(user.apiKey)).filter((s) => s.trace_id === root.spanContext().traceId);
    expect(rows.map((r) => r.span_id)).toEqual([root.spanContext().spanId]);
  });

  it('a distributed trace: the downstream span arrives first (listed on its own), then the upstream root adopts it', async () => {
    const user = await createTestUser(getDatabase());
    const gateway = tracing({ apiKey: user.apiKey, protocol: 'proto', serviceName: 'gateway' });
    const worker = tracing({ apiKey: user.apiKey, protocol: 'json', serviceName: 'worker' });
    const propagator = new W3CTraceContextPropagator();

    // The gateway starts a request and calls the worker with a traceparent header.
    const request = gateway.provider.getTracer('gateway').startSpan('GET /orders', { kind: SpanKind.SERVER });
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, request), headers, defaultTextMapSetter);
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // The worker continues the trace from the header and finishes (and exports) first.
    const incoming = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const job = worker.provider.getTracer('worker').startSpan('orders.load', { kind: SpanKind.SERVER }, incoming);
    job.end();
    await worker.flush();
    const traceId = request.spanContext().traceId;
    expect(job.spanContext().traceId).toBe(traceId);

    const early = await readTraceWhen(user.apiKey, traceId, (s) => s.length === 1);
    expect(early).toMatchObject([{ span_name: 'orders.load', parent_trace_id: request.spanContext().spanId, service_name: 'worker' }]);
    // Its parent isn't stored yet: the list still shows the worker's span, so the trace isn't lost.
    expect((await listTraces(user.apiKey)).filter((s) => s.trace_id === traceId).map((s) => s.span_name)).toEqual(['orders.load']);

    // The gateway's span ends and arrives: one trace, one row, rooted at the gateway.
    request.end();
    await gateway.flush();
    const whole = await readTraceWhen(user.apiKey, traceId, (s) => s.length === 2);
    expect(whole.map((s) => [s.span_name, s.service_name, s.parent_trace_id]).sort()).toEqual([
      ['GET /orders', 'gateway', null],
      ['orders.load', 'worker', request.spanContext().spanId],
    ]);
    expect((await listTraces(user.apiKey)).filter((s) => s.trace_id === traceId).map((s) => s.span_name)).toEqual(['GET /orders']);
  });
});

