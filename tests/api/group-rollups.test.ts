/**
 * The Sessions and End users pages' kept totals (migration 0015, lib/trace-store/rollups.ts and
 * group-pages.ts), on both databases: the sessions, and the end users in every sort both ways,
 * paged two at a time, give the numbers a grouping of every trace gives (the pages' own rules,
 * `groupTotalsSql`), before the roll-ups are built, after, and after each kind of change (a late
 * model call of an old trace in another hour, a root arriving after its children, a trace
 * deleted, an end user deleted, retention), and the pages really read the kept totals once they
 * are built.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { DELETE as deleteEndUser } from '@/app/api/end-users/[endUserId]/route';
import { DELETE as deleteTraceRoute } from '@/app/api/analytics/traces/[traceId]/route';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { GET as getSessions } from '@/app/api/analytics/sessions/route';
import { GET as getUsers } from '@/app/api/analytics/users/route';
import type { Database } from '@/lib/db/client';
import { END_USER_SORTS, type EndUserSummary } from '@/lib/trace-store/end-users';
import { ensureSpanPartitions } from '@/lib/trace-store/partitions';
import { applyRetention } from '@/lib/trace-store/retention';
import { refreshAllRollups } from '@/lib/trace-store/rollups';
import { groupTotalsSql, type SessionSummary, toGroupTotals } from '@/lib/trace-store/sessions';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

type User = Awaited<ReturnType<typeof createTestUser>>;
type Span = Record<string, unknown>;

/** A request of `user` at `at`: a root and a model call `callOffsetMs` after it (another hour, when that is far enough). */
function request(at: string, user: string | null, { cost = 0.001 as number | null, tokens = 120, failed = false, callOffsetMs = 1, session = null as string | null } = {}): Span[] {
  const traceId = hexId(16);
  const root = hexId(8);
  const start = Date.parse(at);
  const iso = (ms: number) => new Date(start + ms).toISOString();
  return [
    {
      trace_id: traceId, span_id: root, span_name: 'agent.run', operation_type: 'agent', start_time: iso(0), end_time: iso(callOffsetMs + 500),
      status: failed ? 'failed' : 'completed', ...(user ? { end_user_id: user } : {}), ...(session ? { session_id: session } : {}),
    },
    {
      trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', start_time: iso(callOffsetMs), end_time: iso(callOffsetMs + 400),
      model_name: 'gpt-4o', model_provider: 'openai', input_tokens: tokens - 20, output_tokens: 20, cost_usd: cost,
    },
  ];
}

/**
 * Requests of six end users over two days of November, with ties, failures, unpriced calls and
 * calls an hour after their root, in sessions of several hours (some shared by two end users).
 */
function requests(): Span[][] {
  const traces: Span[][] = [];
  const users = ['ana', 'bo', 'chen 陈', 'dmitri', 'eve/2', 'fay'];
  for (let i = 0; i < 30; i++) {
    const user = users[i % 6]!;
    const at = `2026-11-${i < 15 ? '10' : '11'}T${String((i * 7) % 24).padStart(2, '0')}:59:${String(i % 60).padStart(2, '0')}.000Z`;
    const session = i % 10 === 9 ? null : `s-${i % 4} ${i % 8 === 0 ? 'ünïcode/会话' : ''}`;
    traces.push(request(at, i % 11 === 10 ? null : user, { cost: user === 'fay' ? null : 0.001 * (1 + (i % 4)), tokens: 100 + (i % 5) * 10, failed: i % 7 === 0, callOffsetMs: i % 3 === 0 ? 90_000 : 1, session }));
  }
  // Equal sums for two end users (the tie-breaker orders them), and a trace with no end user.
  traces.push(request('2026-11-12T03:00:00.000Z', 'gil', { cost: 0.5, tokens: 500, session: 'tie-a' }), request('2026-11-12T04:00:00.000Z', 'hal', { cost: 0.5, tokens: 500, session: 'tie-b' }));
  traces.push(request('2026-11-12T05:00:00.000Z', null));
  return traces;
}

describeEachDatabase('end user roll-ups', (getDatabase) => {
  const post = async (user: User, spans: Span[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).rejected).toEqual([]);
  };

  /** What a grouping of every end-user trace gives, by the page's rules. */
  const exactUsers = async (database: Database, user: User): Promise<Map<string, EndUserSummary>> => {
    const rows = await database.query<Record<string, unknown>>(
      `SELECT e.end_user_id AS key, totals.* FROM (
         SELECT DISTINCT end_user_id FROM llm_traces WHERE user_id = $1 AND (parent_trace_id IS NULL OR orphan) AND end_user_id IS NOT NULL) e
       CROSS JOIN LATERAL (${groupTotalsSql('end_user_id', 'e.end_user_id')}) totals`,
      [user.userId],
    );
    return new Map(
      rows.map((row) => {
        const totals = toGroupTotals(row);
        const summary = { end_user_id: String(row.key), traces: totals.traces, total_tokens: totals.total_tokens, cost_usd: totals.cost_usd,
          error_rate: totals.errors / totals.traces, last_seen: totals.last_seen };
        return [summary.end_user_id, summary];
      }),
    );
  };

  /** What a grouping of every session's traces gives. */
  const exactSessions = async (database: Database, user: User): Promise<SessionSummary[]> => {
    const rows = await database.query<Record<string, unknown>>(
      `SELECT e.session_id AS key, totals.* FROM (
         SELECT DISTINCT session_id FROM llm_traces WHERE user_id = $1 AND (parent_trace_id IS NULL OR orphan) AND session_id IS NOT NULL) e
       CROSS JOIN LATERAL (${groupTotalsSql('session_id', 'e.session_id')}) totals`,
      [user.userId],
    );
    const sessions = rows.map((row) => {
      const { errors, ...totals } = toGroupTotals(row);
      return { session_id: String(row.key), traces: totals.traces, first_seen: totals.first_seen, last_seen: totals.last_seen,
        total_tokens: totals.total_tokens, cost_usd: totals.cost_usd, errors, end_user_id: totals.end_user_id };
    });
    // Most recent activity first; equal times by md5 of the id, descending.
    return sessions.sort((a, b) => Date.parse(b.last_seen) - Date.parse(a.last_seen) || (tie(b.session_id) > tie(a.session_id) ? 1 : -1));
  };

  /** Every page of a list (`key` names its rows' field), two rows a page. */
  const allPages = async <T>(user: User, handler: typeof getUsers, path: string, key: 'users' | 'sessions'): Promise<T[]> => {
    const rows: T[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const response = await call(handler, { path: `${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, apiKey: user.apiKey });
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as Record<string, unknown> & { next_cursor: string | null };
      rows.push(...(body[key] as T[]));
      cursor = body.next_cursor;
      if (!cursor) return rows;
    }
    throw new Error('more than 50 pages');
  };
  const pages = (user: User, sort: string, order: string) => allPages<EndUserSummary>(user, getUsers, `/api/analytics/users?sort=${sort}&order=${order}`, 'users');
  const sessionPages = (user: User) => allPages<SessionSummary>(user, getSessions, '/api/analytics/sessions', 'sessions');

  const tie = (id: string) => createHash('md5').update(id).digest('hex');
  const keyOf = (sort: string, row: EndUserSummary): number =>
    sort === 'traces' ? row.traces : sort === 'total_tokens' ? row.total_tokens : sort === 'cost_usd' ? (row.cost_usd ?? -1) : sort === 'error_rate' ? row.error_rate : Date.parse(row.last_seen);

  /**
   * The sessions in order with the exact numbers; the end users in every sort, both ways: the
   * exact numbers, each end user once, in the sort's order with ties broken by the id's md5.
   */
  const expectExact = async (database: Database, user: User, what: string) => {
    const sessions = await exactSessions(database, user);
    const listedSessions = await sessionPages(user);
    expect(listedSessions.map((row) => row.session_id), `${what}: sessions`).toEqual(sessions.map((row) => row.session_id));
    listedSessions.forEach((row, i) => {
      const expected = sessions[i]!;
      expect({ ...row, cost_usd: 0 }, `${what}: session ${row.session_id}`).toEqual({ ...expected, cost_usd: 0 });
      if (expected.cost_usd === null) expect(row.cost_usd).toBeNull();
      else expect(row.cost_usd).toBeCloseTo(expected.cost_usd, 9);
    });
    const exact = await exactUsers(database, user);
    for (const sort of END_USER_SORTS) {
      for (const order of ['desc', 'asc']) {
        const listed = await pages(user, sort, order);
        expect(listed.map((row) => row.end_user_id).sort(), `${what}: ${sort} ${order}`).toEqual([...exact.keys()].sort());
        for (const row of listed) {
          const expected = exact.get(row.end_user_id)!;
          expect({ ...row, cost_usd: 0, error_rate: 0 }, `${what}: ${row.end_user_id}`).toEqual({ ...expected, cost_usd: 0, error_rate: 0 });
          if (expected.cost_usd === null) expect(row.cost_usd).toBeNull();
          else expect(row.cost_usd).toBeCloseTo(expected.cost_usd, 9);
          expect(row.error_rate).toBeCloseTo(expected.error_rate, 12);
        }
        const sign = order === 'desc' ? -1 : 1;
        for (let i = 1; i < listed.length; i++) {
          const [a, b] = [listed[i - 1]!, listed[i]!];
          const difference = (keyOf(sort, b) - keyOf(sort, a)) * sign;
          expect(difference, `${what}: ${sort} ${order} at ${i}`).toBeGreaterThanOrEqual(0);
          if (difference === 0) expect((tie(b.end_user_id) > tie(a.end_user_id) ? 1 : -1) * sign, `${what}: tie at ${i}`).toBe(1);
        }
      }
    }
    return exact;
  };

  const kept = async (database: Database, user: User, grouping = 'end_user_id') =>
    (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM group_totals WHERE user_id = $1 AND grouping = $2', [user.userId, grouping]))[0]!.n;

  it('the sessions and every sort of end users give the numbers of every trace, before the roll-ups are built and after; then they read the kept totals', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const other = await createTestUser(database);
    const traces = requests();
    for (let i = 0; i < traces.length; i += 8) await post(user, traces.slice(i, i + 8).flat());
    // Another account with the same end user ids: never counted here.
    await post(other, requests().flat());

    const exact = await expectExact(database, user, 'nothing built');
    expect(exact.size).toBe(8);
    expect(exact.get('fay')!.cost_usd).toBeNull();
    const sessions = await exactSessions(database, user);
    expect(sessions.length).toBe(7);
    expect(await kept(database, user)).toBe(0);

    expect(await refreshAllRollups(database)).toBeGreaterThan(0);
    expect(await kept(database, user)).toBe(8);
    expect(await kept(database, user, 'session_id')).toBe(7);
    await expectExact(database, user, 'built');

    // Once built, the pages take the kept totals: a change made behind the store's back (no mark) shows.
    await database.query("UPDATE group_totals SET traces = traces + 1000 WHERE user_id = $1 AND grouping = 'end_user_id' AND key = 'bo'", [user.userId]);
    const [top] = await pages(user, 'traces', 'desc');
    expect(top).toMatchObject({ end_user_id: 'bo', traces: exact.get('bo')!.traces + 1000 });
    // A key with a marked hour is its kept totals brought up to date (that hour's rows taken out and read again from the spans), not every hour of it summed again.
    await post(user, request('2026-11-12T05:30:00.000Z', 'bo'));
    const [touched] = await pages(user, 'traces', 'desc');
    expect(touched).toMatchObject({ end_user_id: 'bo', traces: exact.get('bo')!.traces + 1001, last_seen: '2026-11-12T05:30:00.000Z' });
    await database.query("UPDATE group_totals SET last_seen = '2030-01-01' WHERE user_id = $1 AND grouping = 'session_id' AND key = $2", [user.userId, sessions[3]!.session_id]);
    expect((await sessionPages(user))[0]).toMatchObject({ session_id: sessions[3]!.session_id, last_seen: '2030-01-01T00:00:00.000Z' });
  });

  it('each change to a trace shows at once, and after the roll-ups are rebuilt', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const traces = requests();
    await post(user, traces.flat());
    await refreshAllRollups(database);
    const check = async (what: string) => {
      await expectExact(database, user, what);
      await refreshAllRollups(database);
      await expectExact(database, user, `${what}, rebuilt`);
    };

    // A late model call of a trace rolled up long ago, a day after its root: its root's hour is
    // where the end user's usage is kept.
    const old = traces[4]!;
    const before = (await exactUsers(database, user)).get(String(old[0]!.end_user_id))!;
    await post(user, [{ trace_id: old[0]!.trace_id, span_id: hexId(8), parent_trace_id: old[0]!.span_id, span_name: 'llm.call', operation_type: 'llm_call',
      start_time: '2026-11-13T12:00:00.000Z', end_time: '2026-11-13T12:00:01.000Z', model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 5000, output_tokens: 1, cost_usd: 2 }]);
    expect((await exactUsers(database, user)).get(before.end_user_id)!.total_tokens).toBe(before.total_tokens + 5001);
    await check('a late model call');

    // A trace whose children arrive hours before its root (an OTLP exporter's order): the children
    // are an orphan subtree without an end user until the root comes.
    const late = request('2026-11-12T20:30:00.000Z', 'ida', { cost: 0.25, tokens: 900, callOffsetMs: 2 * 3_600_000 });
    await post(user, [late[1]!]);
    await refreshAllRollups(database);
    await post(user, [late[0]!]);
    expect((await exactUsers(database, user)).get('ida')).toMatchObject({ traces: 1, total_tokens: 900 });
    await check('a root after its children');

    const doomed = traces[7]![0]!.trace_id as string;
    expect((await call(deleteTraceRoute, { method: 'DELETE', path: `/api/analytics/traces/${doomed}`, apiKey: user.apiKey, params: { traceId: doomed } })).status).toBe(204);
    await check('a trace deleted');

    expect((await call(deleteEndUser, { method: 'DELETE', path: '/api/end-users/dmitri', apiKey: user.apiKey, params: { endUserId: 'dmitri' } })).status).toBeLessThan(300);
    expect((await exactUsers(database, user)).has('dmitri')).toBe(false);
    await check('an end user deleted');
  });

  it('retention takes the aged traces out of every end user, partitions dropped and boundary rows alike', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    // Day partitions for the requests' days: retention drops the first whole, without a row deleted.
    await ensureSpanPartitions(database, { from: new Date('2026-11-10T00:00:00.000Z'), to: new Date('2026-11-12T00:00:00.000Z') });
    await post(user, requests().flat());
    await refreshAllRollups(database);
    const report = await applyRetention(database, { cutoff: new Date('2026-11-11T13:30:00.000Z') });
    expect(report.partitions).toEqual(['llm_traces_p20261110']);
    expect(report.rowDeleted).toBeGreaterThan(0);
    const exact = await expectExact(database, user, 'retention');
    expect([...exact.values()].reduce((sum, row) => sum + row.traces, 0)).toBeLessThan(20);
    await refreshAllRollups(database);
    await expectExact(database, user, 'retention, rebuilt');
    await applyRetention(database, { cutoff: new Date('2026-12-01T00:00:00.000Z') });
    await refreshAllRollups(database);
    expect(await pages(user, 'cost_usd', 'desc')).toEqual([]);
    expect(await sessionPages(user)).toEqual([]);
    expect(await kept(database, user)).toBe(0);
    expect(await kept(database, user, 'session_id')).toBe(0);
  });
});
