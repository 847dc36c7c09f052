/**
 * Big traces (DESIGN §8: a 100k-span trace is interactive in ≤ 2 s in Chromium): what loading one
 * trace of `spans` spans costs the server and the wire, for each way the API offers, on PGlite and
 * (with a URL) Postgres; and, with `browser: true`, the time from navigation start to a clicked
 * span's details in Chromium against a real `npm start`.
 *
 * Server figures are the route handlers called in-process, as Next.js calls them (auth, query,
 * encoding and serialisation included), the median of `runs` after one warm-up:
 * - `outline`: `GET /api/analytics/traces/{trace_id}/outline`, the whole outline as one JSON document;
 * - `parts`: the same with `?encoding=gzip-parts`, what the trace page loads: the outline in parts
 *   cut by span id, each zipped as it is read (until the last byte; its size is on the wire, zipped);
 * - `light`: `GET /api/analytics/traces?trace_id=…&include_data=false`, every span object without inputs and outputs;
 * - `whole`: `GET /api/analytics/traces?trace_id=…`, the contract's every span with its data;
 * - `span`: `GET /api/analytics/traces?trace_id=…&span_id=…`, one span whole (the details panel);
 * - `find`: `GET /api/analytics/traces/{trace_id}/search?q=…`, "find in trace" over inputs and outputs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GET as getOutline } from '@/app/api/analytics/traces/[traceId]/outline/route';
import { GET as findInTrace } from '@/app/api/analytics/traces/[traceId]/search/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { createUserAccount } from '@/lib/auth/accounts';
import { createDatabase } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import type { ApiSpan } from '@/lib/trace-view/types';
import { makeBigTrace } from '../tests/support/trace-fixtures';

export interface LoadFigure {
  /** Median server time, ms (handler in, body serialised). */
  p50Ms: number;
  /** Slowest run, ms. */
  maxMs: number;
  /** Response body size, bytes (uncompressed JSON). */
  bytes: number;
}

export interface BigTraceServerResult {
  database: 'pglite' | 'postgres';
  spans: number;
  seedSeconds: number;
  outline: LoadFigure;
  /** `?encoding=gzip-parts`: until the stream's last part; bytes as sent (zipped). */
  parts: LoadFigure;
  light: LoadFigure;
  /** Null when `whole: false` (every span with its data is the slowest and largest). */
  whole: LoadFigure | null;
  span: LoadFigure;
  find: LoadFigure & { matches: number };
}

export interface BigTraceBrowserResult {
  spans: number;
  /** From navigation start (the browser's time origin): the first waterfall row on screen. */
  firstRowMs: number;
  /** From navigation start: a span clicked as soon as rows show has its details and input on screen. */
  interactiveMs: number;
  /** The same, opening the trace again four times (caches warm): each time. */
  againInteractiveMs: number[];
  /** From navigation start: the outline downloaded. */
  outlineLoadedMs: number | null;
  /** The outline's size on the wire (as served: compressed when the server compresses). */
  outlineWireBytes: number | null;
}

export interface BigTraceBench {
  server: BigTraceServerResult[];
  browser: BigTraceBrowserResult | null;
}

/** The bench's trace: an agent run nested up to 12 levels, model calls with a small chat input each; one holds a rare word. */
export function benchTraceSpans(spans: number, seed = 14): { spans: Array<Omit<ApiSpan, 'id' | 'user_id' | 'created_at'>>; needle: string } {
  const needle = 'zebra-needle-4711';
  const raw = makeBigTrace(spans, { shape: 'mixed', seed, start: Date.now() - 30 * 60_000 });
  const needleAt = raw.findIndex((span, i) => i >= spans * 0.7 && span.operation_type === 'llm_call');
  return {
    needle,
    spans: raw.map(({ id: _id, user_id: _u, created_at: _c, ...span }, i) =>
      span.operation_type === 'llm_call'
        ? {
            ...span,
            input_data: {
              messages: [
                { role: 'system', content: 'You are a careful research agent.' },
                { role: 'user', content: i === needleAt ? `Look for the ${needle} in the archive.` : `Step ${i}: summarise what the previous tool returned.` },
              ],
            },
          }
        : span,
    ),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(handler: () => Promise<Response>, runs: number, binary = false): Promise<LoadFigure & { body: string }> {
  const samples: number[] = [];
  let body = '';
  let size = 0;
  for (let run = 0; run <= runs; run++) {
    const started = process.hrtime.bigint();
    const response = await handler();
    if (binary && response.ok) {
      size = (await response.arrayBuffer()).byteLength;
      body = '';
    } else {
      body = await response.text();
      size = Buffer.byteLength(body);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!response.ok) throw new Error(`${response.status}: ${body.slice(0, 300)}`);
    if (run > 0) samples.push(ms);
  }
  return { p50Ms: median(samples), maxMs: Math.max(...samples), bytes: size, body };
}

/** Seeds one trace of `spans` spans into a fresh database and times each way of loading it. */
export async function benchBigTraceServer(
  kind: 'pglite' | 'postgres',
  { spans = 100_000, runs = 5, databaseUrl, whole = true }: { spans?: number; runs?: number; databaseUrl?: string; whole?: boolean } = {},
): Promise<BigTraceServerResult> {
  if (kind === 'postgres' && !databaseUrl) throw new Error('benchBigTraceServer("postgres") needs a databaseUrl');
  let url = databaseUrl;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (kind === 'postgres') {
    // A database of its own on that server, dropped afterwards.
    const { default: postgres } = await import('postgres');
    const name = `lt_bench_big_${randomBytes(4).toString('hex')}`;
    const admin = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const target = new URL(databaseUrl!);
    target.pathname = `/${name}`;
    url = target.toString();
    dropDatabase = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const database = kind === 'pglite' ? await createDatabase({ dataDir: 'memory://' }) : await createDatabase({ url, maxConnections: 4 });
  try {
    setAppContext({ database });
    const { apiKey } = await createUserAccount(database, { email: `bench-big-${randomBytes(4).toString('hex')}@example.test`, password: 'bench-password' });
    const auth = { authorization: `Bearer ${apiKey}` };
    const { spans: trace, needle } = benchTraceSpans(spans);
    const traceId = trace[0]!.trace_id;
    const seedStarted = Date.now();
    for (let i = 0; i < trace.length; i += 1000) {
      const response = await postTraces(
        new Request('http://127.0.0.1/api/analytics/traces', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ traces: trace.slice(i, i + 1000) }) }),
      );
      const result = (await response.json()) as { rejected?: unknown[] };
      if (!response.ok || result.rejected?.length) throw new Error(`seeding failed: ${JSON.stringify(result).slice(0, 300)}`);
    }
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    if (kind === 'postgres') await database.query('ANALYZE llm_traces');

    const params = { params: Promise.resolve({ traceId }) };
    const get = (path: string) => new Request(`http://127.0.0.1${path}`, { headers: auth });
    const outline = await timed(() => getOutline(get(`/api/analytics/traces/${traceId}/outline`), params), runs);
    const parts = await timed(() => getOutline(get(`/api/analytics/traces/${traceId}/outline?encoding=gzip-parts`), params), runs, true);
    const light = await timed(() => getTraces(get(`/api/analytics/traces?trace_id=${traceId}&include_data=false`)), runs);
    const all = whole ? await timed(() => getTraces(get(`/api/analytics/traces?trace_id=${traceId}`)), runs) : null;
    const spanId = trace[Math.floor(trace.length / 2)]!.span_id;
    const span = await timed(() => getTraces(get(`/api/analytics/traces?trace_id=${traceId}&span_id=${spanId}`)), runs);
    const find = await timed(() => findInTrace(get(`/api/analytics/traces/${traceId}/search?q=${needle}`), params), runs);
    const strip = ({ body: _body, ...figure }: LoadFigure & { body: string }): LoadFigure => figure;
    return {
      database: kind,
      spans,
      seedSeconds,
      outline: strip(outline),
      parts: strip(parts),
      light: strip(light),
      whole: all && strip(all),
      span: strip(span),
      find: { ...strip(find), matches: (JSON.parse(find.body) as { span_ids: string[] }).span_ids.length },
    };
  } finally {
    await database.close();
    await dropDatabase?.();
  }
}

/**
 * Starts LLMTrace as a user does (`npm start`: builds when needed) on a fresh data directory,
 * seeds one trace of `spans` spans over HTTP and opens it in Chromium (`CHROMIUM_PATH`, default
 * /usr/bin/chromium): the same measure as `tests/browser/big-trace.test.ts`.
 */
export async function benchBigTraceBrowser({ spans = 100_000 }: { spans?: number } = {}): Promise<BigTraceBrowserResult> {
  const { startAppServer } = await import('../tests/browser/support/app-server');
  const { chromium } = await import('playwright-core');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-bench-big-'));
  const email = 'bench-owner@example.test';
  const password = 'bench-browser-password';
  // Through `npm start` itself, so with its Node flags (package.json): started as `node
  // scripts/start.mjs`, the server ran without them and opened the trace 0.1-0.5 s sooner.
  const server = await startAppServer(
    { DATA_DIR: dataDir, ADMIN_EMAIL: email, ADMIN_PASSWORD: password, DEFAULT_PROVIDER: 'demo', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
    { viaNpm: true },
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(server.output())?.[1];
    if (!apiKey) throw new Error('the first start printed no API key');
    const { spans: trace } = benchTraceSpans(spans);
    const traceId = trace[0]!.trace_id;
    for (let i = 0; i < trace.length; i += 1000) {
      const response = await fetch(`${server.baseUrl}/api/analytics/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ traces: trace.slice(i, i + 1000) }),
      });
      if (!response.ok) throw new Error(`seeding failed: ${response.status}`);
    }
    const { buildTraceTree } = await import('@/lib/trace-view/tree');
    const clickId = buildTraceTree(trace as ApiSpan[]).preorder[4]!.id;

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard-shell').waitFor();
    await page.addInitScript(() => {
      const marks: { firstRow?: number; details: Record<string, number> } = { details: {} };
      (window as unknown as { __marks: typeof marks }).__marks = marks;
      new MutationObserver(() => {
        if (marks.firstRow === undefined && document.querySelector('[data-testid="waterfall-row"]')) marks.firstRow = performance.now();
        for (const panel of document.querySelectorAll('[data-testid="span-details"]')) {
          const id = panel.getAttribute('data-span-id');
          if (id && marks.details[id] === undefined && panel.querySelector('[data-testid="span-input"]')) marks.details[id] = performance.now();
        }
      }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-span-id'] });
    });
    const open = async () => {
      await page.goto(`${server.baseUrl}/analytics/traces/${traceId}`, { waitUntil: 'commit' });
      await page.locator(`[data-testid="waterfall-row"][data-span-id="${clickId}"]`).click({ timeout: 60_000 });
      await page.locator(`[data-testid="span-details"][data-span-id="${clickId}"] [data-testid="span-input"]`).waitFor({ timeout: 60_000 });
      return page.evaluate((id) => {
        const marks = (window as unknown as { __marks: { firstRow?: number; details: Record<string, number> } }).__marks;
        const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/outline')) as PerformanceResourceTiming | undefined;
        return { firstRow: marks.firstRow ?? Number.NaN, interactive: marks.details[id] ?? Number.NaN, outlineEnd: entry?.responseEnd ?? null, outlineBytes: entry?.encodedBodySize ?? null };
      }, clickId);
    };
    const first = await open();
    const again: number[] = [];
    for (let i = 0; i < 4; i++) again.push((await open()).interactive);
    return {
      spans,
      firstRowMs: first.firstRow,
      interactiveMs: first.interactive,
      againInteractiveMs: again,
      outlineLoadedMs: first.outlineEnd,
      outlineWireBytes: first.outlineBytes,
    };
  } finally {
    await browser.close();
    await server.stop(5_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The big-trace bench: the server figures on PGlite, and on Postgres when `databaseUrl` is given;
 * the browser figure when `browser` is true (it runs `npm start`, which builds the app if needed).
 */
export async function benchBigTrace(
  options: { spans?: number; runs?: number; databaseUrl?: string; browser?: boolean; onProgress?: (message: string) => void } = {},
): Promise<BigTraceBench> {
  const { spans = 100_000, runs = 5, databaseUrl, browser = false, onProgress } = options;
  const server: BigTraceServerResult[] = [];
  onProgress?.(`big trace: ${spans} spans on PGlite`);
  server.push(await benchBigTraceServer('pglite', { spans, runs }));
  if (databaseUrl) {
    onProgress?.(`big trace: ${spans} spans on Postgres`);
    server.push(await benchBigTraceServer('postgres', { spans, runs, databaseUrl }));
  }
  let browserResult: BigTraceBrowserResult | null = null;
  if (browser) {
    onProgress?.(`big trace: ${spans} spans in Chromium (npm start)`);
    browserResult = await benchBigTraceBrowser({ spans });
  }
  return { server, browser: browserResult };
}

// `tsx --conditions=react-server bench/big-trace.ts [spans] [--browser]` prints the figures as JSON.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const spans = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 100_000);
  void benchBigTrace({ spans, databaseUrl: process.env.DATABASE_URL, browser: process.argv.includes('--browser'), onProgress: (m) => console.error(m) }).then((result) =>
    console.log(JSON.stringify(result, null, 2)),
  );
}
