import 'server-only';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parsePgTimestamp } from './timestamps';

/** timestamp, timestamptz: sent as text by the worker and parsed here, exactly (timestamps.ts). */
const TIMESTAMP_OIDS = new Set([1114, 1184]);

/**
 * Single statements that may go ahead of a waiting transaction before it gets its turn: enough
 * for a page's reads to pass a stream of ingest batches, never enough to starve them.
 */
const MAX_PASSES = 32;
/**
 * After a single statement, the turn waits this long for another before a waiting transaction
 * gets it: a page's reads follow one another within a millisecond, and without the wait each would
 * queue behind a whole batch of spans (a page of five statements, five batches).
 */
const LINGER_MS = 2;

/** What `query` returns, as PGlite's own `query` does. */
export interface WorkerResults<T> {
  rows: T[];
  fields: Array<{ name: string; dataTypeID: number }>;
  affectedRows?: number;
}

/** Options of PGlite's `query` that cross to the worker: the row shape, and which type oids stay text (Drizzle's parsers return the text as it is). */
export interface WorkerQueryOptions {
  rowMode?: 'object' | 'array';
  parsers?: Record<number, unknown>;
}

/** The part of PGlite's client that this module and Drizzle's PGlite driver use. */
export interface WorkerSqlClient {
  query<T>(text: string, params?: unknown[], options?: WorkerQueryOptions): Promise<WorkerResults<T>>;
  exec(script: string): Promise<void>;
}

/**
 * One connection to share, in the order that keeps the server responsive: a waiting single
 * statement (a page's read, a health probe) goes before a waiting transaction (a batch of spans
 * being written), up to {@link MAX_PASSES} times in a row; and after a single statement the turn
 * lingers {@link LINGER_MS} for the next one (counted as a pass too).
 */
class Turns {
  #busy = false;
  #statements: Array<() => void> = [];
  #transactions: Array<() => void> = [];
  #passes = 0;
  #linger: ReturnType<typeof setTimeout> | null = null;

  take(kind: 'statement' | 'transaction'): Promise<void> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve();
    }
    if (kind === 'statement' && this.#linger) {
      // The turn was kept for a statement like this one.
      clearTimeout(this.#linger);
      this.#linger = null;
      this.#passes++;
      return Promise.resolve();
    }
    return new Promise((resolve) => (kind === 'statement' ? this.#statements : this.#transactions).push(resolve));
  }

  /** Ends a turn; `afterStatement`: it was a single statement's, which may linger for the next. */
  give(afterStatement = false): void {
    if (afterStatement && this.#statements.length === 0 && this.#transactions.length > 0 && this.#passes < MAX_PASSES) {
      this.#linger = setTimeout(() => {
        this.#linger = null;
        this.#handOver();
      }, LINGER_MS);
      return;
    }
    this.#handOver();
  }

  #handOver(): void {
    const statementFirst = this.#statements.length > 0 && (this.#transactions.length === 0 || this.#passes < MAX_PASSES);
    let next: (() => void) | undefined;
    if (statementFirst) {
      if (this.#transactions.length > 0) this.#passes++;
      next = this.#statements.shift();
    } else {
      this.#passes = 0;
      next = this.#transactions.shift();
    }
    if (next) next();
    else this.#busy = false;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** An error from the worker, with the database's fields (`code`: the SQLSTATE) as PGlite's own errors carry them. */
function toError(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message ?? 'database error'));
  Object.assign(error, fields);
  return error;
}

/** Where the worker's file is: beside this one when run from source (tests, scripts), or from the project root (the built server, whose bundle lives elsewhere). */
function workerFile(): string {
  const name = 'pglite-worker.mjs';
  const candidates: string[] = [];
  try {
    const here = new URL(name, import.meta.url);
    if (here.protocol === 'file:') candidates.push(fileURLToPath(here));
  } catch {
    // Not a file URL (a bundle): the project root below.
  }
  candidates.push(path.resolve(process.cwd(), 'lib', 'db', name));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`The embedded database's worker (${name}) was not found in ${candidates.join(' or ')}. Start LLMTrace from its project directory.`);
  return found;
}

/**
 * Embedded PGlite in a worker thread (pglite-worker.mjs), with the interface of PGlite's client
 * that `lib/db/client.ts` and Drizzle use: `query`, `exec`, `transaction`, `close`.
 *
 * One statement runs at a time, as on PGlite's one connection; a transaction holds the worker
 * from BEGIN to COMMIT (other callers wait, as PGlite itself queues them). Query options cross as
 * data: `rowMode`, and `parsers`' type oids, which stay as text (the only parsers Drizzle passes
 * return the text unchanged).
 */
export class WorkerPGlite implements WorkerSqlClient {
  readonly waitReady: Promise<void>;
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #turns = new Turns();
  #closed = false;
  /** Why the worker stopped, once it has. */
  #stopped: Error | null = null;

  constructor({ dataDir, startParams }: { dataDir: string | null; startParams: string[] }) {
    this.#worker = new Worker(workerFile(), { workerData: { dataDir, startParams } });
    this.waitReady = new Promise<void>((resolve, reject) => {
      const onReady = (message: { ready?: boolean; error?: Record<string, unknown> }) => {
        if (message.ready === undefined) return;
        this.#worker.off('message', onReady);
        if (message.ready) resolve();
        else reject(toError(message.error ?? {}));
      };
      this.#worker.on('message', onReady);
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => reject(new Error(`the embedded database's worker exited (code ${code}) before it was ready`)));
    });
    this.#worker.on('message', (message: { id?: number; result?: unknown; error?: Record<string, unknown> }) => {
      if (message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (message.error) pending.reject(toError(message.error));
      else pending.resolve(message.result);
    });
    const stop = (error: Error) => {
      this.#stopped ??= error;
      for (const pending of this.#pending.values()) pending.reject(this.#stopped);
      this.#pending.clear();
    };
    this.#worker.on('error', (error) => stop(new Error(`The embedded database stopped: ${error.message}. Restart LLMTrace; the server log has the cause.`, { cause: error })));
    this.#worker.on('exit', (code) => stop(new Error(`The embedded database's worker exited (code ${code}). Restart LLMTrace.`)));
    // An idle worker does not keep the process alive (a script that never closes its database
    // still exits); one with a statement in flight does (a script awaiting only it waits).
    void this.waitReady.then(() => {
      if (this.#pending.size === 0) this.#worker.unref();
    }, () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  #send<R>(message: Record<string, unknown>): Promise<R> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  async #query<T>(text: string, params: unknown[] = [], options: WorkerQueryOptions = {}): Promise<WorkerResults<T>> {
    const raw = options.parsers ? Object.keys(options.parsers).map(Number) : [];
    const result = await this.#send<WorkerResults<T>>({ op: 'query', text, params, rowMode: options.rowMode ?? 'object', raw });
    const timestamps = result.fields.flatMap((field, index) => (TIMESTAMP_OIDS.has(field.dataTypeID) && !raw.includes(field.dataTypeID) ? [[field.name, index] as const] : []));
    if (timestamps.length > 0) {
      for (const row of result.rows as Array<Record<string | number, unknown>>) {
        for (const [name, index] of timestamps) {
          const key = options.rowMode === 'array' ? index : name;
          const value = row[key];
          if (typeof value === 'string') row[key] = parsePgTimestamp(value);
        }
      }
    }
    return result;
  }

  async #exec(script: string): Promise<void> {
    await this.#send({ op: 'exec', script });
  }

  async query<T>(text: string, params: unknown[] = [], options?: WorkerQueryOptions): Promise<WorkerResults<T>> {
    await this.#turns.take('statement');
    try {
      return await this.#query<T>(text, params, options);
    } finally {
      this.#turns.give(true);
    }
  }

  async exec(script: string): Promise<void> {
    await this.#turns.take('statement');
    try {
      await this.#exec(script);
    } finally {
      this.#turns.give();
    }
  }

  /** Runs `fn` between BEGIN and COMMIT (ROLLBACK when it throws), the worker held for it alone. */
  async transaction<T>(fn: (tx: WorkerSqlClient) => Promise<T>): Promise<T> {
    await this.#turns.take('transaction');
    try {
      await this.#exec('BEGIN');
      const tx: WorkerSqlClient = { query: (text, params, options) => this.#query(text, params, options), exec: (script) => this.#exec(script) };
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await this.#exec('ROLLBACK').catch(() => {});
        throw error;
      }
      await this.#exec('COMMIT');
      return result;
    } finally {
      this.#turns.give();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#stopped) {
      await this.#turns.take('transaction');
      try {
        await this.#send({ op: 'close' }).catch(() => {});
      } finally {
        this.#turns.give();
      }
    }
    await this.#worker.terminate();
  }
}
