import 'server-only';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './client';

const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), 'lib', 'db', 'migrations');
/** Arbitrary constant: serialises migrations across app processes sharing one Postgres. */
const MIGRATION_LOCK_ID = 7_310_221;

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

/**
 * Applies the SQL files in `lib/db/migrations` that have not run yet, each in its own
 * transaction, and records them in `schema_migrations`. Applying twice does nothing, and two
 * processes starting at once against one Postgres apply each file once.
 * Returns the names applied now.
 */
export async function migrate(database: Database, migrations = loadMigrations()): Promise<string[]> {
  await database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set((await database.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const ran = await database.transaction(async (tx) => {
      if (database.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      const already = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [migration.name]);
      if (already.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
      return true;
    });
    if (ran) applied.push(migration.name);
  }
  return applied;
}
