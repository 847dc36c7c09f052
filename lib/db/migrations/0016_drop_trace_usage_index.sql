-- One index less for every span that reports usage to keep up (issue 14: ingest at the database's
-- pace). `llm_traces_trace_usage_idx` (0008, 0012) answered a trace's usage from the index alone
-- for the Sessions and End users pages' sums; since 0015 those pages read kept totals, and the
-- hours they recompute (or the roll-up task rebuilds) read the same spans through the span key
-- just as fast: at 1M spans on Postgres, 72 hours rebuilt in 4.0–4.1 s with it and 4.0–4.1 s
-- without, the Sessions page 12–13 ms and the End users page 36–49 ms either way. Writes gain:
-- `COPY` of the ingest bench's spans, alternated with and without it, 23.1k → 24.5k rows/s.
DROP INDEX IF EXISTS llm_traces_trace_usage_idx;
