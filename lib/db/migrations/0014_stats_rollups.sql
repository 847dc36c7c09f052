-- Hourly roll-ups for the Overview (issue 14).
--
-- The Overview's numbers over days read every span of the range: 30 days at 1M spans took 2.5 s,
-- and the time grows with the data. These tables hold each account's hour, summed once:
--   stats_hourly         requests (listed roots), errors and a histogram of the roots' durations
--                        (bins of 4%: percentiles within 2%), per hour;
--   stats_hourly_models  the usage that counts (tokens, cost, calls) per hour and model.
-- An hour whose spans changed is marked in stats_dirty, in the transaction that changed them
-- (lib/trace-store/rollups.ts); a background task rebuilds marked hours from the spans, and until
-- it has, the Overview reads those hours from the spans. So the roll-ups are never stale for a
-- reader, only slower while marked.
CREATE TABLE IF NOT EXISTS stats_hourly (
  user_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  requests integer NOT NULL,
  errors integer NOT NULL,
  duration_bins smallint[] NOT NULL,
  duration_counts integer[] NOT NULL,
  PRIMARY KEY (user_id, hour)
);

CREATE TABLE IF NOT EXISTS stats_hourly_models (
  user_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  model_name text,
  model_provider text,
  requests integer NOT NULL,
  cost_usd numeric,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  tokens bigint NOT NULL,
  unpriced_requests integer NOT NULL
);
CREATE INDEX IF NOT EXISTS stats_hourly_models_user_hour_idx ON stats_hourly_models (user_id, hour);

CREATE TABLE IF NOT EXISTS stats_dirty (
  user_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  PRIMARY KEY (user_id, hour)
);

-- Every hour with spans stored is built by the background task after the upgrade.
INSERT INTO stats_dirty (user_id, hour)
SELECT DISTINCT user_id, date_bin('1 hour'::interval, start_time, timestamptz 'epoch') FROM llm_traces
ON CONFLICT DO NOTHING;
