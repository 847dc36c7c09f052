/**
 * Interop: `@opentelemetry/instrumentation-openai` auto-instrumenting the official `openai` client,
 * run the way a real app runs it: a separate Node process started with `--require setup.cjs`
 * (tracer provider + OTLP/protobuf exporter configured by the standard `OTEL_EXPORTER_OTLP_*`
 * variables, `registerInstrumentations`), whose plain `require('openai')` gets patched. The app
 * talks to the fake OpenAI server and exports to LLMTrace's `/v1/traces`, both served from this
 * process. (Inside vitest the `require` hook never sees `openai`, which is imported as ESM.)
 *
 * This instrumentation puts no message content on spans: prompts and completions go out as OTel
 * *log records* (`gen_ai.user.message`, `gen_ai.choice`), even with `captureMessageContent`. Over
 * `/v1/traces` LLMTrace therefore can't show them; the tests check everything the spans carry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { listTraces, readTraceWhen, type StoredSpan } from '../support/otlp-interop';
import { startRouteServer, type RouteServer } from '../support/route-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a user puts in their app's `--require` file, following the OpenTelemetry docs. */
const SETUP = `
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME }),
  // url and headers come from OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS.
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })] });
globalThis.__tracerProvider = provider;
`;

/** The app: one request answered with a plain completion, one with a stream. */
const APP = `
const { trace } = require('@opentelemetry/api');
const OpenAI = require('openai');

const tracer = trace.getTracer('support-app');
const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });

function handle(name, work) {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      const answer = await work();
      return { traceId: span.spanContext().traceId, rootId: span.spanContext().spanId, answer };
    } finally {
      span.end();
    }
  });
}

async function main() {
  const out = {};
  if (process.env.APP_SCENARIO === 'failure') {
    out.failed = await handle('support.answer', async () => {
      try {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello?' }] });
        return 'unexpected success';
      } catch (error) {
        return 'fallback: ' + error.status;
      }
    });
  } else {
    out.plain = await handle('support.answer', async () => {
      const reply = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Where is parcel 7781?' }],
      });
      return reply.choices[0].message.content;
    });
    out.streamed = await handle('support.answer-stream', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'And parcel 9902?' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    });
  }
  await globalThis.__tracerProvider.shutdown();
  process.stdout.write(JSON.stringify(out));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

interface Handled {
  traceId: string;
  rootId: string;
  answer: string;
}
type AppRun = { plain: Handled; streamed: Handled } & { failed: Handled };

let server: RouteServer;
let fake: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  server = await startRouteServer({ '/v1/traces': { POST: postOtlp }, '/api/analytics/traces': { GET: getTraces } });
  fake = await startFakeOpenAI();
  dir = await mkdtemp(path.join(tmpdir(), 'llmtrace-otel-openai-'));
  await writeFile(path.join(dir, 'setup.cjs'), SETUP);
  await writeFile(path.join(dir, 'app.cjs'), APP);
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runApp(apiKey: string, scenario: 'success' | 'failure' = 'success'): Promise<AppRun> {
  const env = {
    NODE_ENV: 'test' as const,
    PATH: process.env.PATH ?? '',
    NODE_PATH: path.join(ROOT, 'node_modules'),
    OTEL_SERVICE_NAME: 'support-app',
    OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
    // As the user guide writes it: a plain space (a URL-encoded %20 works too).
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${apiKey}`,
    OPENAI_BASE_URL: fake.url,
    APP_SCENARIO: scenario,
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', './setup.cjs', 'app.cjs'], { cwd: dir, env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`app failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

function llmSpan(spans: StoredSpan[]): StoredSpan {
  const calls = spans.filter((s) => s.operation_type === 'llm_call' && s.parent_trace_id !== null);
  expect(calls, JSON.stringify(spans.map((s) => [s.span_name, s.operation_type]))).toHaveLength(1);
  return calls[0];
}

describeEachDatabase('OTLP interop: @opentelemetry/instrumentation-openai', (getDatabase) => {
  it('auto-instrumented chat completions, plain and streamed, land as priced llm_call spans under the app span', async () => {
    const user = await createTestUser(getDatabase());
    fake.enqueue(
      { kind: 'reply', content: 'Parcel 7781 is out for delivery.', usage: { prompt_tokens: 1000, completion_tokens: 200 } },
      { kind: 'reply', content: 'Parcel 9902 arrived yesterday.', usage: { prompt_tokens: 300, completion_tokens: 50 } },
    );
    const run = await runApp(user.apiKey);
    expect(run.plain.answer).toBe('Parcel 7781 is out for delivery.');
    expect(run.streamed.answer).toBe('Parcel 9902 arrived yesterday.');

    // gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
    const cases = [
      { run: run.plain, root: 'support.answer', input: 1000, output: 200, cost: 1000 * 0.15e-6 + 200 * 0.6e-6 },
      { run: run.streamed, root: 'support.answer-stream', input: 300, output: 50, cost: 300 * 0.15e-6 + 50 * 0.6e-6 },
    ];
    for (const c of cases) {
      const spans = await readTraceWhen(user.apiKey, c.run.traceId, (s) => s.length >= 2);
      expect(spans).toHaveLength(2);
      const root = spans.find((s) => s.span_id === c.run.rootId)!;
      expect(root).toMatchObject({ span_name: c.root, parent_trace_id: null, service_name: 'support-app', status: 'completed' });

      const call = llmSpan(spans);
      expect(call.parent_trace_id).toBe(c.run.rootId);
      expect(call).toMatchObject({
        span_name: 'chat gpt-4o-mini',
        operation_type: 'llm_call',
        model_provider: 'openai',
        input_tokens: c.input,
        output_tokens: c.output,
        total_tokens: c.input + c.output,
        status: 'completed',
        service_name: 'support-app',
      });
      // The request says gpt-4o-mini, the reply gpt-4o-mini-2024-07-18; either is the model the user called.
      expect(call.model_name).toMatch(/^gpt-4o-mini/);
      expect(call.cost_usd).not.toBeNull();
      expect(Number(call.cost_usd)).toBeCloseTo(c.cost, 9);
    }

    // The trace list shows the two app requests, each once.
    const roots = await listTraces(user.apiKey);
    expect(roots.map((s) => s.span_name).sort()).toEqual(['support.answer', 'support.answer-stream']);
    expect(fake.pending()).toBe(0);
  });

  it('a failed completion (the provider answers 429) is stored as a failed llm_call with the reason, the app span completed', async () => {
    const user = await createTestUser(getDatabase());
    fake.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached for gpt-4o-mini' });
    const run = await runApp(user.apiKey, 'failure');
    expect(run.failed.answer).toBe('fallback: 429');

    const spans = await readTraceWhen(user.apiKey, run.failed.traceId, (s) => s.length >= 2);
    expect(spans).toHaveLength(2);
    const call = llmSpan(spans);
    expect(call).toMatchObject({ operation_type: 'llm_call', model_provider: 'openai', status: 'failed', parent_trace_id: run.failed.rootId });
    expect(call.error_message).toContain('Rate limit reached for gpt-4o-mini');
    expect(call.input_tokens ?? null).toBeNull();
    expect(spans.find((s) => s.span_id === run.failed.rootId)).toMatchObject({ status: 'completed' });
  });
});
