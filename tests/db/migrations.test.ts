import { describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '@/lib/db/client';
import { loadMigrations, migrate } from '@/lib/db/migrate';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('migrations', (getDatabase) => {
  it('creates every table of the data model', async () => {
    const rows = await getDatabase().query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    const tables = rows.map((r) => r.table_name);
    for (const table of ['users', 'api_keys', 'sessions', 'conversations', 'messages', 'llm_traces', 'message_evaluations', 'documents', 'trace_shares']) {
      expect(tables).toContain(table);
    }
  });

  it('does nothing when applied a second time', async () => {
    const before = await getDatabase().query('SELECT name FROM schema_migrations');
    expect(before.length).toBeGreaterThan(0);
    expect(await migrate(getDatabase())).toEqual([]);
    expect(await getDatabase().query('SELECT name FROM schema_migrations')).toHaveLength(before.length);
  });

  it('enforces one span per (user, trace, span)', async () => {
    const [user] = await getDatabase().query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('m@example.test', 'x') RETURNING id");
    const insert = `INSERT INTO llm_traces (user_id, trace_id, span_id, span_name, start_time, operation_type, status)
      VALUES ($1, '0123456789abcdef0123456789abcdef', '0123456789abcdef', 'x', '2026-01-02T03:04:05Z', 'llm_call', 'completed')`;
    await getDatabase().query(insert, [user.id]);
    await expect(getDatabase().query(insert, [user.id])).rejects.toThrow();
  });

  it('runs concurrent transactions without interleaving them', async () => {
    const database = getDatabase();
    await database.exec('CREATE TABLE IF NOT EXISTS tx_probe (n integer)');
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        database.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_probe (n) VALUES ($1)', [i]);
          await new Promise((r) => setTimeout(r, 5));
          if (i % 2 === 1) throw new Error('roll me back');
        }).catch(() => {}),
      ),
    );
    const rows = await database.query<{ n: number }>('SELECT n FROM tx_probe ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([0, 2, 4, 6]);
  });
});

describe('pglite data directory', () => {
  it('refuses a second process-level opener with a clear message', async () => {
    // Covered by the lock-file logic: a live foreign pid in the lock file blocks opening.
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { createDatabase } = await import('@/lib/db/client');
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-lock-'));
    mkdirSync(path.join(dir, 'pglite'), { recursive: true });
    writeFileSync(path.join(dir, 'pglite', '.llmtrace.lock'), String(process.ppid));
    await expect(createDatabase({ dataDir: dir })).rejects.toThrow(/in use by process/);
  });
});

/**
 * Runs `body` on an in-memory database migrated up to (not including) the migration named
 * `prefix…`, with that migration's SQL to run again; closes the database after.
 */
async function beforeMigration(prefix: string, body: (database: Database, again: string) => Promise<void>): Promise<void> {
  const database = await createDatabase({ dataDir: 'memory://', migrate: false });
  try {
    const all = loadMigrations();
    const at = all.findIndex((m) => m.name.startsWith(prefix));
    expect(at).toBeGreaterThan(0);
    await migrate(database, all.slice(0, at));
    await body(database, all[at]!.sql);
  } finally {
    await database.close();
  }
}

describe('migration 0018 (quarter-hour roll-ups)', () => {
  it('turns each marked or rolled-up hour into its four quarter marks, and does so again harmlessly', async () => {
    await beforeMigration('0018_', async (database, again) => {
      const [user] = await database.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('q@example.test', 'x') RETURNING id");
      // One hour marked, another rolled up (and clean), as an install before 0018 has them.
      await database.query("INSERT INTO stats_dirty (user_id, hour) VALUES ($1, '2026-11-17T10:00:00Z')", [user!.id]);
      await database.query(
        "INSERT INTO stats_hourly (user_id, hour, requests, errors, duration_bins, duration_counts) VALUES ($1, '2026-11-17T08:00:00Z', 1, 0, '{10}', '{1}')",
        [user!.id],
      );
      await migrate(database);
      const quarters = async () =>
        (await database.query<{ quarter: Date }>('SELECT quarter FROM stats_dirty WHERE user_id = $1 ORDER BY quarter', [user!.id])).map((r) => new Date(r.quarter).toISOString());
      const expected = ['08:00', '08:15', '08:30', '08:45', '10:00', '10:15', '10:30', '10:45'].map((t) => `2026-11-17T${t}:00.000Z`);
      expect(await quarters()).toEqual(expected);
      await database.exec(again);
      expect(await quarters()).toEqual(expected);
    });
  });
});

describe('migration 0019 (kept totals merged, not summed again)', () => {
  it('fills each kept total\'s end user time and priced hours from its hourly rows, and does so again harmlessly', async () => {
    await beforeMigration('0019_', async (database, again) => {
      const [user] = await database.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('g@example.test', 'x') RETURNING id");
      // Session s-1: two hours, one priced, the later one naming an end user; s-2: one unpriced hour, no end user.
      await database.query(
        `INSERT INTO group_hourly (user_id, grouping, key, hour, traces, errors, tokens, cost_usd, first_seen, last_seen, end_user_id, end_user_seen) VALUES
           ($1, 'session_id', 's-1', '2026-11-17T08:00:00Z', 2, 0, 100, 0.5, '2026-11-17T08:01:00Z', '2026-11-17T08:50:00Z', 'ana', '2026-11-17T08:50:00Z'),
           ($1, 'session_id', 's-1', '2026-11-17T09:00:00Z', 1, 1, 50, NULL, '2026-11-17T09:10:00Z', '2026-11-17T09:10:00Z', 'bo', '2026-11-17T09:10:00Z'),
           ($1, 'session_id', 's-2', '2026-11-17T09:00:00Z', 1, 0, 10, NULL, '2026-11-17T09:20:00Z', '2026-11-17T09:20:00Z', NULL, NULL)`,
        [user!.id],
      );
      await database.query(
        `INSERT INTO group_totals (user_id, grouping, key, traces, errors, error_rate, tokens, cost_usd, first_seen, last_seen, end_user_id, tie) VALUES
           ($1, 'session_id', 's-1', 3, 1, 0.33, 150, 0.5, '2026-11-17T08:01:00Z', '2026-11-17T09:10:00Z', 'bo', md5('s-1')::uuid),
           ($1, 'session_id', 's-2', 1, 0, 0, 10, NULL, '2026-11-17T09:20:00Z', '2026-11-17T09:20:00Z', NULL, md5('s-2')::uuid)`,
        [user!.id],
      );
      await migrate(database);
      const totals = async () =>
        (await database.query<{ key: string; end_user_seen: Date | null; priced_hours: number }>(
          'SELECT key, end_user_seen, priced_hours FROM group_totals WHERE user_id = $1 ORDER BY key',
          [user!.id],
        )).map((r) => ({ key: r.key, end_user_seen: r.end_user_seen && new Date(r.end_user_seen).toISOString(), priced_hours: Number(r.priced_hours) }));
      const expected = [
        { key: 's-1', end_user_seen: '2026-11-17T09:10:00.000Z', priced_hours: 1 },
        { key: 's-2', end_user_seen: null, priced_hours: 0 },
      ];
      expect(await totals()).toEqual(expected);
      await database.exec(again);
      expect(await totals()).toEqual(expected);
    });
  });
});
