/**
 * Prepared statements on embedded PGlite, whose client plans every statement it is sent: a hot
 * statement whose text never changes (`QueryOptions.prepare`: the span writer's) is prepared once
 * per session with SQL `PREPARE` and run with `EXECUTE`, its values written into the `EXECUTE` as
 * quoted literals (PGlite takes no parameters for `EXECUTE`). Each literal is an untyped string
 * that Postgres reads as the type `PREPARE` inferred for its parameter, so the values mean what
 * they mean as parameters.
 *
 * Why: planning the span upsert, an `INSERT … ON CONFLICT` into the partitioned span table with
 * probes of it, took about 3.3 ms of the 5 ms a batch of 8 spans spends in the database
 * (`.scratch` timings, session 12); that time is the database's alone, and on PGlite every other
 * statement waits for it.
 *
 * A statement is marked prepared only once its `PREPARE` succeeded (a `PREPARE` is not undone by a
 * rollback, and one that failed left nothing). Values that are not strings, numbers, booleans,
 * dates or null, or a string holding a NUL character, fall back to a plain query.
 */

/** What this needs of a PGlite client or transaction: a query with parameters. */
export interface PgliteQueryRunner {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[]; fields: Array<{ name: string; dataTypeID: number }> }>;
}

/** A PGlite client: a runner that can also hold the database for a transaction, and run a script of statements. */
export interface PgliteClientRunner extends PgliteQueryRunner {
  transaction<T>(fn: (tx: PgliteQueryRunner) => Promise<T>): Promise<T>;
  exec(script: string): Promise<Array<{ rows: unknown[]; fields: Array<{ name: string; dataTypeID: number }> }>>;
}

/** A value as an SQL string literal, or undefined when it cannot be one. */
function literal(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    text = value.toISOString();
  } else return undefined;
  if (text.includes('\u0000')) return undefined;
  // standard_conforming_strings is on: only the quote itself is escaped.
  return `'${text.replaceAll("'", "''")}'`;
}

/** `EXECUTE` of a prepared statement with its values as literals. */
const executeSql = (name: string, values: string[]) => (values.length > 0 ? `EXECUTE ${name}(${values.join(', ')})` : `EXECUTE ${name}`);

/** A PGlite transaction as it comes from the client: its own methods, which {@link PglitePreparedStatements.guard} wraps. */
export interface PgliteTransactionRunner extends PgliteQueryRunner {
  exec(script: string): Promise<unknown>;
}

/** The prepared statements of one PGlite session (one per database opened). */
export class PglitePreparedStatements {
  /** Statement text → its prepared name. */
  readonly #names = new Map<string, string>();
  /** The transactions whose generic-plan setting is on now, with their unwrapped `query`. */
  readonly #generic = new WeakMap<object, boolean>();
  readonly #raw = new WeakMap<object, PgliteQueryRunner['query']>();

  /**
   * Makes every statement sent through `tx` other than a prepared one (raw SQL, Drizzle's queries)
   * turn the generic-plan setting back off first, when a prepared statement before it turned it on:
   * the setting is the prepared statements' alone, and a run of them in one transaction (the span
   * writer's) sets it once instead of around each.
   */
  guard<T extends PgliteTransactionRunner>(tx: T): T {
    const query = tx.query.bind(tx);
    const exec = tx.exec.bind(tx);
    this.#raw.set(tx, query);
    const auto = async () => {
      if (!this.#generic.get(tx)) return;
      this.#generic.set(tx, false);
      await query('SET LOCAL plan_cache_mode = auto');
    };
    tx.query = (async (text: string, params?: unknown[], ...rest: unknown[]) => {
      await auto();
      return (query as (...args: unknown[]) => Promise<unknown>)(text, params, ...rest);
    }) as T['query'];
    tx.exec = async (script: string) => {
      await auto();
      return exec(script);
    };
    return tx;
  }

  /**
   * Runs `text` with `params` as a prepared statement, preparing it first if need be. `tx`: the
   * caller's transaction ({@link guard}ed); without one, the statement gets a transaction of its
   * own, so that no other caller's statement runs under the generic-plan setting meanwhile.
   */
  async query<T>(client: PgliteClientRunner, tx: PgliteQueryRunner | null, text: string, params: unknown[]) {
    const values = params.map(literal);
    if (values.some((value) => value === undefined)) return (tx ?? client).query<T>(text, params);
    if (!tx) {
      const name = this.#names.get(text);
      if (name === undefined) return client.transaction((own) => this.#execute<T>(own, own.query.bind(own), text, values as string[]));
      // Prepared before: the setting and the statement as one script, which Postgres runs as one
      // transaction (the setting ends with it). One message to PGlite's thread instead of four
      // (begin, the setting, the statement, commit).
      const results = await client.exec(`SET LOCAL plan_cache_mode = force_generic_plan; ${executeSql(name, values as string[])}`);
      return results[results.length - 1] as { rows: T[]; fields: Array<{ name: string; dataTypeID: number }> };
    }
    return this.#execute<T>(tx, this.#raw.get(tx) ?? tx.query.bind(tx), text, values as string[]);
  }

  /**
   * PREPARE (once), then EXECUTE with the generic plan (as `withGenericPlan` on Postgres). The setting
   * is `SET LOCAL`: it ends with the transaction, also when a statement fails and rolls it back.
   */
  async #execute<T>(tx: object, query: PgliteQueryRunner['query'], text: string, values: string[]) {
    let name = this.#names.get(text);
    if (name === undefined) {
      const fresh = `llmtrace_prepared_${this.#names.size + 1}`;
      await query(`PREPARE ${fresh} AS ${text}`);
      this.#names.set(text, fresh);
      name = fresh;
    }
    if (!this.#generic.get(tx)) {
      await query('SET LOCAL plan_cache_mode = force_generic_plan');
      this.#generic.set(tx, true);
    }
    return query<T>(executeSql(name, values));
  }
}
