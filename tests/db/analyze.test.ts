import { expect, it } from 'vitest';
import { analyzeStaleTables, scheduleAnalyze, staleTables } from '@/lib/db/analyze';
import type { Database } from '@/lib/db/client';
import { ensureSpanPartitions } from '@/lib/trace-store/partitions';
import { createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

/** Today's span partition, by the name Postgres gives it (`llm_traces_pYYYYMMDD`). */
async function todaysPartition(database: Database): Promise<string> {
  const now = new Date();
  await ensureSpanPartitions(database, { from: now, to: now });
  const [row] = await database.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'llm_traces'::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE '%' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '%'
     ORDER BY 1 LIMIT 1`,
  );
  if (!row) throw new Error('no partition for today');
  return row.name;
}

/** `count` spans of today, one in fifty failed, written straight into the table (as an import would). */
async function insertSpans(database: Database, userId: string, from: number, count: number): Promise<void> {
  await database.query(
    `INSERT INTO llm_traces (user_id, trace_id, span_id, span_name, start_time, operation_type, status)
     SELECT $1, md5('t' || g), substr(md5('s' || g), 1, 16), 'llm.completion', now() - (g % 1000) * interval '1 ms', 'llm_call',
       CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'completed' END
     FROM generate_series($2::int, $3::int) g`,
    [userId, from, from + count - 1],
  );
}

/** The planner's row estimate for the user's failed spans in that partition. */
async function estimatedFailed(database: Database, partition: string, userId: string): Promise<number> {
  const rows = await database.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM ${partition} WHERE user_id = $1 AND status = 'failed'`, [userId]);
  return Number(/rows=(\d+)/.exec(rows[0]!['QUERY PLAN'])?.[1]);
}

async function hasStatistics(database: Database, table: string): Promise<boolean> {
  const [row] = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stats WHERE tablename = $1', [table]);
  return Number(row?.n) > 0;
}

describeEachDatabase('planner statistics', (getDatabase, kind) => {
  if (kind === 'postgres') {
    it('leaves a Postgres server to its autovacuum', async () => {
      const database = getDatabase();
      const { userId } = await createTestUser(database);
      await todaysPartition(database);
      await insertSpans(database, userId, 1, 2_000);
      expect(await staleTables(database)).toEqual([]);
      expect(await analyzeStaleTables(database)).toEqual([]);
    });
    return;
  }

  it('analyzes a span partition on PGlite, which has no autovacuum, so the planner estimates a filter right', async () => {
    const database = getDatabase();
    const { userId } = await createTestUser(database);
    const partition = await todaysPartition(database);
    await insertSpans(database, userId, 1, 20_000);
    // 400 of the 20,000 spans failed. Without statistics the planner guesses from defaults.
    const before = await estimatedFailed(database, partition, userId);
    expect(before < 200 || before > 800, `estimate before: ${before}`).toBe(true);
    expect(await hasStatistics(database, partition)).toBe(false);
    expect(await staleTables(database)).toContain(partition);

    const analyzed = await analyzeStaleTables(database);
    expect(analyzed).toContain(partition);
    expect(await hasStatistics(database, partition)).toBe(true);
    const after = await estimatedFailed(database, partition, userId);
    expect(after).toBeGreaterThanOrEqual(200);
    expect(after).toBeLessThanOrEqual(800);

    // Fresh statistics are left alone until the table grows by a tenth.
    expect(await staleTables(database)).not.toContain(partition);
    await insertSpans(database, userId, 20_001, 500);
    expect(await staleTables(database)).not.toContain(partition);
    await insertSpans(database, userId, 20_501, 6_000);
    expect(await staleTables(database)).toContain(partition);
    expect(await analyzeStaleTables(database)).toContain(partition);
    expect(await staleTables(database)).not.toContain(partition);
  });

  it('a table analyzed with no rows left is not analyzed again until it grows', async () => {
    const database = getDatabase();
    await database.exec('CREATE TABLE analyze_emptied (n int, pad text); INSERT INTO analyze_emptied SELECT g, repeat(\'x\', 200) FROM generate_series(1, 5000) g; DELETE FROM analyze_emptied');
    const analyzedAt = new Map<string, number>();
    expect(await analyzeStaleTables(database, { analyzedAt })).toContain('analyze_emptied');
    // Every row is gone, so ANALYZE left no statistics; the size it saw is remembered.
    expect(await hasStatistics(database, 'analyze_emptied')).toBe(false);
    expect(await staleTables(database, analyzedAt)).not.toContain('analyze_emptied');
    await database.exec('DROP TABLE analyze_emptied');
  });

  it('stops for the tick once its time budget is spent, after at least one table', async () => {
    const database = getDatabase();
    await analyzeStaleTables(database); // only the two tables below are stale now
    await database.exec(`CREATE TABLE analyze_budget_a (n int); CREATE TABLE analyze_budget_b (n int);
      INSERT INTO analyze_budget_a SELECT generate_series(1, 3000); INSERT INTO analyze_budget_b SELECT generate_series(1, 3000)`);
    expect((await staleTables(database)).sort()).toEqual(['analyze_budget_a', 'analyze_budget_b']);
    // A spent budget still analyzes one table; the next tick takes the other.
    expect(await analyzeStaleTables(database, { budgetMs: 0 })).toHaveLength(1);
    expect(await staleTables(database)).toHaveLength(1);
    await analyzeStaleTables(database, { budgetMs: 0 });
    expect(await staleTables(database)).toEqual([]);
    await database.exec('DROP TABLE analyze_budget_a; DROP TABLE analyze_budget_b');
  });

  it('the background task analyzes what changed', async () => {
    const database = getDatabase();
    const { userId } = await createTestUser(database);
    const partition = await todaysPartition(database);
    await insertSpans(database, userId, 100_000, 8_000);
    expect(await staleTables(database)).toContain(partition);
    const stop = scheduleAnalyze(async () => database, { everyMs: 50 });
    try {
      const deadline = Date.now() + 20_000;
      while ((await staleTables(database)).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await staleTables(database)).toEqual([]);
    } finally {
      stop();
    }
    expect(await hasStatistics(database, partition)).toBe(true);
  });
});

describeEachDatabase('span statistics targets', (getDatabase) => {
  it('skips the JSON documents when analyzing any day partition, old or made later', async () => {
    const database = getDatabase();
    await ensureSpanPartitions(database, { from: new Date(Date.now() + 20 * 86_400_000), to: new Date(Date.now() + 20 * 86_400_000) });
    const rows = await database.query<{ partition: string; column: string; target: number | null }>(
      `SELECT c.relname AS partition, a.attname AS column, a.attstattarget AS target
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_attribute a ON a.attrelid = c.oid
       WHERE i.inhparent = 'llm_traces'::regclass AND a.attname IN ('input_data', 'output_data', 'metadata', 'status')`,
    );
    // Every partition (the default, those of the migrations, the one just made): documents 0, status the default.
    expect(new Set(rows.map((row) => row.partition)).size).toBeGreaterThanOrEqual(5);
    for (const row of rows) expect([row.partition, row.column, Number(row.target ?? -1)]).toEqual([row.partition, row.column, row.column === 'status' ? -1 : 0]);
  });
});
