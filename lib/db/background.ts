/**
 * Background work on embedded PGlite, which runs each statement on the server's own thread: a
 * gauge of the foreground statements in flight, and the turns of the event loop that background
 * work gives the rest of the server (`TransactionOptions.background` in client.ts).
 */

/**
 * Resolves after the event loop has had a turn (timers, sockets). Embedded PGlite runs its
 * statements on this thread, and a chain of them never yields by itself: long database work (a
 * big span batch, a maintenance job) calls this between statements so that requests waiting on
 * other work, such as `/api/health`, are answered meanwhile.
 */
export function letOthersRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The longest a background statement lets other work run before it ({@link letOthersFinish}). */
const BACKGROUND_TURN_MS = 20;

/**
 * Turns the event loop until a turn finds nothing else to do (it comes back within 0.2 ms), or for
 * at most `maxMs`: a request takes several turns to be answered (reading it, routing, rendering,
 * writing), and one turn before each background statement would let it take one step per
 * statement.
 */
export async function letOthersFinish(maxMs = BACKGROUND_TURN_MS): Promise<void> {
  const started = performance.now();
  for (;;) {
    const before = performance.now();
    await letOthersRun();
    const now = performance.now();
    if (now - before < 0.2 || now - started >= maxMs) return;
  }
}

/** The longest a background transaction waits for the foreground's statements to finish (PGlite). */
export const BACKGROUND_WAIT_MS = 250;

/**
 * Counts the foreground statements (queries and transactions not marked background) in flight on
 * PGlite, so that background work can wait for a quiet moment (`TransactionOptions` in client.ts).
 * Drizzle's own statements outside a transaction are not counted.
 */
export function foregroundGauge() {
  let inFlight = 0;
  /** Background work waiting for the in-flight statements to finish (each removes itself on its timeout). */
  const waiters = new Set<() => void>();
  return {
    track<T>(statement: () => Promise<T>): Promise<T> {
      inFlight++;
      // Through an async function: a statement that throws at once is counted out too.
      return (async () => statement())().finally(() => {
        if (--inFlight > 0) return;
        for (const wake of [...waiters]) wake();
      });
    },
    /** Resolves once nothing has been in flight for a whole turn of the event loop, or after `maxMs`. */
    async idle(maxMs: number): Promise<void> {
      const deadline = Date.now() + maxMs;
      for (;;) {
        if (inFlight > 0) {
          const left = deadline - Date.now();
          if (left <= 0) return;
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              waiters.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, left);
            waiters.add(wake);
          });
        }
        // A request that arrived meanwhile gets its turn to start its statements.
        await letOthersRun();
        if (inFlight === 0 || Date.now() >= deadline) return;
      }
    },
  };
}

/**
 * Turns of the event loop between statements on embedded PGlite. A statement that would start in
 * the same turn as the one before it ended (a route's next query, or a query that waited on a
 * background transaction's commit) first lets timers and sockets run: otherwise a chain of them
 * holds the server's thread as one (a span batch's upsert, its commit and a page's query: up to
 * 180 ms under saturating ingest, the footprint bench's stalls). Costs one turn, only when chained:
 * `/api/health` p95 under that load 183–196 → 90–134 ms (docs/benchmarks.md §7).
 */
export function statementTurns() {
  let chained = false;
  /** Until the event loop turns, the next statement is chained. */
  const ended = () => {
    if (chained) return;
    chained = true;
    setImmediate(() => {
      chained = false;
    });
  };
  return {
    ended,
    /** Runs `statement` after a turn when it is chained, and marks its end. */
    async run<T>(statement: () => Promise<T>): Promise<T> {
      if (chained) await letOthersRun();
      try {
        return await statement();
      } finally {
        ended();
      }
    },
  };
}
