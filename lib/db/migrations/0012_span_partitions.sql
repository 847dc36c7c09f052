-- Spans partitioned by day, and a table built for writing (issue 14).
--
-- * `llm_traces` becomes a table partitioned by RANGE (start_time): one partition per UTC day,
--   `llm_traces_pYYYYMMDD`, plus `llm_traces_default` for spans outside every day that has one (a
--   backfill from long ago, a clock far in the future). The server creates each day's partition
--   days ahead (`llmtrace_span_partition`, called by lib/trace-store/partitions.ts), and retention
--   drops a whole day once every account's retention has passed it, instead of deleting its rows.
-- * The span key becomes (user_id, trace_id, span_id, start_time): a unique index on a partitioned
--   table must hold the partition key. A span re-sent with another start time is moved by the
--   writer (lib/trace-store/write.ts), so a key still has one row.
-- * No foreign keys: a key check per written row (and the row lock it takes on `users`) was paid
--   on every span. The rows they protected are deleted by the code that deletes their owners
--   (lib/trace-store/delete.ts); an account is never deleted.
-- * No `id` index: nothing looks a span up by id alone (list pages and search read roots by
--   user, time and trace). `start_time` gets a BRIN index, nearly free to keep: spans arrive in
--   time order, and it serves the row-by-row retention of the boundary day.
-- The data is carried over; running this again does nothing.

-- Creates the partition of `day` (UTC) unless it exists, and returns its name (NULL when it
-- existed). Spans of that day already in the default partition move into it. Serialised across
-- processes by an advisory lock; it waits at most 2 s for the table locks it needs, so a long
-- query is never queued behind (the caller retries another time: partitions are made days ahead).
CREATE OR REPLACE FUNCTION llmtrace_span_partition(day date) RETURNS text
LANGUAGE plpgsql SET lock_timeout = '2s' AS $$
DECLARE
  part text := 'llm_traces_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
  cols text;
BEGIN
  IF to_regclass(part) IS NOT NULL THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(7310222);
  IF to_regclass(part) IS NOT NULL THEN RETURN NULL; END IF;
  EXECUTE format('CREATE TABLE %I (LIKE llm_traces INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)', part);
  IF to_regclass('llm_traces_default') IS NOT NULL
     AND EXISTS (SELECT 1 FROM llm_traces_default WHERE start_time >= lo AND start_time < hi) THEN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = 'llm_traces'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('WITH moved AS (DELETE FROM llm_traces_default WHERE start_time >= %L AND start_time < %L RETURNING %s) INSERT INTO %I (%s) SELECT * FROM moved',
      lo, hi, cols, part, cols);
  END IF;
  -- Attaching (not CREATE … PARTITION OF) locks the parent in SHARE UPDATE EXCLUSIVE mode only:
  -- reads and writes of other days go on. The partition's indexes are built as it attaches.
  EXECUTE format('ALTER TABLE llm_traces ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  RETURN part;
END $$;

DO $$
DECLARE
  cols text;
  d date;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('llm_traces')) = 'p' THEN RETURN; END IF;

  ALTER TABLE llm_traces RENAME TO llm_traces_unpartitioned;
  -- Index and constraint names are the schema's: free them for the new table's.
  ALTER TABLE llm_traces_unpartitioned DROP CONSTRAINT llm_traces_pkey;
  ALTER TABLE llm_traces_unpartitioned DROP CONSTRAINT llm_traces_span_key;
  FOR cols IN SELECT indexname FROM pg_indexes WHERE tablename = 'llm_traces_unpartitioned' LOOP
    EXECUTE format('DROP INDEX %I', cols);
  END LOOP;

  CREATE TABLE llm_traces (LIKE llm_traces_unpartitioned INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (start_time);
  CREATE TABLE llm_traces_default PARTITION OF llm_traces DEFAULT;

  -- A partition for each day that has spans, up to 400 days back, and for today and the next three
  -- days. Older spans stay in the default partition until retention deletes them.
  FOR d IN
    SELECT DISTINCT (start_time AT TIME ZONE 'UTC')::date FROM llm_traces_unpartitioned
      WHERE start_time >= now() - interval '400 days' AND start_time < now() + interval '4 days'
    UNION
    SELECT ((now() AT TIME ZONE 'UTC')::date + n) FROM generate_series(0, 3) AS n
  LOOP
    PERFORM llmtrace_span_partition(d);
  END LOOP;

  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'llm_traces_unpartitioned'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('INSERT INTO llm_traces (%s) SELECT %s FROM llm_traces_unpartitioned', cols, cols);
  DROP TABLE llm_traces_unpartitioned;
END $$;

-- The indexes, on every partition (built after the copy, which is faster than maintaining them).
CREATE UNIQUE INDEX IF NOT EXISTS llm_traces_span_key ON llm_traces (user_id, trace_id, span_id, start_time);
CREATE INDEX IF NOT EXISTS llm_traces_start_time_brin ON llm_traces USING brin (start_time);
-- The trace list: newest roots first per user (keyset on start_time, id), and its filters.
CREATE INDEX IF NOT EXISTS llm_traces_roots_idx ON llm_traces (user_id, start_time DESC, id DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_status_idx ON llm_traces (user_id, status, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_model_idx ON llm_traces (user_id, model_provider, model_name, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_duration_idx ON llm_traces (user_id, duration_ms DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_service_idx ON llm_traces (user_id, service_name, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_session_idx ON llm_traces (user_id, session_id, start_time DESC)
  WHERE (parent_trace_id IS NULL OR orphan) AND session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_roots_end_user_idx ON llm_traces (user_id, end_user_id, start_time DESC)
  WHERE (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_roots_tags_idx ON llm_traces USING gin (tags) WHERE (parent_trace_id IS NULL OR orphan) AND tags <> '{}';
CREATE INDEX IF NOT EXISTS llm_traces_roots_trace_idx ON llm_traces (user_id, trace_id) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX IF NOT EXISTS llm_traces_roots_recent_session_idx ON llm_traces (user_id, start_time DESC, id DESC)
  INCLUDE (session_id, orphan, parent_trace_id) WHERE (parent_trace_id IS NULL OR orphan) AND session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_roots_recent_end_user_idx ON llm_traces (user_id, start_time DESC, id DESC)
  INCLUDE (end_user_id, trace_id, status, orphan, parent_trace_id) WHERE (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL;
-- Orphans and usage roll-ups (lib/trace-store/write.ts), trace totals and usage stats.
CREATE INDEX IF NOT EXISTS llm_traces_orphans_idx ON llm_traces (user_id, trace_id, parent_trace_id) WHERE orphan;
CREATE INDEX IF NOT EXISTS llm_traces_usage_children_idx ON llm_traces (user_id, trace_id, parent_trace_id)
  WHERE usage_rollup OR input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_counted_usage_idx ON llm_traces (user_id, start_time)
  WHERE NOT usage_rollup AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL);
CREATE INDEX IF NOT EXISTS llm_traces_trace_usage_idx ON llm_traces (user_id, trace_id) INCLUDE (input_tokens, output_tokens, total_tokens, cost_usd)
  WHERE NOT usage_rollup AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL);
CREATE INDEX IF NOT EXISTS llm_traces_message_idx ON llm_traces (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_conversation_idx ON llm_traces (conversation_id) WHERE conversation_id IS NOT NULL;
-- Full-text search (0006_search.sql).
CREATE INDEX IF NOT EXISTS llm_traces_search_trgm_idx ON llm_traces
  USING gin ((date_trunc('minute', start_time AT TIME ZONE 'UTC')), search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS llm_traces_search_cjk_idx ON llm_traces
  USING gin ((date_trunc('minute', start_time AT TIME ZONE 'UTC')), llmtrace_search_cjk(search_text))
  WHERE search_text ~ '[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]';
