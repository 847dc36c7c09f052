-- The Sessions and End users pages (lib/trace-store/sessions.ts, end-users.ts).
--
-- The listed roots that carry a session (an end user), newest first per account. Walking one finds
-- the most recently active sessions (end users) page by page without grouping the history; the
-- 0005 indexes on (user_id, session_id | end_user_id, start_time DESC) then answer "is this the
-- newest root of its group?" and "which traces does it hold?" with one descent each. The included
-- columns let the walk, and the end-user ranking by traces or error rate, read the index alone.
CREATE INDEX IF NOT EXISTS llm_traces_roots_recent_session_idx ON llm_traces (user_id, start_time DESC, id DESC)
  INCLUDE (session_id, orphan, parent_trace_id)
  WHERE (parent_trace_id IS NULL OR orphan) AND session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_traces_roots_recent_end_user_idx ON llm_traces (user_id, start_time DESC, id DESC)
  INCLUDE (end_user_id, trace_id, status, orphan, parent_trace_id)
  WHERE (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL;
-- A trace's usage, each model call once (COUNTS_USAGE), read from the index alone: the totals of a
-- page's sessions and end users, and the ranking of end users by tokens or cost.
CREATE INDEX IF NOT EXISTS llm_traces_trace_usage_idx ON llm_traces (user_id, trace_id)
  INCLUDE (input_tokens, output_tokens, total_tokens, cost_usd)
  WHERE NOT usage_rollup AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cost_usd IS NOT NULL);
