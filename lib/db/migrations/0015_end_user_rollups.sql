-- What each end user costs, kept up to date (issue 12's End users page, issue 14's scale).
--
-- Sorting the End users page by traces, tokens, cost or error rate ranked every end user by their
-- whole history: a grouping of every end-user trace (0.5–1.9 s at 1M spans, ten times that at
-- 10M). These tables hold the sums instead, built by the roll-up task of 0014 from the same
-- marked hours (lib/trace-store/rollups.ts):
--   end_user_hourly  per account, hour and end user: the traces whose earliest root of that end
--                    user started in the hour, their failed ones, their usage (every model call of
--                    those traces, wherever it started), their first and last root start;
--   end_user_totals  per account and end user: the sums of its hourly rows, with one index per
--                    sort of the page, so a page reads 50 index entries whatever the history.
-- The reader takes the totals of end users untouched by marked hours and recomputes the others
-- from their clean hours and the marked hours' spans, so what it shows is never stale.
CREATE TABLE IF NOT EXISTS end_user_hourly (
  user_id uuid NOT NULL,
  end_user_id text NOT NULL,
  hour timestamptz NOT NULL,
  traces integer NOT NULL,
  errors integer NOT NULL,
  tokens bigint NOT NULL,
  cost_usd numeric,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (user_id, end_user_id, hour)
);
CREATE INDEX IF NOT EXISTS end_user_hourly_hour_idx ON end_user_hourly (user_id, hour);

CREATE TABLE IF NOT EXISTS end_user_totals (
  user_id uuid NOT NULL,
  end_user_id text NOT NULL,
  traces integer NOT NULL,
  errors integer NOT NULL,
  error_rate numeric NOT NULL,
  tokens bigint NOT NULL,
  cost_usd numeric,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  -- The page's tie-breaker, unique to the end user (the keyset cursor's id).
  tie uuid NOT NULL,
  PRIMARY KEY (user_id, end_user_id)
);
CREATE INDEX IF NOT EXISTS end_user_totals_traces_idx ON end_user_totals (user_id, traces, tie);
CREATE INDEX IF NOT EXISTS end_user_totals_tokens_idx ON end_user_totals (user_id, tokens, tie);
CREATE INDEX IF NOT EXISTS end_user_totals_cost_idx ON end_user_totals (user_id, (coalesce(cost_usd, -1)), tie);
CREATE INDEX IF NOT EXISTS end_user_totals_error_rate_idx ON end_user_totals (user_id, error_rate, tie);
CREATE INDEX IF NOT EXISTS end_user_totals_last_seen_idx ON end_user_totals (user_id, last_seen, tie);

-- Every hour with an end user's root is built by the background task after the upgrade; until
-- then the End users page reads those hours from the spans (slower, still right).
INSERT INTO stats_dirty (user_id, hour)
SELECT DISTINCT user_id, date_bin('1 hour'::interval, start_time, timestamptz 'epoch') FROM llm_traces
WHERE (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL
ON CONFLICT DO NOTHING;
