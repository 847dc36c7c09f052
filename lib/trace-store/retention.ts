import 'server-only';
import type { Database } from '@/lib/db/client';
import { deleteExpiredSessions } from '@/lib/db/queries/accounts';
import { deleteSpansBefore } from './write';

/**
 * Deletes spans past retention, a few thousand rows per statement so no lock is held for long and
 * other writes interleave: those that started before `cutoff` (the server's default), except for
 * accounts that set their own retention in Settings, whose spans go after that many days instead.
 * Returns the total deleted.
 */
export async function deleteSpansOlderThan(
  database: Database,
  { cutoff, batchSize = 5000, onProgress, now = new Date() }: { cutoff: Date; batchSize?: number; onProgress?: (deleted: number) => void; now?: Date },
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteSpansBefore(database, { cutoff, batchSize, now });
    total += deleted;
    if (deleted > 0) onProgress?.(total);
    if (deleted < batchSize) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const DAY_MS = 86_400_000;

/** Runs retention (and drops expired sessions) a minute after start, then daily; the timers never keep the process alive. */
export function scheduleRetention(getDatabase: () => Promise<Database>, retentionDays: number): () => void {
  const run = async () => {
    try {
      const database = await getDatabase();
      await deleteExpiredSessions(database);
      const deleted = await deleteSpansOlderThan(database, { cutoff: new Date(Date.now() - retentionDays * DAY_MS) });
      if (deleted > 0) console.info(`[llmtrace] retention: deleted ${deleted} spans past retention (${retentionDays} days unless the account set its own)`);
    } catch (error) {
      console.warn('[llmtrace] retention run failed (will retry tomorrow):', error);
    }
  };
  const first = setTimeout(run, 60_000);
  const daily = setInterval(run, DAY_MS);
  first.unref();
  daily.unref();
  return () => {
    clearTimeout(first);
    clearInterval(daily);
  };
}
