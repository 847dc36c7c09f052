/**
 * Several `npm start` processes on one Postgres (issue 14): three servers on three ports, started
 * at the same moment against one fresh database, so their migrations and owner bootstraps race.
 * All three must serve, exactly one prints the owner's credentials, and each sees what another wrote.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPostgresBinDir, startPostgres, type PostgresServer } from '../support/postgres-server';
import { freePort } from '../support/ports';
import { threeLevelTrace } from '../support/spans';
import { startAppServer, type AppServer } from './support/app-server';

const PROCESSES = 3;
const OWNER_EMAIL = 'owner@multi.example.test';

let pgServer: PostgresServer | undefined;
let databaseUrl = '';
let dataDir = '';
const servers: AppServer[] = [];
let startError: unknown;

/** A fresh database on `DATABASE_URL` when set, or on a throwaway Postgres from the machine's binaries. */
async function freshDatabase(): Promise<string> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const binDir = findPostgresBinDir();
    // Never skipped: without a Postgres server this test fails and says why.
    if (!binDir) throw new Error('No Postgres server binaries found (looked in /usr/lib/postgresql/*/bin and $PG_BIN_DIR). Install them with `apt-get install postgresql` or set DATABASE_URL.');
    pgServer = await startPostgres(binDir);
    adminUrl = pgServer.url;
  }
  const name = `lt_multi_${randomBytes(6).toString('hex')}`;
  // A server just started listens a moment before it accepts queries ("the database system is starting up").
  for (let attempt = 0; ; attempt++) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      break;
    } catch (error) {
      if (attempt >= 100 || !/starting up/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await admin.end();
    }
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-multi-'));
  const ports: number[] = [];
  while (ports.length < PROCESSES) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  // No ADMIN_PASSWORD: each process would generate a different one, so a second banner could not hide.
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_EMAIL: OWNER_EMAIL, DEFAULT_PROVIDER: 'demo', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', TRACE_BATCH_INTERVAL_MS: '50' };
  // With the ports known, the three spawns happen in one tick.
  const started = await Promise.allSettled(ports.map((port) => startAppServer(env, { port, timeoutMs: 300_000 })));
  for (const result of started) {
    if (result.status === 'fulfilled') servers.push(result.value);
    else startError ??= result.reason;
  }
}, 330_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop(10_000)));
  await pgServer?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function ownerApiKey(): string {
  const keys = servers.flatMap((server) => [...server.output().matchAll(/API key\s+(lt_[0-9A-Za-z]+)/g)].map((match) => match[1]));
  expect(keys).toHaveLength(1);
  return keys[0];
}

it('starts all three processes together on one Postgres', () => {
  if (startError) throw startError;
  expect(servers).toHaveLength(PROCESSES);
  for (const server of servers) {
    expect(server.output()).toContain('✔ Database ready: Postgres at DATABASE_URL');
    expect(server.output()).not.toContain('✖');
  }
});

it('prints the owner banner exactly once, and nothing secret from the others', () => {
  expect(servers).toHaveLength(PROCESSES);
  const banners = servers.filter((server) => /shown ONCE/.test(server.output()));
  expect(banners).toHaveLength(1);
  const password = /Password\s+(\S+)/.exec(banners[0].output())?.[1];
  expect(password).toBeDefined();
  const key = ownerApiKey();
  for (const server of servers) {
    if (server === banners[0]) continue;
    expect(server.output()).not.toContain(key);
    expect(server.output()).not.toContain(password);
    expect(server.output()).not.toMatch(/lt_[0-9A-Za-z]{10,}/);
  }
});

it('answers health on every process', async () => {
  expect(servers).toHaveLength(PROCESSES);
  for (const server of servers) {
    const response = await fetch(`${server.baseUrl}/api/health`);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ status: 'ok', database: 'postgres' });
  }
});

it('takes the owner key on every process: a span ingested on one is read on the others', async () => {
  expect(servers).toHaveLength(PROCESSES);
  const headers = { authorization: `Bearer ${ownerApiKey()}`, 'content-type': 'application/json' };
  const { traceId, spans } = threeLevelTrace({ start: new Date(Date.now() - 60_000) });
  const ingest = await fetch(`${servers[0].baseUrl}/api/analytics/traces`, { method: 'POST', headers, body: JSON.stringify({ traces: spans }) });
  expect(ingest.status).toBe(200);
  await expect(ingest.json()).resolves.toMatchObject({ accepted: spans.length, rejected: [] });
  for (const server of servers.slice(1)) {
    let names: string[] = [];
    for (let attempt = 0; attempt < 50 && names.length < spans.length; attempt++) {
      const response = await fetch(`${server.baseUrl}/api/analytics/traces?trace_id=${traceId}`, { headers });
      expect(response.status).toBe(200);
      names = ((await response.json()) as { traces: { span_name: string }[] }).traces.map((span) => span.span_name);
      if (names.length < spans.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(names.sort()).toEqual(spans.map((span) => span.span_name).sort());
  }
});

it('keeps a session made on one process valid on another', async () => {
  expect(servers).toHaveLength(PROCESSES);
  const banner = servers.find((server) => /shown ONCE/.test(server.output()))!;
  const password = /Password\s+(\S+)/.exec(banner.output())![1];
  const [, second, third] = servers;
  const login = await fetch(`${second.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: second.baseUrl },
    body: JSON.stringify({ email: OWNER_EMAIL, password }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  const listed = await fetch(`${third.baseUrl}/api/analytics/traces?limit=1`, { headers: { cookie } });
  expect(listed.status).toBe(200);
});
