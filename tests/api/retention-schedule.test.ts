/**
 * Retention runs once per interval across app processes (issue 14): the run is claimed in
 * `maintenance_runs`, so two schedulers sharing one database run it once, and a survivor takes
 * over when the claimer dies. On Postgres each "process" is its own connection pool on one
 * database; on PGlite (one process by design) both schedulers share the handle.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '@/lib/db/client';
import { claimMaintenanceRun, readMaintenanceRun } from '@/lib/db/queries/maintenance';
import { DAY_MS, runIfDue, scheduleRetention, type JobClaim, type RunOutcome } from '@/lib/trace-store/retention-schedule';
import { createTestUser } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { hexId } from '../support/spans';

/** Two handles on one fresh database: two pools on Postgres, one shared handle on PGlite. */
async function openShared(kind: (typeof DATABASE_KINDS)[number]): Promise<[Database, Database]> {
  if (kind === 'pglite') {
    const database = await createDatabase({ dataDir: 'memory://' });
    return [database, database];
  }
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) throw new Error('No Postgres server for the tests: install the postgresql package or set DATABASE_URL.');
  const name = `lt_sched_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const first = await createDatabase({ url: url.toString(), maxConnections: 3 });
  const second = await createDatabase({ url: url.toString(), maxConnections: 3 });
  return [first, second];
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const claim = (job: string, owner: string, extra: Partial<JobClaim> = {}): JobClaim => ({
  job,
  owner,
  everyMs: DAY_MS,
  leaseMs: 60_000,
  retryAfterFailureMs: 60_000,
  ...extra,
});

describe.each(DATABASE_KINDS)('retention schedule [%s]', (kind) => {
  let a: Database;
  let b: Database;
  beforeAll(async () => {
    [a, b] = await openShared(kind);
  });
  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
  });

  it('runs a job once when two schedulers claim it at the same moment, and not again before it is due', async () => {
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 30));
      return { n: runs };
    };
    const outcomes = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => runIfDue(a, claim('once', `a${i}`), work)),
      ...Array.from({ length: 4 }, (_, i) => runIfDue(b, claim('once', `b${i}`), work)),
    ]);
    expect(outcomes.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(runs).toBe(1);
    // Done for the day: nobody runs it again.
    expect(await runIfDue(b, claim('once', 'late'), work)).toEqual({ ran: false });
    const row = await readMaintenanceRun(a, { job: 'once' });
    expect(row).toMatchObject({ runCount: 1, lastResult: { n: 1 }, leaseUntil: null });
    expect(row?.lastRunAt).toBeInstanceOf(Date);
  });

  it('runs it again once the interval has passed since the last run started', async () => {
    const work = async () => null;
    expect((await runIfDue(a, claim('short', 'a', { everyMs: 200 }), work)).ran).toBe(true);
    expect((await runIfDue(b, claim('short', 'b', { everyMs: 200 }), work)).ran).toBe(false);
    let ran: boolean[] = [];
    await until(async () => {
      ran = (await Promise.all([runIfDue(a, claim('short', 'a', { everyMs: 200 }), work), runIfDue(b, claim('short', 'b', { everyMs: 200 }), work)])).map((o) => o.ran);
      return ran.some(Boolean);
    }, 'the job is due again');
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect((await readMaintenanceRun(a, { job: 'short' }))?.runCount).toBe(2);
  });

  it('lets a survivor take over when the process that claimed the run died before finishing', async () => {
    // "Process" a claims and dies: it never renews nor completes.
    expect(await claimMaintenanceRun(a, claim('takeover', 'dead', { leaseMs: 300 }))).toBe(true);
    const work = async () => 'done by survivor';
    // While the lease is live, nobody else runs it.
    expect(await runIfDue(b, claim('takeover', 'survivor'), work)).toEqual({ ran: false });
    let outcome: RunOutcome<string> = { ran: false };
    await until(async () => (outcome = await runIfDue(b, claim('takeover', 'survivor'), work)).ran, 'the dead claim lapses');
    expect(outcome).toEqual({ ran: true, result: 'done by survivor' });
    expect(await readMaintenanceRun(a, { job: 'takeover' })).toMatchObject({ runCount: 1, claimedBy: 'survivor', leaseUntil: null });
  });

  it('renews the lease while a long run works, so nobody else starts it meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const long = runIfDue(a, claim('long', 'runner', { leaseMs: 150 }), () => gate.then(() => 'long'));
    await until(async () => (await readMaintenanceRun(a, { job: 'long' }))?.claimedBy === 'runner', 'the runner claimed');
    const claimedUntil = (await readMaintenanceRun(a, { job: 'long' }))!.leaseUntil!.getTime();
    // Several leases' worth of time: the heartbeat keeps the claim live, so every other claim fails.
    await until(async () => {
      expect(await runIfDue(b, claim('long', 'other', { leaseMs: 150 }), async () => 'other')).toEqual({ ran: false });
      return (await readMaintenanceRun(a, { job: 'long' }))!.leaseUntil!.getTime() > claimedUntil + 300;
    }, 'the lease was renewed past three of its lengths');
    release();
    await expect(long).resolves.toEqual({ ran: true, result: 'long' });
    expect(await readMaintenanceRun(a, { job: 'long' })).toMatchObject({ runCount: 1, claimedBy: 'runner', leaseUntil: null });
  });

  it('records a failed run: not counted, and retried (by any process) only after the back-off', async () => {
    await expect(runIfDue(a, claim('flaky', 'a', { retryAfterFailureMs: 200 }), async () => Promise.reject(new Error('db hiccup')))).rejects.toThrow('db hiccup');
    expect(await runIfDue(b, claim('flaky', 'b'), async () => 'ok')).toEqual({ ran: false });
    await until(async () => (await runIfDue(b, claim('flaky', 'b'), async () => 'ok')).ran, 'the back-off passed');
    expect(await readMaintenanceRun(a, { job: 'flaky' })).toMatchObject({ runCount: 1, lastResult: 'ok', claimedBy: 'b' });
  });

  it('two retention schedulers on one database delete old spans once and run once, however often they check', async () => {
    const user = await createTestUser(a);
    const oldStart = new Date(Date.now() - 40 * DAY_MS);
    const traceId = hexId(16);
    for (let i = 0; i < 5; i++) {
      await a.query(
        `INSERT INTO llm_traces (user_id, trace_id, span_id, span_name, start_time, operation_type, status) VALUES ($1, $2, $3, 'old', $4, 'other', 'completed')`,
        [user.userId, traceId, hexId(8), oldStart.toISOString()],
      );
    }
    const runs: number[][] = [[], []];
    const checks = [0, 0];
    const stops = [a, b].map((database, i) =>
      scheduleRetention(async () => database, 30, {
        checkEveryMs: 25,
        firstCheckMs: 0,
        owner: `scheduler-${i}`,
        onRun: (result) => runs[i].push(result.deletedSpans),
        onCheck: () => checks[i]++,
      }),
    );
    try {
      // Each has checked many times after the run was done.
      await until(() => checks[0] >= 10 && checks[1] >= 10, 'both schedulers checked ten times');
    } finally {
      for (const stop of stops) stop();
    }
    expect(runs.flat()).toEqual([5]);
    expect(await readMaintenanceRun(a, { job: 'retention' })).toMatchObject({ runCount: 1, lastResult: { deletedSpans: 5 } });
    expect(await a.query('SELECT 1 FROM llm_traces WHERE trace_id = $1', [traceId])).toEqual([]);
  });
});
