import 'server-only';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Embedded PGlite on a worker thread (lib/db/pglite-worker.mjs), behind the part of PGlite's
 * interface that this app and Drizzle's PGlite driver use: `query`, `exec`, `transaction` (whose
 * `tx` has the same three), `waitReady`, `closed` and `close`.
 *
 * Why: PGlite runs each statement synchronously on the thread that calls it. On the server's own
 * thread every statement held every request meanwhile (a 100-span upsert ~70 ms, a roll-up
 * rebuild up to 250 ms): `/api/health` p95 under the footprint bench's load was 90–196 ms. On a
 * thread of its own, the server parses, renders and answers while the database works.
 *
 * The cost is a message each way per statement (about 0.1 ms more than a statement on the
 * server's thread): one message per statement, not one per protocol message as PGlite's browser
 * `PGliteWorker` sends. Statements are queued by PGlite itself, on its thread, as before: one at
 * a time, and none from outside a transaction while one is open. Values cross by structured
 * clone; type parsers are functions and cannot, so the values of the types they parse come back
 * as Postgres's text and are parsed here.
 */

type Parser = (text: string) => unknown;
/** Parsers by type oid, applied on this side: the database's own, and a query's (Drizzle's). */
export type ParsedTypes = Record<number, Parser>;

interface Field {
  name: string;
  dataTypeID: number;
}

export interface ThreadResults<T> {
  rows: T[];
  fields: Field[];
  affectedRows?: number;
}

interface ThreadQueryOptions {
  rowMode?: 'object' | 'array';
  parsers?: ParsedTypes;
}

/**
 * `timestamp[]` and `timestamptz[]` by their element type: the thread parses arrays itself, each
 * element with its type's parser there, which for a type parsed here keeps the text.
 */
const ARRAY_OF: Record<number, number> = { 1115: 1114, 1185: 1184 };

/** What runs statements: the database, or one open transaction. */
export interface ThreadRunner {
  query<T>(text: string, params?: unknown[], options?: ThreadQueryOptions): Promise<ThreadResults<T>>;
  exec(script: string): Promise<Array<ThreadResults<unknown>>>;
}

export interface ThreadTransaction extends ThreadRunner {
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** A PGlite error as it crossed the thread: an Error with Postgres's fields (code, detail, position…). */
function rebuildError(fields: { message: string; name?: string } & Record<string, unknown>): Error {
  const { message, name, ...rest } = fields;
  const error = new Error(message);
  if (name) error.name = name;
  return Object.assign(error, rest);
}

/** The worker's file, loaded at run time (not bundled) from the app's root, where `npm start` and the tests run. */
const WORKER_FILE = path.join(process.cwd(), 'lib', 'db', 'pglite-worker.mjs');

export class PGliteThread implements ThreadRunner {
  readonly #worker: Worker;
  readonly #parsers: ParsedTypes;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #closed = false;
  /** Set once the thread is gone: every call after it fails with this. */
  #gone: Error | null = null;
  readonly waitReady: Promise<void>;

  /**
   * @param dataDir where PGlite keeps its files; undefined keeps them in memory.
   * @param parsers the database's parsers by type oid.
   * @param startParams Postgres options, after PGlite's own (`-c shared_buffers=16MB`).
   */
  constructor(dataDir: string | undefined, { parsers = {}, startParams }: { parsers?: ParsedTypes; startParams?: string[] } = {}) {
    this.#parsers = parsers;
    const rawOids = Object.keys(parsers).map(Number);
    this.#worker = new Worker(WORKER_FILE, { workerData: { dataDir, startParams, rawOids } });
    // The thread keeps the process alive only while it owes an answer (#call).
    this.#worker.unref();
    this.#worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: Record<string, unknown> & { message: string } }) => {
      const call = this.#pending.get(id);
      if (!call) return;
      this.#pending.delete(id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (error) call.reject(rebuildError(error));
      else call.resolve(result);
    });
    const fail = (error: Error) => {
      // 57P01 (admin_shutdown): the app answers 503, the database is unavailable, rather than 500.
      const where = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? ` (run LLMTrace from its own folder, where ${path.relative(process.cwd(), WORKER_FILE)} is)` : '';
      this.#gone = Object.assign(new Error(`the embedded database's thread stopped: ${error.message}${where}`), { code: '57P01', cause: error });
      for (const call of this.#pending.values()) call.reject(this.#gone);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.waitReady = this.#call<void>('ready');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages sent to the thread so far, each a round trip (what a statement's cost here is made of). */
  get messages(): number {
    return this.#nextId - 1;
  }

  #call<T>(op: string, message: Record<string, unknown> = {}): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#worker.postMessage({ id, op, ...message });
    });
  }

  /** Rows with this side's parsers applied to the values of the types they parse (a query's own first). */
  #parsed<T>(results: ThreadResults<T>, rowMode: 'object' | 'array' = 'object', own: ParsedTypes = {}): ThreadResults<T> {
    const columns: Array<{ key: string | number; parse: Parser; array: boolean }> = [];
    results.fields.forEach((field, index) => {
      const key = rowMode === 'array' ? index : field.name;
      const parse = (own[field.dataTypeID] ?? this.#parsers[field.dataTypeID]) as Parser | undefined;
      if (parse) columns.push({ key, parse, array: false });
      else {
        const element = ARRAY_OF[field.dataTypeID];
        const parseElement = (element !== undefined ? this.#parsers[element] : undefined) as Parser | undefined;
        if (parseElement) columns.push({ key, parse: parseElement, array: true });
      }
    });
    if (columns.length === 0) return results;
    const each = (value: unknown, parse: Parser): unknown => (Array.isArray(value) ? value.map((v) => each(v, parse)) : typeof value === 'string' ? parse(value) : value);
    for (const row of results.rows as Array<Record<string | number, unknown>>) {
      for (const { key, parse, array } of columns) {
        const value = row[key];
        if (value === null || value === undefined) continue;
        row[key] = array ? each(value, parse) : typeof value === 'string' ? parse(value) : value;
      }
    }
    return results;
  }

  async #query<T>(tx: number | null, text: string, params: unknown[] = [], options: ThreadQueryOptions = {}): Promise<ThreadResults<T>> {
    const own = options.parsers ?? {};
    const rawOids = Object.keys(own).map(Number);
    const results = await this.#call<ThreadResults<T>>('query', { text, params, rowMode: options.rowMode, rawOids, tx });
    return this.#parsed(results, options.rowMode, own);
  }

  async #exec(tx: number | null, script: string): Promise<Array<ThreadResults<unknown>>> {
    const results = await this.#call<Array<ThreadResults<unknown>>>('exec', { script, tx });
    return results.map((result) => this.#parsed(result));
  }

  query<T>(text: string, params?: unknown[], options?: ThreadQueryOptions): Promise<ThreadResults<T>> {
    return this.#query<T>(null, text, params, options);
  }

  exec(script: string): Promise<Array<ThreadResults<unknown>>> {
    return this.#exec(null, script);
  }

  /** Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. */
  async transaction<T>(fn: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const id = await this.#call<number>('begin');
    let closed = false;
    const open = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx: ThreadTransaction = {
      query: async <R>(text: string, params?: unknown[], options?: ThreadQueryOptions) => {
        open();
        return this.#query<R>(id, text, params, options);
      },
      exec: async (script: string) => {
        open();
        return this.#exec(id, script);
      },
      rollback: async () => {
        open();
        closed = true;
        await this.#call('rollback', { tx: id });
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      if (!closed) {
        closed = true;
        await this.#call('rollback', { tx: id }).catch(() => {});
      }
      throw error;
    }
    if (!closed) {
      closed = true;
      await this.#call('commit', { tx: id });
    }
    return result;
  }

  /** Closes the database (its files synced) and ends the thread, which gives back much of its memory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#call('close');
    } finally {
      await this.#worker.terminate().catch(() => {});
    }
  }
}
