import 'server-only';
import type { Database } from '@/lib/db/client';
import { parsePgTimestamp } from '@/lib/db/timestamps';
import { LISTED_ROOT } from './columns';
import { binMiddle, HOUR_OF, PERCENTILE_ERROR, rootBinsSql, usageByModelSql } from './rollups';
import { samplingSummary, type SamplingSummary } from './tail-sampling';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bucket sizes the series may use, smallest first. */
export const BUCKET_SIZES_MS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY] as const;

/** A chart stays readable up to this many points; longer ranges fall back to day buckets. */
export const MAX_BUCKETS = 120;

/**
 * The smallest bucket size that splits [from, to) into at most {@link MAX_BUCKETS} buckets, or one
 * day for longer ranges (a year gives 366 points).
 *
 * @example
 * chooseBucketMs(new Date('2026-01-01T00:00Z'), new Date('2026-01-02T00:00Z')); // 15 minutes: 96 buckets
 */
export function chooseBucketMs(from: Date, to: Date): number {
  const span = to.getTime() - from.getTime();
  return BUCKET_SIZES_MS.find((size) => span / size <= MAX_BUCKETS) ?? DAY;
}

export interface StatsTotals {
  /** Root spans (one per request) that started in the range. */
  requests: number;
  /** Requests whose root span `failed`. */
  errors: number;
  /** errors / requests; 0 when there are no requests. */
  error_rate: number;
  /**
   * Sum over priced model calls, each counted once (a span whose usage only rolls up its
   * children's is skipped); unpriced ones (cost null) are left out and counted in `unpriced_requests`.
   */
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  /** Median and 95th percentile of finished roots' duration (continuous); null when none finished. */
  p50_ms: number | null;
  p95_ms: number | null;
  /** Model calls that used tokens but carry no cost because their model is not in the price table. */
  unpriced_requests: number;
}

export interface StatsBucket {
  /** Start of the bucket (ISO). Buckets are aligned to the Unix epoch, so day buckets are UTC days. */
  bucket: string;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

export interface ModelStats {
  model_name: string | null;
  model_provider: string | null;
  /** Model calls (spans whose usage counts) of this model. */
  requests: number;
  /** Sum over the model's priced requests; null when none of them is priced (the UI says "unpriced"). */
  cost_usd: number | null;
  tokens: number;
  unpriced_requests: number;
}

export interface OverviewStats {
  from: string;
  to: string;
  bucket_ms: number;
  totals: StatsTotals;
  series: StatsBucket[];
  by_model: ModelStats[];
  /**
   * How far `p50_ms` and `p95_ms` may be from the exact percentiles, as a fraction: 0 when they
   * are exact (series buckets shorter than 15 minutes, ranges up to 10 hours: read from the spans),
   * about 0.02 when they come from the roll-ups' duration histograms (longer ranges).
   */
  percentile_error: number;
  /**
   * The account's server-side sampling rule and what it dropped in the range (at hour precision):
   * those traces are missing from every other number here (failed and slow ones are all kept).
   */
  sampling: SamplingSummary;
}

type Row = Record<string, unknown>;

const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const toNumberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Listed roots of one user that started in [from, to): one row per request. */
const ROOTS_IN_RANGE = `t.user_id = $1 AND ${LISTED_ROOT('t')} AND t.start_time >= $2 AND t.start_time < $3`;

/** Requests, errors and latency: over roots. */
const REQUEST_AGGREGATES = `
  count(*)::int AS requests,
  count(*) FILTER (WHERE t.status = 'failed')::int AS errors,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY t.duration_ms::float8) AS p50_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY t.duration_ms::float8) AS p95_ms`;

function toBucket(bucket: string, row: Row | undefined): StatsBucket {
  return {
    bucket,
    requests: toNumber(row?.requests),
    errors: toNumber(row?.errors),
    p50_ms: toNumberOrNull(row?.p50_ms),
    p95_ms: toNumberOrNull(row?.p95_ms),
    cost_usd: toNumber(row?.cost_usd),
    input_tokens: toNumber(row?.input_tokens),
    output_tokens: toNumber(row?.output_tokens),
  };
}

/** The rows both readers produce: one per bucket for requests and for usage, one per model, the totals. */
interface StatsRows {
  requestTotals: Row | undefined;
  usageTotals: Row | undefined;
  requestBuckets: Row[];
  usageBuckets: Row[];
  modelRows: Row[];
  percentileError: number;
}

/**
 * Every figure from the spans, percentiles exact: for series buckets shorter than 15 minutes
 * (ranges up to 10 hours). Two statements: requests per bucket and in all (grouping sets), and the usage
 * statement of the roll-up reader with no whole hours, so the range is read from the spans alone.
 */
async function readSpans(database: Database, userId: string, from: Date, to: Date, bucketMs: number): Promise<StatsRows> {
  const interval = `${bucketMs / 1000} seconds`;
  const [requestRows, usageRows] = await Promise.all([
    database.query<Row>(
      `SELECT GROUPING(bucket) AS grouping, bucket, ${REQUEST_AGGREGATES}
       FROM (SELECT date_bin($4::interval, t.start_time, timestamptz 'epoch') AS bucket, t.status, t.duration_ms FROM llm_traces t WHERE ${ROOTS_IN_RANGE}) t
       GROUP BY GROUPING SETS ((bucket), ())`,
      [userId, from.toISOString(), to.toISOString(), interval],
    ),
    // No whole quarter ([$7, $8) and [$2, $3) are empty at `to`): the usage statement reads [$4, $5) from the spans.
    database.query<Row>(ROLLED_USAGE_SQL, [userId, to.toISOString(), to.toISOString(), from.toISOString(), to.toISOString(), interval, to.toISOString(), to.toISOString()]),
  ]);
  return {
    requestTotals: requestRows.find((row) => Number(row.grouping) === 1),
    requestBuckets: requestRows.filter((row) => Number(row.grouping) === 0),
    ...usageParts(usageRows),
    percentileError: 0,
  };
}

/** A usage row's `requests` counts model calls: only the per-model rows keep it. */
function usageParts(usageRows: Row[]): Pick<StatsRows, 'usageTotals' | 'usageBuckets' | 'modelRows'> {
  const usage = (grouping: number) => usageRows.filter((row) => Number(row.grouping) === grouping).map(({ requests: _calls, ...row }) => row);
  return { usageTotals: usage(7)[0], usageBuckets: usage(3), modelRows: usageRows.filter((row) => Number(row.grouping) === 4) };
}

/*
 * The roll-up reader's parameters: $1 the account, [$4, $5) the range, $6 the bucket size, [$7, $8)
 * the whole quarter hours inside the range and [$2, $3) the whole hours inside those (empty for
 * buckets shorter than an hour). Read from the spans: the minutes before the first whole quarter
 * and after the last, and every quarter marked dirty (changed since its roll-ups were built). From
 * the hourly roll-ups: the whole hours none of whose quarters is marked. From the quarter-hour ones
 * (rollups.ts): every other whole quarter that is not marked. Each statement decides which time is
 * which itself, so it never counts a minute twice or not at all, whatever the refresher does
 * meanwhile.
 */
const DIRTY_QUARTERS = `dirty AS MATERIALIZED (SELECT quarter FROM stats_dirty WHERE user_id = $1 AND quarter >= $7::timestamptz AND quarter < $8::timestamptz)`;
const SPAN_WINDOWS = `(
  SELECT $1::uuid AS user_id, x.lo, x.hi FROM (
    SELECT quarter AS lo, quarter + '15 minutes'::interval AS hi FROM dirty
    UNION ALL SELECT $4::timestamptz, $7::timestamptz WHERE $4::timestamptz < $7::timestamptz
    UNION ALL SELECT $8::timestamptz, $5::timestamptz WHERE $8::timestamptz < $5::timestamptz) x) w`;
/** The range as constants: the planner plans only its days' partitions. */
const WITHIN_RANGE = ` AND t.start_time >= $4::timestamptz AND t.start_time < $5::timestamptz`;
const BUCKET_OF = (value: string) => `date_bin($6::interval, ${value}, timestamptz 'epoch')`;
/** A quarter of the hour starting at `hour` is marked. */
const HOUR_MARKED = (hour: string) => `EXISTS (SELECT 1 FROM dirty d WHERE d.quarter >= ${hour} AND d.quarter < ${hour} + '1 hour'::interval)`;
/** A whole hour of the range whose roll-ups are current: none of its quarters is marked. */
const CLEAN_HOUR = (h: string) => `${h}.user_id = $1 AND ${h}.hour >= $2::timestamptz AND ${h}.hour < $3::timestamptz AND NOT ${HOUR_MARKED(`${h}.hour`)}`;
/**
 * The whole quarters of the range outside the clean whole hours, as windows `qw(lo, hi)`: before the
 * first whole hour, after the last, and each marked hour between. Each window is an index range.
 */
const QUARTER_WINDOWS = `(
  SELECT $7::timestamptz AS lo, $2::timestamptz AS hi WHERE $7::timestamptz < $2::timestamptz
  UNION ALL SELECT $3::timestamptz, $8::timestamptz WHERE $3::timestamptz < $8::timestamptz
  UNION ALL SELECT DISTINCT ${HOUR_OF('d.quarter')}, ${HOUR_OF('d.quarter')} + '1 hour'::interval FROM dirty d WHERE d.quarter >= $2::timestamptz AND d.quarter < $3::timestamptz) qw`;
/** The quarter roll-ups (`table` as `q`) of those windows that are not marked. */
const CLEAN_QUARTERS = (table: string, q: string) =>
  `${QUARTER_WINDOWS} JOIN ${table} ${q} ON ${q}.user_id = $1 AND ${q}.quarter >= qw.lo AND ${q}.quarter < qw.hi`;
const CLEAN_QUARTER = (q: string) => `NOT EXISTS (SELECT 1 FROM dirty d WHERE d.quarter = ${q}.quarter)`;

/**
 * Requests, errors and the histogram of the finished roots' durations (`bins`, and `counts`
 * alongside, as array text) of each part of the range: one row per clean hour, one per clean
 * quarter, one per bucket for the spans read; roots still running count as requests only. The
 * caller merges them per bucket: at 10M spans an hour's histogram has about 110 bins, and merging a
 * month's hours bin by bin in SQL (unnest, group, aggregate) took 56 ms, in JavaScript 13.
 */
const ROLLED_REQUESTS_SQL = `
WITH ${DIRTY_QUARTERS}
SELECT bucket, requests, errors, bins::text AS bins, counts::text AS counts FROM (
  SELECT bucket, sum(requests)::int AS requests, sum(errors)::int AS errors,
    array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL) AS bins, array_agg(requests ORDER BY bin) FILTER (WHERE bin IS NOT NULL) AS counts
  FROM (${rootBinsSql(SPAN_WINDOWS, [`${BUCKET_OF('t.start_time')} AS bucket`], WITHIN_RANGE)}) s GROUP BY bucket
  UNION ALL
  SELECT ${BUCKET_OF('h.hour')}, h.requests, h.errors, h.duration_bins, h.duration_counts FROM stats_hourly h WHERE ${CLEAN_HOUR('h')}
  UNION ALL
  SELECT ${BUCKET_OF('q.quarter')}, q.requests, q.errors, q.duration_bins, q.duration_counts FROM ${CLEAN_QUARTERS('stats_quarters', 'q')} WHERE ${CLEAN_QUARTER('q')}
) parts`;

/** Usage per bucket (grouping 3), per model (4, in the breakdown's order) and in all (7). */
const ROLLED_USAGE_SQL = `
WITH ${DIRTY_QUARTERS},
parts AS (
  ${usageByModelSql(SPAN_WINDOWS, [`${BUCKET_OF('t.start_time')} AS bucket`], WITHIN_RANGE)}
  UNION ALL
  SELECT ${BUCKET_OF('m.hour')}, m.model_name, m.model_provider, m.requests, m.cost_usd, m.input_tokens, m.output_tokens, m.tokens, m.unpriced_requests
  FROM stats_hourly_models m WHERE ${CLEAN_HOUR('m')}
  UNION ALL
  SELECT ${BUCKET_OF('m.quarter')}, m.model_name, m.model_provider, m.requests, m.cost_usd, m.input_tokens, m.output_tokens, m.tokens, m.unpriced_requests
  FROM ${CLEAN_QUARTERS('stats_quarter_models', 'm')} WHERE ${CLEAN_QUARTER('m')})
SELECT GROUPING(bucket, model_name, model_provider) AS grouping, bucket, model_name, model_provider,
  sum(requests)::bigint AS requests, sum(cost_usd) AS cost_usd, coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens, coalesce(sum(tokens), 0) AS tokens, sum(unpriced_requests)::bigint AS unpriced_requests
FROM parts GROUP BY GROUPING SETS ((bucket), (model_name, model_provider), ())
ORDER BY requests DESC, sum(cost_usd) DESC NULLS LAST, model_name NULLS LAST, model_provider NULLS LAST`;

/** A duration histogram: finished roots by bin (bins are small non-negative integers; a hole is none). */
type Histogram = number[];

/**
 * The `p` quantile of a histogram, interpolated between neighbouring ranks as `percentile_cont`
 * does, each rank read as its bin's middle; null when empty.
 */
export function histogramPercentile(histogram: Histogram, p: number): number | null {
  let total = 0;
  for (const n of histogram) total += n ?? 0;
  if (total === 0) return null;
  const valueAt = (rank: number) => {
    let seen = 0;
    let last = 0;
    for (let bin = 0; bin < histogram.length; bin++) {
      const n = histogram[bin] ?? 0;
      if (n === 0) continue;
      seen += n;
      last = bin;
      if (rank < seen) return binMiddle(bin);
    }
    return binMiddle(last);
  };
  const rank = p * (total - 1);
  const low = valueAt(Math.floor(rank));
  return low + (valueAt(Math.ceil(rank)) - low) * (rank - Math.floor(rank));
}

/**
 * Adds a roll-up's histogram, its bins and counts as array text (`{3,7,9}`, `{2,1,5}`; null or
 * `{}` when empty), into each of `into`: read digit by digit, since a month has about 80,000 bins
 * to add at 10M spans.
 */
function addHistogramText(bins: unknown, counts: unknown, ...into: Histogram[]): void {
  if (typeof bins !== 'string' || typeof counts !== 'string' || bins.length <= 2) return;
  let j = 1;
  let bin = 0;
  for (let i = 1; i < bins.length; i++) {
    const c = bins.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      bin = bin * 10 + c - 48;
      continue;
    }
    // A comma or the closing brace ends a bin: read its count.
    let n = 0;
    for (; j < counts.length; j++) {
      const d = counts.charCodeAt(j);
      if (d < 48 || d > 57) break;
      n = n * 10 + d - 48;
    }
    j++;
    for (const histogram of into) histogram[bin] = (histogram[bin] ?? 0) + n;
    bin = 0;
  }
}

const bucketStart = (value: unknown) => (value instanceof Date ? value : parsePgTimestamp(String(value))).getTime();

/** The instant `ms` rounded up (`ceil`) or down (`floor`) to a multiple of `unit`. */
const align = (ms: number, unit: number, round: (x: number) => number) => round(ms / unit) * unit;

/**
 * Roll-ups for whole clean quarter hours (whole hours from the hourly roll-ups when the buckets are
 * an hour or longer), spans for the rest: for series buckets of 15 minutes or more.
 */
async function readRollups(database: Database, userId: string, from: Date, to: Date, bucketMs: number): Promise<StatsRows> {
  const quartersFrom = align(from.getTime(), QUARTER, Math.ceil);
  const quartersTo = Math.max(quartersFrom, align(to.getTime(), QUARTER, Math.floor));
  // Buckets shorter than an hour cannot take an hour's sums: they read quarters only.
  let hoursFrom = align(quartersFrom, HOUR, Math.ceil);
  let hoursTo = align(quartersTo, HOUR, Math.floor);
  if (bucketMs < HOUR || hoursFrom > hoursTo) hoursFrom = hoursTo = quartersTo;
  const iso = (ms: number) => new Date(ms).toISOString();
  const params = [userId, iso(hoursFrom), iso(hoursTo), from.toISOString(), to.toISOString(), `${bucketMs / 1000} seconds`, iso(quartersFrom), iso(quartersTo)];
  // Planned once per connection (a generic plan, its partitions pruned when it runs): planning the
  // month's partitions on every call cost as much as running it.
  const [partRows, usageRows] = await Promise.all([
    database.query<Row>(ROLLED_REQUESTS_SQL, params, { generic: true }),
    database.query<Row>(ROLLED_USAGE_SQL, params, { generic: true }),
  ]);

  const all: Histogram = [];
  const buckets = new Map<number, { bucket: unknown; requests: number; errors: number; histogram: Histogram }>();
  for (const row of partRows) {
    const start = bucketStart(row.bucket);
    let bucket = buckets.get(start);
    if (!bucket) buckets.set(start, (bucket = { bucket: row.bucket, requests: 0, errors: 0, histogram: [] }));
    bucket.requests += toNumber(row.requests);
    bucket.errors += toNumber(row.errors);
    addHistogramText(row.bins, row.counts, bucket.histogram, all);
  }
  const perBucket = [...buckets.values()];
  const requests = perBucket.reduce((sum, bucket) => sum + bucket.requests, 0);
  const errors = perBucket.reduce((sum, bucket) => sum + bucket.errors, 0);
  const percentiles = (histogram: Histogram) => ({ p50_ms: histogramPercentile(histogram, 0.5), p95_ms: histogramPercentile(histogram, 0.95) });
  const requestBuckets = perBucket.map(({ histogram, ...bucket }) => ({ ...bucket, ...percentiles(histogram) }));
  return { requestTotals: { requests, errors, ...percentiles(all) }, requestBuckets, ...usageParts(usageRows), percentileError: PERCENTILE_ERROR };
}

/**
 * The dashboard's numbers for [from, to): totals, a time series and a per-model breakdown.
 * Requests, errors and latency are over listed roots (one per request); tokens and cost are over
 * the spans whose usage counts, so each model call is counted once whatever wraps it. A request
 * belongs to the bucket its root started in, a model call to the bucket it started in. Every
 * bucket of the range is present, empty ones with zero counts and null percentiles, so charts get a
 * continuous x axis.
 *
 * Ranges whose buckets are 15 minutes or longer (over 10 hours: a day, a week, a month) read the
 * quarter-hour and hourly roll-ups (rollups.ts): the same sums, percentiles within
 * {@link PERCENTILE_ERROR}. `rollups: false` reads
 * every span instead (tests and the bench compare the two).
 *
 * @example
 * const stats = await overviewStats(database, { userId, from: new Date(Date.now() - 86_400_000), to: new Date() });
 */
export async function overviewStats(
  database: Database,
  { userId, from, to, rollups = true }: { userId: string; from: Date; to: Date; rollups?: boolean },
): Promise<OverviewStats> {
  const bucketMs = chooseBucketMs(from, to);
  const read = rollups && bucketMs >= QUARTER ? readRollups : readSpans;
  const [rows, sampling] = await Promise.all([read(database, userId, from, to, bucketMs), samplingSummary(database, { userId, from, to })]);
  const { requestTotals, usageTotals, requestBuckets, usageBuckets, modelRows } = rows;
  const totalsRow = { ...requestTotals, ...usageTotals };

  const requests = toNumber(totalsRow?.requests);
  const errors = toNumber(totalsRow?.errors);
  const totals: StatsTotals = {
    requests,
    errors,
    error_rate: requests === 0 ? 0 : errors / requests,
    cost_usd: toNumber(totalsRow?.cost_usd),
    input_tokens: toNumber(totalsRow?.input_tokens),
    output_tokens: toNumber(totalsRow?.output_tokens),
    p50_ms: toNumberOrNull(totalsRow?.p50_ms),
    p95_ms: toNumberOrNull(totalsRow?.p95_ms),
    unpriced_requests: toNumber(totalsRow?.unpriced_requests),
  };

  const byStart = new Map<number, Row>();
  for (const row of [...requestBuckets, ...usageBuckets]) {
    const start = bucketStart(row.bucket);
    byStart.set(start, { ...byStart.get(start), ...row });
  }
  const series: StatsBucket[] = [];
  for (let start = Math.floor(from.getTime() / bucketMs) * bucketMs; start < to.getTime(); start += bucketMs) {
    series.push(toBucket(new Date(start).toISOString(), byStart.get(start)));
  }

  const by_model = modelRows.map(
    (row): ModelStats => ({
      model_name: (row.model_name as string | null) ?? null,
      model_provider: (row.model_provider as string | null) ?? null,
      requests: toNumber(row.requests),
      cost_usd: toNumberOrNull(row.cost_usd),
      tokens: toNumber(row.tokens),
      unpriced_requests: toNumber(row.unpriced_requests),
    }),
  );

  return { from: from.toISOString(), to: to.toISOString(), bucket_ms: bucketMs, totals, series, by_model, percentile_error: rows.percentileError, sampling };
}
