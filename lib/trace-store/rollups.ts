import 'server-only';
import { letOthersRun } from '@/lib/db/background';
import { BACKGROUND, type Database, type Queryable } from '@/lib/db/client';
import { COUNTS_USAGE, LISTED_ROOT, SPAN_TOKENS } from './columns';
import { JOIN_TRACE_RANGE } from './trace-ranges';

/**
 * Roll-ups for the Overview (migrations 0014_stats_rollups.sql, 0018_stats_quarters.sql) and the
 * Sessions and End users pages (0015_group_rollups.sql).
 *
 * `stats_quarters` holds an account's requests, errors and a histogram of its roots' durations per
 * quarter hour, `stats_quarter_models` its usage per quarter hour and model, and `stats_hourly`
 * and `stats_hourly_models` the same per hour, summed from the quarters; `group_hourly` each
 * session's and each end user's traces, errors and usage per hour ({@link groupHoursSql}), and
 * `group_totals` their sums, rebuilt with them. Every transaction that changes spans marks the
 * quarter hours it touched in `stats_dirty` ({@link markQuartersSql}); {@link refreshRollups} (run
 * in the background by {@link scheduleRollups}) rebuilds marked quarters from the spans, and their
 * hours. The Overview reads clean quarters and hours from the roll-ups and marked quarters from the
 * spans, in one statement, so what it shows is never stale, only slower while quarters are marked;
 * an hour with a marked quarter is read quarter by quarter.
 *
 * Why a mark is never lost: a writer takes a shared advisory lock on each quarter before marking it
 * and holds it until it commits ({@link markQuartersSql}); the refresher takes the same quarters'
 * locks exclusively (and only if free: it never waits, so no deadlock is possible) before it clears
 * the marks and reads the spans. So the refresher either sees a writer's spans, or leaves (or finds
 * again) that writer's mark. (The hour sums and the groups' hourly rows it rebuilds also read the
 * other quarters of the hour: a writer's spans there that it does not see keep their own mark.)
 */

/** Each duration bin is 4% wider than the one before. */
export const DURATION_BIN_GROWTH = 1.04;
/** A bin's middle is within this fraction of every duration in it: the percentiles' error bound. */
export const PERCENTILE_ERROR = Math.sqrt(DURATION_BIN_GROWTH) - 1;

/** The histogram bin of a span's duration (ms): `floor(ln(1 + d) / ln(1.04))`; null while running. */
export const DURATION_BIN = (t: string) =>
  `CASE WHEN ${t}.duration_ms IS NOT NULL THEN floor(ln(greatest(${t}.duration_ms::float8, 0) + 1) / ln(${DURATION_BIN_GROWTH}))::smallint END`;

/** The duration a bin stands for: its geometric middle. */
export function binMiddle(bin: number): number {
  return DURATION_BIN_GROWTH ** (bin + 0.5) - 1;
}

/** An hour's start, aligned to the epoch (so whatever the session's time zone). */
export const HOUR_OF = (value: string) => `date_bin('1 hour'::interval, ${value}, timestamptz 'epoch')`;

/** A quarter hour's start, aligned to the epoch: the unit of the marks, and the Overview's 15-minute buckets (a day's range). */
export const QUARTER_OF = (value: string) => `date_bin('15 minutes'::interval, ${value}, timestamptz 'epoch')`;

/** A quarter hour in milliseconds: the unit of the marks. */
export const QUARTER_MS = 15 * 60_000;

/**
 * The two-key advisory lock of a quarter hour: class `0x4c54` (the writer's one-key trace locks
 * never collide with it) and the quarter's number modulo 512, whatever the account. Two quarters
 * 512 apart share a lock, which only makes the refresher skip one now and then; in exchange a
 * transaction holds at most 512 of these locks however many quarters it touches (a batch with
 * spans across years would otherwise fill the lock table).
 */
const QUARTER_LOCK_KEY = (quarter: string) => `${0x4c54}, ((extract(epoch FROM ${quarter})::bigint / 900) % 512)::int`;

/**
 * Marks, under each quarter's shared lock, the quarter hour of every span of `source`, a query
 * yielding `user_id, at` (a span's start): a statement of its own, or a data-modifying `WITH` item
 * of a larger one. Each lock is taken before its mark (the subquery is evaluated first) and held to
 * the end of the transaction; marking after the spans changed, in the same transaction, is enough.
 */
export function markQuartersSql(source: string): string {
  return `
INSERT INTO stats_dirty (user_id, quarter)
SELECT l.user_id, l.quarter FROM (
  SELECT q.user_id, q.quarter, pg_advisory_xact_lock_shared(${QUARTER_LOCK_KEY('q.quarter')}) AS locked
  FROM (SELECT DISTINCT r.user_id, ${QUARTER_OF('r.at')} AS quarter FROM (${source}) r) q
  OFFSET 0) l
ON CONFLICT DO NOTHING`;
}

/**
 * The writer's marks of its batch's quarters, a `WITH` item of the upsert: `$n` is a JSON array of
 * `{user_id, epoch}` (the quarters' starts, in epoch seconds), computed from the batch; `where`, a
 * condition for marking at all (` WHERE …`).
 */
export const MARK_BATCH_QUARTERS = (n: number, where = '') =>
  markQuartersSql(`SELECT user_id, to_timestamp(epoch) AS at FROM json_to_recordset($${n}::json) AS q(user_id uuid, epoch bigint)${where}`);

/** The writer's marks of stored spans its statements moved or re-flagged: `$1` is a JSON array of `{user_id, start_time}`. */
export const MARK_TOUCHED_SQL = markQuartersSql(`SELECT user_id, start_time AS at FROM json_to_recordset($1::json) AS s(user_id uuid, start_time timestamptz)`);

/**
 * `deleteSql` (a DELETE on `llm_traces` returning at least `user_id` and `start_time`) with the
 * hours of the spans it deletes marked in the same statement; selects `select` of the deleted rows.
 */
export function deletingSpansSql(deleteSql: string, select: string): string {
  return `WITH gone AS (${deleteSql}), marked AS (${markQuartersSql('SELECT user_id, start_time AS at FROM gone')}) SELECT ${select} FROM gone`;
}

const ordinals = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(', ');

/**
 * The listed roots that started in each of `windows` (a row source `w` with `user_id`, `lo`, `hi`),
 * grouped by `keys` (select-list items over `w` and `t.start_time`) and duration bin: `…keys, bin,
 * requests, errors`. Each window is read through the span index, partitions pruned to its hours;
 * `bounds` (` AND …` on `t.start_time`, constants) lets the planner plan only those partitions.
 */
export function rootBinsSql(windows: string, keys: readonly string[], bounds = ''): string {
  return `
SELECT ${keys.join(', ')}, ${DURATION_BIN('t')} AS bin, count(*)::int AS requests, count(*) FILTER (WHERE t.status = 'failed')::int AS errors
FROM ${windows} CROSS JOIN LATERAL (
  SELECT t.start_time, t.status, t.duration_ms FROM llm_traces t
  WHERE t.user_id = w.user_id AND ${LISTED_ROOT('t')} AND t.start_time >= w.lo AND t.start_time < w.hi${bounds} OFFSET 0) t
GROUP BY ${ordinals(keys.length + 1)}`;
}

/** Tokens are never negative; compared one by one, since their sum may not fit an integer. */
export const TOKENS_USED = (t: string) => `(${t}.input_tokens > 0 OR ${t}.output_tokens > 0 OR ${t}.total_tokens > 0)`;

/** Like {@link rootBinsSql}, for usage: the spans whose usage counts, grouped by `keys` and model. */
export function usageByModelSql(windows: string, keys: readonly string[], bounds = ''): string {
  return `
SELECT ${keys.join(', ')}, t.model_name, t.model_provider, count(*)::int AS requests, sum(t.cost_usd) AS cost_usd,
  coalesce(sum(t.input_tokens), 0)::bigint AS input_tokens, coalesce(sum(t.output_tokens), 0)::bigint AS output_tokens,
  coalesce(sum(coalesce(t.total_tokens, coalesce(t.input_tokens, 0)::bigint + coalesce(t.output_tokens, 0))), 0)::bigint AS tokens,
  count(*) FILTER (WHERE t.cost_usd IS NULL AND ${TOKENS_USED('t')})::int AS unpriced_requests
FROM ${windows} CROSS JOIN LATERAL (
  SELECT t.start_time, t.model_name, t.model_provider, t.cost_usd, t.input_tokens, t.output_tokens, t.total_tokens FROM llm_traces t
  WHERE t.user_id = w.user_id AND ${COUNTS_USAGE('t')} AND t.start_time >= w.lo AND t.start_time < w.hi${bounds} OFFSET 0) t
GROUP BY ${ordinals(keys.length + 2)}`;
}

/** The columns the Sessions and End users pages group traces by (migration 0015). */
export const GROUPINGS = ['session_id', 'end_user_id'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/**
 * The rows of `group_hourly` for one grouping in each of `windows` (a row source `w` with
 * `user_id`, `lo`, `hi`): `user_id, hour, grouping, key, traces, errors, tokens, cost_usd,
 * first_seen, last_seen, end_user_id, end_user_seen`.
 *
 * The pages' rules (sessions.ts, `groupTotalsSql`) split by hour: a trace counts for a key once,
 * in the hour of its earliest listed root with that key, with whether any of those roots failed,
 * their first and last start, the end user they name, and the usage of every span of the trace
 * that counts (`COUNTS_USAGE`), wherever in time that span started. Every lookup of a trace's
 * other spans is bounded by its range (trace-ranges.ts), so it probes only the days the trace
 * touches. `roots` (` AND …` on `r.start_time`) and `spans` (the same on a given alias, for the
 * traces' other spans) are constant bounds that let the planner plan only those days' partitions.
 *
 * Because a trace's usage counts in its root's hour, a change to a trace's spans makes that hour
 * stale too: the writer marks the roots' quarters of the traces it adds to (write.ts), and
 * retention a quarter of each hour it empties.
 */
export function groupHoursSql(grouping: Grouping, windows: string, { roots = '', spans = () => '' }: { roots?: string; spans?: (alias: string) => string } = {}): string {
  return `
SELECT w.user_id, w.lo AS hour, '${grouping}'::text AS grouping, g.key, count(*)::int AS traces, (count(*) FILTER (WHERE g.failed))::int AS errors,
  coalesce(sum(u.tokens), 0)::bigint AS tokens, sum(u.cost) AS cost_usd, min(g.first_start) AS first_seen, max(g.last_start) AS last_seen,
  (array_agg(g.end_user_id ORDER BY g.last_start DESC) FILTER (WHERE g.end_user_id IS NOT NULL))[1] AS end_user_id,
  max(g.last_start) FILTER (WHERE g.end_user_id IS NOT NULL) AS end_user_seen
FROM ${windows}
CROSS JOIN LATERAL (
  SELECT p.trace_id, p.key, p.lo, p.hi, bool_or(a.status = 'failed') AS failed, min(a.start_time) AS first_start, max(a.start_time) AS last_start,
    max(a.end_user_id) AS end_user_id
  FROM (
    SELECT DISTINCT r.trace_id, r.${grouping} AS key, coalesce(tr.first_start, '-infinity') AS lo, coalesce(tr.last_start, 'infinity') AS hi
    FROM llm_traces r ${JOIN_TRACE_RANGE('r.trace_id', 'w.user_id')}
    WHERE r.user_id = w.user_id AND ${LISTED_ROOT('r')} AND r.${grouping} IS NOT NULL AND r.start_time >= w.lo AND r.start_time < w.hi${roots}
  ) p
  CROSS JOIN LATERAL (
    SELECT a.status, a.start_time, a.end_user_id FROM llm_traces a
    WHERE a.user_id = w.user_id AND a.trace_id = p.trace_id AND a.${grouping} = p.key AND ${LISTED_ROOT('a')}
      AND a.start_time >= p.lo AND a.start_time <= p.hi${spans('a')} OFFSET 0) a
  GROUP BY p.trace_id, p.key, p.lo, p.hi
  HAVING min(a.start_time) >= w.lo
) g
CROSS JOIN LATERAL (
  SELECT sum(${SPAN_TOKENS('s')}) AS tokens, sum(s.cost_usd) AS cost FROM llm_traces s
  WHERE s.user_id = w.user_id AND s.trace_id = g.trace_id AND ${COUNTS_USAGE('s')} AND s.start_time >= g.lo AND s.start_time <= g.hi${spans('s')}
) u
GROUP BY w.user_id, w.lo, g.key`;
}

/** A key's error rate from its sums: the one expression the totals and the pages' recomputed rows share. */
export const ERROR_RATE = (errors: string, traces: string) => `(${errors})::numeric / nullif(${traces}, 0)`;

/**
 * The sums of `group_hourly`-shaped rows, grouped by `user_id, grouping, key`: what a key's kept
 * totals are (`priced`: how many rows have a price; `end_user_id`: the latest row's that names one).
 */
const HOUR_SUMS = `user_id, grouping, key, sum(traces) AS traces, sum(errors) AS errors, sum(tokens) AS tokens, sum(cost_usd) AS cost_usd,
  count(cost_usd) AS priced, min(first_seen) AS first_seen, max(last_seen) AS last_seen, max(end_user_seen) AS end_user_seen,
  (array_agg(end_user_id ORDER BY end_user_seen DESC) FILTER (WHERE end_user_id IS NOT NULL))[1] AS end_user_id`;

/**
 * Kept totals brought up to date for some hours: for each key with rows in `fresh` (the hours'
 * `group_hourly` rows as they are now) or `stale` (the same hours' rows as the totals last summed
 * them), its `group_totals` row less `stale` plus `fresh`. `merged(h)` is true for a
 * `group_hourly` row `h` of one of those hours. Returns `user_id, grouping, key, traces, errors,
 * error_rate, tokens, cost_usd, priced_hours, first_seen, last_seen, end_user_id, end_user_seen,
 * tie`; `traces` 0 for a key left with no trace.
 *
 * The counts and sums are subtracted and added. The first and last seen and the latest end user
 * are extremes: when the totals' extreme came from one of the other hours (it is beyond every
 * stale row's), it stands; when a fresh row's goes as far, that one wins; only otherwise (a stale
 * row held it and the hour lost it: a trace deleted, retention) are the key's other hourly rows
 * read. `priced_hours` tells a cost of 0 from none. So a key costs a few index probes however
 * many hours it has (at 10M spans an end user has ~500), where summing its other hours again
 * took the End users page 3 s under steady ingest.
 */
export function mergedTotalsSql(fresh: string, stale: string, merged: (h: string) => string): string {
  const others = `FROM group_hourly h WHERE h.user_id = k.user_id AND h.grouping = k.grouping AND h.key = k.key AND NOT (${merged('h')})`;
  return `
SELECT k.user_id, k.grouping, k.key, c.traces + coalesce(k.l_traces, 0) AS traces, c.errors + coalesce(k.l_errors, 0) AS errors,
  ${ERROR_RATE('c.errors + coalesce(k.l_errors, 0)', 'c.traces + coalesce(k.l_traces, 0)')} AS error_rate,
  c.tokens + coalesce(k.l_tokens, 0) AS tokens,
  CASE WHEN c.priced > 0 THEN t.cost_usd - coalesce(k.o_cost, 0) + coalesce(k.l_cost, 0) ELSE k.l_cost END AS cost_usd,
  c.priced + coalesce(k.l_priced, 0) AS priced_hours, x.first_seen, x.last_seen,
  CASE WHEN k.l_end_user_seen IS NOT NULL AND (e.seen IS NULL OR k.l_end_user_seen >= e.seen) THEN k.l_end_user ELSE e.id END AS end_user_id,
  greatest(k.l_end_user_seen, e.seen) AS end_user_seen, md5(k.key)::uuid AS tie
FROM (
  SELECT coalesce(l.user_id, o.user_id) AS user_id, coalesce(l.grouping, o.grouping) AS grouping, coalesce(l.key, o.key) AS key,
    l.traces AS l_traces, l.errors AS l_errors, l.tokens AS l_tokens, l.cost_usd AS l_cost, l.priced AS l_priced, l.first_seen AS l_first,
    l.last_seen AS l_last, l.end_user_id AS l_end_user, l.end_user_seen AS l_end_user_seen,
    o.traces AS o_traces, o.errors AS o_errors, o.tokens AS o_tokens, o.cost_usd AS o_cost, o.priced AS o_priced, o.first_seen AS o_first,
    o.last_seen AS o_last, o.end_user_seen AS o_end_user_seen
  FROM (SELECT ${HOUR_SUMS} FROM (${fresh}) f GROUP BY user_id, grouping, key) l
  FULL JOIN (SELECT ${HOUR_SUMS} FROM (${stale}) s GROUP BY user_id, grouping, key) o
    ON o.user_id = l.user_id AND o.grouping = l.grouping AND o.key = l.key
) k
LEFT JOIN LATERAL (SELECT t.* FROM group_totals t WHERE t.user_id = k.user_id AND t.grouping = k.grouping AND t.key = k.key OFFSET 0) t ON true
CROSS JOIN LATERAL (
  SELECT coalesce(t.traces, 0) - coalesce(k.o_traces, 0) AS traces, coalesce(t.errors, 0) - coalesce(k.o_errors, 0) AS errors,
    coalesce(t.tokens, 0) - coalesce(k.o_tokens, 0) AS tokens, coalesce(t.priced_hours, 0) - coalesce(k.o_priced, 0)::int AS priced) c
CROSS JOIN LATERAL (
  SELECT
    CASE WHEN c.traces <= 0 OR k.l_first <= t.first_seen THEN k.l_first
      WHEN k.o_first IS NULL OR t.first_seen < k.o_first THEN t.first_seen
      ELSE least(k.l_first, (SELECT h.first_seen ${others} ORDER BY h.hour LIMIT 1)) END AS first_seen,
    CASE WHEN c.traces <= 0 OR k.l_last >= t.last_seen THEN k.l_last
      WHEN k.o_last IS NULL OR t.last_seen > k.o_last THEN t.last_seen
      ELSE greatest(k.l_last, (SELECT max(h.last_seen) ${others})) END AS last_seen) x
LEFT JOIN LATERAL (
  SELECT t.end_user_id AS id, t.end_user_seen AS seen
  WHERE c.traces > 0 AND t.end_user_seen IS NOT NULL AND (k.o_end_user_seen IS NULL OR t.end_user_seen > k.o_end_user_seen)
  UNION ALL
  (SELECT h.end_user_id, h.end_user_seen ${others} AND h.end_user_id IS NOT NULL
     AND c.traces > 0 AND k.o_end_user_seen >= t.end_user_seen AND coalesce(k.l_end_user_seen < t.end_user_seen, true)
   ORDER BY h.end_user_seen DESC LIMIT 1)
) e ON true`;
}

/**
 * The marked quarter hours this refresher may rebuild now: up to `$1`, newest first, whose
 * exclusive lock is free, among the quarters that have ended and whose mark is at least `$2`
 * seconds old. The quarter in progress is left to be read from the spans: under steady ingest it
 * is always marked, and rebuilding it every few seconds would read all of its spans each time (a
 * minute of 3,500 spans/s made the health probe wait on PGlite). The same goes for an ended
 * quarter still being written to (late spans, a replay): the background task waits for its mark
 * to settle ({@link ROLLUP_SETTLE_MS}).
 */
const CLAIM_SQL = `
SELECT d.user_id, extract(epoch FROM d.quarter)::bigint AS epoch FROM (
  SELECT user_id, quarter FROM stats_dirty
  WHERE quarter <= now() - '15 minutes'::interval AND marked_at <= now() - make_interval(secs => $2)
  ORDER BY quarter DESC LIMIT $1) d
WHERE pg_try_advisory_xact_lock(${QUARTER_LOCK_KEY('d.quarter')})`;

/** The claimed quarters (`$1`: JSON `{user_id, epoch}`) as windows `w(user_id, lo, hi)`. */
const CLAIMED = `(SELECT c.user_id, to_timestamp(c.epoch) AS lo, to_timestamp(c.epoch) + '15 minutes'::interval AS hi
  FROM json_to_recordset($1::json) AS c(user_id uuid, epoch bigint)) w`;

/** The hours of the claimed quarters, each once, as windows `w(user_id, lo, hi)`. */
const CLAIMED_HOURS = `(SELECT DISTINCT c.user_id, ${HOUR_OF('to_timestamp(c.epoch)')} AS lo, ${HOUR_OF('to_timestamp(c.epoch)')} + '1 hour'::interval AS hi
  FROM json_to_recordset($1::json) AS c(user_id uuid, epoch bigint)) w`;

/**
 * The rows of roll-ups (`stats_hourly` or `stats_quarters`, as `alias` in `from`, filtered by
 * `where`) as `…keys, bin, requests, errors, n`: one row per roll-up with its requests and errors
 * (bin null), one per bin of its histogram with its finished roots (`n`). Each roll-up is read
 * once.
 */
function histogramRowsSql(alias: string, keys: readonly string[], from: string, where = 'true'): string {
  return `
SELECT ${keys.join(', ')}, u.bin, u.requests, u.errors, u.n FROM ${from} CROSS JOIN LATERAL (
  SELECT NULL::smallint AS bin, ${alias}.requests, ${alias}.errors, 0 AS n
  UNION ALL SELECT b.bin, 0, 0, b.n FROM unnest(${alias}.duration_bins, ${alias}.duration_counts) AS b(bin, n)) u
WHERE ${where}`;
}

/**
 * `rows` (`…keys, bin, requests, errors, n`, as {@link histogramRowsSql} gives) summed per `keys`:
 * `…keys, requests, errors, bins, counts`, the histogram merged bin by bin, its bins in order.
 */
function mergedHistogramsSql(keys: readonly string[], rows: string): string {
  const columns = keys.join(', ');
  return `
SELECT ${columns}, sum(requests)::bigint AS requests, sum(errors)::bigint AS errors,
  coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE n > 0), '{}') AS bins, coalesce(array_agg(n ORDER BY bin) FILTER (WHERE n > 0), '{}') AS counts
FROM (
  SELECT ${columns}, bin, sum(requests) AS requests, sum(errors) AS errors, sum(n)::int AS n
  FROM (${rows}) AS x(${columns}, bin, requests, errors, n) GROUP BY ${columns}, bin
) y GROUP BY ${columns}`;
}

const WINDOW_QUARTER = ['w.user_id', 'w.lo AS quarter'];
const IN_WINDOW = (alias: string, column: string) => `${alias}.user_id = w.user_id AND ${alias}.${column} >= w.lo AND ${alias}.${column} < w.hi`;

/**
 * A claimed quarter is rebuilt from its spans, and each hour it belongs to is summed again from
 * its four quarters: the two tables never disagree, and the spans are read once.
 */
const REBUILD_SQL = [
  `DELETE FROM stats_dirty d USING ${CLAIMED} WHERE d.user_id = w.user_id AND d.quarter = w.lo`,
  `DELETE FROM stats_quarters q USING ${CLAIMED} WHERE q.user_id = w.user_id AND q.quarter = w.lo`,
  `DELETE FROM stats_quarter_models q USING ${CLAIMED} WHERE q.user_id = w.user_id AND q.quarter = w.lo`,
  `INSERT INTO stats_quarters (user_id, quarter, requests, errors, duration_bins, duration_counts)
   SELECT b.user_id, b.quarter, sum(b.requests)::int, sum(b.errors)::int,
     coalesce(array_agg(b.bin ORDER BY b.bin) FILTER (WHERE b.bin IS NOT NULL), '{}'),
     coalesce(array_agg(b.requests ORDER BY b.bin) FILTER (WHERE b.bin IS NOT NULL), '{}')
   FROM (${rootBinsSql(CLAIMED, WINDOW_QUARTER)}) b
   GROUP BY b.user_id, b.quarter`,
  `INSERT INTO stats_quarter_models (user_id, quarter, model_name, model_provider, requests, cost_usd, input_tokens, output_tokens, tokens, unpriced_requests)
   ${usageByModelSql(CLAIMED, WINDOW_QUARTER)}`,
  `DELETE FROM stats_hourly h USING ${CLAIMED_HOURS} WHERE h.user_id = w.user_id AND h.hour = w.lo`,
  `DELETE FROM stats_hourly_models h USING ${CLAIMED_HOURS} WHERE h.user_id = w.user_id AND h.hour = w.lo`,
  `INSERT INTO stats_hourly (user_id, hour, requests, errors, duration_bins, duration_counts)
   ${mergedHistogramsSql(['user_id', 'hour'], histogramRowsSql('q', ['q.user_id', 'w.lo'], `${CLAIMED_HOURS} JOIN stats_quarters q ON ${IN_WINDOW('q', 'quarter')}`))}`,
  `INSERT INTO stats_hourly_models (user_id, hour, model_name, model_provider, requests, cost_usd, input_tokens, output_tokens, tokens, unpriced_requests)
   SELECT q.user_id, w.lo, q.model_name, q.model_provider, sum(q.requests)::int, sum(q.cost_usd), sum(q.input_tokens)::bigint,
     sum(q.output_tokens)::bigint, sum(q.tokens)::bigint, sum(q.unpriced_requests)::int
   FROM ${CLAIMED_HOURS} JOIN stats_quarter_models q ON ${IN_WINDOW('q', 'quarter')}
   GROUP BY q.user_id, w.lo, q.model_name, q.model_provider`,
];

/** The `group_hourly` rows of the claimed quarters' hours, replaced: each statement returns the keys whose rows it changed. */
const REBUILD_GROUPS_SQL = [
  `DELETE FROM group_hourly h USING ${CLAIMED_HOURS} WHERE h.user_id = w.user_id AND h.hour = w.lo RETURNING h.user_id, h.grouping, h.key`,
  ...GROUPINGS.map(
    (grouping) => `INSERT INTO group_hourly (user_id, hour, grouping, key, traces, errors, tokens, cost_usd, first_seen, last_seen, end_user_id, end_user_seen)
   ${groupHoursSql(grouping, CLAIMED_HOURS)}
   RETURNING user_id, grouping, key`,
  ),
];

/** The totals of the keys in `$1` (a JSON array of `{user_id, grouping, key}`), summed again from their hourly rows. */
const RESUM_GROUPS_SQL = [
  `DELETE FROM group_totals t USING json_to_recordset($1::json) AS e(user_id uuid, grouping text, key text)
   WHERE t.user_id = e.user_id AND t.grouping = e.grouping AND t.key = e.key`,
  `INSERT INTO group_totals (user_id, grouping, key, traces, errors, error_rate, tokens, cost_usd, priced_hours, first_seen, last_seen, end_user_id, end_user_seen, tie)
   SELECT s.user_id, s.grouping, s.key, s.traces, s.errors, ${ERROR_RATE('s.errors', 's.traces')}, s.tokens, s.cost_usd, s.priced,
     s.first_seen, s.last_seen, s.end_user_id, s.end_user_seen, md5(s.key)::uuid
   FROM (
     SELECT ${HOUR_SUMS} FROM (
       SELECT h.* FROM (SELECT DISTINCT user_id, grouping, key FROM json_to_recordset($1::json) AS e(user_id uuid, grouping text, key text)) e
       JOIN group_hourly h ON h.user_id = e.user_id AND h.grouping = e.grouping AND h.key = e.key) h
     GROUP BY user_id, grouping, key) s`,
];

/**
 * One refresher at a time: two that rebuilt hours of one session would each sum its totals from
 * their own snapshot, and the later commit could keep the other's stale sum. Others skip the tick.
 */
const REFRESHER_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(${0x4c55}, 0) AS locked`;

/**
 * Rebuilds up to `maxQuarters` marked quarter hours that have ended and were marked at least
 * `settledMs` ago (newest first) from the spans,
 * the hours they belong to, and the totals of the sessions and end users whose hourly rows changed,
 * in one transaction; quarters a writer is marking right now are left for the next call, and so is
 * everything while another refresher runs. Returns how many quarters were rebuilt.
 */
export async function refreshRollups(
  database: Database,
  { maxQuarters = 96, settledMs = 0 }: { maxQuarters?: number; settledMs?: number } = {},
): Promise<number> {
  return database.transaction(async (tx: Queryable) => {
    const [lock] = await tx.query<{ locked: boolean }>(REFRESHER_LOCK_SQL);
    if (!lock?.locked) return 0;
    const claimed = await tx.query<{ user_id: string; epoch: string | number }>(CLAIM_SQL, [maxQuarters, settledMs / 1000]);
    if (claimed.length === 0) return 0;
    const json = JSON.stringify(claimed.map((c) => ({ user_id: c.user_id, epoch: Number(c.epoch) })));
    for (const sql of REBUILD_SQL) await tx.query(sql, [json]);
    const keys = new Map<string, { user_id: string; grouping: string; key: string }>();
    for (const sql of REBUILD_GROUPS_SQL) {
      for (const row of await tx.query<{ user_id: string; grouping: string; key: string }>(sql, [json])) keys.set(JSON.stringify([row.user_id, row.grouping, row.key]), row);
    }
    if (keys.size > 0) for (const sql of RESUM_GROUPS_SQL) await tx.query(sql, [JSON.stringify([...keys.values()])]);
    return claimed.length;
    // On PGlite, after the pages' statements, with the event loop turning between its own.
  }, BACKGROUND);
}

/** Rebuilds every marked quarter (a bulk import's, say) in transactions of `maxQuarters`; `onProgress` gets the running total. */
export async function refreshAllRollups(
  database: Database,
  { maxQuarters = 96, settledMs = 0, onProgress }: { maxQuarters?: number; settledMs?: number; onProgress?: (quarters: number) => void } = {},
): Promise<number> {
  let total = 0;
  for (;;) {
    const rebuilt = await refreshRollups(database, { maxQuarters, settledMs });
    total += rebuilt;
    if (rebuilt > 0) onProgress?.(total);
    if (rebuilt < maxQuarters) return total;
    await letOthersRun();
  }
}

/** Quarters the background task rebuilds per transaction (four hours' worth; about 50 ms an hour at 1M spans). */
const BACKGROUND_QUARTERS_PER_TRANSACTION = 16;

/** How often each process rebuilds marked quarters (`STATS_ROLLUP_EVERY_MS`). */
export const DEFAULT_ROLLUP_EVERY_MS = 10_000;

/**
 * How old a quarter's mark must be before the background task rebuilds it: a quarter still being
 * written to is rebuilt about once a minute, not at every tick. Under a minute of saturating
 * ingest into an ended quarter (the footprint bench), each rebuild's statements held PGlite, and
 * so the server's thread, for 180–250 ms each, and the six rebuilds took `/api/health` p95 from
 * 116 to 165 ms.
 */
export const ROLLUP_SETTLE_MS = 60_000;

/**
 * Rebuilds marked quarters every `everyMs` in the background; several processes share the work
 * (each skips the quarters another is rebuilding). The timer never keeps the process alive; a
 * failure is logged and tried again at the next tick. Returns a function that stops it.
 */
export function scheduleRollups(getDatabase: () => Promise<Database>, { everyMs = rollupEveryMs() }: { everyMs?: number } = {}): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      // A few hours per transaction: on PGlite (one connection) a transaction holds every other
      // request back, and after an upgrade or a bulk import there are hundreds of hours to build.
      await refreshAllRollups(await getDatabase(), { maxQuarters: BACKGROUND_QUARTERS_PER_TRANSACTION, settledMs: ROLLUP_SETTLE_MS });
    } catch (error) {
      console.warn('[llmtrace] stats roll-ups: rebuilding marked quarter hours failed (tried again shortly):', error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** `STATS_ROLLUP_EVERY_MS` from the environment: a positive integer, else the default. */
export function rollupEveryMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.STATS_ROLLUP_EVERY_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_ROLLUP_EVERY_MS;
}
