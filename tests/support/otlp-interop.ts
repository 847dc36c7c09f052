/**
 * Shared plumbing for the OTLP interop tests (`tests/api/otlp-interop*.test.ts`): a real
 * OpenTelemetry SDK pipeline (tracer provider → span processor → OTLP/HTTP exporter) configured
 * the way a user would, pointed at LLMTrace's `/v1/traces` served over a socket, plus reading
 * back what was stored through the analytics API.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { expect } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { call } from './api';

export { ExportResultCode };

let contextManagerInstalled = false;

/**
 * Installs the AsyncLocalStorage context manager once per process (what `NodeTracerProvider.register()`
 * does), so spans started inside `startActiveSpan`/`context.with` nest across `await`s. The
 * tests still use one tracer provider per test, never the global one.
 */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerInstalled = true;
}

/** Wraps an exporter and remembers every export result, so a test can see what the SDK was told. */
export class RecordingExporter implements SpanExporter {
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.results.push(result);
      resultCallback(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface TracingOptions {
  /** Base URL of the route server; the exporter posts to `${url}/v1/traces`. */
  url: string;
  apiKey: string;
  /** `proto`: exporter-trace-otlp-proto (application/x-protobuf); `json`: exporter-trace-otlp-http. */
  protocol: 'proto' | 'json';
  gzip?: boolean;
  serviceName?: string;
  /** Default `batch`, as most apps run it. */
  processor?: 'batch' | 'simple';
  /** More processors on the same provider (e.g. an in-memory copy of what was exported). */
  extraProcessors?: SpanProcessor[];
}

export interface Tracing {
  provider: NodeTracerProvider;
  exporter: RecordingExporter;
  /** Flushes every ended span to LLMTrace and fails the test if an export was refused. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A tracer provider exporting over OTLP/HTTP to LLMTrace, configured exactly as the docs tell users. */
export function startTracing(options: TracingOptions): Tracing {
  const config = {
    url: `${options.url}/v1/traces`,
    headers: { Authorization: `Bearer ${options.apiKey}` },
    ...(options.gzip ? { compression: CompressionAlgorithm.GZIP } : {}),
  };
  const otlp = options.protocol === 'proto' ? new OTLPProtoTraceExporter(config) : new OTLPJsonTraceExporter(config);
  const exporter = new RecordingExporter(otlp);
  const processor = options.processor === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'interop-test' }),
    spanProcessors: [processor, ...(options.extraProcessors ?? [])],
  });
  return {
    provider,
    exporter,
    async flush() {
      await provider.forceFlush();
      const failed = exporter.results.filter((r) => r.code !== ExportResultCode.SUCCESS);
      expect(failed.map((r) => String(r.error)), 'OTLP exports refused by LLMTrace').toEqual([]);
    },
    shutdown: () => provider.shutdown(),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StoredSpan = Record<string, any>;

/** Every stored span of a trace, as `GET /api/analytics/traces?trace_id=` returns them to this key. */
export async function readTrace(apiKey: string, traceId: string): Promise<StoredSpan[]> {
  const response = await call(getTraces, { path: `/api/analytics/traces?trace_id=${traceId}`, apiKey });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()).traces;
}

/** The trace list (root spans, newest first) as this key sees it. */
export async function listTraces(apiKey: string, query = ''): Promise<StoredSpan[]> {
  const response = await call(getTraces, { path: `/api/analytics/traces${query ? `?${query}` : ''}`, apiKey });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()).traces;
}

/**
 * Reads a trace until `ready` accepts it or the deadline passes (then returns the last read, so
 * the test's own assertions report what was there). Export is synchronous after `forceFlush()`,
 * so this normally returns on the first read.
 */
export async function readTraceWhen(apiKey: string, traceId: string, ready: (spans: StoredSpan[]) => boolean, timeoutMs = 5000): Promise<StoredSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = await readTrace(apiKey, traceId);
    if (ready(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Flushes the provider and reads the trace until `ready` accepts it or the deadline passes (then
 * returns the last read). For spans that end a little after the caller's await returns (an
 * instrumentation that reads its own copy of a stream).
 */
export async function flushAndRead(t: Tracing, apiKey: string, traceId: string, ready: (spans: StoredSpan[]) => boolean, timeoutMs = 5000): Promise<StoredSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await t.flush();
    const spans = await readTrace(apiKey, traceId);
    if (ready(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Spans by name; fails when a name is missing or repeated. */
export function byName(spans: StoredSpan[]): Record<string, StoredSpan> {
  const out: Record<string, StoredSpan> = {};
  for (const span of spans) {
    expect(out[span.span_name], `span name ${span.span_name} appears twice`).toBeUndefined();
    out[span.span_name] = span;
  }
  return out;
}

/** `input_data`/`output_data` as searchable text, whatever JSON shape the mapping chose. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
