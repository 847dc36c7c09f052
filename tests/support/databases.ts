import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createDatabase, type Database } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';

export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** A fresh, migrated database: in-memory PGlite, or a new database on the test Postgres server. */
export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') return createDatabase({ dataDir: 'memory://' });
  return createDatabase({ url: await createTestDatabaseUrl(), maxConnections: 5 });
}

/** A new, empty database on the test Postgres server, by its URL (for a test that needs its own connections to it). */
export async function createTestDatabaseUrl(): Promise<string> {
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) throw new Error('No Postgres server for the tests: install the postgresql package or set DATABASE_URL.');
  const name = `lt_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs the same suite once on PGlite and once on Postgres. The database is also installed as the
 * app context, so route handlers called in-process use it.
 */
export function describeEachDatabase(name: string, suite: (getDatabase: () => Database, kind: DatabaseKind) => void): void {
  describe.each(DATABASE_KINDS)(`${name} [%s]`, (kind) => {
    let database: Database | undefined;
    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setAppContext({ database });
    });
    afterAll(async () => {
      await database?.close();
    });
    suite(() => {
      if (!database) throw new Error('database not open yet');
      return database;
    }, kind);
  });
}

/**
 * Opens a transaction and keeps it open, as a batch of spans being written holds PGlite's one
 * connection, until `release()` (which resolves once it has committed).
 */
export async function holdTransaction(database: Database, onRelease: () => void = () => {}): Promise<{ release: () => Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = () => {};
  const started = new Promise<void>((resolve) => (holding = resolve));
  const done = database.transaction(async (tx) => {
    await tx.query('SELECT 1');
    holding();
    await held;
    onRelease();
  });
  await started;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}
