import 'server-only';
import { letOthersRun } from '@/lib/db/background';
import type { Database } from '@/lib/db/client';
import { MAX_STORABLE_MS, MIN_STORABLE_MS } from '@/lib/db/timestamps';
import { DAY_MS, dropPartitionsBefore } from './partitions';
import { markQuartersSql } from './rollups';

export interface RetentionReport {
  /** Spans deleted in all: those of dropped partitions plus those deleted row by row. */
  spans: number;
  /** Daily partitions dropped whole, and the time their DROP statements took. */
  partitions: string[];
  dropMs: number;
  /** Spans deleted row by row: the boundary day, the default partition, accounts with shorter retention. */
  rowDeleted: number;
}

/**
 * Retention: spans that started before `cutoff` (the server's default) go, except for accounts that
 * set their own retention in Settings, whose spans go after that many days before `now` instead.
 *
 * 1. Every day whose partition ended before every account's cutoff is dropped whole: milliseconds,
 *    whatever its size.
 * 2. What remains past retention (the boundary day, the default partition, accounts whose own
 *    retention is shorter) is deleted a few thousand rows per statement, so no lock is held for long
 *    and ingest interleaves.
 * 3. The ranges of traces whose last span aged out go too (trace-ranges.ts), and the Overview's
 *    roll-ups of hours wholly past retention (rollups.ts); a boundary hour's spans deleted row by
 *    row mark it for rebuilding. The sessions' and end users' hours past retention are marked,
 *    not deleted: their rebuild (which finds no spans) also sums their totals again.
 */
export async function applyRetention(
  database: Database,
  { cutoff, batchSize = 5000, onProgress, now = new Date() }: { cutoff: Date; batchSize?: number; onProgress?: (deleted: number) => void; now?: Date },
): Promise<RetentionReport> {
  const [{ days }] = await database.query<{ days: number | null }>('SELECT max(retention_days) AS days FROM account_settings WHERE retention_days IS NOT NULL');
  const longest = days == null ? cutoff.getTime() : Math.min(cutoff.getTime(), now.getTime() - Number(days) * DAY_MS);
  const dropped = await dropPartitionsBefore(database, { before: new Date(longest) });
  if (dropped.spans > 0) onProgress?.(dropped.spans);
  let rowDeleted = 0;
  for (;;) {
    const deleted = await deleteAgedRows(database, SPANS, { cutoff, batchSize, now });
    rowDeleted += deleted;
    if (deleted > 0) onProgress?.(dropped.spans + rowDeleted);
    if (deleted < batchSize) break;
    await letOthersRun();
  }
  for (const aged of [RANGES, ...ROLLUPS]) {
    while ((await deleteAgedRows(database, aged, { cutoff, batchSize, now })) === batchSize) await letOthersRun();
  }
  await database.query(MARK_AGED_GROUP_HOURS_SQL, [cutoffParam(cutoff), now.toISOString()]);
  return { spans: dropped.spans + rowDeleted, partitions: dropped.partitions, dropMs: dropped.dropMs, rowDeleted };
}

/** {@link applyRetention}, returning the number of spans deleted. */
export async function deleteSpansOlderThan(database: Database, options: Parameters<typeof applyRetention>[1]): Promise<number> {
  return (await applyRetention(database, options)).spans;
}

/** A table retention empties: its key and the time that ages its rows (an expression over the row). */
interface Aged {
  table: string;
  key: readonly string[];
  time: string;
  /** Deleting its rows marks their hours for the roll-ups to rebuild (the row's time is a span start). */
  marksHours?: boolean;
}

const SPANS: Aged = { table: 'llm_traces', key: ['user_id', 'trace_id', 'span_id', 'start_time'], time: 'start_time', marksHours: true };
/** A trace's range goes when its last span has aged out (trace-ranges.ts). */
const RANGES: Aged = { table: 'trace_ranges', key: ['user_id', 'trace_id'], time: 'last_start' };
/** An hour's (a quarter hour's) roll-up goes when the whole hour (quarter) has aged out. */
const ROLLUPS: Aged[] = [
  { table: 'stats_hourly', key: ['user_id', 'hour'], time: "hour + '1 hour'::interval" },
  { table: 'stats_hourly_models', key: ['ctid'], time: "hour + '1 hour'::interval" },
  { table: 'stats_quarters', key: ['user_id', 'quarter'], time: "quarter + '15 minutes'::interval" },
  { table: 'stats_quarter_models', key: ['ctid'], time: "quarter + '15 minutes'::interval" },
];

/**
 * Marks the hours of sessions' and end users' roll-ups that are wholly past retention (by the
 * account's own retention, else the server's cutoff `$1`; `$2` is now). Once a day, so a scan of
 * those rows.
 */
const MARK_AGED_GROUP_HOURS_SQL = markQuartersSql(`
  SELECT h.user_id, h.hour AS at FROM (SELECT DISTINCT user_id, hour FROM group_hourly) h
  LEFT JOIN account_settings s ON s.user_id = h.user_id AND s.retention_days IS NOT NULL
  WHERE h.hour + '1 hour'::interval <= CASE WHEN s.user_id IS NULL THEN $1::timestamptz ELSE $2::timestamptz - make_interval(days => s.retention_days) END`);

/** The server's cutoff as a parameter: null (nothing is that old) before year 1, the last storable instant past 9999. */
function cutoffParam(cutoff: Date): string | null {
  return cutoff.getTime() > MIN_STORABLE_MS ? new Date(Math.min(cutoff.getTime(), MAX_STORABLE_MS)).toISOString() : null;
}

/**
 * Deletes up to `batchSize` rows past retention; returns how many. An account that set its own
 * retention (`account_settings.retention_days`) keeps its rows that many days before `now`; every
 * other account's rows go when their time is before `cutoff` (the server's `TRACE_RETENTION_DAYS`).
 * Spans start in years 1–9999, so a cutoff before year 1 (a retention of a million days) deletes
 * nothing by the default, and one beyond 9999 is read as the last storable instant.
 */
async function deleteAgedRows(
  database: Database,
  { table, key, time, marksHours }: Aged,
  { cutoff, batchSize, now }: { cutoff: Date; batchSize: number; now: Date },
): Promise<number> {
  const before = cutoffParam(cutoff);
  const keys = key.map((column) => `t.${column}`).join(', ');
  const rows = await database.query<{ n: number }>(
    `WITH doomed AS (
       (SELECT ${keys} FROM ${table} t
        WHERE t.${time} < $1::timestamptz
          AND NOT EXISTS (SELECT 1 FROM account_settings s WHERE s.user_id = t.user_id AND s.retention_days IS NOT NULL)
        LIMIT $2)
       UNION ALL
       (SELECT ${keys} FROM account_settings s
        JOIN ${table} t ON t.user_id = s.user_id AND t.${time} < $3::timestamptz - make_interval(days => s.retention_days)
        WHERE s.retention_days IS NOT NULL
        LIMIT $2)
     )
     , gone AS (
       DELETE FROM ${table} t USING (SELECT * FROM doomed LIMIT $2) d
       WHERE ${key.map((column) => `t.${column} = d.${column}`).join(' AND ')}
       RETURNING t.user_id, t.${time} AS at)${
       marksHours ? `, marked AS (${markQuartersSql('SELECT user_id, at FROM gone')})` : ''
     }
     SELECT count(*)::int AS n FROM gone`,
    [before, batchSize, now.toISOString()],
  );
  return Number(rows[0]?.n ?? 0);
}
