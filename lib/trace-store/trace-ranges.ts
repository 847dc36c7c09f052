import 'server-only';
import type { Queryable } from '@/lib/db/client';

/**
 * Span start times (ISO text with microseconds) between which every span of some traces lies,
 * read from `trace_ranges` (migration 0013). Passed to a query as parameters, they let the planner
 * keep only the day partitions the traces touch instead of planning and probing every day.
 */
export interface SpanTimeBounds {
  from: string;
  to: string;
}

const EXACT = (value: string) => `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Bounds covering every span of the given traces (one index probe each), or null when one of
 * them has no range: a trace written around the writer (a test's or a seed's direct INSERT) is
 * then read unbounded, which is slower and still right.
 */
export async function spanTimeBounds(database: Queryable, userId: string, traceIds: readonly string[]): Promise<SpanTimeBounds | null> {
  const ids = [...new Set(traceIds)];
  if (ids.length === 0) return null;
  const [row] = await database.query<{ first: string | null; last: string | null; n: number }>(
    `SELECT ${EXACT('min(first_start)')} AS first, ${EXACT('max(last_start)')} AS last, count(*)::int AS n
     FROM trace_ranges WHERE user_id = $1 AND trace_id = ANY($2::text[])`,
    [userId, ids],
  );
  if (!row?.first || !row.last || Number(row.n) < ids.length) return null;
  return { from: row.first, to: row.last };
}

/** Bounds that hold no instant. */
export const NO_TIME: SpanTimeBounds = { from: 'infinity', to: '-infinity' };

/** A trace's range as exact text (`EXACT_START_TIME`), as a read returned it; nulls when it has none. */
export interface TraceRange {
  first_start: string | null;
  last_start: string | null;
}

/**
 * Bounds covering every given range, or null (unbounded) when one of them is missing. Exact texts
 * of the same width compare as the instants they name.
 */
export function boundsOfRanges(ranges: readonly TraceRange[]): SpanTimeBounds | null {
  let from: string | null = null;
  let to: string | null = null;
  for (const { first_start: first, last_start: last } of ranges) {
    if (!first || !last) return null;
    if (!from || first < from) from = first;
    if (!to || last > to) to = last;
  }
  return from && to ? { from, to } : null;
}

/**
 * `LEFT JOIN` of each row's trace range as `tr` (`tr.first_start`, `tr.last_start`; null when the
 * trace has none), `trace` naming its trace id and `account` its account (`$1` unless said): one
 * primary-key probe per row. (A plain join lets the planner hash the account's whole `trace_ranges` instead, a scan of
 * every trace when a search matches a couple of thousand: 15–20 ms at 250k traces.)
 */
export const JOIN_TRACE_RANGE = (trace: string, account = '$1') =>
  `LEFT JOIN LATERAL (SELECT tr.first_start, tr.last_start FROM trace_ranges tr WHERE tr.user_id = ${account} AND tr.trace_id = ${trace} OFFSET 0) tr ON true`;

/** ` AND …`: `<alias>.start_time` within the range {@link JOIN_TRACE_RANGE} joined as `tr` (unbounded when the trace has none). */
export const IN_JOINED_RANGE = (alias: string) =>
  ` AND ${alias}.start_time >= coalesce(tr.first_start, '-infinity') AND ${alias}.start_time <= coalesce(tr.last_start, 'infinity')`;

/**
 * A condition on `<alias>.start_time`, within `bounds` (` AND …`, nothing when unbounded), for any
 * alias: the two values are appended to `params` once and shared.
 */
export function withinBounds(bounds: SpanTimeBounds | null, params: unknown[]): (alias: string) => string {
  if (!bounds) return () => '';
  params.push(bounds.from, bounds.to);
  const [from, to] = [params.length - 1, params.length];
  return (alias) => ` AND ${alias}.start_time >= $${from}::timestamptz AND ${alias}.start_time <= $${to}::timestamptz`;
}

/**
 * The condition bounding one trace's spans (`<alias>.start_time` within its range, its values
 * appended to `params`), for a query about that trace alone.
 */
export async function boundTrace(database: Queryable, userId: string, traceId: string, params: unknown[], alias: string): Promise<string> {
  return withinBounds(await spanTimeBounds(database, userId, [traceId]), params)(alias);
}

/**
 * The ranges of a written batch's traces, widened to hold its spans, in the batch's transaction
 * (on Postgres under each trace's lock, so no two batches race on a row). `$1` is a JSON array of
 * `{user_id, trace_id, start_time}`. Returns the traces that had a range before, that is spans
 * stored before this batch (the writer's "known" traces), each with its widened range as exact
 * text: one statement where there were three (which traces are known, the widening, their
 * bounds), a round trip each to PGlite's thread.
 */
export const WIDEN_RANGES_SQL = `
WITH batch AS (
  SELECT b.user_id, b.trace_id, min(b.start_time) AS first_start, max(b.start_time) AS last_start
  FROM json_to_recordset($1::json) AS b(user_id uuid, trace_id text, start_time timestamptz)
  GROUP BY b.user_id, b.trace_id),
stored AS (
  SELECT b.user_id, b.trace_id, least(tr.first_start, b.first_start) AS first_start, greatest(tr.last_start, b.last_start) AS last_start
  FROM batch b CROSS JOIN LATERAL (
    SELECT tr.first_start, tr.last_start FROM trace_ranges tr WHERE tr.user_id = b.user_id AND tr.trace_id = b.trace_id OFFSET 0) tr),
widened AS (
  INSERT INTO trace_ranges AS tr (user_id, trace_id, first_start, last_start)
  SELECT user_id, trace_id, first_start, last_start FROM batch
  ON CONFLICT (user_id, trace_id) DO UPDATE SET
    first_start = least(tr.first_start, EXCLUDED.first_start),
    last_start = greatest(tr.last_start, EXCLUDED.last_start)
  WHERE EXCLUDED.first_start < tr.first_start OR EXCLUDED.last_start > tr.last_start)
SELECT user_id, trace_id, ${EXACT('first_start')} AS first_start, ${EXACT('last_start')} AS last_start FROM stored`;

/** Forgets the ranges of deleted traces. */
export async function forgetRanges(database: Queryable, userId: string, traceIds: readonly string[]): Promise<void> {
  if (traceIds.length === 0) return;
  await database.query('DELETE FROM trace_ranges WHERE user_id = $1 AND trace_id = ANY($2::text[])', [userId, [...traceIds]]);
}
