import 'server-only';
import type { Database } from '@/lib/db/client';
import { parsePgTimestamp } from '@/lib/db/timestamps';
import { COUNTS_USAGE, LISTED_ROOT } from './columns';
import { samplingSummary, type SamplingSummary } from './tail-sampling';

const MINUTE = 60_000;
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
/** Spans whose usage counts (each model call once, DESIGN §3) that started in [from, to). */
const USAGE_IN_RANGE = `t.user_id = $1 AND ${COUNTS_USAGE('t')} AND t.start_time >= $2 AND t.start_time < $3`;

/** Counts are never negative; compared one by one, since their sum may not fit an integer. */
const TOKENS_USED = '(t.input_tokens > 0 OR t.output_tokens > 0 OR t.total_tokens > 0)';

/** Requests, errors and latency: over roots. */
const REQUEST_AGGREGATES = `
  count(*)::int AS requests,
  count(*) FILTER (WHERE t.status = 'failed')::int AS errors,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY t.duration_ms::float8) AS p50_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY t.duration_ms::float8) AS p95_ms`;

/** Tokens and cost: over the spans whose usage counts. */
const USAGE_AGGREGATES = `
  coalesce(sum(t.cost_usd), 0) AS cost_usd,
  coalesce(sum(t.input_tokens), 0) AS input_tokens,
  coalesce(sum(t.output_tokens), 0) AS output_tokens,
  count(*) FILTER (WHERE t.cost_usd IS NULL AND ${TOKENS_USED})::int AS unpriced_requests`;

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

/**
 * The dashboard's numbers for [from, to): totals, a time series and a per-model breakdown.
 * Requests, errors and latency are over listed roots (one per request); tokens and cost are over
 * the spans whose usage counts, so each model call is counted once whatever wraps it. A request
 * belongs to the bucket its root started in, a model call to the bucket it started in. Every bucket of the range is present, empty ones with zero counts
 * and null percentiles, so charts get a continuous x axis.
 *
 * @example
 * const stats = await overviewStats(database, { userId, from: new Date(Date.now() - 86_400_000), to: new Date() });
 */
export async function overviewStats(database: Database, { userId, from, to }: { userId: string; from: Date; to: Date }): Promise<OverviewStats> {
  const bucketMs = chooseBucketMs(from, to);
  const range = [userId, from.toISOString(), to.toISOString()];
  const bucket = `date_bin($4::interval, t.start_time, timestamptz 'epoch')`;
  const interval = `${bucketMs / 1000} seconds`;
  const [[requestTotals], [usageTotals], requestBuckets, usageBuckets, modelRows, sampling] = await Promise.all([
    database.query<Row>(`SELECT ${REQUEST_AGGREGATES} FROM llm_traces t WHERE ${ROOTS_IN_RANGE}`, range),
    database.query<Row>(`SELECT ${USAGE_AGGREGATES} FROM llm_traces t WHERE ${USAGE_IN_RANGE}`, range),
    database.query<Row>(`SELECT ${bucket} AS bucket, ${REQUEST_AGGREGATES} FROM llm_traces t WHERE ${ROOTS_IN_RANGE} GROUP BY 1`, [...range, interval]),
    database.query<Row>(`SELECT ${bucket} AS bucket, ${USAGE_AGGREGATES} FROM llm_traces t WHERE ${USAGE_IN_RANGE} GROUP BY 1`, [...range, interval]),
    database.query<Row>(
      `SELECT t.model_name, t.model_provider, count(*)::int AS requests, sum(t.cost_usd) AS cost_usd,
         coalesce(sum(coalesce(t.total_tokens, coalesce(t.input_tokens, 0)::bigint + coalesce(t.output_tokens, 0))), 0) AS tokens,
         count(*) FILTER (WHERE t.cost_usd IS NULL AND ${TOKENS_USED})::int AS unpriced_requests
       FROM llm_traces t WHERE ${USAGE_IN_RANGE}
       GROUP BY t.model_name, t.model_provider
       ORDER BY requests DESC, sum(t.cost_usd) DESC NULLS LAST, t.model_name NULLS LAST, t.model_provider NULLS LAST`,
      range,
    ),
    samplingSummary(database, { userId, from, to }),
  ]);
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
    const start = (row.bucket instanceof Date ? row.bucket : parsePgTimestamp(String(row.bucket))).getTime();
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

  return { from: from.toISOString(), to: to.toISOString(), bucket_ms: bucketMs, totals, series, by_model, sampling };
}
