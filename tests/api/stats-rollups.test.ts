/**
 * The Overview's hourly and quarter-hour roll-ups (lib/trace-store/rollups.ts), on both databases:
 * over a week (3-hour buckets), and over a day, two and three days not aligned to the hour, the stats API gives the numbers that reading every span gives, before the roll-ups are
 * built, after, and after each kind of change to the spans (a span completed, a late model call,
 * a trace deleted, an end user deleted, a trace sampled out, retention through the middle of an
 * hour), and while writers and refreshers race.
 */
import { expect, it } from 'vitest';
import { DELETE as deleteEndUser } from '@/app/api/end-users/[endUserId]/route';
import { DELETE as deleteTraceRoute } from '@/app/api/analytics/traces/[traceId]/route';
import { GET as getStats } from '@/app/api/analytics/stats/route';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { PUT as putPrivacy } from '@/app/api/settings/privacy/route';
import type { Database } from '@/lib/db/client';
import { applyRetention } from '@/lib/trace-store/retention';
import { PERCENTILE_ERROR, refreshAllRollups, refreshRollups, ROLLUP_SETTLE_MS } from '@/lib/trace-store/rollups';
import { overviewStats, type OverviewStats } from '@/lib/trace-store/stats';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

type User = Awaited<ReturnType<typeof createTestUser>>;
type Span = Record<string, unknown>;

const WEEK = { from: '2026-11-14T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };

/** A request: a root rolling up one model call (the call's usage counts) and a tool call. */
function request(at: string, { durationMs = 1000, model = 'gpt-4o', cost = 0.001 as number | null, failed = false, user = 'u-1', running = false } = {}): Span[] {
  const traceId = hexId(16);
  const root = hexId(8);
  const start = Date.parse(at);
  const iso = (ms: number) => new Date(start + ms).toISOString();
  const usage = { model_name: model, model_provider: model.startsWith('gpt') ? 'openai' : 'other', input_tokens: 100, output_tokens: 20, cost_usd: cost };
  return [
    {
      trace_id: traceId, span_id: root, span_name: 'llm.completion', operation_type: 'llm_call', start_time: iso(0), end_user_id: user,
      ...(running ? { status: 'running' } : { end_time: iso(durationMs), status: failed ? 'failed' : 'completed' }),
    },
    { trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', start_time: iso(1), end_time: iso(durationMs - 1), ...usage },
    { trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: 'tool.search', operation_type: 'tool_call', start_time: iso(2), end_time: iso(3) },
  ];
}

/** Requests over several hours and days of the week, with models, failures, an unpriced call and a running root. */
function weekOfRequests(): Span[][] {
  const traces: Span[][] = [];
  for (let day = 15; day <= 20; day++) {
    for (const hour of [0, 7, 13, 23]) {
      for (let i = 0; i < 4; i++) {
        const at = `2026-11-${day}T${String(hour).padStart(2, '0')}:${String(i * 13).padStart(2, '0')}:00.000Z`;
        traces.push(request(at, { durationMs: 200 + ((day * 37 + hour * 11 + i * 97) % 4000), model: i === 3 ? 'claude-x' : 'gpt-4o', failed: i === 2 && hour === 13, user: `u-${i}` }));
      }
    }
  }
  traces.push(request('2026-11-18T09:30:00.000Z', { model: 'local-llama', cost: null }));
  traces.push(request('2026-11-19T11:45:00.000Z', { running: true }));
  // Just outside the week, on both sides.
  traces.push(request('2026-11-13T23:59:59.000Z', { cost: 5 }), request('2026-11-21T00:00:00.000Z', { cost: 5 }));
  return traces;
}

describeEachDatabase('stats roll-ups', (getDatabase, kind) => {
  const post = async (user: User, spans: Span[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).rejected).toEqual([]);
  };
  const apiStats = async (user: User, range = WEEK): Promise<OverviewStats> => {
    const response = await call(getStats, { path: `/api/analytics/stats?from=${range.from}&to=${range.to}`, apiKey: user.apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const exactStats = (database: Database, user: User, range = WEEK) =>
    overviewStats(database, { userId: user.userId, from: new Date(range.from), to: new Date(range.to), rollups: false });

  /** The roll-up answer against every span read: sums equal, percentiles within the stated error. */
  const expectSameNumbers = (rolled: OverviewStats, exact: OverviewStats) => {
    const { p50_ms: p50, p95_ms: p95, cost_usd: cost, ...sums } = rolled.totals;
    const { p50_ms: exactP50, p95_ms: exactP95, cost_usd: exactCost, ...exactSums } = exact.totals;
    expect(sums).toEqual(exactSums);
    expect(cost).toBeCloseTo(exactCost, 9);
    const near = (value: number | null, expected: number | null) => {
      if (expected === null) return expect(value).toBeNull();
      // Within the bins' error of 1 + d (a bin holds durations around its middle, in ratio).
      expect(Math.abs((value ?? Number.NaN) + 1 - (expected + 1)) / (expected + 1)).toBeLessThanOrEqual(PERCENTILE_ERROR + 1e-9);
    };
    near(p50, exactP50);
    near(p95, exactP95);
    expect(rolled.series.map((b) => b.bucket)).toEqual(exact.series.map((b) => b.bucket));
    rolled.series.forEach((bucket, i) => {
      const other = exact.series[i];
      expect({ ...bucket, p50_ms: 0, p95_ms: 0, cost_usd: 0 }).toEqual({ ...other, p50_ms: 0, p95_ms: 0, cost_usd: 0 });
      expect(bucket.cost_usd).toBeCloseTo(other.cost_usd, 9);
      near(bucket.p50_ms, other.p50_ms);
      near(bucket.p95_ms, other.p95_ms);
    });
    expect(rolled.by_model.map(({ cost_usd: _c, ...m }) => m)).toEqual(exact.by_model.map(({ cost_usd: _c, ...m }) => m));
    rolled.by_model.forEach((m, i) => (m.cost_usd === null ? expect(exact.by_model[i].cost_usd).toBeNull() : expect(m.cost_usd).toBeCloseTo(exact.by_model[i].cost_usd!, 9)));
  };

  it('a week reads the hourly roll-ups and gives the numbers every span gives, before and after they are built', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const traces = weekOfRequests();
    for (let i = 0; i < traces.length; i += 20) await post(user, traces.slice(i, i + 20).flat());
    const exact = await exactStats(database, user);
    expect(exact.totals.requests).toBe(6 * 4 * 4 + 2);
    expect(exact.percentile_error).toBe(0);

    // Nothing built yet: every hour is marked, so every hour is read from the spans.
    const before = await apiStats(user);
    expect(before.bucket_ms).toBe(3 * 3_600_000);
    expect(before.percentile_error).toBeCloseTo(PERCENTILE_ERROR, 9);
    expectSameNumbers(before, exact);

    expect(await refreshAllRollups(database)).toBeGreaterThan(0);
    expect(await refreshRollups(database)).toBe(0);
    expectSameNumbers(await apiStats(user), exact);

    // The answer comes from the roll-ups now: spans removed behind the store's back (no mark) still count.
    await database.query("DELETE FROM llm_traces WHERE user_id = $1 AND start_time >= '2026-11-20T00:00:00Z' AND start_time < '2026-11-20T01:00:00Z'", [user.userId]);
    expect((await apiStats(user)).totals.requests).toBe(exact.totals.requests);
    expect((await exactStats(database, user)).totals.requests).toBe(exact.totals.requests - 4);
  });

  it('a day, two days and three days not aligned to the hour read quarter hours and hours, and give the numbers every span gives', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    await post(user, weekOfRequests().flat());
    const ranges = [
      // 15-minute buckets: quarters only, the minutes before 07:00 and after 06:45 from the spans.
      { from: '2026-11-17T06:52:30.000Z', to: '2026-11-18T06:52:30.000Z', bucket: 15 * 60_000 },
      // 30-minute buckets: quarters only.
      { from: '2026-11-16T12:20:00.000Z', to: '2026-11-18T04:20:00.000Z', bucket: 30 * 60_000 },
      // Hour buckets: hours, the quarters 13:30-14:00 and 13:00-13:15 at the ends, 13:20-13:30 and 13:15-13:20 from the spans.
      { from: '2026-11-15T13:20:00.000Z', to: '2026-11-18T13:20:00.000Z', bucket: 60 * 60_000 },
    ];
    const checkAll = async (what: string) => {
      for (const range of ranges) {
        const rolled = await apiStats(user, range);
        expect(rolled.bucket_ms, what).toBe(range.bucket);
        expect(rolled.percentile_error).toBeCloseTo(PERCENTILE_ERROR, 9);
        expectSameNumbers(rolled, await exactStats(database, user, range));
      }
    };
    await checkAll('nothing built');
    await refreshAllRollups(database);
    await checkAll('built');
    const [{ quarters }] = await database.query<{ quarters: number }>('SELECT count(*)::int AS quarters FROM stats_quarters WHERE user_id = $1', [user.userId]);
    // Minutes 0 and 13 share a quarter, 26 and 39 have one each: 3 per busy hour, and one each for the 4 single requests.
    expect(quarters).toBe(6 * 4 * 3 + 2 + 2);

    // New requests at the ranges' ends and inside them: their hours are marked and read from the spans.
    for (const at of ['2026-11-17T06:55:00.000Z', '2026-11-17T07:01:00.000Z', '2026-11-15T13:35:00.000Z', '2026-11-18T13:10:00.000Z', '2026-11-16T23:59:00.000Z']) {
      await post(user, request(at, { durationMs: 7777, model: 'claude-x' }));
    }
    await checkAll('marked');
    await refreshAllRollups(database);
    await checkAll('rebuilt');

    // The day's answer comes from the quarters now: spans removed behind the store's back (no mark) still count.
    const day = ranges[0];
    const before = await apiStats(user, day);
    await database.query("DELETE FROM llm_traces WHERE user_id = $1 AND start_time >= '2026-11-17T13:00:00Z' AND start_time < '2026-11-17T13:15:00Z'", [user.userId]);
    expect((await apiStats(user, day)).totals.requests).toBe(before.totals.requests);
    expect((await exactStats(database, user, day)).totals.requests).toBe(before.totals.requests - 2); // 13:00 and 13:13
  });

  it('every change to the spans shows at once, before the roll-ups are rebuilt and after', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const traces = weekOfRequests();
    await post(user, traces.flat());
    await refreshAllRollups(database);
    const check = async (what: string) => {
      const exact = await exactStats(database, user);
      expect.soft(exact.totals.requests, what).toBeGreaterThan(0);
      expectSameNumbers(await apiStats(user), exact);
      await refreshAllRollups(database);
      expectSameNumbers(await apiStats(user), exact);
    };

    // The running root ends, slowly and failed.
    const running = traces.find((t) => t[0].status === 'running')!;
    await post(user, [{ ...running[0], status: 'failed', end_time: new Date(Date.parse(running[0].start_time as string) + 90_000).toISOString() }]);
    await check('a running root completed');

    // A late model call under a stored tool span: the tool span now rolls it up.
    const tool = traces[5][2];
    await post(user, [{ trace_id: tool.trace_id, span_id: hexId(8), parent_trace_id: tool.span_id, span_name: 'llm.call', operation_type: 'llm_call',
      start_time: tool.start_time, end_time: tool.end_time, model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 7, output_tokens: 7, cost_usd: 0.5 }]);
    await check('a late model call');

    // A span re-sent with another start time, in another hour.
    const call0 = traces[6][1];
    await post(user, [{ ...call0, start_time: '2026-11-16T05:00:00.000Z', end_time: '2026-11-16T05:00:01.000Z' }]);
    await check('a span moved to another hour');

    const doomed = traces[10][0].trace_id as string;
    expect((await call(deleteTraceRoute, { method: 'DELETE', path: `/api/analytics/traces/${doomed}`, apiKey: user.apiKey, params: { traceId: doomed } })).status).toBe(204);
    await check('a trace deleted');

    expect((await call(deleteEndUser, { method: 'DELETE', path: '/api/end-users/u-1', apiKey: user.apiKey, params: { endUserId: 'u-1' } })).status).toBeLessThan(300);
    await check('an end user deleted');
  });

  it('a trace sampled out after its hour was rolled up leaves the numbers', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const response = await call(putPrivacy, { method: 'PUT', path: '/api/settings/privacy', apiKey: user.apiKey, body: { sampling: { successRate: 0, keepFailed: true } } });
    expect(response.status, await response.clone().text()).toBe(200);
    const kept = request('2026-11-17T08:00:00.000Z', { failed: true });
    const open = request('2026-11-17T08:10:00.000Z', { running: true });
    await post(user, [...kept, ...open]);
    await refreshAllRollups(database);
    expect((await apiStats(user)).totals.requests).toBe(2);
    // Its root ends successfully: the rule drops the whole trace.
    await post(user, [{ ...open[0], status: 'completed', end_time: '2026-11-17T08:10:01.000Z' }]);
    const exact = await exactStats(database, user);
    expect(exact.totals.requests).toBe(1);
    expectSameNumbers(await apiStats(user), exact);
    await refreshAllRollups(database);
    expectSameNumbers(await apiStats(user), exact);
  });

  it('retention through the middle of an hour rebuilds that hour and forgets the hours before it', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const october = { from: '2026-10-10T00:00:00.000Z', to: '2026-10-17T00:00:00.000Z' };
    const traces = ['2026-10-12T09:00:00.000Z', '2026-10-12T10:05:00.000Z', '2026-10-12T10:40:00.000Z', '2026-10-12T11:00:00.000Z'].map((at) => request(at));
    await post(user, traces.flat());
    await refreshAllRollups(database);
    expect((await apiStats(user, october)).totals.requests).toBe(4);
    await applyRetention(database, { cutoff: new Date('2026-10-12T10:20:00.000Z') });
    const exact = await exactStats(database, user, october);
    expect(exact.totals.requests).toBe(2);
    expectSameNumbers(await apiStats(user, october), exact);
    await refreshAllRollups(database);
    expectSameNumbers(await apiStats(user, october), exact);
    const [{ n }] = await database.query<{ n: number }>("SELECT count(*)::int AS n FROM stats_hourly WHERE user_id = $1 AND hour < '2026-10-12T10:00:00Z'", [user.userId]);
    expect(n).toBe(0);
  });

  it('leaves the quarter hour in progress to be read from the spans, and rebuilds it once it has ended', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const now = Date.now();
    const QUARTER = 15 * 60_000;
    const thisQuarter = Math.floor(now / QUARTER) * QUARTER;
    const at = (ms: number) => new Date(ms + 1000).toISOString();
    await post(user, [...request(at(thisQuarter)), ...request(at(thisQuarter - QUARTER)), ...request(at(thisQuarter - 4 * QUARTER))].flat());
    // The quarters that ended are rebuilt; the one in progress stays marked.
    expect(await refreshAllRollups(database)).toBe(2);
    const marked = await database.query<{ quarter: Date }>('SELECT quarter FROM stats_dirty WHERE user_id = $1', [user.userId]);
    expect(marked.map((row) => new Date(row.quarter).getTime())).toEqual([thisQuarter]);
    const range = { from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() };
    const rolled = await apiStats(user, range);
    expect(rolled.totals.requests).toBe(3);
    expectSameNumbers(rolled, await exactStats(database, user, range));
  });

  it('in the background, rebuilds an ended quarter still being written to only once its mark has settled', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const QUARTER = 15 * 60_000;
    const lastHour = Math.floor((Date.now() - 3_600_000) / QUARTER) * QUARTER;
    await post(user, request(new Date(lastHour + 1000).toISOString()));
    const marks = () => database.query<{ quarter: Date }>('SELECT quarter FROM stats_dirty WHERE user_id = $1', [user.userId]);
    // Marked just now: the background task (a minute's settling) leaves it, read from the spans.
    expect(await refreshAllRollups(database, { settledMs: ROLLUP_SETTLE_MS })).toBe(0);
    expect((await marks()).map((row) => new Date(row.quarter).getTime())).toEqual([lastHour]);
    const range = { from: new Date(lastHour - 86_400_000).toISOString(), to: new Date(lastHour + 86_400_000).toISOString() };
    expectSameNumbers(await apiStats(user, range), await exactStats(database, user, range));
    // A minute later it is rebuilt, and what the Overview shows stays the same.
    await database.query("UPDATE stats_dirty SET marked_at = now() - interval '61 seconds' WHERE user_id = $1", [user.userId]);
    expect(await refreshAllRollups(database, { settledMs: ROLLUP_SETTLE_MS })).toBe(1);
    expect(await marks()).toEqual([]);
    const rolled = await apiStats(user, range);
    expect(rolled.totals.requests).toBe(1);
    expectSameNumbers(rolled, await exactStats(database, user, range));
  });

  it('reads an hour with a marked quarter quarter by quarter: its clean quarters from the roll-ups, the marked one from the spans', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    await post(user, [...request('2026-11-17T10:05:00.000Z'), ...request('2026-11-17T10:35:00.000Z', { durationMs: 3000 })].flat());
    await refreshAllRollups(database);
    // A late request in the hour's last quarter: that quarter is marked, the hour's roll-up is stale.
    await post(user, request('2026-11-17T10:50:00.000Z', { durationMs: 9000, model: 'claude-x' }));
    const exact = await exactStats(database, user);
    expect(exact.totals.requests).toBe(3);
    expectSameNumbers(await apiStats(user), exact);
    // The clean quarters come from the roll-ups: spans removed behind the store's back (no mark) still count.
    await database.query("DELETE FROM llm_traces WHERE user_id = $1 AND start_time >= '2026-11-17T10:00:00Z' AND start_time < '2026-11-17T10:15:00Z'", [user.userId]);
    expect((await apiStats(user)).totals.requests).toBe(3);
    // Once rebuilt, the hour is read whole from the hourly roll-up again (which the deletion left alone).
    expect(await refreshAllRollups(database)).toBe(1);
    expect((await apiStats(user)).totals.requests).toBe(3);
    expect((await exactStats(database, user)).totals.requests).toBe(2);
  });

  it('writers and refreshers racing never lose or double an hour', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    let writing = true;
    const refresher = (async () => {
      let rebuilt = 0;
      while (writing) rebuilt += await refreshRollups(database, { maxQuarters: 3 });
      return rebuilt;
    })();
    // 6 writers, 10 batches each, all into the same few hours; spans of one trace spread over batches.
    await Promise.all(
      Array.from({ length: 6 }, async (_, writer) => {
        for (let batch = 0; batch < 10; batch++) {
          const spans = Array.from({ length: 5 }, (_, i) => request(`2026-11-18T0${(writer + batch + i) % 4}:${String(10 + writer * 7 + i).padStart(2, '0')}:00.000Z`, { durationMs: 100 + writer * 300 + batch * 40 + i })).flat();
          await post(user, spans);
        }
      }),
    );
    writing = false;
    const rebuiltMeanwhile = await refresher;
    const exact = await exactStats(database, user);
    expect(exact.totals.requests).toBe(6 * 10 * 5);
    expectSameNumbers(await apiStats(user), exact);
    await refreshAllRollups(database);
    expectSameNumbers(await apiStats(user), exact);
    if (kind === 'postgres') expect(rebuiltMeanwhile).toBeGreaterThan(0);
  });
});
