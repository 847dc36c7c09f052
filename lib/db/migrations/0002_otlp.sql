-- Spans from other apps (OTLP): who and which session they belong to, orphans, and usage roll-ups.

ALTER TABLE llm_traces
  ADD COLUMN session_id text,
  ADD COLUMN end_user_id text,
  ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
  -- The span names a parent that is not stored (yet): it is listed as a root until the parent comes.
  ADD COLUMN orphan boolean NOT NULL DEFAULT false,
  -- A span below this one reports usage, so this span's own usage is a roll-up that trace totals skip.
  ADD COLUMN usage_rollup boolean NOT NULL DEFAULT false;

UPDATE llm_traces c SET orphan = true
WHERE c.parent_trace_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM llm_traces p WHERE p.user_id = c.user_id AND p.trace_id = c.trace_id AND p.span_id = c.parent_trace_id);

WITH RECURSIVE up AS (
  SELECT c.user_id, c.trace_id, c.parent_trace_id AS span_id
  FROM llm_traces c
  WHERE c.parent_trace_id IS NOT NULL
    AND (c.input_tokens IS NOT NULL OR c.output_tokens IS NOT NULL OR c.total_tokens IS NOT NULL OR c.cost_usd IS NOT NULL)
  UNION
  SELECT p.user_id, p.trace_id, p.parent_trace_id
  FROM llm_traces p JOIN up ON p.user_id = up.user_id AND p.trace_id = up.trace_id AND p.span_id = up.span_id
  WHERE p.parent_trace_id IS NOT NULL
)
UPDATE llm_traces t SET usage_rollup = true FROM up
WHERE t.user_id = up.user_id AND t.trace_id = up.trace_id AND t.span_id = up.span_id;

-- The trace list shows roots and orphans; its indexes cover both.
DROP INDEX llm_traces_roots_idx;
DROP INDEX llm_traces_roots_status_idx;
DROP INDEX llm_traces_roots_model_idx;
DROP INDEX llm_traces_roots_duration_idx;
CREATE INDEX llm_traces_roots_idx ON llm_traces (user_id, start_time DESC, id DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX llm_traces_roots_status_idx ON llm_traces (user_id, status, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX llm_traces_roots_model_idx ON llm_traces (user_id, model_provider, model_name, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX llm_traces_roots_duration_idx ON llm_traces (user_id, duration_ms DESC) WHERE parent_trace_id IS NULL OR orphan;
CREATE INDEX llm_traces_roots_service_idx ON llm_traces (user_id, service_name, start_time DESC) WHERE parent_trace_id IS NULL OR orphan;

-- Write-time look-ups by parent: orphans waiting for their parent, and children that report usage.
CREATE INDEX llm_traces_orphans_idx ON llm_traces (user_id, trace_id, parent_trace_id) WHERE orphan;
CREATE INDEX llm_traces_usage_children_idx ON llm_traces (user_id, trace_id, parent_trace_id)
  WHERE usage_rollup OR input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL;
-- Dashboard totals sum the spans whose usage counts (DESIGN §3: each model call once).
CREATE INDEX llm_traces_counted_usage_idx ON llm_traces (user_id, start_time)
  WHERE NOT usage_rollup AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL);
