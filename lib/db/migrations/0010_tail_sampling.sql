-- Server-side tail sampling per account (issue 13, lib/trace-store/tail-sampling.ts).
-- Idempotent: applying it again (or after a hand-made copy) changes nothing. No foreign keys:
-- both tables are written on the ingest path, where a key check would lock the account's `users` row.

-- Traces an account's sampling rule dropped, so spans of them that arrive later are dropped at
-- ingest too instead of being stored as orphans. Only needed while late spans may still come:
-- rows older than two days are pruned by the app.
CREATE TABLE IF NOT EXISTS sampled_out_traces (
  user_id uuid NOT NULL,
  trace_id text NOT NULL,
  sampled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, trace_id)
);
CREATE INDEX IF NOT EXISTS sampled_out_traces_sampled_at_idx ON sampled_out_traces (sampled_at);

-- What the rule dropped, per account and hour (the hour the dropped trace's root started, UTC,
-- aligned to the epoch), so the Overview can say how much of a range was sampled out.
--   traces            whole traces dropped when their root ended
--   spans             their spans, plus late spans (below)
--   late_spans        spans that arrived after their trace had been dropped (also in spans)
--   late_failed_spans of those, the failed ones: a failure the rule could not see in time
CREATE TABLE IF NOT EXISTS sampling_counts (
  user_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  traces bigint NOT NULL DEFAULT 0,
  spans bigint NOT NULL DEFAULT 0,
  late_spans bigint NOT NULL DEFAULT 0,
  late_failed_spans bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, hour)
);
