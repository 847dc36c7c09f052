import 'server-only';
import { createHash } from 'node:crypto';
import { FINAL_STATUSES, OPEN_STATUSES } from '@llmtrace/sdk/span';
import type { Database } from '@/lib/db/client';
import type { SamplingSettings } from '@/lib/privacy/settings';
import { accountPrivacy } from '@/lib/privacy/store';
import type { SpanRow } from './columns';
import { markQuartersSql } from './rollups';
import { upsertSpansIsolating, type RefusedSpan } from './write';

/**
 * Server-side tail sampling per account (issue 13): "keep N% of successful traces and every
 * failed or slow one", applied at ingest, on both ways into the span store (`storeSpans` for HTTP
 * and OTLP, `DatabaseSpanSink` for the chat API and the proxy), through {@link upsertSpansSampled}.
 *
 * How a trace is decided, with no decision living only in one process's memory (several app
 * processes may share one Postgres):
 * - **Which traces may go** is fixed by the trace id alone: {@link samplingDraw} hashes it to
 *   [0, 1), and a trace whose draw is below `successRate` is kept whatever happens. Every process
 *   draws alike. The hash is not the SDK's head-sampling draw (the trace id's last 8 hex digits),
 *   so a trace that survived head sampling at rate h is kept here with probability `successRate`,
 *   not always.
 * - **Spans are written as they arrive** (a trace comes in pieces). After each write, the traces
 *   of the batch whose draw says "may go" are looked at in the database, under the same per-trace
 *   lock the write takes: a trace is dropped, whole, in one statement, once its root span (no
 *   parent) has a final status, none of its stored spans is still `pending`/`running`, it is
 *   **successful** (its root `completed` and no span `failed`; with `keepFailed: false` any final
 *   trace counts), and it is not **slow** (every span shorter than `slowMs`). A trace with no root
 *   (its parent lives in a system that does not send here) is never dropped.
 * - The dropped trace's id is recorded in `sampled_out_traces`, so spans of it that arrive later
 *   are dropped at ingest instead of being stored as orphans (checked before the write, and again
 *   after it for a batch that raced the drop). Chat messages that pointed at it lose their trace
 *   id, as with head sampling.
 * - **A late failed span** (one arriving after its trace was dropped as successful, say from a
 *   child that outlived its root) is dropped too, and counted as `late_failed_spans`: keeping it
 *   would store half a trace, and the rule's other promise is that a trace is kept or dropped
 *   whole. The Overview says how many there were. Spans the SDK and the chat API send never do this
 *   (children end before their root); an app whose child spans outlive the root should send them
 *   before it or keep `successRate` at 1.
 * - What was dropped is counted per account and hour in `sampling_counts`, and the Overview (and
 *   `GET /api/analytics/stats`, `sampling`) reports it, so a chart never silently undercounts.
 *
 * Cost: an account with `successRate` 1 (every account by default) pays nothing: its settings are
 * already cached for masking, and its rows go straight to the write. A sampling account pays, per
 * batch that holds a trace whose draw says "may go", one look-up of tombstones before the write and
 * one short transaction after it.
 */

/** How long a dropped trace's id is remembered, so its late spans are dropped too (then pruned). */
export const TOMBSTONE_TTL_MS = 2 * 24 * 60 * 60 * 1000;
/** Counts older than this are pruned (the stats API reads at most 366 days back). */
const COUNTS_KEPT_DAYS = 400;
/** How often a process prunes, at most (only while some account samples). */
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const PRUNE_BATCH = 10_000;

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * The trace's draw in [0, 1), from its id alone: the same in every process, and independent of the
 * SDK's head-sampling draw. The trace is kept when the draw is below the account's `successRate`.
 *
 * @example
 * samplingDraw('4bf92f3577b34da6a3ce929d0e0e4736') < 0.25 // kept at successRate 0.25?
 */
export function samplingDraw(traceId: string): number {
  return createHash('sha256').update(`llmtrace.tail:${traceId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** True when the trace is kept by the draw alone (whatever its outcome). */
export function keptByDraw(traceId: string, successRate: number): boolean {
  return successRate >= 1 || samplingDraw(traceId) < successRate;
}

interface Doubtful {
  user_id: string;
  trace_id: string;
  keep_failed: boolean;
  slow_ms: number | null;
}

/** The accounts of `rows` that sample (successRate < 1), with their rule. Cached reads: no query. */
async function samplingRules(database: Database, rows: readonly SpanRow[]): Promise<Map<string, SamplingSettings>> {
  const users = new Set<string>();
  for (const row of rows) users.add(row.user_id);
  const rules = new Map<string, SamplingSettings>();
  for (const userId of users) {
    const { sampling } = (await accountPrivacy(database, userId)).settings;
    if (sampling.successRate < 1) rules.set(userId, sampling);
  }
  return rules;
}

const traceKey = (userId: string, traceId: string) => `${userId}\u0000${traceId}`;

/** Tombstoned traces among `traces`, as keys. */
const TOMBSTONED_SQL = `
SELECT s.user_id, s.trace_id FROM sampled_out_traces s
JOIN json_to_recordset($1::json) AS b(user_id uuid, trace_id text) ON s.user_id = b.user_id AND s.trace_id = b.trace_id`;

/** Spans of dropped traces that arrived late, dropped before the write: counted by the hour they started. */
const COUNT_LATE_SQL = `
INSERT INTO sampling_counts (user_id, hour, late_spans, late_failed_spans)
SELECT r.user_id, date_bin('1 hour'::interval, r.start_time, timestamptz 'epoch'), count(*), count(*) FILTER (WHERE r.status = 'failed')
FROM json_to_recordset($1::json) AS r(user_id uuid, start_time timestamptz, status text)
GROUP BY 1, 2
ON CONFLICT (user_id, hour) DO UPDATE SET
  late_spans = sampling_counts.late_spans + EXCLUDED.late_spans,
  late_failed_spans = sampling_counts.late_failed_spans + EXCLUDED.late_failed_spans`;

/**
 * The same per-trace lock as the write's (`LOCK_TRACES_SQL` in `write.ts`: same key, same order):
 * serialises a decision with writes of the trace. Keep the two keys identical.
 */
const LOCK_TRACES_SQL = `
SELECT pg_advisory_xact_lock(k) FROM (
  SELECT DISTINCT hashtextextended(b.user_id::text || b.trace_id, 0) AS k FROM json_to_recordset($1::json) AS b(user_id uuid, trace_id text) ORDER BY k
) locks`;

/**
 * The decision, in one statement, for traces whose draw says "may go": a trace already tombstoned
 * (a batch that raced its drop) loses the spans just written, counted as late; a trace that is
 * now finished, successful (or `keep_failed` is off) and not slow is deleted whole, tombstoned,
 * unlinked from its chat message and counted. Returns the traces dropped now.
 */
const SETTLE_SQL = `
WITH c AS (
  SELECT DISTINCT * FROM json_to_recordset($1::json) AS c(user_id uuid, trace_id text, keep_failed boolean, slow_ms float8)
),
tombstoned AS (
  SELECT c.user_id, c.trace_id FROM c JOIN sampled_out_traces s ON s.user_id = c.user_id AND s.trace_id = c.trace_id
),
verdict AS (
  SELECT c.user_id, c.trace_id, count(*) AS spans, min(t.start_time) FILTER (WHERE t.parent_trace_id IS NULL) AS root_start
  FROM c JOIN llm_traces t ON t.user_id = c.user_id AND t.trace_id = c.trace_id
  WHERE NOT EXISTS (SELECT 1 FROM tombstoned x WHERE x.user_id = c.user_id AND x.trace_id = c.trace_id)
  GROUP BY c.user_id, c.trace_id, c.keep_failed, c.slow_ms
  HAVING count(*) FILTER (WHERE t.parent_trace_id IS NULL) = 1
    AND count(*) FILTER (WHERE t.parent_trace_id IS NULL AND t.status IN (${sqlList(FINAL_STATUSES)})) = 1
    AND NOT bool_or(t.status IN (${sqlList(OPEN_STATUSES)}))
    AND (NOT c.keep_failed OR (
      count(*) FILTER (WHERE t.parent_trace_id IS NULL AND t.status = 'completed') = 1 AND NOT bool_or(t.status = 'failed')))
    AND (c.slow_ms IS NULL OR coalesce(max(t.duration_ms), 0) < c.slow_ms)
),
late AS (
  DELETE FROM llm_traces t USING tombstoned d WHERE t.user_id = d.user_id AND t.trace_id = d.trace_id
  RETURNING t.user_id, t.start_time, t.status
),
gone AS (
  DELETE FROM llm_traces t USING verdict v WHERE t.user_id = v.user_id AND t.trace_id = v.trace_id
  RETURNING t.user_id, t.trace_id, t.start_time
),
marked AS (${markQuartersSql('SELECT user_id, start_time AS at FROM late UNION ALL SELECT user_id, start_time FROM gone')}),
tombs AS (
  INSERT INTO sampled_out_traces (user_id, trace_id) SELECT user_id, trace_id FROM verdict ON CONFLICT DO NOTHING
),
unlinked AS (
  UPDATE messages m SET trace_id = NULL FROM verdict v WHERE m.user_id = v.user_id AND m.trace_id = v.trace_id
),
counted AS (
  SELECT user_id, date_bin('1 hour'::interval, root_start, timestamptz 'epoch') AS hour, 1 AS traces, spans, 0 AS late_spans, 0 AS late_failed_spans FROM verdict
  UNION ALL
  SELECT user_id, date_bin('1 hour'::interval, start_time, timestamptz 'epoch'), 0, 0, 1, CASE WHEN status = 'failed' THEN 1 ELSE 0 END FROM late
),
totals AS (
  INSERT INTO sampling_counts (user_id, hour, traces, spans, late_spans, late_failed_spans)
  SELECT user_id, hour, sum(traces), sum(spans), sum(late_spans), sum(late_failed_spans) FROM counted GROUP BY 1, 2
  ON CONFLICT (user_id, hour) DO UPDATE SET
    traces = sampling_counts.traces + EXCLUDED.traces,
    spans = sampling_counts.spans + EXCLUDED.spans,
    late_spans = sampling_counts.late_spans + EXCLUDED.late_spans,
    late_failed_spans = sampling_counts.late_failed_spans + EXCLUDED.late_failed_spans
)
SELECT user_id, trace_id FROM verdict`;

// Per database, on globalThis like the settings cache: when this process last pruned.
const PRUNED_KEY = Symbol.for('llmtrace.tailSamplingPruned');
const lastPruned: WeakMap<object, number> = ((globalThis as Record<symbol, WeakMap<object, number>>)[PRUNED_KEY] ??= new WeakMap());

/** Forgets tombstones past {@link TOMBSTONE_TTL_MS} and counts past a year and a month: at most every 10 minutes per process, in bounded batches. */
async function pruneNow(database: Database): Promise<void> {
  const now = Date.now();
  if ((lastPruned.get(database) ?? 0) + PRUNE_EVERY_MS > now) return;
  lastPruned.set(database, now);
  await database.query(
    `DELETE FROM sampled_out_traces WHERE (user_id, trace_id) IN (
       SELECT user_id, trace_id FROM sampled_out_traces WHERE sampled_at < now() - make_interval(secs => $1) LIMIT $2)`,
    [TOMBSTONE_TTL_MS / 1000, PRUNE_BATCH],
  );
  await database.query(`DELETE FROM sampling_counts WHERE hour < now() - make_interval(days => $1)`, [COUNTS_KEPT_DAYS]);
}

/**
 * The span store's write with each account's tail-sampling rule applied (see the file's comment):
 * {@link upsertSpansIsolating} for the rows, except that spans of traces already sampled out are
 * not written, and traces that the written spans finish are dropped when the rule says so. Returns
 * the refused spans by their index in `rows`, like `upsertSpansIsolating`; a span dropped by
 * sampling is not refused (the sender did nothing wrong).
 *
 * When no account of `rows` samples, this is exactly `upsertSpansIsolating(database, rows)`.
 * Reading tombstones failing rejects (as a write failing does: the caller retries); the decision
 * after the write failing is logged and the trace is kept.
 */
export async function upsertSpansSampled(database: Database, rows: SpanRow[]): Promise<RefusedSpan[]> {
  if (rows.length === 0) return upsertSpansIsolating(database, rows);
  const rules = await samplingRules(database, rows);
  if (rules.size === 0) return upsertSpansIsolating(database, rows);

  // Traces whose draw says "may go": the only ones sampling may touch.
  const doubtful = new Map<string, Doubtful>();
  for (const row of rows) {
    const rule = rules.get(row.user_id);
    if (!rule || keptByDraw(row.trace_id, rule.successRate)) continue;
    const key = traceKey(row.user_id, row.trace_id);
    if (!doubtful.has(key)) doubtful.set(key, { user_id: row.user_id, trace_id: row.trace_id, keep_failed: rule.keepFailed, slow_ms: rule.slowMs });
  }
  if (doubtful.size === 0) return upsertSpansIsolating(database, rows);

  // Late spans of traces already dropped: not written, counted.
  const keys = JSON.stringify([...doubtful.values()].map(({ user_id, trace_id }) => ({ user_id, trace_id })));
  const tombstoned = new Set((await database.query<{ user_id: string; trace_id: string }>(TOMBSTONED_SQL, [keys])).map((r) => traceKey(r.user_id, r.trace_id)));
  const kept: number[] = [];
  const late: SpanRow[] = [];
  rows.forEach((row, index) => (tombstoned.has(traceKey(row.user_id, row.trace_id)) ? late.push(row) : kept.push(index)));
  if (late.length > 0) {
    await database.query(COUNT_LATE_SQL, [JSON.stringify(late.map(({ user_id, start_time, status }) => ({ user_id, start_time, status })))]);
  }

  const refused = (await upsertSpansIsolating(database, kept.map((index) => rows[index]!))).map(({ index, error }) => ({ index: kept[index]!, error }));

  const written = new Set(kept.map((index) => traceKey(rows[index]!.user_id, rows[index]!.trace_id)));
  const settle = [...doubtful.entries()].filter(([key]) => written.has(key) && !tombstoned.has(key)).map(([, trace]) => trace);
  if (settle.length > 0) {
    try {
      const json = JSON.stringify(settle);
      await database.transaction(async (tx) => {
        if (database.kind === 'postgres') await tx.query(LOCK_TRACES_SQL, [json]);
        await tx.query(SETTLE_SQL, [json]);
      });
      await pruneNow(database);
    } catch (error) {
      console.warn(`[llmtrace] tail sampling: could not decide ${settle.length} trace(s); they are kept (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return refused;
}

/** What the account's rule dropped from a range, and the rule now (`GET /api/analytics/stats`, `sampling`). */
export interface SamplingSummary {
  /** The account's rule as saved (`PUT /api/settings/privacy`); `success_rate` 1 means off. */
  success_rate: number;
  keep_failed: boolean;
  slow_ms: number | null;
  /**
   * Dropped by the rule, counted by the hour their trace's root started (so at hour precision: the
   * hours that overlap the range): whole `traces` and their `spans`, and spans that arrived after
   * their trace was dropped (`late_spans`, per arrival; `late_failed_spans` of them had failed).
   */
  sampled_out: { traces: number; spans: number; late_spans: number; late_failed_spans: number };
}

/** {@link SamplingSummary} of one account for [from, to). */
export async function samplingSummary(database: Database, { userId, from, to }: { userId: string; from: Date; to: Date }): Promise<SamplingSummary> {
  const [{ settings }, [row]] = await Promise.all([
    accountPrivacy(database, userId),
    database.query<Record<string, unknown>>(
      `SELECT coalesce(sum(traces), 0) AS traces, coalesce(sum(spans), 0) AS spans,
         coalesce(sum(late_spans), 0) AS late_spans, coalesce(sum(late_failed_spans), 0) AS late_failed_spans
       FROM sampling_counts WHERE user_id = $1 AND hour > $2::timestamptz - interval '1 hour' AND hour < $3::timestamptz`,
      [userId, from.toISOString(), to.toISOString()],
    ),
  ]);
  const n = (value: unknown) => Number(value ?? 0);
  return {
    success_rate: settings.sampling.successRate,
    keep_failed: settings.sampling.keepFailed,
    slow_ms: settings.sampling.slowMs,
    sampled_out: { traces: n(row?.traces), spans: n(row?.spans), late_spans: n(row?.late_spans), late_failed_spans: n(row?.late_failed_spans) },
  };
}
