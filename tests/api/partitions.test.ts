import { expect, it } from 'vitest';
import { DELETE as deleteTrace } from '@/app/api/analytics/traces/[traceId]/route';
import { GET as getOutline } from '@/app/api/analytics/traces/[traceId]/outline/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { createDatabase } from '@/lib/db/client';
import { loadMigrations, migrate } from '@/lib/db/migrate';
import { applyRetention } from '@/lib/trace-store/retention';
import { DAY_MS, ensureSpanPartitions, listSpanPartitions } from '@/lib/trace-store/partitions';
import { call, createTestUser } from '../support/api';
import { createTestDatabaseUrl, describeEachDatabase } from '../support/databases';
import { hexId, threeLevelTrace } from '../support/spans';
import type { Database } from '@/lib/db/client';

const dayName = (time: number) => `llm_traces_p${new Date(time).toISOString().slice(0, 10).replaceAll('-', '')}`;

async function partitionsOf(database: Database, userId: string, traceId: string): Promise<string[]> {
  const rows = await database.query<{ part: string }>(
    'SELECT DISTINCT tableoid::regclass::text AS part FROM llm_traces WHERE user_id = $1 AND trace_id = $2 ORDER BY 1',
    [userId, traceId],
  );
  return rows.map((row) => row.part);
}

async function post(apiKey: string, traces: unknown[]) {
  const response = await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces } });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

const getJson = (path: string, apiKey: string) => call(getTraces, { path, apiKey });

describeEachDatabase('span partitions', (getDatabase) => {
  it("stores each day's spans in that day's partition, others in the default, and moves them when their day gets one", async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const today = threeLevelTrace({ start: new Date() });
    const tenDaysAgo = new Date(Date.now() - 10 * DAY_MS);
    const old = threeLevelTrace({ start: tenDaysAgo });
    await post(user.apiKey, [...today.spans, ...old.spans]);
    const todays = await partitionsOf(database, user.userId, today.traceId);
    // A trace that crosses midnight has spans in two days; this one started now, so in today's (or, within
    // a few seconds of midnight, tomorrow's) partition, never the default.
    expect(todays.every((name) => /^llm_traces_p\d{8}$/.test(name))).toBe(true);
    expect(await partitionsOf(database, user.userId, old.traceId)).toEqual(['llm_traces_default']);

    expect(await ensureSpanPartitions(database, { from: tenDaysAgo, to: tenDaysAgo })).toEqual([dayName(tenDaysAgo.getTime())]);
    expect(await ensureSpanPartitions(database, { from: tenDaysAgo, to: tenDaysAgo })).toEqual([]);
    expect(await partitionsOf(database, user.userId, old.traceId)).toEqual([dayName(tenDaysAgo.getTime())]);
    const response = await call(getTraces, { path: `/api/analytics/traces?trace_id=${old.traceId}`, apiKey: user.apiKey });
    const body = await response.json();
    expect(body.traces).toHaveLength(4);
    // Moving rows keeps their derived flags: the root is the only root, usage is counted once.
    expect(body.traces.filter((s: { parent_trace_id: string | null }) => !s.parent_trace_id)).toHaveLength(1);
  });

  it('keeps one row per span when it is re-sent with another start time, and a late running snapshot never replaces its final self', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const traceId = hexId(16);
    const spanId = hexId(8);
    const span = (start: number, status: string) => ({
      trace_id: traceId, span_id: spanId, span_name: 'agent', operation_type: 'agent', status,
      start_time: new Date(start).toISOString(), ...(status === 'running' ? {} : { end_time: new Date(start + 500).toISOString() }),
    });
    const t0 = Date.now() - 3 * DAY_MS;
    await post(user.apiKey, [span(t0, 'completed')]);
    await post(user.apiKey, [span(t0 + 2 * DAY_MS, 'running')]); // another day, another partition
    let rows = await database.query<{ status: string; start_time: Date }>('SELECT status, start_time FROM llm_traces WHERE user_id = $1 AND span_id = $2', [user.userId, spanId]);
    expect(rows.map((r) => [r.status, r.start_time.getTime()])).toEqual([['completed', t0]]);
    await post(user.apiKey, [span(t0 + DAY_MS, 'failed')]);
    rows = await database.query('SELECT status, start_time FROM llm_traces WHERE user_id = $1 AND span_id = $2', [user.userId, spanId]);
    expect(rows.map((r) => [r.status, r.start_time.getTime()])).toEqual([['failed', t0 + DAY_MS]]);
  });

  it('drops days past every account’s retention whole, deletes the boundary day row by row, and honours each account’s own retention', async () => {
    const database = getDatabase();
    // The report counts every span retention deletes: start from an empty table.
    await database.query('DELETE FROM llm_traces');
    const now = Date.now();
    const keeper = await createTestUser(database); // keeps 20 days
    const brief = await createTestUser(database); // keeps 2 days
    const plain = await createTestUser(database); // the server's default, 10 days here
    await database.query('INSERT INTO account_settings (user_id, retention_days) VALUES ($1, 20), ($2, 2)', [keeper.userId, brief.userId]);
    const at = (days: number) => new Date(now - days * DAY_MS);
    await ensureSpanPartitions(database, { from: at(30), to: at(1) });
    const traces = {
      plain25: threeLevelTrace({ start: at(25) }),
      plain15: threeLevelTrace({ start: at(15) }),
      plain5: threeLevelTrace({ start: at(5) }),
      keeper15: threeLevelTrace({ start: at(15) }),
      keeper25: threeLevelTrace({ start: at(25) }),
      brief5: threeLevelTrace({ start: at(5) }),
    };
    await post(plain.apiKey, [...traces.plain25.spans, ...traces.plain15.spans, ...traces.plain5.spans]);
    await post(keeper.apiKey, [...traces.keeper15.spans, ...traces.keeper25.spans]);
    await post(brief.apiKey, traces.brief5.spans);
    const day25 = dayName(at(25).getTime());
    expect((await listSpanPartitions(database)).map((p) => p.name)).toContain(day25);

    const report = await applyRetention(database, { cutoff: at(10), now: new Date(now) });
    // Day -25 holds nothing anyone keeps (the longest retention is 20 days): dropped whole, with its spans counted.
    expect(report.partitions).toContain(day25);
    expect((await listSpanPartitions(database)).map((p) => p.name)).not.toContain(day25);
    expect(report.spans).toBe(4 * 4); // plain25, keeper25 (dropped), plain15 and brief5 (row by row)
    expect(report.rowDeleted).toBe(8);
    const left = async (user: { userId: string }) =>
      (await database.query<{ trace_id: string }>('SELECT DISTINCT trace_id FROM llm_traces WHERE user_id = $1', [user.userId])).map((r) => r.trace_id);
    expect(await left(plain)).toEqual([traces.plain5.traceId]);
    expect(await left(keeper)).toEqual([traces.keeper15.traceId]);
    expect(await left(brief)).toEqual([]);
    // The ranges of the traces that went are forgotten; those of the traces kept stay.
    const ranges = async (user: { userId: string }) =>
      (await database.query<{ trace_id: string }>('SELECT trace_id FROM trace_ranges WHERE user_id = $1', [user.userId])).map((r) => r.trace_id);
    expect(await ranges(plain)).toEqual([traces.plain5.traceId]);
    expect(await ranges(keeper)).toEqual([traces.keeper15.traceId]);
    expect(await ranges(brief)).toEqual([]);
  });

  it('reads a trace whose spans arrive over several days and in any order whole: its spans, its list row, its outline', async () => {
    const database = getDatabase();
    const user = await createTestUser(database);
    const now = Date.now();
    await ensureSpanPartitions(database, { from: new Date(now - 4 * DAY_MS), to: new Date(now) });
    // The root started yesterday; one step today; a late batch holds a model call whose clock ran
    // two days behind (before the root), and a re-send of the root with an earlier start.
    const trace = threeLevelTrace({ start: new Date(now - DAY_MS) });
    const [root, retrieval, search, modelCall] = trace.spans;
    await post(user.apiKey, [root, retrieval]);
    await post(user.apiKey, [{ ...search, start_time: new Date(now).toISOString(), end_time: new Date(now + 50).toISOString() }]);
    await post(user.apiKey, [{ ...modelCall, start_time: new Date(now - 3 * DAY_MS).toISOString(), end_time: new Date(now - 3 * DAY_MS + 900).toISOString() }]);
    expect((await partitionsOf(database, user.userId, trace.traceId)).length).toBe(3);

    const spans = (await (await getJson(`/api/analytics/traces?trace_id=${trace.traceId}`, user.apiKey)).json()).traces;
    expect(spans.map((span: { span_id: string }) => span.span_id).sort()).toEqual(trace.spans.map((span) => span.span_id).sort());
    const list = (await (await getJson('/api/analytics/traces', user.apiKey)).json()).traces;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ trace_id: trace.traceId, span_count: 4, trace_input_tokens: 1000, trace_output_tokens: 200 });
    expect(list[0].input_preview).toBe('hi');
    const outline = await (await call(getOutline, { path: `/api/analytics/traces/${trace.traceId}/outline`, apiKey: user.apiKey, params: { traceId: trace.traceId } })).json();
    expect([...outline.span_id].sort()).toEqual(trace.spans.map((span) => span.span_id).sort());

    // The root re-sent with an earlier start moves; nothing is lost or doubled.
    await post(user.apiKey, [{ ...root, start_time: new Date(now - 4 * DAY_MS).toISOString() }]);
    const again = (await (await getJson(`/api/analytics/traces?trace_id=${trace.traceId}`, user.apiKey)).json()).traces;
    expect(again).toHaveLength(4);
    expect((await (await getJson('/api/analytics/traces', user.apiKey)).json()).traces[0]).toMatchObject({ span_count: 4, span_id: root.span_id });

    // Deleting the trace forgets its range too.
    expect((await call(deleteTrace, { path: `/api/analytics/traces/${trace.traceId}`, method: 'DELETE', apiKey: user.apiKey, params: { traceId: trace.traceId } })).status).toBeLessThan(300);
    expect(await database.query('SELECT 1 FROM trace_ranges WHERE user_id = $1', [user.userId])).toEqual([]);
  });
});

it.each(['pglite', 'postgres'] as const)('carries the spans of an unpartitioned table over, once [%s]', async (kind) => {
  const migrations = loadMigrations();
  // A fresh database at the state before partitioning: migrated up to 0011.
  const fresh = kind === 'pglite' ? await createDatabase({ dataDir: 'memory://', migrate: false }) : await createDatabase({ url: await createTestDatabaseUrl(), maxConnections: 3, migrate: false });
  try {
    await migrate(fresh, migrations.filter((m) => m.name < '0012'));
    const [user] = await fresh.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('carry@example.test', 'x') RETURNING id");
    const now = Date.now();
    const days = [0, -3, 5000, -(3650 * 2)]; // today, 3 days ago, far future (default), 20 years ago (default)
    for (const [i, d] of days.entries()) {
      await fresh.query(
        `INSERT INTO llm_traces (user_id, trace_id, span_id, span_name, start_time, operation_type, status, input_data, orphan)
         VALUES ($1, $2, $3, 'carried', $4, 'llm_call', 'completed', '{"q":"where is order 4411"}', $5)`,
        [user.id, String(i).repeat(32), String(i).repeat(16), new Date(now + d * DAY_MS).toISOString(), i === 1],
      );
    }
    expect(await migrate(fresh)).toEqual(migrations.filter((m) => m.name >= '0012').map((m) => m.name));
    const rows = await fresh.query<{ part: string; trace_id: string; orphan: boolean; search_text: string }>(
      'SELECT tableoid::regclass::text AS part, trace_id, orphan, search_text FROM llm_traces ORDER BY trace_id',
    );
    expect(rows.map((r) => r.part)).toEqual([dayName(now), dayName(now - 3 * DAY_MS), 'llm_traces_default', 'llm_traces_default']);
    expect(rows.map((r) => r.orphan)).toEqual([false, true, false, false]);
    expect(rows.every((r) => r.search_text.includes('order 4411'))).toBe(true);
    const [{ relkind }] = await fresh.query<{ relkind: string }>("SELECT relkind FROM pg_class WHERE relname = 'llm_traces'");
    expect(relkind).toBe('p');
    // Applied again (as a second process would, were it not recorded), it changes nothing.
    await fresh.exec(migrations.find((m) => m.name.startsWith('0012'))!.sql);
    expect(await fresh.query('SELECT trace_id FROM llm_traces ORDER BY trace_id')).toHaveLength(4);
  } finally {
    await fresh.close();
  }
});
