-- Full-text search of the trace list (`q`, lib/trace-store/search.ts): words and substrings of a
-- span's input and output, name, model, service and error text, in any script.
--
-- * `search_text`: what a span can be found by, lowercased, in one stored column: its name, model,
--   service and error text, then the strings and numbers of input_data and output_data as JSON
--   text (keys, booleans and nulls are left out, so "role" or "content" do not match every chat
--   span), each side cut to its first 100,000 characters, which bounds what one huge span costs
--   at write time. Stored rather than an expression index so that checking a candidate row is a
--   plain LIKE on text instead of re-running jsonpath and lower() over the span's JSON.
-- * A trigram index (pg_trgm) on it serves substrings of three characters and more in every
--   script the database's LC_CTYPE classifies as letters: Latin, Cyrillic, Arabic, Greek… with a
--   UTF-8 locale (PGlite's is C.UTF-8).
-- * A text-search index of the CJK characters of the spans that have some, one lexeme per
--   character, serves Chinese, Japanese and Korean, whose words are often two characters long (no
--   trigram); it works under any LC_CTYPE, C included.
-- * Both indexes lead with the span's start minute (btree_gin), so that a search can ask for the
--   spans of recent minutes only and stop once it has a page (`searchRootIds`). A minute, not
--   the instant: spans of one minute share a key, which keeps inserts cheap.
-- Safe to run again: every statement checks what exists.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The strings and numbers of a JSON value as JSON text (`["user", "Where is order #4411?"]`),
-- cut to 100,000 characters. One expression, so the planner inlines it.
CREATE OR REPLACE FUNCTION llmtrace_search_values(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN left(jsonb_path_query_array(value, 'strict $.** ? (@.type() == "string" || @.type() == "number")')::text, 100000);

-- The CJK characters of a text (Han, Hiragana, Katakana, Hangul syllables), one lexeme each.
-- The ranges are also in the index predicate below and in lib/trace-store/search.ts
-- (CJK_CHARACTER, CJK_PREDICATE); keep the three in step.
CREATE OR REPLACE FUNCTION llmtrace_search_cjk(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN array_to_tsvector(string_to_array(
  regexp_replace(value, '[^\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]+', '', 'g'), NULL));

ALTER TABLE llm_traces ADD COLUMN IF NOT EXISTS search_text text GENERATED ALWAYS AS (lower(
  span_name || E'\n' || coalesce(model_name || E'\n', '') || coalesce(service_name || E'\n', '') || coalesce(left(error_message, 10000) || E'\n', '')
  || coalesce(llmtrace_search_values(input_data) || E'\n', '') || coalesce(llmtrace_search_values(output_data), '')
)) STORED;

CREATE INDEX IF NOT EXISTS llm_traces_search_trgm_idx ON llm_traces
  USING gin ((date_trunc('minute', start_time AT TIME ZONE 'UTC')), search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS llm_traces_search_cjk_idx ON llm_traces
  USING gin ((date_trunc('minute', start_time AT TIME ZONE 'UTC')), llmtrace_search_cjk(search_text))
  WHERE search_text ~ '[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]';

-- A search maps the traces it found to their listed roots: one descent per trace.
CREATE INDEX IF NOT EXISTS llm_traces_roots_trace_idx ON llm_traces (user_id, trace_id) WHERE parent_trace_id IS NULL OR orphan;
