-- What each session and each end user add up to, kept up to date (issue 12's Sessions and End
-- users pages, issue 14's scale).
--
-- Sorting the End users page by traces, tokens, cost or error rate ranked every end user by their
-- whole history: a grouping of every end-user trace (0.5–1.9 s at 1M spans, ten times that at
-- 10M). The Sessions page walked the newest roots and summed each session's traces, planning
-- every day's partition four times (about 90 ms at 1M spans). These tables hold the sums
-- instead, built by the roll-up task of 0014 from the same marked hours
-- (lib/trace-store/rollups.ts). `grouping` names the column grouped by: `session_id` or
-- `end_user_id`; `key` is its value.
--   group_hourly  per account, grouping, key and hour: the traces whose earliest root with that
--                 key started in the hour, their failed ones, their usage (every model call of
--                 those traces, wherever it started), their first and last root start, and the
--                 end user of the latest of them that names one (with that root's start);
--   group_totals  per account, grouping and key: the sums of its hourly rows, with one index per
--                 sort of the pages, so a page reads a page's worth of index entries.
-- A page takes the totals of keys untouched by marked hours and recomputes the others from their
-- clean hours and the marked hours' spans, so what it shows is never stale.
CREATE TABLE IF NOT EXISTS group_hourly (
  user_id uuid NOT NULL,
  grouping text NOT NULL,
  key text NOT NULL,
  hour timestamptz NOT NULL,
  traces integer NOT NULL,
  errors integer NOT NULL,
  tokens bigint NOT NULL,
  cost_usd numeric,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  end_user_id text,
  end_user_seen timestamptz,
  PRIMARY KEY (user_id, grouping, key, hour)
);
CREATE INDEX IF NOT EXISTS group_hourly_hour_idx ON group_hourly (user_id, hour);

CREATE TABLE IF NOT EXISTS group_totals (
  user_id uuid NOT NULL,
  grouping text NOT NULL,
  key text NOT NULL,
  traces integer NOT NULL,
  errors integer NOT NULL,
  error_rate numeric NOT NULL,
  tokens bigint NOT NULL,
  cost_usd numeric,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  end_user_id text,
  -- The pages' tie-breaker, unique to the key (the keyset cursor's id): md5(key) as a uuid.
  tie uuid NOT NULL,
  PRIMARY KEY (user_id, grouping, key)
);
CREATE INDEX IF NOT EXISTS group_totals_traces_idx ON group_totals (user_id, grouping, traces, tie);
CREATE INDEX IF NOT EXISTS group_totals_tokens_idx ON group_totals (user_id, grouping, tokens, tie);
CREATE INDEX IF NOT EXISTS group_totals_cost_idx ON group_totals (user_id, grouping, (coalesce(cost_usd, -1)), tie);
CREATE INDEX IF NOT EXISTS group_totals_error_rate_idx ON group_totals (user_id, grouping, error_rate, tie);
CREATE INDEX IF NOT EXISTS group_totals_last_seen_idx ON group_totals (user_id, grouping, last_seen, tie);

-- The pages' walks over the newest roots of each session and end user (0008) are gone: one index
-- fewer per day partition to write and to plan, twice.
DROP INDEX IF EXISTS llm_traces_roots_recent_session_idx;
DROP INDEX IF EXISTS llm_traces_roots_recent_end_user_idx;

-- Every hour with a session's or an end user's root is built by the background task after the
-- upgrade; until then the pages read those hours from the spans (slower, still right).
INSERT INTO stats_dirty (user_id, hour)
SELECT DISTINCT user_id, date_bin('1 hour'::interval, start_time, timestamptz 'epoch') FROM llm_traces
WHERE (parent_trace_id IS NULL OR orphan) AND (session_id IS NOT NULL OR end_user_id IS NOT NULL)
ON CONFLICT DO NOTHING;
