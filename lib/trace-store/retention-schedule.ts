import 'server-only';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Database } from '@/lib/db/client';
import { deleteExpiredSessions } from '@/lib/db/queries/accounts';
import { claimMaintenanceRun, completeMaintenanceRun, failMaintenanceRun, renewMaintenanceLease } from '@/lib/db/queries/maintenance';
import { ensureUpcomingPartitions } from './partitions';
import { applyRetention } from './retention';

/**
 * When retention runs. Every app process checks now and then whether the daily run is due, and
 * claims it in the database (`maintenance_runs`, `lib/db/queries/maintenance.ts`) before running
 * it, so N processes sharing one Postgres run retention once a day between them, not N times. The
 * claim is a lease the runner renews while it works: if that process dies mid-run, the lease
 * lapses and a surviving process claims the run at its next check.
 */

export const DAY_MS = 86_400_000;
/** The job's name in `maintenance_runs`. */
export const RETENTION_JOB = 'retention';
/** How often each process checks whether the daily run is due (`TRACE_RETENTION_CHECK_MS`). */
export const DEFAULT_CHECK_EVERY_MS = 10 * 60_000;
/** The first check, this long after start (or the check interval, when shorter). */
const FIRST_CHECK_MS = 60_000;
/** A claim lapses this long after its last renewal; the runner renews it three times per lease. */
const DEFAULT_LEASE_MS = 10 * 60_000;
/** After a failed run, nobody tries again for this long. */
const DEFAULT_RETRY_AFTER_FAILURE_MS = 60 * 60_000;

export interface JobClaim {
  /** The job's name in `maintenance_runs`. */
  job: string;
  /** Who claims: unique per process (and per scheduler). */
  owner: string;
  /** A run is due this long after the last completed run started. */
  everyMs: number;
  /** A claim lapses this long after it was last renewed. */
  leaseMs: number;
  /** After a failed run, no process tries again for this long. */
  retryAfterFailureMs: number;
}

export type RunOutcome<T> = { ran: false } | { ran: true; result: T };

/**
 * Runs `work` if `job` is due and this caller wins the claim; otherwise does nothing. While `work`
 * runs, the lease is renewed every third of `leaseMs`. A throw from `work` is recorded (nobody
 * retries for `retryAfterFailureMs`) and re-thrown.
 */
export async function runIfDue<T>(database: Database, claim: JobClaim, work: () => Promise<T>): Promise<RunOutcome<T>> {
  const { job, owner, leaseMs } = claim;
  if (!(await claimMaintenanceRun(database, claim))) return { ran: false };
  const heartbeat = setInterval(() => {
    renewMaintenanceLease(database, { job, owner, leaseMs }).then(
      (held) => held || console.warn(`[llmtrace] ${job}: this process's claim lapsed while it ran; another process may run it too`),
      (error) => console.warn(`[llmtrace] ${job}: could not renew the claim:`, error),
    );
  }, Math.max(1, Math.floor(leaseMs / 3)));
  heartbeat.unref();
  let result: T;
  try {
    result = await work();
  } catch (error) {
    clearInterval(heartbeat);
    await failMaintenanceRun(database, { job, owner, retryAfterMs: claim.retryAfterFailureMs }).catch(() => {});
    throw error;
  }
  clearInterval(heartbeat);
  await completeMaintenanceRun(database, { job, owner, result });
  return { ran: true, result };
}

export interface RetentionScheduleOptions {
  /** How often this process checks whether the run is due. Default 10 min (`TRACE_RETENTION_CHECK_MS`). */
  checkEveryMs?: number;
  /** The first check after start. Default 1 min, or `checkEveryMs` when shorter. */
  firstCheckMs?: number;
  /** Default one day. */
  everyMs?: number;
  leaseMs?: number;
  retryAfterFailureMs?: number;
  /** Default `host:pid:random`. */
  owner?: string;
  /** Called after each run this process made (tests). */
  onRun?: (result: RetentionRunResult) => void;
  /** Called after each check, whether it ran the job or found it not due or claimed elsewhere (tests). */
  onCheck?: (ran: boolean) => void;
}

export interface RetentionRunResult {
  deletedSpans: number;
  /** Days dropped whole (their spans are counted in `deletedSpans`). */
  droppedPartitions: string[];
  /** Partitions made ahead for the coming days. */
  createdPartitions: string[];
}

/** `TRACE_RETENTION_CHECK_MS` from the environment: a positive integer, else the default. */
export function retentionCheckEveryMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.TRACE_RETENTION_CHECK_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_CHECK_EVERY_MS;
}

function defaultOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Checks a minute after start, then every `checkEveryMs`, whether the daily retention run (spans
 * past retention, expired sessions) is due, and runs it when this process wins the claim. The timers
 * never keep the process alive. Returns a function that stops the checks.
 */
export function scheduleRetention(getDatabase: () => Promise<Database>, retentionDays: number, options: RetentionScheduleOptions = {}): () => void {
  const checkEveryMs = options.checkEveryMs ?? retentionCheckEveryMs();
  const claim: JobClaim = {
    job: RETENTION_JOB,
    owner: options.owner ?? defaultOwner(),
    everyMs: options.everyMs ?? DAY_MS,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    retryAfterFailureMs: options.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS,
  };
  let checking = false;
  const check = async () => {
    if (checking) return; // a long run is still going: the next check waits for it
    checking = true;
    try {
      const database = await getDatabase();
      const outcome = await runIfDue(database, claim, async (): Promise<RetentionRunResult> => {
        await deleteExpiredSessions(database);
        const createdPartitions = await ensureUpcomingPartitions(database);
        const report = await applyRetention(database, { cutoff: new Date(Date.now() - retentionDays * DAY_MS) });
        return { deletedSpans: report.spans, droppedPartitions: report.partitions, createdPartitions };
      });
      if (outcome.ran) {
        console.info(
          `[llmtrace] retention: daily run done by this process: deleted ${outcome.result.deletedSpans} spans past retention (${retentionDays} days unless the account set its own)` +
            (outcome.result.droppedPartitions.length > 0 ? `, ${outcome.result.droppedPartitions.length} whole days among them` : ''),
        );
        options.onRun?.(outcome.result);
      }
      options.onCheck?.(outcome.ran);
    } catch (error) {
      console.warn('[llmtrace] retention check failed (it is tried again later):', error);
    } finally {
      checking = false;
    }
  };
  const first = setTimeout(check, options.firstCheckMs ?? Math.min(FIRST_CHECK_MS, checkEveryMs));
  const every = setInterval(check, checkEveryMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
