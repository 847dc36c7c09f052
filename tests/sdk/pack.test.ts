/**
 * The SDK as users get it: `npm pack` in packages/sdk, the tarball installed into a fresh project
 * beside the official `openai` and `@anthropic-ai/sdk`, and a small app there (support/pack-app.mjs)
 * run with `node` against the fake provider servers and a real ingest endpoint (the app's
 * `/api/analytics/traces` route on a test database): its spans land nested, priced and owned by
 * the API key's user; with LLMTrace down it answers the same and exits promptly; `require()`, the
 * mask entry (CommonJS and ESM, with the detectors' libraries installed as its dependencies) and the
 * declarations work too.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET, POST } from '@/app/api/analytics/traces/route';
import type { Database } from '@/lib/db/client';
import { calculateCost } from '@/lib/pricing';
import { setAppContext } from '@/lib/server/context';
import { call, createTestUser } from '../support/api';
import { openTestDatabase } from '../support/databases';
import { unusedOrigin } from '../support/proxy-harness';
import { startRouteServer, type RouteServer } from '../support/route-server';
import { startFakes, type Fakes } from './support/wrapped-clients';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SDK_DIR = here('../../packages/sdk/');
const TSC = here('../../node_modules/typescript/bin/tsc');
const NPM_TIMEOUT_MS = 120_000;
/** The app must be done this soon even when LLMTrace is unreachable (its retries give up first). */
const EXIT_BOUND_MS = 20_000;
/** Each test runs a child process or two; generous for a loaded machine. */
const TEST_TIMEOUT_MS = 60_000;

/** The environment without what npm or vitest set for the outer project. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|VITEST|NODE_OPTIONS$|LLMTRACE_|TRACE_|ENABLE_TRACING$)/i.test(name)));
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

let project: string;
let fakes: Fakes;
let server: RouteServer;
let database: Database;
let user: Awaited<ReturnType<typeof createTestUser>>;

/** Packs the SDK and installs the tarball, with the provider SDKs, into a new project in `dir`. */
async function installPackedSdk(dir: string): Promise<void> {
  const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env: cleanEnv(), timeout: NPM_TIMEOUT_MS });
  const packed = await npm(['pack', '--pack-destination', dir], SDK_DIR);
  const tarball = join(dir, packed.stdout.trim().split('\n').at(-1)!);
  await npm(['init', '-y'], dir);
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'openai@6.30.1', '@anthropic-ai/sdk@1.13.0'], dir);
  await copyFile(here('./support/pack-app.mjs'), join(dir, 'app.mjs'));
  await copyFile(here('./support/pack-types.mts'), join(dir, 'types.mts'));
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'llmtrace-pack-'));
  const installed = installPackedSdk(project);
  installed.catch(() => undefined); // awaited below; meanwhile the servers start
  fakes = await startFakes();
  database = await openTestDatabase('pglite');
  setAppContext({ database });
  user = await createTestUser(database, 'pack');
  server = await startRouteServer({ '/api/analytics/traces': { GET, POST } });
  await installed;
}, 240_000);

afterAll(async () => {
  await server?.close();
  await fakes?.close();
  await database?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

interface AppRun {
  code: number;
  ms: number;
  stderr: string;
  answers: Record<string, unknown>;
  stats: Record<string, number>;
}

/** Scripts one run's provider replies, then runs the app against LLMTrace at `url`. */
async function runApp(url: string, args: string[] = []): Promise<AppRun> {
  fakes.chat.enqueue(
    { kind: 'reply', content: 'Sunny in Paris.', usage: { prompt_tokens: 100, completion_tokens: 20 } },
    { kind: 'reply', content: 'Streamed sunshine.', usage: { prompt_tokens: 50, completion_tokens: 10 } },
    { kind: 'error', status: 400, message: 'messages must not be empty' },
  );
  fakes.anthropic.enqueue({ kind: 'reply', content: 'Claude says sunny.', usage: { input_tokens: 30, output_tokens: 6 } }, { kind: 'reply', content: 'Claude streams.' });
  fakes.platform.enqueue({ kind: 'embeddings', promptTokens: 3 }, { kind: 'response', content: 'Summary.', usage: { input_tokens: 9, output_tokens: 2 } });
  const env = cleanEnv({
    LLMTRACE_URL: url,
    LLMTRACE_API_KEY: user.apiKey,
    LLMTRACE_SERVICE_NAME: 'pack-app',
    FAKE_OPENAI_URL: fakes.chat.url,
    FAKE_PLATFORM_URL: fakes.platform.url,
    FAKE_ANTHROPIC_URL: fakes.anthropic.url,
  });
  const started = Date.now();
  const result = await run(process.execPath, ['app.mjs', ...args], { cwd: project, env, timeout: EXIT_BOUND_MS }).then(
    (ok) => ({ ...ok, code: 0 }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code ?? -1 }),
  );
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, never>);
  return { code: result.code, ms: Date.now() - started, stderr: result.stderr, answers: lines.find((l) => l.answers)?.answers ?? {}, stats: lines.find((l) => l.stats)?.stats ?? {} };
}

const EXPECTED_ANSWERS = {
  chat: 'Sunny in Paris.',
  chatStream: 'Streamed sunshine.',
  claude: 'Claude says sunny.',
  claudeStream: 'Claude streams.',
  vectors: 1,
  response: 'Summary.',
  failure: 'BadRequestError 400',
};

describe('the packed SDK in a fresh project', () => {
  it('sends nested, priced spans of wrapped OpenAI and Anthropic calls to the ingest endpoint', async () => {
    const app = await runApp(server.url);
    expect(app.code, app.stderr).toBe(0);
    expect(app.answers).toMatchObject(EXPECTED_ANSWERS);
    expect(app.stats).toMatchObject({ dropped: 0, queued: 0 });

    const response = await call(GET, { path: `/api/analytics/traces?trace_id=${app.answers.traceId}&limit=100`, apiKey: user.apiKey });
    const { traces } = (await response.json()) as { traces: Array<Record<string, any>> };
    const named = (name: string) => traces.filter((span) => span.span_name === name);
    const [root] = named('pipeline');
    expect(traces).toHaveLength(9);
    expect(root).toMatchObject({ parent_trace_id: null, operation_type: 'chain', status: 'completed', session_id: 'pack-session', tags: ['pack'] });
    for (const span of traces) expect(span).toMatchObject({ user_id: user.userId, trace_id: root.trace_id, service_name: 'pack-app' });

    const [chat, chatStream, failed] = named('openai.chat.completions').sort((a, b) => a.start_time.localeCompare(b.start_time));
    const [claude, claudeStream] = named('anthropic.messages').sort((a, b) => a.start_time.localeCompare(b.start_time));
    const [retrieval] = named('retrieval');
    const [embeddings] = named('openai.embeddings');
    const [answer] = named('openai.responses');
    for (const span of [chat, chatStream, failed, claude, claudeStream, retrieval, answer]) expect(span.parent_trace_id).toBe(root.span_id);
    expect(embeddings).toMatchObject({ parent_trace_id: retrieval.span_id, operation_type: 'embedding', status: 'completed', input_tokens: 3 });

    expect(chat).toMatchObject({ model_name: 'gpt-4o-mini-2024-07-18', model_provider: 'openai', input_tokens: 100, output_tokens: 20, status: 'completed', metadata: { source: 'sdk' } });
    expect(chatStream).toMatchObject({ input_tokens: 50, output_tokens: 10, output_data: { content: 'Streamed sunshine.' }, metadata: { stream: true } });
    expect(chatStream.time_to_first_token_ms).toBeGreaterThan(0);
    expect(failed).toMatchObject({ status: 'failed', error_message: expect.stringContaining('messages must not be empty'), metadata: { http_status: 400 } });
    expect(claude).toMatchObject({ model_name: 'claude-sonnet-4-6-20250929', model_provider: 'anthropic', input_tokens: 30, output_tokens: 6 });
    expect(claudeStream).toMatchObject({ status: 'completed', output_data: { content: [{ type: 'text', text: 'Claude streams.' }] } });
    expect(answer).toMatchObject({ model_name: 'gpt-4.1-mini-2025-04-14', output_data: { content: 'Summary.' } });

    // The package has no price table: the server priced each call from its model and tokens.
    for (const span of [chat, chatStream, claude, claudeStream, answer, embeddings]) {
      const cost = calculateCost({ model: span.model_name, inputTokens: span.input_tokens, outputTokens: span.output_tokens, cachedInputTokens: span.cached_input_tokens ?? undefined });
      expect(Number(span.cost_usd ?? NaN)).toBeCloseTo(cost ?? NaN, 12);
    }
    expect(chat.cost_usd).toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);

  it('answers the same and exits promptly when LLMTrace is unreachable, counting the spans it could not send', async () => {
    const app = await runApp(await unusedOrigin(), ['--no-shutdown']);
    expect(app.code, app.stderr).toBe(0);
    expect(app.answers).toMatchObject(EXPECTED_ANSWERS);
    expect(app.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(app.stats).toMatchObject({ written: 0, queued: 0 });
    expect(app.stats.dropped).toBeGreaterThanOrEqual(9); // every span (a slow one also has its `running` record)
    expect(app.stderr).toContain('[llmtrace]');
  }, TEST_TIMEOUT_MS);

  it('can be required from CommonJS and type-checks a TypeScript app against its declarations', async () => {
    const script = "const sdk = require('@llmtrace/sdk'); const { SPAN_FIELDS } = require('@llmtrace/sdk/span');" +
      "console.log(['init', 'observe', 'wrapOpenAI', 'wrapAnthropic', 'flush', 'shutdown'].map((name) => typeof sdk[name]).join(), typeof SPAN_FIELDS)";
    const required = await run(process.execPath, ['-e', script], { cwd: project, env: cleanEnv() });
    expect(required.stdout.trim()).toBe('function,function,function,function,function,function object');

    // The mask entry, from CommonJS and from ESM: it loads the detectors' libraries, installed with the package.
    const masking = "const mask = maskWith({ detectors: ['email', 'secret'], custom: [{ pattern: 'ORD-\\\\d{6}', replacement: '[ORDER]' }] });" +
      "const sink = new InMemorySpanSink(); const service = new TraceService({ sink, config: { mask } });" +
      "const span = await service.startTrace({ spanName: 'x', operationType: 'llm_call', userId: 'u', inputData: 'ana@example.com ORD-123456 sk-ant-api03-abcdefghijklmnopqrstuvwxyz' });" +
      "await service.endTrace(span); await service.flush();" +
      "const [{ input_data, metadata }] = sink.spans(); console.log(JSON.stringify({ input_data, metadata, problems: maskWith({ custom: [{ pattern: '(a)\\\\1' }] }).problems.length }));";
    const expected = { input_data: '[EMAIL] [ORDER] [SECRET]', metadata: { masked: { secret: 1, email: 1, custom: 1 } }, problems: 1 };
    const cjs = `const { maskWith } = require('@llmtrace/sdk/mask'); const { TraceService, InMemorySpanSink } = require('@llmtrace/sdk'); (async () => { ${masking} })();`;
    const esm = `import { maskWith } from '@llmtrace/sdk/mask'; import { TraceService, InMemorySpanSink } from '@llmtrace/sdk'; ${masking}`;
    expect(JSON.parse((await run(process.execPath, ['-e', cjs], { cwd: project, env: cleanEnv() })).stdout)).toEqual(expected);
    expect(JSON.parse((await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, env: cleanEnv() })).stdout)).toEqual(expected);

    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023,dom'];
    await expect(run(process.execPath, [TSC, ...flags, 'types.mts'], { cwd: project, env: cleanEnv(), timeout: 60_000 })).resolves.toBeDefined();
  }, TEST_TIMEOUT_MS);
});
