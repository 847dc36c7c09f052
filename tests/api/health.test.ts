import { afterEach, describe, expect, it, vi } from 'vitest';
import { GET as health } from '@/app/api/health/route';
import type { Database } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import { describeEachDatabase, holdTransaction, openTestDatabase } from '../support/databases';

/** The database as the app sees it, with the statements it is sent counted (and, with `fail`, refused). */
function watched(database: Database, { fail = false } = {}) {
  const sent: string[] = [];
  const wrapper: Database = {
    ...database,
    answeredAt: () => database.answeredAt(),
    query: async (text, params, options) => {
      sent.push(text);
      if (fail) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return database.query(text, params, options);
    },
  };
  return { wrapper, sent };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describeEachDatabase('GET /api/health', (getDatabase, kind) => {
  afterEach(() => {
    setAppContext({ database: getDatabase() });
  });

  it('takes a statement that came back within the last second as the answer, and sends none of its own', async () => {
    const database = getDatabase();
    await database.query('SELECT 1');
    const { wrapper, sent } = watched(database);
    setAppContext({ database: wrapper });
    const response = await health();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: kind });
    expect(sent).toEqual([]);
  });

  it('asks the database itself when nothing came back for a second, and says so when it does not answer', async () => {
    const database = getDatabase();
    await database.query('SELECT 1');
    const later = Date.now() + 1_500;
    vi.spyOn(Date, 'now').mockReturnValue(later);

    const answering = watched(database);
    setAppContext({ database: answering.wrapper });
    expect((await health()).status).toBe(200);
    expect(answering.sent).toEqual(['SELECT 1']);

    // A second and a half later again, with the database down.
    vi.spyOn(Date, 'now').mockReturnValue(later + 1_500);
    const down = watched(database, { fail: true });
    setAppContext({ database: down.wrapper });
    const response = await health();
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'error', database: 'unavailable', error: expect.stringMatching(/not reachable/) });
    expect(down.sent).toEqual(['SELECT 1']);
  });
});

describe('GET /api/health on embedded PGlite under load', () => {
  it('answers while a long transaction holds the one connection', async () => {
    const database = await openTestDatabase('pglite');
    try {
      setAppContext({ database });
      // A batch of spans being written, as it holds PGlite's only connection.
      const writing = await holdTransaction(database);
      // Without the recent answer, the probe's own SELECT 1 would wait for the transaction: the
      // deadline below would pass first.
      const answered = await Promise.race([health().then((response) => response.status), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000))]);
      await writing.release();
      expect(answered).toBe(200);
    } finally {
      await database.close();
    }
  });
});
