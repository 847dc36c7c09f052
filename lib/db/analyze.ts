import 'server-only';
import { letOthersRun } from './background';
import type { Database } from './client';

/**
 * Planner statistics on embedded PGlite.
 *
 * PGlite runs Postgres in single-user mode, which has no autovacuum: nothing ever runs `ANALYZE`,
 * so the planner knows neither how many rows a table holds nor how its values are spread, and it
 * guesses. Measured at 250k spans (`npm run bench -- --only pglitequery`, p95, two runs):
 * searches took 160–774 ms instead of 31–120 ms (4–21×), a duration filter with a provider
 * 57–100 ms instead of 26–43.
 * This module does what autovacuum's analyze does on a Postgres server: it analyzes each table
 * (each day partition of the spans) that has never been analyzed, or that grew by a tenth since it
 * last was.
 *
 * On Postgres it does nothing: autovacuum analyzes every table and partition there.
 *
 * How growth is seen without the statistics collector (which single-user mode lacks too): by
 * size. `ANALYZE` records the table's size in pages (`pg_class.relpages`); a table whose file is
 * now more than a tenth (and 8 pages) larger has grown. Analyzing a day partition of 8k spans takes
 * about 250 ms on PGlite and holds its one connection meanwhile, so the background task analyzes
 * one table at a time, yields between tables, and stops for the tick after a second's work.
 */

/** A table is analyzed again once its size grows past its size at the last analysis times this, plus {@link GROWTH_PAGES}. */
const GROWTH_FACTOR = 1.1;
/** …plus this many pages (64 KB): small tables are not analyzed on every few rows. */
const GROWTH_PAGES = 8;
/** How long one background tick keeps analyzing (it finishes the table it started). */
const TICK_BUDGET_MS = 1_000;
/** How often the background task looks for stale tables. */
export const ANALYZE_EVERY_MS = 60_000;

/**
 * The tables (and leaf partitions) of the app's schema whose statistics are missing or stale,
 * largest growth first. A table analyzed without producing any statistics (every row deleted)
 * is remembered in `analyzedAt` (name → pages then) so that it is not analyzed again until it grows.
 */
export async function staleTables(database: Database, analyzedAt: ReadonlyMap<string, number> = new Map()): Promise<string[]> {
  if (database.kind !== 'pglite') return [];
  const rows = await database.query<{ name: string; pages: number; relpages: number; analyzed: boolean }>(
    `SELECT c.oid::regclass::text AS name, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages, c.relpages,
       EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) AS analyzed
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
  );
  const grownBeyond = (pages: number, before: number) => pages > before * GROWTH_FACTOR + GROWTH_PAGES;
  return rows
    .filter((row) => {
      if (row.pages === 0) return false;
      const tried = analyzedAt.get(row.name);
      if (tried !== undefined && !grownBeyond(row.pages, tried)) return false;
      return !row.analyzed || grownBeyond(row.pages, row.relpages);
    })
    .sort((a, b) => b.pages - b.relpages - (a.pages - a.relpages))
    .map((row) => row.name);
}

/**
 * Analyzes the stale tables ({@link staleTables}), one statement each, until `budgetMs` has passed:
 * at least one, however long it takes, so that every tick makes progress. Returns the tables
 * analyzed. On Postgres: none.
 */
export async function analyzeStaleTables(
  database: Database,
  { budgetMs = Number.POSITIVE_INFINITY, analyzedAt = new Map<string, number>() }: { budgetMs?: number; analyzedAt?: Map<string, number> } = {},
): Promise<string[]> {
  const started = performance.now();
  const done: string[] = [];
  for (const name of await staleTables(database, analyzedAt)) {
    if (done.length > 0 && performance.now() - started >= budgetMs) break;
    // The name comes from pg_class as regclass text: already quoted where it needs to be.
    await database.exec(`ANALYZE ${name}`);
    const [row] = await database.query<{ pages: number }>(`SELECT relpages AS pages FROM pg_class WHERE oid = $1::regclass`, [name]);
    analyzedAt.set(name, Number(row?.pages ?? 0));
    done.push(name);
    // Other requests wait for PGlite's one connection: let them in between two tables.
    await letOthersRun();
  }
  return done;
}

/**
 * On PGlite, analyzes stale tables every `everyMs` in the background, at most a second's work per
 * tick. The timer never keeps the process alive; a failure is logged and tried again at the next
 * tick. Returns a function that stops it. On Postgres it schedules nothing.
 */
export function scheduleAnalyze(getDatabase: () => Promise<Database>, { everyMs = ANALYZE_EVERY_MS }: { everyMs?: number } = {}): () => void {
  const analyzedAt = new Map<string, number>();
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const database = await getDatabase();
      if (database.kind !== 'pglite') return stop();
      await analyzeStaleTables(database, { budgetMs: TICK_BUDGET_MS, analyzedAt });
    } catch (error) {
      if (!stopped) console.warn('[llmtrace] planner statistics: analyzing tables failed (tried again shortly):', error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
