-- No planner statistics for the span table's JSON documents (lib/db/analyze.ts). No query filters
-- spans by their input, output or metadata, yet `ANALYZE` of a day partition spent about a third of
-- its time on them (PGlite, 100k spans: 950 → 650 ms), and on PGlite that time holds the server's
-- thread. Applies to every partition there is; `ensureSpanPartitions` sets it on each new one.
ALTER TABLE llm_traces
  ALTER COLUMN input_data SET STATISTICS 0,
  ALTER COLUMN output_data SET STATISTICS 0,
  ALTER COLUMN metadata SET STATISTICS 0;
