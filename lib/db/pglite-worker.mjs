/**
 * Embedded PGlite, in a worker thread of the server process (lib/db/pglite-worker-client.ts).
 *
 * PGlite runs Postgres as WebAssembly, and a statement runs to its end without yielding: on the
 * server's own thread, a batch of spans being written held every other request (a health probe,
 * a page) for as long as the statement took. Here it runs beside the server's event loop, which
 * stays free to answer, and the two use both cores.
 *
 * Plain JavaScript, loaded by Node as it is (no bundler, no TypeScript): the server, the tests and
 * the scripts all start it from this file.
 *
 * Messages in: `{ id, op: 'query', text, params, rowMode, raw }`, `{ id, op: 'exec', script }`,
 * `{ id, op: 'close' }`. Out: `{ id, result }` or `{ id, error }`; first `{ ready: true }` or
 * `{ ready: false, error }`. Timestamps leave as Postgres's text (the client parses them exactly);
 * the type oids in `raw` leave as text too (Drizzle asks that for the columns it maps itself).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

const asText = (value) => value;
/** timestamp, timestamptz: parsed by the client (`parsePgTimestamp`), not by `new Date()`. */
const TIMESTAMP_OIDS = [1114, 1184];
/** Properties of a database error worth sending back: not the statement and its parameters (a whole batch). */
const ERROR_FIELDS = ['name', 'message', 'code', 'severity', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'];

function serializeError(error) {
  const out = {};
  for (const field of ERROR_FIELDS) {
    const value = error?.[field];
    if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') out[field] = value;
  }
  if (out.message === undefined) out.message = String(error);
  return out;
}

const { dataDir, startParams } = workerData;
const options = {
  extensions: { pg_trgm, btree_gin },
  startParams,
  parsers: Object.fromEntries(TIMESTAMP_OIDS.map((oid) => [oid, asText])),
};

let client;
try {
  client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await client.waitReady;
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: serializeError(error) });
}

parentPort.on('message', async (message) => {
  const { id, op } = message;
  try {
    if (!client) throw new Error('the embedded database did not start');
    if (op === 'query') {
      const parsers = message.raw?.length ? Object.fromEntries(message.raw.map((oid) => [oid, asText])) : undefined;
      const { rows, fields, affectedRows } = await client.query(message.text, message.params, { rowMode: message.rowMode, ...(parsers ? { parsers } : {}) });
      parentPort.postMessage({ id, result: { rows, fields: fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })), affectedRows } });
    } else if (op === 'exec') {
      await client.exec(message.script);
      parentPort.postMessage({ id, result: null });
    } else if (op === 'close') {
      if (!client.closed) await client.close();
      parentPort.postMessage({ id, result: null });
      parentPort.close();
    } else {
      throw new Error(`unknown operation ${op}`);
    }
  } catch (error) {
    parentPort.postMessage({ id, error: serializeError(error) });
  }
});
