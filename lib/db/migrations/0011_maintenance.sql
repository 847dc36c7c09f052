-- Periodic maintenance claimed in the database (issue 14), so that several app processes sharing
-- one Postgres run a daily job (retention) once between them, not once each
-- (lib/trace-store/retention-schedule.ts, lib/db/queries/maintenance.ts).
-- Idempotent: applying it again (or after a hand-made copy) changes nothing.

-- One row per job. A process claims a due run with one conditional upsert: the job is due when its
-- last completed run started at least its interval ago and nobody holds a live lease. The claimer
-- renews its lease while it works; if it dies, the lease lapses and a survivor claims the run.
--   last_run_at       when the last completed run started (NULL: never ran)
--   last_finished_at  when it finished
--   run_count         completed runs, all processes together
--   last_result       what the last run reported (e.g. {"deletedSpans":n})
--   claimed_by        the process holding the lease (host:pid:random), for operators
--   claimed_at        when that process claimed the run
--   lease_until       the claim lapses at this time unless renewed; NULL when nobody runs the job
CREATE TABLE IF NOT EXISTS maintenance_runs (
  job text PRIMARY KEY,
  last_run_at timestamptz,
  last_finished_at timestamptz,
  run_count bigint NOT NULL DEFAULT 0,
  last_result jsonb,
  claimed_by text,
  claimed_at timestamptz,
  lease_until timestamptz
);
