/**
 * Three `npm start` processes on one Postgres (issue 14, DESIGN.md §1 and §8 "Reliability").
 *
 * The three start at the same moment against one fresh database, so their migrations and owner
 * bootstraps race. Clients then spread chat, ingest and dashboard traffic over them, as a load
 * balancer would, and one process is stopped with SIGTERM mid-load while the traffic goes on to the
 * other two. Afterwards:
 *  - every span acknowledged (a 2xx from any process, the dying one included) is stored exactly
 *    once, counted by span key, and every acknowledged chat's trace is stored;
 *  - a sign-in throttle filled on one process refuses on another;
 *  - a session made on one process works (and CSRF-checked writes work, and sign-out ends it) on another;
 *  - the daily retention job ran once between the three, not once per process.
 *
 * It runs with the browser tests' config (`npm start` is built once there, by the global setup).
 * Every wait polls a condition under a deadline. Nothing is skipped: without a Postgres server
 * (the machine's binaries, or DATABASE_URL) it fails and says why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../browser/support/app-server';
import { findPostgresBinDir, startPostgres, type PostgresServer } from '../support/postgres-server';
import { freePort } from '../support/ports';
import { hexId } from '../support/spans';

const PROCESSES = 3;
/** The process stopped mid-load. */
const VICTIM = 2;
const OWNER_EMAIL = 'owner@multi.example.test';
const RETENTION_CHECK_MS = 1000;
const SPANS_PER_BATCH = 50;
const INGEST_CLIENTS = 4;
const CHAT_CLIENTS = 2;
const DASHBOARD_CLIENTS = 1;

let pgServer: PostgresServer | undefined;
let sql: postgres.Sql | undefined;
let dataDir = '';
const servers: AppServer[] = [];
let startError: unknown;

/** A fresh database on `DATABASE_URL` when set, or on a throwaway Postgres from the machine's binaries. */
async function freshDatabase(): Promise<string> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const binDir = findPostgresBinDir();
    // Never skipped, in CI or not: without a Postgres server this test fails and says why.
    if (!binDir) throw new Error('No Postgres server binaries found (looked in /usr/lib/postgresql/*/bin and $PG_BIN_DIR). Install them with `apt-get install postgresql` or set DATABASE_URL.');
    pgServer = await startPostgres(binDir);
    adminUrl = pgServer.url;
  }
  const name = `lt_three_${randomBytes(6).toString('hex')}`;
  await until(async () => {
    const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return true;
    } catch (error) {
      // A server just started listens a moment before it accepts queries.
      if (/starting up/.test((error as Error).message)) return false;
      throw error;
    } finally {
      await admin.end();
    }
  }, 'the Postgres server accepts connections', 20_000);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  const databaseUrl = await freshDatabase();
  sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-three-'));
  const ports: number[] = [];
  while (ports.length < PROCESSES) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  // No ADMIN_PASSWORD: each process would generate its own, so a second banner could not hide.
  const env = {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_EMAIL: OWNER_EMAIL,
    DEFAULT_PROVIDER: 'demo',
    OPENAI_API_KEY: '',
    ANTHROPIC_API_KEY: '',
    DEMO_DELAY_SCALE: '0.2',
    TRACE_BATCH_INTERVAL_MS: '50',
    TRACE_RETENTION_CHECK_MS: String(RETENTION_CHECK_MS),
  };
  // The ports are known, so the three spawns happen in one tick.
  const started = await Promise.allSettled(ports.map((port) => startAppServer(env, { port, timeoutMs: 300_000 })));
  for (const result of started) {
    if (result.status === 'fulfilled') servers.push(result.value);
    else startError ??= result.reason;
  }
}, 330_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop(10_000)));
  await sql?.end();
  await pgServer?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function owner(): { apiKey: string; password: string } {
  const banners = servers.filter((server) => /shown ONCE/.test(server.output()));
  expect(banners).toHaveLength(1);
  const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(banners[0].output())?.[1];
  const password = /Password\s+(\S+)/.exec(banners[0].output())?.[1];
  if (!apiKey || !password) throw new Error(`The owner banner has no API key or password:\n${banners[0].output().slice(-2000)}`);
  return { apiKey, password };
}

it('starts all three processes at once on one Postgres: each serves, one prints the owner banner, the others nothing secret', async () => {
  if (startError) throw startError;
  expect(servers).toHaveLength(PROCESSES);
  const { apiKey, password } = owner();
  for (const server of servers) {
    expect(server.output()).toContain('✔ Database ready: Postgres at DATABASE_URL');
    expect(server.output()).not.toContain('✖');
    const health = await fetch(`${server.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    await expect(health.json()).resolves.toMatchObject({ status: 'ok', database: 'postgres' });
    if (/shown ONCE/.test(server.output())) continue;
    expect(server.output()).not.toContain(apiKey);
    expect(server.output()).not.toContain(password);
    expect(server.output()).not.toMatch(/lt_[0-9A-Za-z]{10,}/);
  }
});

// ── Mixed load, with one process stopped midway ───────────────────────────────────────────────

interface Tally {
  /** Span keys (`trace_id:span_id`) some process answered 2xx for. */
  ackedSpans: Set<string>;
  ingestTraceIds: string[];
  /** The process that acknowledged each ingested trace. */
  ackedTraceBy: Map<string, number>;
  /** Trace ids of chat answers some process returned. */
  ackedChats: string[];
  /** 2xx answers per process and kind. */
  perProcess: Array<Record<'ingest' | 'chat' | 'dashboard', number>>;
  /** Spans the victim acknowledged after it was sent SIGTERM. */
  ackedByVictimWhileStopping: number;
  /** What requests sent to the victim after its SIGTERM got: an answer (by status) or a network error. */
  victimAfterSignal: Record<string, number>;
  retries: Record<'network' | 'busy', number>;
  /** Anything a client would call a bug: a 5xx other than 503, an unexpected status, a partial rejection. */
  failures: string[];
}

const tally: Tally = {
  ackedSpans: new Set(),
  ingestTraceIds: [],
  ackedTraceBy: new Map(),
  ackedChats: [],
  perProcess: Array.from({ length: PROCESSES }, () => ({ ingest: 0, chat: 0, dashboard: 0 })),
  ackedByVictimWhileStopping: 0,
  victimAfterSignal: {},
  retries: { network: 0, busy: 0 },
  failures: [],
};
/** Processes sent SIGTERM. The "load balancer" keeps sending to one until a connection to it fails. */
const signalled = new Set<number>();
/** Processes the "load balancer" no longer sends new requests to: one failed a connection, or it exited. */
const draining = new Set<number>();
let roundRobin = 0;

function nextProcess(): number {
  for (;;) {
    const index = roundRobin++ % PROCESSES;
    if (!draining.has(index)) return index;
  }
}

/**
 * Sends one request as a client behind a load balancer would: to the next live process, again to
 * another on a network error (the process went away), and again after `Retry-After` on 429/503.
 */
async function send(pathname: string, init: RequestInit, kind: 'ingest' | 'chat' | 'dashboard'): Promise<{ status: number; body: unknown; process: number; stopping: boolean }> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const index = nextProcess();
    const stopping = signalled.has(index);
    try {
      const response = await fetch(`${servers[index].baseUrl}${pathname}`, { ...init, signal: AbortSignal.timeout(60_000) });
      if (response.status === 429 || response.status === 503) {
        tally.retries.busy++;
        await response.arrayBuffer();
        const seconds = Number(response.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 200, 1000)));
        continue;
      }
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      if (response.ok) tally.perProcess[index][kind]++;
      if (stopping) tally.victimAfterSignal[response.status] = (tally.victimAfterSignal[response.status] ?? 0) + 1;
      return { status: response.status, body, process: index, stopping: stopping || signalled.has(index) };
    } catch {
      // Connection refused or reset: the process is going away. The request may or may not have
      // been applied; a client sends it again (ingest is idempotent by span key), and the load
      // balancer takes the process out of rotation.
      if (signalled.has(index)) draining.add(index);
      if (stopping) tally.victimAfterSignal.network = (tally.victimAfterSignal.network ?? 0) + 1;
      tally.retries.network++;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${init.method ?? 'GET'} ${pathname}: no process answered after 60 attempts`);
}

function spanBatch(): { traceId: string; spans: Record<string, unknown>[] } {
  const traceId = hexId(16);
  const start = Date.now() - 60_000;
  const root = hexId(8);
  const at = (ms: number) => new Date(start + ms).toISOString();
  const spans: Record<string, unknown>[] = [
    { trace_id: traceId, span_id: root, span_name: 'agent.run', operation_type: 'agent', status: 'completed', start_time: at(0), end_time: at(1000) },
  ];
  for (let i = 1; i < SPANS_PER_BATCH; i++) {
    spans.push({
      trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: `llm.call ${i}`, operation_type: 'llm_call', status: 'completed',
      start_time: at(i), end_time: at(i + 10), model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 100, output_tokens: 20,
      input_data: { messages: [{ role: 'user', content: `question ${i}` }] }, output_data: { content: `answer ${i}` },
    });
  }
  return { traceId, spans };
}

it('spreads chat, ingest and dashboard traffic over the three, stops one with SIGTERM mid-load, and loses or duplicates nothing', async () => {
  expect(servers).toHaveLength(PROCESSES);
  const { apiKey } = owner();
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  let stop = false;

  const ingestClient = async () => {
    while (!stop) {
      const { traceId, spans } = spanBatch();
      tally.ingestTraceIds.push(traceId);
      const result = await send('/api/analytics/traces', { method: 'POST', headers, body: JSON.stringify({ traces: spans }) }, 'ingest');
      const body = result.body as { accepted?: number; rejected?: unknown[] };
      if (result.status !== 200 || body.accepted !== spans.length || body.rejected?.length !== 0) {
        tally.failures.push(`ingest on process ${result.process}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
        continue;
      }
      for (const span of spans) tally.ackedSpans.add(`${span.trace_id}:${span.span_id}`);
      tally.ackedTraceBy.set(traceId, result.process);
      if (result.process === VICTIM && result.stopping) tally.ackedByVictimWhileStopping += spans.length;
    }
  };
  const chatClient = async (client: number) => {
    for (let n = 0; !stop; n++) {
      const content = `Client ${client}, question ${n}: what is 6 times 7?`;
      const result = await send('/api/chat', { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content }] }) }, 'chat');
      const body = result.body as { traceId?: string; messageId?: string };
      if (result.status !== 200 || !body.traceId || !body.messageId) {
        tally.failures.push(`chat on process ${result.process}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
        continue;
      }
      tally.ackedChats.push(body.traceId);
    }
  };
  const dashboardClient = async () => {
    for (let n = 0; !stop; n++) {
      const pathname = n % 2 === 0 ? '/api/analytics/traces?limit=20' : '/api/analytics/stats';
      const result = await send(pathname, { headers }, 'dashboard');
      if (result.status !== 200) tally.failures.push(`GET ${pathname} on process ${result.process}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
    }
  };

  const clients = [
    ...Array.from({ length: INGEST_CLIENTS }, () => ingestClient()),
    ...Array.from({ length: CHAT_CLIENTS }, (_, i) => chatClient(i)),
    ...Array.from({ length: DASHBOARD_CLIENTS }, () => dashboardClient()),
  ];
  const clientsDone = Promise.all(clients).finally(() => (stop = true));
  try {
    // Every process is under every kind of traffic before one is stopped.
    await until(
      () => stop || tally.perProcess.every((counts) => counts.ingest >= 3 && counts.chat >= 1 && counts.dashboard >= 1),
      'every process answered ingest, chat and dashboard requests',
      90_000,
    );
    // SIGTERM to the victim (as an orchestrator would), in the middle of the traffic: requests in
    // flight to it, and new ones until a connection to it fails; then the clients go on with the other two.
    signalled.add(VICTIM);
    const stopped = Date.now();
    await servers[VICTIM].stop(30_000);
    draining.add(VICTIM);
    const stopMs = Date.now() - stopped;
    const afterStop = tally.perProcess.map((counts) => counts.ingest);
    await until(
      () => stop || tally.perProcess.every((counts, i) => i === VICTIM || (counts.ingest >= afterStop[i] + 3 && counts.chat >= 1)),
      'the surviving processes answered more ingest after the stop',
      60_000,
    );
    console.info(`[three-processes] the stopped process exited ${stopMs} ms after SIGTERM`);
  } finally {
    stop = true;
    await clientsDone;
  }

  console.info(
    `[three-processes] acknowledged ${tally.ackedSpans.size} spans (${tally.ackedByVictimWhileStopping} by the stopping process) and ${tally.ackedChats.length} chats; ` +
      `2xx per process ${JSON.stringify(tally.perProcess)}; retries ${JSON.stringify(tally.retries)}; ` +
      `requests sent to the stopping process after its SIGTERM: ${JSON.stringify(tally.victimAfterSignal)}`,
  );
  expect(tally.failures).toEqual([]);
  expect(servers[VICTIM].output()).toContain('Stopping: writing queued spans');
  expect(servers[VICTIM].output()).not.toMatch(/spans not yet written/);

  // Every acknowledged span exactly once (counted by span key, whatever the table's constraints).
  const stored = await sql!<{ key: string; n: number }[]>`
    SELECT trace_id || ':' || span_id AS key, count(*)::int AS n FROM llm_traces
     WHERE trace_id = ANY(${tally.ingestTraceIds}) GROUP BY trace_id, span_id`;
  const storedKeys = new Set(stored.map((row) => row.key));
  expect(stored.filter((row) => row.n !== 1)).toEqual([]);
  expect([...tally.ackedSpans].filter((key) => !storedKeys.has(key))).toEqual([]);
  expect(tally.ackedSpans.size).toBeGreaterThan(0);

  // Every acknowledged chat's trace is stored, the stopped process's included: its trace queue was
  // flushed on SIGTERM. The survivors' queues flush within a batch interval, so poll.
  const missingChats = async () => {
    const rows = await sql!<{ trace_id: string }[]>`
      SELECT DISTINCT trace_id FROM llm_traces WHERE trace_id = ANY(${tally.ackedChats}) AND parent_trace_id IS NULL AND span_name = 'llm.completion'`;
    const found = new Set(rows.map((row) => row.trace_id));
    return tally.ackedChats.filter((traceId) => !found.has(traceId));
  };
  await until(async () => (await missingChats()).length === 0, 'every acknowledged chat trace is stored', 20_000).catch(async (error) => {
    throw new Error(`${(error as Error).message}; missing: ${JSON.stringify(await missingChats())}`);
  });
  const duplicates = await sql!`
    SELECT trace_id, span_id, count(*)::int AS n FROM llm_traces GROUP BY user_id, trace_id, span_id HAVING count(*) > 1 LIMIT 5`;
  expect(duplicates).toEqual([]);
  const messages = await sql!<{ n: number }[]>`SELECT count(*)::int AS n FROM messages WHERE role = 'assistant' AND trace_id = ANY(${tally.ackedChats})`;
  expect(messages[0].n).toBe(tally.ackedChats.length);

  // Through the API too: a trace the stopped process acknowledged reads whole on the survivors.
  const fromVictim = [...tally.ackedTraceBy].find(([, process]) => process === VICTIM)?.[0];
  expect(fromVictim).toBeDefined();
  for (const [index, server] of servers.entries()) {
    if (index === VICTIM) continue;
    const response = await fetch(`${server.baseUrl}/api/analytics/traces?trace_id=${fromVictim}`, { headers });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { traces: unknown[] }).traces).toHaveLength(SPANS_PER_BATCH);
  }
}, 240_000);

// ── State that must not live in one process ─────────────────────────────────────────────────

function survivors(): [AppServer, AppServer] {
  const alive = servers.filter((_, index) => index !== VICTIM);
  expect(alive).toHaveLength(2);
  return [alive[0], alive[1]];
}

async function login(server: AppServer, email: string, password: string): Promise<Response> {
  return fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.baseUrl },
    body: JSON.stringify({ email, password }),
  });
}

it('counts failed sign-ins on one process against the limit on another', async () => {
  const [first, second] = survivors();
  // An email nobody has, so the owner's own limits are untouched; throttled exactly like a real one.
  const email = `probe-${hexId(4)}@multi.example.test`;
  // The (account, address) limit: 5 failures, then a block. All five on the first process…
  for (let i = 0; i < 5; i++) {
    const response = await login(first, email, `wrong-${i}`);
    expect(response.status).toBe(401);
  }
  // …and the second process refuses the sixth.
  const refused = await login(second, email, 'wrong-again');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await login(first, email, 'wrong-again')).status).toBe(429);
});

it('keeps a session made on one process valid on another, with its CSRF token, until it is signed out anywhere', async () => {
  const [first, second] = survivors();
  const { password } = owner();
  const signedIn = await login(first, OWNER_EMAIL, password);
  expect(signedIn.status).toBe(200);
  const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
  const cookie = signedIn.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  expect(cookie).toContain('lt_session=');

  const listed = await fetch(`${second.baseUrl}/api/analytics/traces?limit=1`, { headers: { cookie } });
  expect(listed.status).toBe(200);
  // A cookie write on the other process needs the CSRF token the first one issued…
  const forged = await fetch(`${second.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: second.baseUrl } });
  expect(forged.status).toBe(403);
  const signedOut = await fetch(`${second.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: second.baseUrl, 'x-csrf-token': csrfToken } });
  expect(signedOut.status).toBe(204);
  // …and signing out there ends the session here.
  expect((await fetch(`${first.baseUrl}/api/analytics/traces?limit=1`, { headers: { cookie } })).status).toBe(401);
});

it('ran the daily retention job once between the three processes, not once per process', async () => {
  const row = async () =>
    (await sql!<{ run_count: number; since_ms: number | null; lease_until: Date | null }[]>`
      SELECT run_count::int AS run_count, (extract(epoch FROM now() - last_finished_at) * 1000)::float8 AS since_ms, lease_until
        FROM maintenance_runs WHERE job = 'retention'`)[0];
  // Each process checks every RETENTION_CHECK_MS: by the time five checks have passed since the run
  // ended, every live process has found it done several times over.
  await until(async () => {
    const current = await row();
    return current !== undefined && current.since_ms !== null && current.since_ms >= 5 * RETENTION_CHECK_MS;
  }, 'the retention run finished five check intervals ago', 60_000);
  expect(await row()).toMatchObject({ run_count: 1, lease_until: null });
  const runLines = servers.flatMap((server) => server.output().split('\n').filter((line) => line.includes('[llmtrace] retention: daily run done')));
  expect(runLines).toHaveLength(1);
});
