/**
 * The database step of several app processes starting at once on one Postgres (issue 14): each
 * process has its own connection pool, so here each "process" is its own `Database` handle.
 * The end-to-end version with three real `npm start`s is `tests/multiprocess/three-processes.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '@/lib/db/client';
import { loadMigrations, migrate, withStartupLock } from '@/lib/db/migrate';
import { ensureOwnerAccount } from '@/lib/server/owner-account';

const PROCESSES = 4;
let url = '';
const handles: Database[] = [];

beforeAll(async () => {
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) throw new Error('No Postgres server for the tests: install the postgresql package or set DATABASE_URL.');
  const name = `lt_startup_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  url = target.toString();
  for (let i = 0; i < PROCESSES; i++) handles.push(await createDatabase({ url, maxConnections: 3, migrate: false }));
});

afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.close()));
});

it('migrates a fresh database from several pools at once, each file once', async () => {
  const applied = await Promise.all(handles.map((handle) => migrate(handle)));
  const all = loadMigrations().map((migration) => migration.name);
  // One pool applied everything; the others found it done.
  expect(applied.flat().sort()).toEqual([...all].sort());
  expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
  const rows = await handles[0].query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  expect(rows.map((row) => row.name)).toEqual([...all].sort());
  // And again: nothing to do.
  expect((await Promise.all(handles.map((handle) => migrate(handle)))).flat()).toEqual([]);
});

it('creates the owner once when several pools bootstrap at once; the others get null', async () => {
  const results = await Promise.all(handles.map((handle) => ensureOwnerAccount(handle, { adminEmail: 'owner@lock.example.test' })));
  const created = results.filter((result) => result !== null);
  expect(created).toHaveLength(1);
  expect(created[0]?.apiKey).toMatch(/^lt_/);
  const users = await handles[0].query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  expect(Number(users[0].n)).toBe(1);
  const keys = await handles[0].query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
  expect(Number(keys[0].n)).toBe(1);
});

it('holds one lock across the pools: critical sections never overlap, nested calls do not wait on themselves', async () => {
  let inside = 0;
  let most = 0;
  await Promise.all(
    handles.map((handle) =>
      withStartupLock(handle, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 50));
        // Re-entering on the same handle runs at once instead of deadlocking on our own lock.
        await withStartupLock(handle, async () => handle.query('SELECT 1'));
        inside--;
      }),
    ),
  );
  expect(most).toBe(1);
});

it('releases the lock when the work throws', async () => {
  await expect(withStartupLock(handles[0], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(withStartupLock(handles[1], async () => 'next')).resolves.toBe('next');
});
