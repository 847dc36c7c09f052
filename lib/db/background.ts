/**
 * Background work on embedded PGlite, which runs one statement at a time: a gauge of the
 * foreground statements in flight, so that background work starts once they are done
 * (`TransactionOptions.background` in client.ts).
 */

/**
 * Resolves after the event loop has had a turn (timers, sockets): long database work (a
 * maintenance job's loop of statements) calls this between statements, so that statements from
 * requests that arrived meanwhile get their place in the database's queue.
 */
export function letOthersRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
