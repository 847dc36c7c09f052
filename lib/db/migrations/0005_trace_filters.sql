-- The trace list's filters by session, end user and tag (over listed roots, like the others).
CREATE INDEX llm_traces_roots_session_idx ON llm_traces (user_id, session_id, start_time DESC) WHERE (parent_trace_id IS NULL OR orphan) AND session_id IS NOT NULL;
CREATE INDEX llm_traces_roots_end_user_idx ON llm_traces (user_id, end_user_id, start_time DESC) WHERE (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL;
CREATE INDEX llm_traces_roots_tags_idx ON llm_traces USING gin (tags) WHERE (parent_trace_id IS NULL OR orphan) AND tags <> '{}';
