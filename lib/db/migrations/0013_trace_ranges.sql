-- Where each trace's spans are in time (issue 14).
--
-- Spans are partitioned by day, so a query for one trace's spans (the trace view, a list row's
-- totals and previews, the writer's check for spans already stored) would probe every day's
-- partition, and the planner pays for each of them on every query: about 5 ms per reference to
-- `llm_traces` with 36 days of partitions. `trace_ranges` holds, per trace, the earliest and latest
-- span start written; those queries read it first (one index probe) and bound `start_time` with
-- its values, so only the days the trace touches are planned and read.
--
-- Written in the same transaction as the spans (lib/trace-store/write.ts); a range may be wider
-- than the spans left (deleted, expired), never narrower. A trace without a row is read unbounded.
-- Pruned by retention and by deletions. The rows are carried over from the spans stored.
CREATE TABLE IF NOT EXISTS trace_ranges (
  user_id uuid NOT NULL,
  trace_id text NOT NULL,
  first_start timestamptz NOT NULL,
  last_start timestamptz NOT NULL,
  PRIMARY KEY (user_id, trace_id)
);
CREATE INDEX IF NOT EXISTS trace_ranges_last_start_idx ON trace_ranges (last_start);

INSERT INTO trace_ranges (user_id, trace_id, first_start, last_start)
SELECT user_id, trace_id, min(start_time), max(start_time) FROM llm_traces GROUP BY user_id, trace_id
ON CONFLICT (user_id, trace_id) DO UPDATE SET
  first_start = least(trace_ranges.first_start, EXCLUDED.first_start),
  last_start = greatest(trace_ranges.last_start, EXCLUDED.last_start);
