/**
 * Embedded PGlite on a thread of its own (started by lib/db/pglite-thread.ts, which says why).
 * Plain JavaScript, loaded by path and not bundled: it imports PGlite from node_modules.
 *
 * `workerData`: `dataDir` (none: in memory), `startParams` (Postgres options after PGlite's own),
 * `rawOids` (the types whose values go back as text, for the parent to parse).
 *
 * Messages `{ id, op, … }`, each answered by `{ id, result }` or `{ id, error }`:
 * - `ready`: once PGlite has started;
 * - `query` (`text`, `params`, `rowMode`, `rawOids`, `tx`): one statement, in the open transaction
 *   `tx` or on its own;
 * - `exec` (`script`, `tx`): a script of statements;
 * - `begin`: opens a transaction (PGlite's own, which queues the other statements) and answers
 *   its id; `commit` and `rollback` (`tx`) end it;
 * - `close`: rolls back what is open, closes PGlite (its files synced) and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';


const identity = (value) => value;
/** Parsers that keep Postgres's text, for the given type oids. */
const rawParsers = (oids) => Object.fromEntries((oids ?? []).map((oid) => [oid, identity]));
const { dataDir, startParams, rawOids } = workerData;
const options = {
  extensions: { pg_trgm, btree_gin },
  startParams: [...PGlite.defaultStartParams, ...(startParams ?? [])],
  parsers: rawParsers(rawOids),
};
// PGlite reads its first argument as the options when it is not a path.
const db = dataDir ? new PGlite(dataDir, options) : new PGlite(options);

/** Open transactions by id: PGlite's transaction object, how to end it, and its end. */
const transactions = new Map();
let nextTransaction = 1;

const plain = (result) => ({ rows: result.rows, fields: result.fields, affectedRows: result.affectedRows });
/** Where a statement runs: the open transaction it names, or the database. */
function target(tx) {
  if (tx === undefined || tx === null) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error('Transaction is closed');
  return open.tx;
}

async function begin() {
  const id = nextTransaction++;
  let end;
  const ended = new Promise((resolve, reject) => {
    end = { resolve, reject };
  });
  let opened;
  const started = new Promise((resolve) => {
    opened = resolve;
  });
  const done = db.transaction((tx) => {
    transactions.set(id, { tx, end, done });
    opened();
    return ended;
  });
  // A BEGIN that fails rejects `done` before the callback runs.
  await Promise.race([started, done]);
  return id;
}

async function finish(id, commit) {
  const open = transactions.get(id);
  if (!open) return;
  transactions.delete(id);
  if (commit) {
    open.end.resolve();
    await open.done;
  } else {
    open.end.reject(Object.assign(new Error('rolled back'), { rolledBack: true }));
    await open.done.catch((error) => {
      if (!error?.rolledBack) throw error;
    });
  }
}

const operations = {
  ready: async () => {
    await db.waitReady;
  },
  query: async ({ text, params, rowMode, rawOids: raw, tx }) =>
    // No `parsers` option unless there are some: with one, PGlite copies its whole table of parsers per statement.
    plain(await target(tx).query(text, params, raw && raw.length ? { rowMode, parsers: rawParsers(raw) } : { rowMode })),
  exec: async ({ script, tx }) => (await target(tx).exec(script)).map(plain),
  begin,
  commit: ({ tx }) => finish(tx, true),
  rollback: ({ tx }) => finish(tx, false),
  close: async () => {
    for (const id of [...transactions.keys()]) await finish(id, false).catch(() => {});
    if (!db.closed) await db.close();
  },
};

/** What crosses back of an error: its message and its own fields (code, detail, position…), as Postgres gave them. */
function errorFields(error) {
  const fields = { message: String(error?.message ?? error), name: error?.name ?? 'Error' };
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
    }
  }
  return fields;
}

parentPort.on('message', async (message) => {
  const { id, op } = message;
  try {
    const result = await operations[op](message);
    parentPort.postMessage({ id, result });
    if (op === 'close') parentPort.close();
  } catch (error) {
    parentPort.postMessage({ id, error: errorFields(error) });
  }
});
