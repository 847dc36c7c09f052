import 'server-only';
import type { Database, Queryable } from '@/lib/db/client';

/**
 * The daily partitions of `llm_traces` (migration 0012_span_partitions.sql): one per UTC day,
 * named `llm_traces_pYYYYMMDD`, plus `llm_traces_default` for spans of days without one.
 */

export const DAY_MS = 86_400_000;
/** Days ahead of today whose partitions exist, so a day never starts without its partition. */
export const PARTITION_DAYS_AHEAD = 3;

const NAME = /^llm_traces_p(\d{4})(\d{2})(\d{2})$/;

export interface SpanPartition {
  name: string;
  /** Start of its day (UTC). */
  from: Date;
  /** Start of the next day. */
  to: Date;
}

const utcDay = (time: number) => Math.floor(time / DAY_MS) * DAY_MS;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The daily partitions, oldest first (the default partition is not listed). */
export async function listSpanPartitions(database: Queryable): Promise<SpanPartition[]> {
  const rows = await database.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'llm_traces'::regclass`,
  );
  const partitions: SpanPartition[] = [];
  for (const { name } of rows) {
    const match = NAME.exec(name);
    if (!match) continue;
    const from = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    partitions.push({ name, from: new Date(from), to: new Date(from + DAY_MS) });
  }
  return partitions.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Creates the partitions of every UTC day from `from` to `to` (both included) that lack one;
 * spans of those days waiting in the default partition move in. Returns the names created. Safe to
 * call from several processes at once.
 */
export async function ensureSpanPartitions(database: Queryable, { from, to }: { from: Date; to: Date }): Promise<string[]> {
  const created: string[] = [];
  for (let day = utcDay(from.getTime()); day <= utcDay(to.getTime()); day += DAY_MS) {
    const [row] = await database.query<{ name: string | null }>('SELECT llmtrace_span_partition($1::date) AS name', [isoDay(day)]);
    if (!row?.name) continue;
    // A new partition does not inherit its parent's statistics targets (0017_span_statistics.sql).
    if (/^llm_traces_p\d{8}$/.test(row.name)) await database.exec(`ALTER TABLE ${row.name} ${UNANALYZED_COLUMNS.map((c) => `ALTER COLUMN ${c} SET STATISTICS 0`).join(', ')}`);
    created.push(row.name);
  }
  return created;
}

/** The span columns `ANALYZE` skips (migration 0017): documents no query filters by. */
const UNANALYZED_COLUMNS = ['input_data', 'output_data', 'metadata'] as const;

/** The partitions of today and the days ahead ({@link PARTITION_DAYS_AHEAD}); run at start and daily. */
export function ensureUpcomingPartitions(database: Queryable, now = new Date()): Promise<string[]> {
  return ensureSpanPartitions(database, { from: now, to: new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS) });
}

export interface DroppedPartitions {
  partitions: string[];
  spans: number;
  /** Time spent in the DROP statements themselves. */
  dropMs: number;
}

/**
 * Drops every daily partition that ends at or before `before`: all of its spans are past
 * retention, so the day goes at once instead of row by row. Each drop holds the table's lock for
 * milliseconds and waits at most 2 s for it (then that day is left for the next run). Counts the
 * spans first, for the report.
 */
export async function dropPartitionsBefore(database: Database, { before }: { before: Date }): Promise<DroppedPartitions> {
  const result: DroppedPartitions = { partitions: [], spans: 0, dropMs: 0 };
  for (const partition of await listSpanPartitions(database)) {
    if (partition.to.getTime() > before.getTime()) break;
    const [{ n }] = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${partition.name}`);
    const started = performance.now();
    try {
      await database.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '2s'`);
        await tx.query(`DROP TABLE IF EXISTS ${partition.name}`);
      });
    } catch (error) {
      console.warn(`[llmtrace] retention: could not drop ${partition.name} now (${(error as Error).message}); the next run will`);
      continue;
    }
    result.dropMs += performance.now() - started;
    result.partitions.push(partition.name);
    result.spans += Number(n);
  }
  return result;
}
