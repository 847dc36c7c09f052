import 'server-only';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';
import { migrate } from './migrate';
import { PglitePreparedStatements } from './pglite-prepared';
import { PGliteThread, type ThreadTransaction } from './pglite-thread';
import { parsePgTimestamp } from './timestamps';
import { BACKGROUND_WAIT_MS, foregroundGauge } from './background';

export type DrizzleDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseConfig {
  /** `postgres://…` connects to a server; absent means embedded PGlite. */
  url?: string;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). Default `./data`. */
  dataDir?: string;
  /** Pool size for a Postgres server. Default 10. */
  maxConnections?: number;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
}

export interface QueryOptions {
  /**
   * A hot statement whose text never changes (the ingest upsert): Postgres keeps it prepared per
   * connection, so it is planned once instead of on every call; PGlite prepares it with SQL
   * `PREPARE` and keeps a generic plan (pglite-prepared.ts). Ignored behind a pooler that refuses
   * prepared statements (Supabase's port 6543).
   */
  prepare?: boolean;
  /**
   * Plan once per connection and keep that plan (a generic plan, `plan_cache_mode =
   * force_generic_plan`), for a statement whose text is its whole shape and whose partitions are
   * pruned when it runs, by its values: planning each day's partition on every call cost more than
   * running it. Ignored on PGlite (no prepared statements) and behind such a pooler.
   */
  generic?: boolean;
}

export interface TransactionOptions {
  /**
   * Work that can wait (a span batch, a roll-up rebuild), on embedded PGlite, which runs one
   * statement at a time (on a thread of its own, lib/db/pglite-thread.ts): the transaction starts
   * once no other statement has been in flight for a whole turn of the event loop (at most 250 ms),
   * so that a page's chain of queries goes first. A Postgres server runs statements in its own
   * processes: ignored there.
   */
  background?: boolean;
}

/** {@link TransactionOptions} of background work. */
export const BACKGROUND: TransactionOptions = { background: true };

/** Raw SQL on one connection. */
export interface SqlRunner {
  /**
   * Run one parameterised statement and return its rows, the same shape on both drivers:
   * timestamps as `Date`, numeric as text, bigint as `number` (PGlite, within 2^53) or `BigInt`.
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]>;
  /** Run a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * What a query function needs: a Drizzle handle and raw SQL that run on the same connection. Both
 * the database and an open transaction are one, so a query taking a `Queryable` runs either on its
 * own or as part of a caller's transaction.
 */
export interface Queryable extends SqlRunner {
  kind: DatabaseKind;
  db: DrizzleDb;
}

/**
 * One open transaction. `db` (Drizzle) and `query`/`exec` (raw SQL) all run inside it;
 * `db.transaction` nests as a savepoint.
 */
export type Transaction = Queryable;

/** One open database: the Drizzle handle plus raw SQL for migrations and bulk paths. */
export interface Database extends Queryable {
  /**
   * Runs `fn` in one transaction on one connection: it commits when `fn` resolves and rolls back
   * when it throws. PGlite queues every other query meanwhile, so keep slow work (hashing, network
   * calls) outside.
   *
   * @example
   * const user = await database.transaction(async (tx) => {
   *   const [user] = await tx.db.insert(users).values({ email, passwordHash }).returning();
   *   await insertApiKey(tx, { userId: user.id, name: 'default', prefix, keyHash, scope: 'full' });
   *   return user;
   * });
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * When (epoch ms) a raw statement (`query`, `exec`, in a transaction or not) last came back
   * from the database; 0 before the first. A recent answer is proof enough that the database
   * answers (`GET /api/health`).
   */
  answeredAt(): number;
  close(): Promise<void>;
}

/** Records when each statement came back (`Database.answeredAt`). */
function answerClock() {
  let at = 0;
  return {
    answeredAt: () => at,
    timed: <T>(statement: Promise<T>): Promise<T> =>
      statement.then((value) => {
        at = Date.now();
        return value;
      }),
  };
}

/**
 * The driver's own transaction client behind a Drizzle transaction, so that raw SQL joins the same
 * transaction. Drizzle keeps it as `session.client` on both drivers (PGlite's `Transaction`,
 * postgres.js's `TransactionSql`); `tests/db/transaction.test.ts` holds that assumption to account.
 */
function driverClientOf<C>(tx: unknown): C {
  const client = (tx as { session?: { client?: C } }).session?.client;
  if (!client) throw new Error('Drizzle transaction without session.client: the drizzle-orm internals changed; see lib/db/client.ts.');
  return client;
}

/**
 * The one factory for database handles. Opens embedded PGlite under `dataDir` when no URL is
 * given, or a Postgres server (≥ 14, Supabase included) for `postgres://` URLs, then applies
 * pending migrations.
 *
 * @example
 * const database = await createDatabase({ dataDir: './data' });
 * const rows = await database.db.select().from(users);
 */
export async function createDatabase(config: DatabaseConfig = {}): Promise<Database> {
  const database = config.url ? openPostgres(config.url, config.maxConnections ?? 10) : await openPglite(config.dataDir ?? './data');
  if (config.migrate !== false) {
    try {
      await migrate(database);
    } catch (error) {
      await database.close().catch(() => {});
      throw error;
    }
  }
  return database;
}

/** Postgres type oids of `timestamp` and `timestamptz`. */
const TIMESTAMP_OIDS = [1114, 1184];

/** Both drivers' own timestamp parsing is `new Date(text)`, which turns year 1 into 2001. */
const TIMESTAMP_PARSERS = Object.fromEntries(TIMESTAMP_OIDS.map((oid) => [oid, (text: string) => parsePgTimestamp(text)]));

/**
 * PGlite's options. Its Postgres starts with the server default of 128 MB of shared buffers, which
 * it touches when it starts: 100 MB of the app's resident memory before any query (measured:
 * 336 MB against 235 MB on reopening a data directory). 16 MB holds the hot pages of an
 * embedded install's span table; the operating system's page cache holds the rest. The extensions
 * the migrations create (pg_trgm and btree_gin, for trace search: 0006_search.sql) are loaded by
 * the thread that runs PGlite (pglite-worker.mjs); the timestamp parsers run on this one.
 */
const PGLITE_OPTIONS = {
  parsers: TIMESTAMP_PARSERS,
  startParams: ['-c', 'shared_buffers=16MB'],
};

async function openPglite(dataDir: string): Promise<Database> {
  let client: PGliteThread;
  let releaseLock = () => {};
  if (dataDir.startsWith('memory://')) {
    client = new PGliteThread(undefined, PGLITE_OPTIONS);
  } else {
    const dir = path.resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    releaseLock = lockDataDir(dir);
    client = new PGliteThread(dir, PGLITE_OPTIONS);
  }
  try {
    await client.waitReady;
  } catch (error) {
    await client.close().catch(() => {});
    releaseLock();
    throw error;
  }
  // Drizzle's PGlite driver needs only PGlite's `query` and `transaction`, which the thread has.
  const db = drizzlePglite(client as never, { schema }) as unknown as DrizzleDb;
  const { answeredAt, timed } = answerClock();
  const prepared = new PglitePreparedStatements();
  const foreground = foregroundGauge();
  return {
    kind: 'pglite',
    db,
    answeredAt,
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions) {
      return (await foreground.track(() => timed(options?.prepare ? prepared.query<T>(client, null, text, params) : client.query<T>(text, params)))).rows;
    },
    async exec(script: string) {
      await foreground.track(() => timed(client.exec(script)));
    },
    async transaction(fn, options) {
      const background = !!options?.background;
      if (background) await foreground.idle(BACKGROUND_WAIT_MS);
      const run = () =>
        db.transaction((dtx) => {
          // Drizzle's statements go through the same object: guarded, they too run with the usual planning.
          const tx = prepared.guard(driverClientOf<ThreadTransaction>(dtx));
          return fn({
            kind: 'pglite',
            db: dtx as unknown as DrizzleDb,
            query: async <T>(text: string, params: unknown[] = [], options?: QueryOptions) =>
              (await timed(options?.prepare ? prepared.query<T>(client, tx, text, params) : tx.query<T>(text, params))).rows,
            exec: async (script: string) => {
              await timed(tx.exec(script));
            },
          });
        });
      return background ? run() : foreground.track(run);
    },
    async close() {
      if (!client.closed) await client.close();
      releaseLock();
    },
  };
}

function openPostgres(url: string, max: number): Database {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DATABASE_URL must start with postgres:// or postgresql:// (got "${url.split(':')[0]}:…").`);
  }
  // Supabase's pooler (port 6543, transaction mode) does not support prepared statements.
  const canPrepare = !/:6543\//.test(url);
  const client = postgres(url, {
    max,
    onnotice: () => {},
    prepare: canPrepare,
    // No JIT compiling: with a partition per day every plan looks costly enough to compile, and the
    // compiling took longer than the queries (the Overview's 30 days: 3.3 s with, 2.0–2.4 s without;
    // a long trace's writes: seconds per batch). Poolers refuse unknown start-up parameters, so
    // there each transaction turns it off itself (below).
    ...(canPrepare ? { connection: { jit: 'off' } } : {}),
    types: { bigint: postgres.BigInt },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as DrizzleDb;
  const { answeredAt, timed } = answerClock();
  return {
    kind: 'postgres',
    db,
    answeredAt,
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions) {
      if (canPrepare && options?.generic) {
        // In a transaction of its own, for the setting.
        return withDates(await timed(client.begin((tx) => withGenericPlan(tx, text, params)))) as unknown as T[];
      }
      return withDates(await timed(client.unsafe(text, params as never[], { prepare: canPrepare && !!options?.prepare }))) as unknown as T[];
    },
    async exec(script: string) {
      await timed(client.unsafe(script));
    },
    transaction(fn) {
      return db.transaction(async (dtx) => {
        const tx = driverClientOf<postgres.TransactionSql>(dtx);
        if (!canPrepare) await tx.unsafe('SET LOCAL jit = off');
        return fn({
          kind: 'postgres',
          db: dtx as unknown as DrizzleDb,
          query: async <R>(text: string, params: unknown[] = [], options?: QueryOptions) => {
            if (canPrepare && options?.generic) return withDates(await timed(withGenericPlan(tx, text, params))) as unknown as R[];
            return withDates(await timed(tx.unsafe(text, params as never[], { prepare: canPrepare && !!options?.prepare }))) as unknown as R[];
          },
          exec: async (script: string) => {
            await timed(tx.unsafe(script));
          },
        });
      });
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * One statement prepared and run with its generic plan ({@link QueryOptions.generic}), in `tx`:
 * the setting is sent before it and reset after it, pipelined (one round trip), so it holds for
 * this statement only.
 */
async function withGenericPlan(tx: postgres.TransactionSql, text: string, params: unknown[]): Promise<postgres.RowList<postgres.Row[]>> {
  const [, rows] = await Promise.all([
    tx.unsafe('SET LOCAL plan_cache_mode = force_generic_plan'),
    tx.unsafe(text, params as never[], { prepare: true }),
    tx.unsafe('SET LOCAL plan_cache_mode = auto'),
  ]);
  return rows;
}

/**
 * Drizzle's postgres.js driver makes the client return timestamps as text (its own columns map
 * them); raw queries get `Date`s, as on PGlite.
 */
function withDates(rows: postgres.RowList<postgres.Row[]>): postgres.RowList<postgres.Row[]> {
  const columns = rows.columns?.filter((column) => TIMESTAMP_OIDS.includes(column.type)).map((column) => column.name);
  if (!columns || columns.length === 0) return rows;
  for (const row of rows) {
    for (const name of columns) {
      const value = row[name];
      if (typeof value === 'string') row[name] = parsePgTimestamp(value);
    }
  }
  return rows;
}

/**
 * Embedded PGlite is one process's database: a second process opening the same files would
 * corrupt them. The lock file names the holder so the error can say what to do.
 */
function lockDataDir(dir: string): () => void {
  const lockFile = path.join(dir, '.llmtrace.lock');
  try {
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `The embedded database in ${dir} is in use by process ${holder} (probably a running LLMTrace server). ` +
          'Stop that process first, or use a Postgres server (DATABASE_URL) to share one database between processes.',
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
