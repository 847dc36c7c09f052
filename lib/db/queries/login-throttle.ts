import 'server-only';
import type { Database, Queryable } from '../client';

/** A bucket's limit: the `failuresBeforeBlock`th failure starts a block of `baseBlockMs`, doubling with each further failure up to `maxBlockMs`. */
export interface BucketLimit {
  key: string;
  failuresBeforeBlock: number;
  baseBlockMs: number;
  maxBlockMs: number;
  /** A bucket whose last failure is older than this starts again from zero. */
  forgetAfterMs: number;
}

export type Reservation = { admitted: true } | { admitted: false; retryAfterMs: number };

interface BucketRow {
  bucket: string;
  failures: number;
  last_failure_ms: number;
  blocked_until_ms: number | null;
  now_ms: number;
}

/**
 * Counts one attempt against every bucket, all or nothing, before the password is checked: if any
 * bucket is blocked, nothing is counted and the attempt is refused with the longest wait. The
 * attempt counts as a failure until {@link refundLoginAttempt} says it succeeded, so parallel
 * requests cannot slip past a limit while their passwords are being checked. The rows are locked
 * in key order, so concurrent attempts (from any number of processes) queue instead of deadlocking.
 */
export async function reserveLoginAttempt(database: Database, { attemptId, limits }: { attemptId: string; limits: BucketLimit[] }): Promise<Reservation> {
  const keys = [...new Set(limits.map((limit) => limit.key))].sort();
  return database.transaction(async (tx): Promise<Reservation> => {
    await tx.query('INSERT INTO login_throttle (bucket) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (bucket) DO NOTHING', [keys]);
    const rows = await tx.query<BucketRow>(
      `SELECT bucket, failures,
              (extract(epoch FROM last_failure_at) * 1000)::float8 AS last_failure_ms,
              (extract(epoch FROM blocked_until) * 1000)::float8 AS blocked_until_ms,
              (extract(epoch FROM now()) * 1000)::float8 AS now_ms
         FROM login_throttle WHERE bucket = ANY($1::text[]) ORDER BY bucket FOR UPDATE`,
      [keys],
    );
    const now = Number(rows[0]?.now_ms ?? Date.now());
    const blockedUntil = Math.max(0, ...rows.map((row) => Number(row.blocked_until_ms ?? 0)));
    if (blockedUntil > now) return { admitted: false, retryAfterMs: blockedUntil - now };
    for (const limit of limits) {
      const row = rows.find((r) => r.bucket === limit.key);
      const previous = row && now - Number(row.last_failure_ms) <= limit.forgetAfterMs ? Number(row.failures) : 0;
      const failures = previous + 1;
      const blockMs = failures >= limit.failuresBeforeBlock ? Math.min(limit.baseBlockMs * 2 ** (failures - limit.failuresBeforeBlock), limit.maxBlockMs) : null;
      await tx.query(
        `UPDATE login_throttle
            SET failures = $2, last_failure_at = now(),
                blocked_until = CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() + $3::float8 * interval '1 millisecond' END,
                blocked_by = CASE WHEN $3::float8 IS NULL THEN NULL ELSE $4::uuid END
          WHERE bucket = $1`,
        [limit.key, failures, blockMs, attemptId],
      );
    }
    return { admitted: true };
  });
}

/**
 * The attempt had the right password: `resetKeys` start again from zero; `refundKeys` give back
 * the one failure the attempt was counted as, and lose the block it set, if it set one.
 */
export async function refundLoginAttempt(database: Queryable, { attemptId, resetKeys, refundKeys }: { attemptId: string; resetKeys: string[]; refundKeys: string[] }) {
  if (resetKeys.length > 0) await database.query('DELETE FROM login_throttle WHERE bucket = ANY($1::text[])', [resetKeys]);
  if (refundKeys.length > 0) {
    await database.query(
      `UPDATE login_throttle
          SET failures = greatest(failures - 1, 0),
              blocked_until = CASE WHEN blocked_by = $2::uuid THEN NULL ELSE blocked_until END,
              blocked_by = CASE WHEN blocked_by = $2::uuid THEN NULL ELSE blocked_by END
        WHERE bucket = ANY($1::text[])`,
      [refundKeys, attemptId],
    );
  }
}

/** Deletes buckets idle for longer than `idleMs` and no longer blocked, and device tokens unused for `deviceIdleMs`. */
export async function pruneLoginState(database: Queryable, { idleMs, deviceIdleMs }: { idleMs: number; deviceIdleMs: number }) {
  // SKIP LOCKED: rows a sign-in attempt holds (it locks its buckets in key order, this would lock
  // them in index order) are left for a later prune, so the two never deadlock. Every app process
  // prunes now and then, so with several processes this runs alongside attempts more often.
  await database.query(
    `DELETE FROM login_throttle WHERE bucket IN (
       SELECT bucket FROM login_throttle
        WHERE last_failure_at < now() - $1::float8 * interval '1 millisecond' AND (blocked_until IS NULL OR blocked_until < now())
        FOR UPDATE SKIP LOCKED)`,
    [idleMs],
  );
  await database.query("DELETE FROM trusted_devices WHERE last_used_at < now() - $1::float8 * interval '1 millisecond'", [deviceIdleMs]);
}
