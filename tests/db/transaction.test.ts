import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createDatabase } from '@/lib/db/client';
import { isDatabaseUnavailable } from '@/lib/db/errors';
import { users } from '@/lib/db/schema';
import { describeEachDatabase } from '../support/databases';
import { countEventLoopTurns } from '../support/event-loop';

describeEachDatabase('database.transaction', (getDatabase, kind) => {
  if (kind === 'postgres') {
    it('runs every statement without JIT compiling, in a transaction or not (day partitions made plans look costly enough to compile)', async () => {
      const show = async (db: { query: ReturnType<typeof getDatabase>['query'] }) => (await db.query<{ jit: string }>('SHOW jit'))[0]?.jit;
      await expect(show(getDatabase())).resolves.toBe('off');
      await expect(getDatabase().transaction((tx) => show(tx))).resolves.toBe('off');
    });
  }

  it('runs a statement marked generic with a plan kept for its connection, and only that statement', async () => {
    const marked = "SELECT current_setting('plan_cache_mode') AS mode, $1::int + 1 AS n /* generic-test */";
    const show = async (db: { query: ReturnType<typeof getDatabase>['query'] }) => (await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0]?.plan_cache_mode;
    const expected = kind === 'postgres' ? 'force_generic_plan' : 'auto';
    expect(await getDatabase().query(marked, [41], { generic: true })).toEqual([{ mode: expected, n: 42 }]);
    expect(await show(getDatabase())).toBe('auto');
    await getDatabase().transaction(async (tx) => {
      for (let i = 0; i < 3; i++) expect(await tx.query(marked, [i], { generic: true })).toEqual([{ mode: expected, n: i + 1 }]);
      expect(await show(tx)).toBe('auto');
      if (kind === 'postgres') {
        const [plans] = await tx.query<{ generic_plans: number; custom_plans: number }>(
          "SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%/* generic-test */%'",
        );
        // Three here, and one more when the call above ran on this connection: never a custom plan.
        expect(plans!.custom_plans).toBe(0);
        expect(plans!.generic_plans).toBeGreaterThanOrEqual(3);
      }
    });
  });

  it('runs a statement marked prepare as a prepared statement with a kept plan, its values exactly as parameters', async () => {
    const marked = "SELECT $1::text AS text, $2::int + 1 AS n, $3::timestamptz AS at, $4::jsonb AS doc, $5::text IS NULL AS missing /* prepare-test */";
    const text = "it's \\ 'quoted' $$ \u00e9 \u{1F600} \\' --";
    const at = '2026-01-02T03:04:05.123456Z';
    const values = [text, 41, at, JSON.stringify({ q: text }), null];
    const expected = { text, n: 42, doc: { q: text }, missing: true };
    expect(await getDatabase().query(marked, values, { prepare: true })).toMatchObject([expected]);
    await getDatabase().transaction(async (tx) => {
      for (let i = 0; i < 3; i++) expect(await tx.query(marked, values, { prepare: true })).toMatchObject([expected]);
      const [plans] = await tx.query<{ generic_plans: number; custom_plans: number }>(
        "SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%/* prepare-test */%'",
      );
      // PGlite prepares it once (one session) and runs it with a generic plan; Postgres (postgres.js)
      // keeps it prepared on this connection too (the first call may have run on another).
      expect(plans!.generic_plans + plans!.custom_plans).toBeGreaterThanOrEqual(kind === 'pglite' ? 4 : 3);
      if (kind === 'pglite') expect(plans!.custom_plans).toBe(0);
      // Any other statement of the transaction is planned as usual: raw SQL, and Drizzle's after another prepared run.
      expect((await tx.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0]?.plan_cache_mode).toBe('auto');
      await tx.query(marked, values, { prepare: true });
      const viaDrizzle = (await tx.db.execute(sql`SELECT current_setting('plan_cache_mode') AS m`)) as unknown as { rows?: Array<{ m: string }> } & Array<{ m: string }>;
      expect((viaDrizzle.rows ?? viaDrizzle)[0]?.m).toBe('auto');
      expect((await tx.query(marked, values, { prepare: true }))).toMatchObject([expected]);
    });
    // A prepared statement that fails in a transaction rejects with its own error, and the statement stays usable.
    const failing = 'SELECT 1 / $1::int AS q /* prepare-fail-test */';
    await expect(getDatabase().transaction((tx) => tx.query(failing, [0], { prepare: true }))).rejects.toMatchObject({ code: '22012' });
    expect(await getDatabase().query(failing, [1], { prepare: true })).toEqual([{ q: 1 }]);
    await expect(getDatabase().query(failing, [0], { prepare: true })).rejects.toMatchObject({ code: '22012' });
    expect((await getDatabase().query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0]?.plan_cache_mode).toBe('auto');
    // Statements of other callers sent meanwhile are planned as usual: the setting is the prepared statement's alone.
    const seen = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? getDatabase().query(marked, values, { prepare: true }).then(() => 'auto')
          : getDatabase().query<{ m: string }>("SELECT current_setting('plan_cache_mode') AS m").then((rows) => rows[0]!.m),
      ),
    );
    expect(seen).toEqual(Array(8).fill('auto'));
  });

  if (kind === 'pglite') {
    it('runs PGlite on a thread of its own: the server\'s event loop keeps turning while a statement runs, in a transaction or not', async () => {
      const database = getDatabase();
      // Each turn is a chance to answer a health probe or parse a request. On the server's own
      // thread, a statement held them all until it ended: one turn in all (checked).
      let turns = countEventLoopTurns();
      await database.query('SELECT pg_sleep(0.2)');
      expect(turns.stop()).toBeGreaterThan(20);
      turns = countEventLoopTurns();
      await database.transaction(async (tx) => tx.query('SELECT pg_sleep(0.2)'), { background: true });
      expect(turns.stop()).toBeGreaterThan(20);
    });

    it('parses what crosses from PGlite\'s thread as on the server\'s: timestamps as Dates (arrays of them too, and Drizzle\'s), JSON; errors keep their SQLSTATE', async () => {
      const database = getDatabase();
      const [row] = await database.query<{ at: Date; ats: Date[]; n: number; doc: unknown }>(
        "SELECT '2026-01-02T03:04:05.123Z'::timestamptz AS at, ARRAY['2026-01-02T03:04:05Z'::timestamptz] AS ats, 42 AS n, '{\"a\":[1]}'::jsonb AS doc",
      );
      expect(row!.at).toEqual(new Date('2026-01-02T03:04:05.123Z'));
      expect(row!.ats).toEqual([new Date('2026-01-02T03:04:05Z')]);
      expect(row).toMatchObject({ n: 42, doc: { a: [1] } });
      const [user] = await database.db.insert(users).values({ email: 'thread-types@example.test', passwordHash: 'x' }).returning();
      expect(user!.createdAt).toBeInstanceOf(Date);
      await expect(database.query("SELECT 'x'::int")).rejects.toMatchObject({ code: '22P02' });
      await expect(database.transaction((tx) => tx.query('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
      // The failed transaction was rolled back: the database answers.
      expect(await database.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('answers a statement after PGlite\'s thread has ended as the database unavailable (a 503), not an unknown failure', async () => {
      const own = await createDatabase({ dataDir: 'memory://' });
      await own.close();
      const error = await own.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '57P01' });
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it('starts a background transaction after a page\'s chain of queries, not between them', async () => {
      const database = getDatabase();
      const order: string[] = [];
      // A page's queries run one after the other: each starts when the one before has answered.
      const page = (async () => {
        for (let i = 0; i < 3; i++) {
          await database.query('SELECT pg_sleep(0.02)');
          order.push(`page ${i}`);
        }
      })();
      const batch = database.transaction(
        async (tx) => {
          order.push('batch');
          for (let i = 0; i < 4; i++) await tx.query('SELECT 1');
        },
        { background: true },
      );
      await Promise.all([page, batch]);
      expect(order).toEqual(['page 0', 'page 1', 'page 2', 'batch']);
    });
  }

  it('runs Drizzle queries and raw SQL in the same transaction, and commits both', async () => {
    const email = `tx.commit.${Date.now()}@example.test`;
    const id = await getDatabase().transaction(async (tx) => {
      const [user] = await tx.db.insert(users).values({ email, passwordHash: 'x' }).returning();
      const seenRaw = await tx.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
      expect(seenRaw.map((r) => r.id)).toEqual([user!.id]);
      await tx.query("UPDATE users SET password_hash = 'y' WHERE id = $1", [user!.id]);
      const [seenByDrizzle] = await tx.db.select().from(users).where(eq(users.id, user!.id));
      expect(seenByDrizzle!.passwordHash).toBe('y');
      return user!.id;
    });
    const [stored] = await getDatabase().db.select().from(users).where(eq(users.id, id));
    expect(stored!.passwordHash).toBe('y');
  });

  it('rolls back Drizzle and raw writes together when the function throws', async () => {
    const email = `tx.rollback.${Date.now()}@example.test`;
    await expect(
      getDatabase().transaction(async (tx) => {
        await tx.db.insert(users).values({ email, passwordHash: 'x' });
        await tx.query("INSERT INTO users (email, password_hash) VALUES ($1, 'x')", [`raw.${email}`]);
        throw new Error('roll me back');
      }),
    ).rejects.toThrow('roll me back');
    expect(await getDatabase().query('SELECT id FROM users WHERE email = ANY($1::text[])', [[email, `raw.${email}`]])).toEqual([]);
  });

  it('nests tx.db.transaction as a savepoint', async () => {
    const email = `tx.nested.${Date.now()}@example.test`;
    await getDatabase().transaction(async (tx) => {
      await tx.db.insert(users).values({ email, passwordHash: 'outer' });
      await expect(
        tx.db.transaction(async (inner) => {
          await inner.insert(users).values({ email: `inner.${email}`, passwordHash: 'inner' });
          throw new Error('undo the inner part only');
        }),
      ).rejects.toThrow();
    });
    const rows = await getDatabase().query<{ email: string }>('SELECT email FROM users WHERE email LIKE $1', [`%${email}`]);
    expect(rows.map((r) => r.email)).toEqual([email]);
  });

  it('tells the caller which database it runs on', async () => {
    await getDatabase().transaction(async (tx) => expect(tx.kind).toBe(getDatabase().kind));
  });
});
