-- Quarter-hour roll-ups for the Overview (issue 14).
--
-- A day's Overview has 15-minute buckets, finer than the hourly roll-ups (0014), so it read every
-- span of the day: 414 ms p95 at 10M spans. These tables hold the same sums per quarter hour:
--   stats_quarters         requests, errors and the roots' duration histogram, per quarter hour;
--   stats_quarter_models   the usage that counts per quarter hour and model.
-- They are built with the hourly tables, from the same marks (stats_dirty, per hour): the rebuild of
-- an hour writes its four quarters from the spans and sums the hour from them. The Overview reads
-- whole hours from stats_hourly, the whole quarters at the range's ends from these, and only the
-- minutes before the first whole quarter and after the last one (and hours still marked) from the spans.
CREATE TABLE IF NOT EXISTS stats_quarters (
  user_id uuid NOT NULL,
  quarter timestamptz NOT NULL,
  requests integer NOT NULL,
  errors integer NOT NULL,
  duration_bins smallint[] NOT NULL,
  duration_counts integer[] NOT NULL,
  PRIMARY KEY (user_id, quarter)
);

CREATE TABLE IF NOT EXISTS stats_quarter_models (
  user_id uuid NOT NULL,
  quarter timestamptz NOT NULL,
  model_name text,
  model_provider text,
  requests integer NOT NULL,
  cost_usd numeric,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  tokens bigint NOT NULL,
  unpriced_requests integer NOT NULL
);
CREATE INDEX IF NOT EXISTS stats_quarter_models_user_quarter_idx ON stats_quarter_models (user_id, quarter);

-- Every hour rolled up so far is built again, its quarters with it, by the background task. Until
-- then the Overview reads those hours from the spans, as it does for any marked hour.
INSERT INTO stats_dirty (user_id, hour)
SELECT user_id, hour FROM stats_hourly
UNION SELECT user_id, hour FROM stats_hourly_models
ON CONFLICT DO NOTHING;
