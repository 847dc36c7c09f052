import 'server-only';
import type { Queryable } from '@/lib/db/client';
import { MIN_STORABLE_MS } from '@/lib/db/timestamps';
import { EXACT_START_TIME } from './columns';
import { JOIN_TRACE_RANGE } from './trace-ranges';

const DAY_MS = 86_400_000;

/** A listed root by its keyset position, with its trace's range (trace-ranges.ts) as exact text, null when it has none. */
export interface NewestRoot {
  id: string;
  trace_id: string;
  /** Postgres's own text of start_time, exact to the microsecond. */
  start_text: string;
  first_start: string | null;
  last_start: string | null;
}

/**
 * The newest `count` roots `r` that satisfy `where` (`$1` is the user id, the values in `params`),
 * newest first by (start_time, id): first among the partitions of the day before `top` (the
 * cursor's time, or now) and later, then, only if that day held fewer, among the older ones.
 *
 * Spans are partitioned by day, and a statement whose roots are not bounded by a constant time
 * plans every day's partition and its indexes: about 10 ms at 36 days, several times what reading
 * a page of the newest roots takes. Most pages come from the last day.
 */
export async function newestRoots(database: Queryable, { where, params, count, top }: { where: readonly string[]; params: readonly unknown[]; count: number; top: number }): Promise<NewestRoot[]> {
  // Never before the first storable instant (a cursor in year 1).
  const edge = new Date(Math.max(MIN_STORABLE_MS, top - DAY_MS)).toISOString();
  const read = async (side: '>=' | '<', limit: number) => {
    const p = [...params, edge];
    return database.query<NewestRoot>(
      `SELECT r.id, r.trace_id, ${EXACT_START_TIME('r')} AS start_text,
         ${EXACT_START_TIME('tr', 'first_start')} AS first_start, ${EXACT_START_TIME('tr', 'last_start')} AS last_start
       FROM (SELECT r.id, r.trace_id, r.start_time FROM llm_traces r WHERE ${where.join(' AND ')} AND r.start_time ${side} $${p.length}::timestamptz
             ORDER BY r.start_time DESC, r.id DESC LIMIT ${limit}) r
       ${JOIN_TRACE_RANGE('r.trace_id')}
       ORDER BY r.start_time DESC, r.id DESC`,
      p,
    );
  };
  const recent = await read('>=', count);
  return recent.length < count ? [...recent, ...(await read('<', count - recent.length))] : recent;
}
