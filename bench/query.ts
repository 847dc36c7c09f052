/**
 * Trace-list latency at scale: 1M spans (250k traces of 4 spans) for one user on Postgres, then
 * the list query of `GET /api/analytics/traces` with each filter, p50/p95 over repeated runs.
 */
import { createDatabase } from '@/lib/db/client';
import { listRootSpans, type TraceListFilters } from '@/lib/trace-store/read';

export interface QueryResult {
  label: string;
  p50: number;
  p95: number;
  rows: number;
}

const SEED_SQL = `
WITH t AS (
  SELECT g, md5('t' || g) AS trace_id, substr(md5('r' || g), 1, 16) AS root_id,
         now() - (g * interval '10 seconds') AS start_at
  FROM generate_series(1, $2::int) AS g
)
INSERT INTO llm_traces (user_id, trace_id, span_id, parent_trace_id, span_name, operation_type, status, error_message,
                        start_time, end_time, duration_ms, model_name, model_provider, input_tokens, output_tokens, total_tokens, cost_usd)
SELECT $1::uuid, t.trace_id,
       CASE k WHEN 0 THEN t.root_id ELSE substr(md5('s' || t.g || '-' || k), 1, 16) END,
       CASE k WHEN 0 THEN NULL ELSE t.root_id END,
       CASE k WHEN 0 THEN 'llm.completion' WHEN 2 THEN 'tool.web_search' ELSE 'llm.call' END,
       CASE k WHEN 2 THEN 'tool_call' ELSE 'llm_call' END,
       CASE WHEN t.g % 50 = 0 THEN 'failed' ELSE 'completed' END,
       CASE WHEN t.g % 50 = 0 THEN 'upstream timeout' END,
       t.start_at, t.start_at + ((t.g % 5000) * interval '1 millisecond'), (t.g % 5000),
       CASE WHEN t.g % 3 = 0 THEN 'claude-sonnet-4-6' ELSE 'gpt-4o-mini' END,
       CASE WHEN t.g % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
       900, 120, 1020, 0.0003
FROM t CROSS JOIN generate_series(0, 3) AS k`;

export async function benchTraceListQuery(url: string, { traces = 250_000, runs = 30, onProgress }: { traces?: number; runs?: number; onProgress?: (message: string) => void } = {}): Promise<QueryResult[]> {
  const database = await createDatabase({ url });
  try {
    const [user] = await database.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('bench-query@example.test', 'x') RETURNING id");
    const chunk = 50_000;
    for (let done = 0; done < traces; done += chunk) {
      const n = Math.min(chunk, traces - done);
      await database.query(SEED_SQL.replace('generate_series(1, $2::int)', `generate_series(${done + 1}, ${done + n})`).replace('$2::int', String(n)), [user.id]);
      onProgress?.(`seeded ${((done + n) * 4).toLocaleString('en-US')} spans`);
    }
    await database.exec('ANALYZE llm_traces');
    const cases: Array<[string, TraceListFilters, boolean?]> = [
      ['newest 50 roots', {}],
      ['next page (cursor)', {}, true],
      ['status=failed', { status: 'failed' }],
      ['model_provider=anthropic', { model_provider: 'anthropic' }],
      ['model_name=gpt-4o-mini', { model_name: 'gpt-4o-mini' }],
      ['min_duration_ms=4900', { min_duration_ms: 4900 }],
      ['operation_type=tool_call', { operation_type: 'tool_call' }],
      ['last hour (from)', { from: new Date(Date.now() - 3_600_000) }],
      ['q=timeout', { q: 'timeout' }],
    ];
    const results: QueryResult[] = [];
    for (const [label, filters, paged] of cases) {
      const first = await listRootSpans(database, { userId: user.id, filters, limit: 50 });
      const cursor = paged && first.nextCursor ? JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString()) : null;
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const page = await listRootSpans(database, { userId: user.id, filters, limit: 50, cursor: cursor ? { startTime: cursor[0], id: cursor[1] } : null });
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        rows = page.traces.length;
      }
      times.sort((a, b) => a - b);
      results.push({ label, p50: times[Math.floor(runs * 0.5)], p95: times[Math.min(runs - 1, Math.floor(runs * 0.95))], rows });
    }
    return results;
  } finally {
    await database.close();
  }
}
