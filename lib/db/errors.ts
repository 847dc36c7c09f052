/**
 * Telling a write the data made fail from one the database could not do. Both drivers put the
 * SQLSTATE in `code`; their error objects also carry the statement and its parameters (a whole
 * batch of spans), so they are summarised, never logged whole.
 */

/** Longest database message kept in a summary: some quote the value they refused. */
const MAX_MESSAGE = 200;

/**
 * SQLSTATE classes 22 (data exception: a value out of range, unreadable JSON), 23 (integrity
 * constraint: a foreign key to a deleted row) and 54 (program limit: an index entry too large,
 * JSON nested too deep), and rows that cannot be serialised: the rows are at fault, and writing
 * them again cannot succeed.
 */
export function isDataError(error: unknown): boolean {
  if (error instanceof RowsNotSerializableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

/** SQLSTATE classes of a database that is down or out of resources, and socket errors reaching it. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * A write failed because the database is unreachable or overloaded, not because of the data: worth
 * retrying later. Drizzle wraps the driver's error in its own ("Failed query: …"), so the causes
 * are looked at too.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  }
  return false;
}

/**
 * The rows could not even be turned into the JSON parameter (a value nested too deep for the
 * stack, a BigInt, a cycle): like a data exception, the rows are at fault. The cause is
 * `JSON.stringify`'s error.
 */
export class RowsNotSerializableError extends Error {
  constructor(cause: unknown) {
    super(`the rows cannot be serialised as JSON: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RowsNotSerializableError';
  }
}

/**
 * One short line for a log: the SQLSTATE and the first line of the message, cut to 200 characters.
 *
 * @example
 * summarizeDatabaseError(error); // '22P02 invalid input syntax for type json'
 */
export function summarizeDatabaseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? error).split('\n')[0]!;
  const cut = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
  return typeof code === 'string' ? `${code} ${cut}` : cut;
}
