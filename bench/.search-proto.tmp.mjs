import postgres from 'postgres';
import { pools } from '/tmp/srch/corpus.mjs';
const port = process.argv[2] ?? '55433';
const traces = Number(process.argv[3] ?? 250000);
const sql = postgres(`postgres://postgres@127.0.0.1:${port}/proto`, { onnotice: () => {} });
const t0 = Date.now();
const lap = (m) => console.log(m, ((Date.now() - t0) / 1000).toFixed(1) + 's');
await sql.unsafe("DELETE FROM llm_traces; DELETE FROM users");
const [user] = await sql.unsafe("INSERT INTO users (email, password_hash) VALUES ('bench-query@example.test', 'x') RETURNING id");
await sql.unsafe('DROP TABLE IF EXISTS bench_pool; CREATE UNLOGGED TABLE bench_pool (lang text, i int, s text, PRIMARY KEY (lang, i))');
const rows = pools(4000);
for (let i = 0; i < rows.length; i += 2000) await sql`INSERT INTO bench_pool ${sql(rows.slice(i, i + 2000).map(([lang, i2, s]) => ({ lang, i: i2, s })))}`;
lap('pool');
const N = 4000;
const SEED = (from, to) => `
WITH t AS (
  SELECT g, md5('t' || g) AS trace_id, substr(md5('r' || g), 1, 16) AS root_id, now() - (g * interval '10 seconds') AS start_at,
    CASE WHEN g % 20 < 14 THEN 'en' WHEN g % 20 < 16 THEN 'ru' WHEN g % 20 < 18 THEN 'zh' WHEN g % 20 = 18 THEN 'ja' ELSE 'ar' END AS lang
  FROM generate_series(${from}, ${to}) AS g
), x AS (
  SELECT t.*,
    CASE WHEN t.lang = 'en' AND t.g % 97 = 0 THEN 'I would like a refund for my last purchase. ' ELSE '' END
    || CASE WHEN t.lang = 'ru' AND t.g % 13 = 0 THEN 'Хочу оформить возврат. ' ELSE '' END
    || CASE WHEN t.lang = 'ar' AND t.g % 11 = 0 THEN 'أريد استرداد المبلغ ' ELSE '' END
    || q.s
    || CASE WHEN t.lang = 'zh' AND t.g % 7 = 0 THEN '我要退款' ELSE '' END
    || CASE WHEN t.lang = 'ja' AND t.g % 3 = 0 THEN '注文番号は' || (t.g % 100000) || 'です。' ELSE '' END
    || CASE WHEN t.g % 5 = 0 THEN ' order #' || (1000 + (t.g * 7919) % 90000) ELSE '' END AS question,
    a1.s || ' ' || a2.s AS answer, tq.s AS tool_query, tr.s AS tool_result
  FROM t
  JOIN bench_pool q ON q.lang = t.lang AND q.i = (t.g * 7) % ${N}
  JOIN bench_pool a1 ON a1.lang = t.lang AND a1.i = (t.g * 13 + 1) % ${N}
  JOIN bench_pool a2 ON a2.lang = t.lang AND a2.i = (t.g * 31 + 2) % ${N}
  JOIN bench_pool tq ON tq.lang = t.lang AND tq.i = (t.g * 17 + 3) % ${N}
  JOIN bench_pool tr ON tr.lang = t.lang AND tr.i = (t.g * 23 + 4) % ${N}
), m AS (
  SELECT x.*, jsonb_build_array(jsonb_build_object('role', 'system', 'content', 'You are a helpful support assistant.'), jsonb_build_object('role', 'user', 'content', x.question)) AS messages,
    CASE WHEN x.g % 200 = 0 THEN jsonb_build_object('error', 'ERR_TIMEOUT: upstream did not answer within 30 s')
         WHEN x.g % 150 = 0 THEN jsonb_build_object('error', 'ERR_RATE_LIMIT: too many requests')
         ELSE jsonb_build_object('results', jsonb_build_array(jsonb_build_object('title', left(x.tool_query, 40), 'snippet', x.tool_result))) END AS tool_out
  FROM x
)
INSERT INTO llm_traces (user_id, trace_id, span_id, parent_trace_id, span_name, operation_type, status, error_message,
                        start_time, end_time, duration_ms, model_name, model_provider, input_tokens, output_tokens, total_tokens, cost_usd, input_data, output_data)
SELECT $1::uuid, m.trace_id,
       CASE k WHEN 0 THEN m.root_id ELSE substr(md5('s' || m.g || '-' || k), 1, 16) END,
       CASE k WHEN 0 THEN NULL ELSE m.root_id END,
       CASE k WHEN 0 THEN 'llm.completion' WHEN 2 THEN 'tool.web_search' ELSE 'llm.call' END,
       CASE k WHEN 2 THEN 'tool_call' ELSE 'llm_call' END,
       CASE WHEN m.g % 50 = 0 THEN 'failed' ELSE 'completed' END,
       CASE WHEN m.g % 50 = 0 THEN 'upstream timeout' END,
       m.start_at + k * interval '1 millisecond', m.start_at + ((m.g % 5000) * interval '1 millisecond'), (m.g % 5000),
       CASE WHEN m.g % 3 = 0 THEN 'claude-sonnet-4-6' ELSE 'gpt-4o-mini' END,
       CASE WHEN m.g % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
       900, 120, 1020, 0.0003,
       CASE k WHEN 0 THEN jsonb_build_object('messages', m.messages)
              WHEN 1 THEN jsonb_build_object('messages', m.messages)
              WHEN 2 THEN jsonb_build_object('query', m.tool_query)
              ELSE jsonb_build_object('messages', m.messages || jsonb_build_array(jsonb_build_object('role', 'tool', 'content', m.tool_out::text))) END,
       CASE k WHEN 0 THEN jsonb_build_object('content', m.answer)
              WHEN 1 THEN jsonb_build_object('role', 'assistant', 'content', NULL, 'tool_calls', jsonb_build_array(jsonb_build_object('name', 'web_search', 'arguments', jsonb_build_object('query', m.tool_query))))
              WHEN 2 THEN m.tool_out
              ELSE jsonb_build_object('role', 'assistant', 'content', m.answer) END
FROM m CROSS JOIN generate_series(0, 3) AS k`;
if (process.env.DROP_IDX) await sql.unsafe('DROP INDEX IF EXISTS llm_traces_search_trgm_idx; DROP INDEX IF EXISTS llm_traces_search_cjk_idx');
for (let done = 0; done < traces; done += 50000) {
  const n = Math.min(50000, traces - done);
  await sql.unsafe(SEED(done + 1, done + n), [user.id]);
  lap(`seeded ${(done + n) * 4}`);
}
await sql.unsafe('VACUUM ANALYZE llm_traces');
lap('analyze');
console.log(await sql.unsafe("select pg_size_pretty(pg_total_relation_size('llm_traces')) total, pg_size_pretty(pg_relation_size('llm_traces')) heap"));
await sql.end();
