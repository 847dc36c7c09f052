import 'server-only';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './client';

const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), 'lib', 'db', 'migrations');
/** Arbitrary constant: serialises start-up (migrations, owner bootstrap) across app processes sharing one Postgres. */
const STARTUP_LOCK_ID = 7_310_221;

export interface Migration {
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(/*turbopackIgnore: true*/ dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({ name: file, sql: readFileSync(path.join(/*turbopackIgnore: true*/ dir, file), 'utf8') }));
}

/** The handles whose start-up lock the current async call chain holds (so nested calls do not wait on themselves). */
const heldLocks = new AsyncLocalStorage<ReadonlySet<Database>>();

/**
 * Runs `fn` while holding the start-up lock: on Postgres, an advisory lock that every app process
 * sharing the database takes around its migrations and its owner bootstrap, so N processes started
 * at once do those one after the other instead of racing (a second `CREATE TABLE IF NOT EXISTS`
 * fails on Postgres's catalog, a second owner insert on the unique email). Embedded PGlite belongs
 * to one process (its data directory is locked), so there `fn` simply runs.
 *
 * The lock is `pg_advisory_xact_lock` in a transaction that stays open (idle, holding no table
 * locks) while `fn` runs on the pool's other connections; it is released when `fn` settles, or by
 * the server if this process dies. A transaction-level lock also works behind a pooler in
 * transaction mode (Supabase's port 6543), where a session lock could stay with the pooled
 * backend. Nested calls for the same handle run `fn` directly. Needs a pool of ≥ 2 connections.
 */
export async function withStartupLock<T>(database: Database, fn: () => Promise<T>): Promise<T> {
  const held = heldLocks.getStore();
  if (database.kind !== 'postgres' || held?.has(database)) return fn();
  return database.transaction(async (holder) => {
    await holder.query('SELECT pg_advisory_xact_lock($1)', [STARTUP_LOCK_ID]);
    return heldLocks.run(new Set([...(held ?? []), database]), fn);
  });
}

/**
 * Applies the SQL files in `lib/db/migrations` that have not run yet, each in its own
 * transaction, and records them in `schema_migrations`. Applying twice does nothing, and processes
 * starting at once against one Postgres run one after the other (`withStartupLock`), so each file
 * is applied once. Returns the names applied now.
 */
export async function migrate(database: Database, migrations = loadMigrations()): Promise<string[]> {
  return withStartupLock(database, async () => {
    await database.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await database.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      const ran = await database.transaction(async (tx) => {
        // Belt and braces: a process of an older version may not take the start-up lock.
        const already = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [migration.name]);
        if (already.length > 0) return false;
        await tx.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
        return true;
      });
      if (ran) applied.push(migration.name);
    }
    return applied;
  });
}
