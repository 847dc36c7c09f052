import 'server-only';
import type { Queryable } from '../client';

/**
 * Claims of periodic maintenance runs (table `maintenance_runs`, migration 0011), so that app
 * processes sharing one database run a job once per interval between them. Every time is the
 * database's `now()`, so the processes' clocks do not matter.
 */

export interface MaintenanceRun {
  job: string;
  lastRunAt: Date | null;
  lastFinishedAt: Date | null;
  runCount: number;
  lastResult: unknown;
  claimedBy: string | null;
  claimedAt: Date | null;
  leaseUntil: Date | null;
}

/**
 * Claims a run of `job` for `owner` when it is due: its last completed run started at least
 * `everyMs` ago (or it never ran) and no live lease is held. One statement, so among any number of
 * concurrent claimers (processes or connections) exactly one gets the row: the others wait on its
 * lock, then find it leased. Returns whether this claim won.
 */
export async function claimMaintenanceRun(
  database: Queryable,
  { job, owner, everyMs, leaseMs }: { job: string; owner: string; everyMs: number; leaseMs: number },
): Promise<boolean> {
  const rows = await database.query<{ job: string }>(
    `INSERT INTO maintenance_runs AS m (job, claimed_by, claimed_at, lease_until)
     VALUES ($1, $2, now(), now() + $4::float8 * interval '1 millisecond')
     ON CONFLICT (job) DO UPDATE
        SET claimed_by = EXCLUDED.claimed_by, claimed_at = EXCLUDED.claimed_at, lease_until = EXCLUDED.lease_until
      WHERE (m.last_run_at IS NULL OR m.last_run_at <= now() - $3::float8 * interval '1 millisecond')
        AND (m.lease_until IS NULL OR m.lease_until < now())
     RETURNING m.job`,
    [job, owner, everyMs, leaseMs],
  );
  return rows.length > 0;
}

/** Extends `owner`'s lease while the run works. False when the lease was lost (it lapsed and another process claimed the job). */
export async function renewMaintenanceLease(database: Queryable, { job, owner, leaseMs }: { job: string; owner: string; leaseMs: number }): Promise<boolean> {
  const rows = await database.query(
    `UPDATE maintenance_runs SET lease_until = now() + $3::float8 * interval '1 millisecond'
      WHERE job = $1 AND claimed_by = $2 AND lease_until IS NOT NULL
      RETURNING job`,
    [job, owner, leaseMs],
  );
  return rows.length > 0;
}

/**
 * Records `owner`'s run as done: the next one is due `everyMs` after this one was claimed.
 * False when the lease had been lost meanwhile (the run's work is done all the same).
 */
export async function completeMaintenanceRun(database: Queryable, { job, owner, result }: { job: string; owner: string; result: unknown }): Promise<boolean> {
  const rows = await database.query(
    `UPDATE maintenance_runs
        SET last_run_at = claimed_at, last_finished_at = now(), run_count = run_count + 1,
            last_result = $3::jsonb, lease_until = NULL
      WHERE job = $1 AND claimed_by = $2 AND lease_until IS NOT NULL
      RETURNING job`,
    [job, owner, JSON.stringify(result ?? null)],
  );
  return rows.length > 0;
}

/** `owner`'s run failed: nobody retries it before `retryAfterMs` (the lease stays, as a back-off). */
export async function failMaintenanceRun(database: Queryable, { job, owner, retryAfterMs }: { job: string; owner: string; retryAfterMs: number }): Promise<void> {
  await database.query(
    `UPDATE maintenance_runs SET lease_until = now() + $3::float8 * interval '1 millisecond'
      WHERE job = $1 AND claimed_by = $2 AND lease_until IS NOT NULL`,
    [job, owner, retryAfterMs],
  );
}

/** The job's row, or null before its first claim. */
export async function readMaintenanceRun(database: Queryable, { job }: { job: string }): Promise<MaintenanceRun | null> {
  const [row] = await database.query<{
    job: string;
    last_run_at: Date | null;
    last_finished_at: Date | null;
    run_count: number | bigint | string;
    last_result: unknown;
    claimed_by: string | null;
    claimed_at: Date | null;
    lease_until: Date | null;
  }>('SELECT job, last_run_at, last_finished_at, run_count, last_result, claimed_by, claimed_at, lease_until FROM maintenance_runs WHERE job = $1', [job]);
  if (!row) return null;
  return {
    job: row.job,
    lastRunAt: row.last_run_at,
    lastFinishedAt: row.last_finished_at,
    runCount: Number(row.run_count),
    lastResult: row.last_result,
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at,
    leaseUntil: row.lease_until,
  };
}
