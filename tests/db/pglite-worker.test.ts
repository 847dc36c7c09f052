import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/lib/db/client';
import { holdTransaction, openTestDatabase } from '../support/databases';

/** Embedded PGlite in its worker thread (lib/db/pglite-worker-client.ts). */
describe('PGlite in a worker thread', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await database.close();
  });

  it('lets a waiting read go before waiting transactions (a page is not queued behind every batch of spans)', async () => {
    const order: string[] = [];
    const first = await holdTransaction(database, () => order.push('first batch'));
    // Two more batches queue up, then a page's read.
    const batches = [1, 2].map((n) => database.transaction(async (tx) => {
      await tx.query('SELECT pg_sleep(0.01)');
      order.push(`batch ${n}`);
    }));
    const read = database.query('SELECT 1 AS one').then(() => order.push('read'));
    await Promise.all([first.release(), ...batches, read]);
    expect(order).toEqual(['first batch', 'read', 'batch 1', 'batch 2']);
  });

  it("keeps the turn a moment for a page's next read, so its reads are not each queued behind a batch", async () => {
    const order: string[] = [];
    const first = await holdTransaction(database, () => order.push('first batch'));
    const batch = database.transaction(async (tx) => {
      await tx.query('SELECT 1');
      order.push('batch');
    });
    // A page: three reads one after another, the first already waiting.
    const page = (async () => {
      for (let i = 1; i <= 3; i++) {
        await database.query('SELECT $1::int AS n', [i]);
        order.push(`read ${i}`);
      }
    })();
    await Promise.all([first.release(), batch, page]);
    expect(order).toEqual(['first batch', 'read 1', 'read 2', 'read 3', 'batch']);
  });

  it('runs the statements of a transaction alone and rolls it back when it throws', async () => {
    await database.exec('CREATE TABLE worker_probe (n int)');
    await expect(database.transaction(async (tx) => {
      await tx.query('INSERT INTO worker_probe VALUES (1)');
      throw new Error('the caller gave up');
    })).rejects.toThrow('the caller gave up');
    await database.transaction(async (tx) => {
      await tx.query('INSERT INTO worker_probe VALUES (2)');
    });
    expect(await database.query<{ n: number }>('SELECT n FROM worker_probe')).toEqual([{ n: 2 }]);
  });

  it('brings back the database error with its SQLSTATE, and timestamps exactly (year 1 included)', async () => {
    await expect(database.query("SELECT 'x'::int")).rejects.toMatchObject({ code: '22P02', message: expect.stringMatching(/invalid input syntax/) });
    const [row] = await database.query<{ at: Date; late: Date }>("SELECT '0001-01-01 00:00:00+00'::timestamptz AS at, '2026-11-20 11:00:00.123456+01'::timestamptz AS late");
    expect(row!.at.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(row!.late.toISOString()).toBe('2026-11-20T10:00:00.123Z');
  });
});
