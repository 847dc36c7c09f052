import { afterAll, beforeAll, expect, it } from 'vitest';
import { PGliteThread } from '@/lib/db/pglite-thread';
import { PglitePreparedStatements } from '@/lib/db/pglite-prepared';

let thread: PGliteThread;
beforeAll(async () => {
  thread = new PGliteThread(undefined);
  await thread.waitReady;
});
afterAll(() => thread.close());

it('runs a prepared statement outside a transaction in one message to PGlite\'s thread, with the kept plan, leaving the session as it was', async () => {
  const prepared = new PglitePreparedStatements();
  const text = "SELECT current_setting('plan_cache_mode') AS mode, $1::int + 1 AS n, $2::text AS t";
  const run = async (n: number) => {
    const before = thread.messages;
    const { rows } = await prepared.query<{ mode: string; n: number; t: string }>(thread, null, text, [n, "it's"]);
    return { rows, messages: thread.messages - before };
  };
  // The first run prepares it, in a transaction of its own.
  expect((await run(1)).rows).toEqual([{ mode: 'force_generic_plan', n: 2, t: "it's" }]);
  // Then each run is one message (it was four: begin, the setting, the statement, commit).
  for (let i = 2; i < 5; i++) expect(await run(i)).toEqual({ rows: [{ mode: 'force_generic_plan', n: i + 1, t: "it's" }], messages: 1 });
  const [plans] = (await thread.query<{ generic_plans: number; custom_plans: number }>('SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements')).rows;
  expect(plans).toEqual({ generic_plans: 4, custom_plans: 0 });
  expect((await thread.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows).toEqual([{ plan_cache_mode: 'auto' }]);
  // A failing run rejects with its own error and leaves nothing open.
  await expect(prepared.query(thread, null, 'SELECT 1 / $1::int AS q', [1]).then(() => prepared.query(thread, null, 'SELECT 1 / $1::int AS q', [0]))).rejects.toMatchObject({ code: '22012' });
  expect((await thread.query<{ q: number }>('SELECT 2 AS q')).rows).toEqual([{ q: 2 }]);
});
