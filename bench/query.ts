/**
 * Trace-list latency at scale: 1M spans (250k traces of 4 spans; `--spans N` for more) for one
 * user on Postgres, spread over the last 30 days (one partition per day), then the list query of
 * `GET /api/analytics/traces` with each filter, pairs of common filters, the tenth page, its
 * full-text search `q`, the Overview's stats for 24 h and 30 d, the Sessions and End users pages
 * (every sort) and one trace's spans: p50/p95
 * over repeated runs.
 *
 * Every span carries text in its input and output (a chat: a question, a tool query and result,
 * an answer) in English, Russian, Chinese, Japanese or Arabic (bench/search-corpus.ts), plus a
 * session, an end user, tags and a service. The table's secondary indexes are dropped during the
 * seed and built again after it (as a restore would), which is several times faster than
 * maintaining them row by row; the search indexes' build dominates the seeding time.
 */
import { createDatabase, type Database } from '@/lib/db/client';
import { ensureSpanPartitions } from '@/lib/trace-store/partitions';
import { applyRetention } from '@/lib/trace-store/retention';
import { END_USER_SORTS, listEndUsers } from '@/lib/trace-store/end-users';
import { getTraceSpans, listRootSpans, type TraceListFilters } from '@/lib/trace-store/read';
import { listSessions } from '@/lib/trace-store/sessions';
import { QUARTER_OF, refreshAllRollups } from '@/lib/trace-store/rollups';
import { overviewStats } from '@/lib/trace-store/stats';
import { analyzeStaleTables } from '@/lib/db/analyze';
import { sentencePool } from './search-corpus';

export interface QueryResult {
  label: string;
  /** Over every round: the median of the rounds' p50 and p95. */
  p50: number;
  p95: number;
  /** Each round's p50 and p95 (one round: one value each). */
  p50Rounds: number[];
  p95Rounds: number[];
  rows: number;
  /** For a search: the share of all traces it matches. */
  matching?: number;
}

export interface QueryBench {
  list: QueryResult[];
  search: QueryResult[];
  /** The Overview's stats and one trace's span load. */
  other: QueryResult[];
  traces: number;
  seedSeconds: number;
  indexSeconds: number;
  /** The Overview's hourly roll-ups built from the seeded spans, as the server's background task would. */
  rollup: { quarters: number; seconds: number };
  /** Retention of the oldest days, after the queries: whole partitions dropped, the boundary day row by row. */
  retention: { partitions: number; spans: number; dropMs: number; rowDeleted: number; totalMs: number; spansLeft: number };
}

const POOL_SIZE = 4000;

/** The seeded traces start this far apart, newest first, so that they span the last 30 days. */
const spacingMs = (traces: number) => (30 * 86_400_000) / traces;

const SEED_SQL = (from: number, to: number, spacing: number) => `
WITH t AS (
  SELECT g, md5('t' || g) AS trace_id, substr(md5('r' || g), 1, 16) AS root_id,
         now() - (g * interval '${spacing} milliseconds') AS start_at,
         CASE WHEN g % 20 < 14 THEN 'en' WHEN g % 20 < 16 THEN 'ru' WHEN g % 20 < 18 THEN 'zh' WHEN g % 20 = 18 THEN 'ja' ELSE 'ar' END AS lang
  FROM generate_series(${from}::int8, ${to}::int8) AS g
), x AS (
  SELECT t.*,
    -- A few phrases at known rates, for the searches below.
    CASE WHEN t.lang = 'en' AND t.g % 97 = 0 THEN 'I would like a refund for my last purchase. ' ELSE '' END
    || CASE WHEN t.lang = 'ru' AND t.g % 13 = 0 THEN 'Хочу оформить возврат. ' ELSE '' END
    || CASE WHEN t.lang = 'ar' AND t.g % 11 = 0 THEN 'أريد استرداد المبلغ ' ELSE '' END
    || q.s
    || CASE WHEN t.lang = 'zh' AND t.g % 7 = 0 THEN '我要退款。' ELSE '' END
    || CASE WHEN t.lang = 'ja' AND t.g % 3 = 0 THEN '注文番号は' || (t.g % 100000) || 'です。' ELSE '' END
    || CASE WHEN t.g % 5 = 0 THEN ' order #' || (1000 + (t.g * 7919) % 90000) ELSE '' END AS question,
    a.s AS answer, tq.s AS tool_query, tr.s AS tool_result
  FROM t
  JOIN bench_sentences q ON q.lang = t.lang AND q.i = (t.g * 7) % ${POOL_SIZE}
  JOIN bench_sentences a ON a.lang = t.lang AND a.i = (t.g * 13 + 1) % ${POOL_SIZE}
  JOIN bench_sentences tq ON tq.lang = t.lang AND tq.i = (t.g * 17 + 3) % ${POOL_SIZE}
  JOIN bench_sentences tr ON tr.lang = t.lang AND tr.i = (t.g * 23 + 4) % ${POOL_SIZE}
), m AS (
  SELECT x.*,
    jsonb_build_array(jsonb_build_object('role', 'system', 'content', 'You are a helpful support assistant.'), jsonb_build_object('role', 'user', 'content', x.question)) AS messages,
    CASE WHEN x.g % 200 = 0 THEN jsonb_build_object('error', 'ERR_TIMEOUT: upstream did not answer within 30 s')
         WHEN x.g % 150 = 0 THEN jsonb_build_object('error', 'ERR_RATE_LIMIT: too many requests')
         ELSE jsonb_build_object('results', jsonb_build_array(jsonb_build_object('title', left(x.tool_query, 40), 'snippet', x.tool_result))) END AS tool_out
  FROM x
)
INSERT INTO llm_traces (user_id, trace_id, span_id, parent_trace_id, span_name, operation_type, status, error_message,
                        start_time, end_time, duration_ms, model_name, model_provider, input_tokens, output_tokens, total_tokens, cost_usd,
                        service_name, session_id, end_user_id, tags, input_data, output_data)
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
       CASE WHEN m.g % 4 = 0 THEN 'search-api' ELSE 'support-bot' END,
       'session-' || (m.g / 4), 'user-' || (m.g % 5000),
       CASE m.g % 10 WHEN 0 THEN ARRAY['vip'] WHEN 1 THEN ARRAY['beta', 'vip'] ELSE '{}'::text[] END,
       CASE k WHEN 2 THEN jsonb_build_object('query', m.tool_query)
              WHEN 3 THEN jsonb_build_object('messages', m.messages || jsonb_build_array(jsonb_build_object('role', 'tool', 'content', m.tool_out::text)))
              ELSE jsonb_build_object('messages', m.messages) END,
       CASE k WHEN 0 THEN jsonb_build_object('content', m.answer)
              WHEN 1 THEN jsonb_build_object('role', 'assistant', 'content', NULL, 'tool_calls', jsonb_build_array(jsonb_build_object('name', 'web_search', 'arguments', jsonb_build_object('query', m.tool_query))))
              WHEN 2 THEN m.tool_out
              ELSE jsonb_build_object('role', 'assistant', 'content', m.answer) END
FROM m CROSS JOIN generate_series(0, 3) AS k`;

/** The list's filters, each measured on its own. */
const LIST_CASES: Array<[string, TraceListFilters, boolean?]> = [
  ['newest 50 roots', {}],
  ['next page (cursor)', {}, true],
  ['status=failed', { status: 'failed' }],
  ['model_provider=anthropic', { model_provider: 'anthropic' }],
  ['model_name=gpt-4o-mini', { model_name: 'gpt-4o-mini' }],
  ['min_duration_ms=4900', { min_duration_ms: 4900 }],
  ['operation_type=tool_call', { operation_type: 'tool_call' }],
  ['last hour (from)', { from: new Date(Date.now() - 3_600_000) }],
  ['service_name=search-api', { service_name: 'search-api' }],
  ['session_id=session-1000', { session_id: 'session-1000' }],
  ['end_user_id=user-42', { end_user_id: 'user-42' }],
  ['tag=beta', { tag: ['beta'] }],
  // Pairs of common filters.
  ['status=failed + model_provider=anthropic', { status: 'failed', model_provider: 'anthropic' }],
  ['status=failed + last 24 h', { status: 'failed', from: new Date(Date.now() - 86_400_000) }],
  ['model_name + service_name', { model_name: 'gpt-4o-mini', service_name: 'search-api' }],
  ['end_user_id + last 7 days', { end_user_id: 'user-42', from: new Date(Date.now() - 7 * 86_400_000) }],
  ['tag=vip + status=failed', { tag: ['vip'], status: 'failed' }],
  ['min_duration_ms=4900 + model_provider=openai', { min_duration_ms: 4900, model_provider: 'openai' }],
];

/** Searches (`q`) over every span's input and output, from common to absent. */
const SEARCH_CASES: Array<[string, TraceListFilters, boolean?]> = [
  ['common English word: please', { q: 'please' }],
  ['English word: refund', { q: 'refund' }],
  ['English word, next page (cursor)', { q: 'refund' }, true],
  ['part of a word: efun', { q: 'efun' }],
  ['identifier: ERR_TIMEOUT', { q: 'ERR_TIMEOUT' }],
  ['identifier: order #4411', { q: 'order #4411' }],
  ['error text: timeout', { q: 'timeout' }],
  ['Chinese: 退款', { q: '退款' }],
  ['Japanese: 注文番号', { q: '注文番号' }],
  ['Russian: возврат', { q: 'возврат' }],
  ['Arabic: استرداد', { q: 'استرداد' }],
  ['no match: xylophone quartz', { q: 'xylophone quartz' }],
  ['refund + status=failed', { q: 'refund', status: 'failed' }],
  ['please + tag=beta', { q: 'please', tag: ['beta'] }],
];

/**
 * Fills the span table with `traces` traces of 4 spans for `userId` (see the file's comment). With
 * `analyze` (the default) it ends with `VACUUM ANALYZE`, as a restore would; without it the tables
 * are left as embedded PGlite's writer leaves them, never analyzed ({@link benchPgliteQueries}).
 */
export async function seed(database: Database, userId: string, traces: number, onProgress?: (message: string) => void, { analyze = true }: { analyze?: boolean } = {}) {
  await database.exec('DROP TABLE IF EXISTS bench_sentences; CREATE UNLOGGED TABLE bench_sentences (lang text, i int, s text, PRIMARY KEY (lang, i))');
  const pool = sentencePool(POOL_SIZE);
  for (let i = 0; i < pool.length; i += 1000) {
    const chunk = pool.slice(i, i + 1000);
    await database.query(
      `INSERT INTO bench_sentences (lang, i, s) SELECT * FROM unnest($1::text[], $2::int[], $3::text[])`,
      [chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => r[2])],
    );
  }
  // Secondary indexes are built once after the seed; the key and unique constraints stay.
  const indexes = await database.query<{ name: string; definition: string }>(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
     WHERE i.schemaname = 'public' AND i.tablename = 'llm_traces'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  for (const index of indexes) await database.exec(`DROP INDEX ${index.name}`);
  const seedStart = Date.now();
  await ensureSpanPartitions(database, { from: new Date(Date.now() - 31 * 86_400_000), to: new Date() });
  const chunk = 25_000;
  for (let done = 0; done < traces; done += chunk) {
    const n = Math.min(chunk, traces - done);
    await database.query(SEED_SQL(done + 1, done + n, spacingMs(traces)), [userId]);
    onProgress?.(`seeded ${((done + n) * 4).toLocaleString('en-US')} spans`);
  }
  // The writer keeps each trace's span range (trace-ranges.ts); a seed around it fills them at once.
  await database.exec(
    'INSERT INTO trace_ranges (user_id, trace_id, first_start, last_start) SELECT user_id, trace_id, min(start_time), max(start_time) FROM llm_traces GROUP BY 1, 2 ON CONFLICT DO NOTHING',
  );
  const seedSeconds = (Date.now() - seedStart) / 1000;
  const indexStart = Date.now();
  // Two builds at a time (the search's trigram index, the longest, first).
  const queue = [...indexes].sort((a, b) => Number(b.name.includes('search')) - Number(a.name.includes('search')));
  const build = async () => {
    for (let index = queue.shift(); index; index = queue.shift()) {
      await database.transaction(async (tx) => {
        await tx.query("SET LOCAL maintenance_work_mem = '1GB'");
        // On a partitioned table pg_indexes says `ON ONLY llm_traces`, which would build no partition's index.
        await tx.exec(index.definition.replace(' ON ONLY ', ' ON '));
      });
      onProgress?.(`built ${index.name}`);
    }
  };
  await Promise.all([build(), build()]);
  await database.exec('DROP TABLE bench_sentences');
  if (analyze) await database.exec('VACUUM ANALYZE llm_traces');
  const indexSeconds = (Date.now() - indexStart) / 1000;
  // The server builds the Overview's roll-ups in the background as spans arrive (rollups.ts); a seed marks every quarter hour at once.
  const rollupStart = Date.now();
  await database.exec(`INSERT INTO stats_dirty (user_id, quarter) SELECT DISTINCT user_id, ${QUARTER_OF('start_time')} FROM llm_traces ON CONFLICT DO NOTHING`);
  const quarters = await refreshAllRollups(database, { onProgress: (n) => n % 960 === 0 && onProgress?.(`rolled up ${n} quarter hours`) });
  if (analyze) await database.exec('VACUUM ANALYZE stats_hourly, stats_hourly_models, stats_quarters, stats_quarter_models, stats_dirty, group_hourly, group_totals');
  return { seedSeconds, indexSeconds, rollup: { quarters, seconds: (Date.now() - rollupStart) / 1000 } };
}

async function timed(label: string, runs: number, run: () => Promise<number>): Promise<QueryResult> {
  await run(); // warm
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    rows = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const p95 = times[Math.min(runs - 1, Math.floor(runs * 0.95))]!;
  const p50 = times[Math.floor(runs * 0.5)]!;
  return { label, p50, p95, p50Rounds: [p50], p95Rounds: [p95], rows };
}

/** A list query; `pages` > 1 measures that page, reached by following the cursor (not timed). */
async function measure(database: Database, userId: string, [label, filters, paged]: [string, TraceListFilters, boolean?], runs: number, pages = paged ? 2 : 1): Promise<QueryResult> {
  let cursor: { startTime: string; id: string } | null = null;
  for (let page = 1; page < pages; page++) {
    const { nextCursor } = await listRootSpans(database, { userId, filters, limit: 50, withData: false, cursor });
    if (!nextCursor) break;
    const [startTime, id] = JSON.parse(Buffer.from(nextCursor, 'base64url').toString()) as [string, string];
    cursor = { startTime, id };
  }
  return timed(label, runs, async () => (await listRootSpans(database, { userId, filters, limit: 50, withData: false, cursor })).traces.length);
}

export async function benchTraceListQuery(
  url: string,
  { traces = 250_000, runs = 30, onProgress }: { traces?: number; runs?: number; onProgress?: (message: string) => void } = {},
): Promise<QueryBench> {
  const database = await createDatabase({ url });
  try {
    const [user] = await database.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('bench-query@example.test', 'x') RETURNING id");
    const { seedSeconds, indexSeconds, rollup } = await seed(database, user!.id, traces, onProgress);
    // Three rounds of every query: each figure is the median of the rounds, with the rounds' p95 range.
    const rounds: Array<Pick<QueryBench, 'list' | 'search' | 'other'>> = [];
    for (let round = 1; round <= QUERY_ROUNDS; round++) {
      onProgress?.(`queries: round ${round} of ${QUERY_ROUNDS}`);
      rounds.push(await measureQueries(database, user!.id, { traces, runs, onProgress }));
    }
    const measured = mergeRounds(rounds);
    onProgress?.('retention: the oldest days');
    const retention = await timeRetention(database);
    return { ...measured, traces, seedSeconds, indexSeconds, rollup, retention };
  } finally {
    await database.close();
  }
}

const QUERY_ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One list of queries over several rounds (the same queries in each), query by query: medians of p50 and p95, every round's kept. */
function mergeResults(rounds: QueryResult[][]): QueryResult[] {
  return rounds[0]!.map((first, i) => {
    const all = rounds.map((round) => round[i]!);
    return { ...first, p50: median(all.map((r) => r.p50)), p95: median(all.map((r) => r.p95)), p50Rounds: all.map((r) => r.p50), p95Rounds: all.map((r) => r.p95) };
  });
}

/** {@link mergeResults} for each part of the section. */
function mergeRounds(rounds: Array<Pick<QueryBench, 'list' | 'search' | 'other'>>): Pick<QueryBench, 'list' | 'search' | 'other'> {
  return { list: mergeResults(rounds.map((r) => r.list)), search: mergeResults(rounds.map((r) => r.search)), other: mergeResults(rounds.map((r) => r.other)) };
}

/**
 * Retention with a cutoff 25½ days back (the seed spreads its spans over 30 days): the days before
 * it go as whole partitions, and the half day before the cutoff row by row.
 */
async function timeRetention(database: Database): Promise<QueryBench['retention']> {
  const start = performance.now();
  const report = await applyRetention(database, { cutoff: new Date(Date.now() - 25.5 * 86_400_000) });
  const totalMs = performance.now() - start;
  const [left] = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces');
  return { partitions: report.partitions.length, spans: report.spans, dropMs: report.dropMs, rowDeleted: report.rowDeleted, totalMs, spansLeft: Number(left?.n ?? 0) };
}

/** Every figure of the section, on a database the seed filled (`traces` traces for `userId`). */
export async function measureQueries(
  database: Database,
  userId: string,
  { traces, runs = 30, onProgress }: { traces: number; runs?: number; onProgress?: (message: string) => void },
): Promise<Pick<QueryBench, 'list' | 'search' | 'other'>> {
  const list: QueryResult[] = [];
  for (const testCase of LIST_CASES) list.push(await measure(database, userId, testCase, runs));
  list.push(await measure(database, userId, ['tenth page (cursor)', {}], runs, 10));
  const other: QueryResult[] = [];
  const now = Date.now();
  const overviewCases = [
    ['Overview stats, last 24 h', 1, true],
    ['Overview stats, last 24 h, every span read (no roll-ups)', 1, false],
    ['Overview stats, last 7 days', 7, true],
    ['Overview stats, last 30 days', 30, true],
    ['Overview stats, last 30 days, every span read (no roll-ups)', 30, false],
  ] as const;
  for (const [label, days, rollups] of overviewCases) {
    // Reading every span takes seconds: a few runs say enough.
    other.push(await timed(label, rollups ? runs : 5, async () => (await overviewStats(database, { userId, from: new Date(now - days * 86_400_000), to: new Date(now), rollups })).series.length));
  }
  // The Sessions page and the End users page in every sort (their first page of 50).
  other.push(await timed('Sessions page', runs, async () => (await listSessions(database, { userId, limit: 50 })).sessions.length));
  for (const sort of END_USER_SORTS) {
    other.push(await timed(`End users page by ${sort}`, runs, async () => (await listEndUsers(database, { userId, sort, order: 'desc', limit: 50 })).users.length));
  }
  // Under steady ingest the quarter hour in progress is always marked: its hour is read from the spans.
  await database.query(`INSERT INTO stats_dirty (user_id, quarter) SELECT $1, ${QUARTER_OF('max(start_time)')} FROM llm_traces WHERE user_id = $1 ON CONFLICT DO NOTHING`, [userId]);
  other.push(await timed('Sessions page, newest hour marked (steady ingest)', runs, async () => (await listSessions(database, { userId, limit: 50 })).sessions.length));
  other.push(await timed('End users page by last_seen, newest hour marked', runs, async () => (await listEndUsers(database, { userId, sort: 'last_seen', order: 'desc', limit: 50 })).users.length));
  await database.query('DELETE FROM stats_dirty WHERE user_id = $1', [userId]);
  const [{ trace_id: traceId }] = await database.query<{ trace_id: string }>('SELECT md5($1) AS trace_id', [`t${Math.floor(traces / 2)}`]);
  other.push(await timed('one trace’s spans (trace view)', runs, async () => (await getTraceSpans(database, { userId, traceId })).length));
  const search: QueryResult[] = [];
  for (const testCase of SEARCH_CASES) {
    onProgress?.(`search: ${testCase[0]}`);
    const result = await measure(database, userId, testCase, runs);
    if (!testCase[2] && Object.keys(testCase[1]).length === 1) {
      // How common the text is: traces with a span that contains it (a scan, not timed).
      const [count] = await database.query<{ n: number }>(
        'SELECT count(DISTINCT trace_id)::int AS n FROM llm_traces WHERE user_id = $1 AND search_text LIKE lower($2)',
        [userId, `%${testCase[1].q!.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
      );
      result.matching = Number(count?.n ?? 0) / traces;
    }
    search.push(result);
  }
  return { list, search, other };
}

/** The cases {@link benchPgliteQueries} measures: the filters and searches that planner statistics change most, and a few they do not. */
const PGLITE_CASES = [
  'newest 50 roots',
  'status=failed',
  'operation_type=tool_call',
  'min_duration_ms=4900 + model_provider=openai',
  'end_user_id=user-42',
  'English word: refund',
  'identifier: order #4411',
  'Chinese: 退款',
  'no match: xylophone quartz',
  'refund + status=failed',
];

export interface PgliteQueryBench {
  traces: number;
  seedSeconds: number;
  /** The server's planner-statistics task (lib/db/analyze.ts) run once over the seeded tables. */
  analyze: { tables: number; ms: number };
  /** Each case before the analysis (as every embedded install was) and after it: the medians of the rounds, every round's p95 kept. */
  cases: Array<{ label: string; rows: number; before: QueryResult; after: QueryResult }>;
}

/**
 * The trace list and search on embedded PGlite, which has no autovacuum: `traces` traces of 4
 * spans in an in-memory PGlite, seeded as above but not analyzed; each case of
 * {@link PGLITE_CASES} measured (3 rounds of 5 runs), then the server's own statistics task run
 * once over every table, then each case again (3 rounds of 10 runs).
 */
export async function benchPgliteQueries({ traces = 62_500, onProgress }: { traces?: number; onProgress?: (message: string) => void } = {}): Promise<PgliteQueryBench> {
  const database = await createDatabase({ dataDir: 'memory://' });
  try {
    const [user] = await database.query<{ id: string }>("INSERT INTO users (email, password_hash) VALUES ('bench-pglite@example.test', 'x') RETURNING id");
    const userId = user!.id;
    const { seedSeconds } = await seed(database, userId, traces, onProgress, { analyze: false });
    const cases = [...LIST_CASES, ...SEARCH_CASES].filter(([label]) => PGLITE_CASES.includes(label));
    const measureAll = async (runs: number, label: string) => {
      const rounds: QueryResult[][] = [];
      for (let round = 1; round <= QUERY_ROUNDS; round++) {
        onProgress?.(`PGlite ${label}: round ${round} of ${QUERY_ROUNDS}`);
        const results: QueryResult[] = [];
        for (const testCase of cases) results.push(await measure(database, userId, testCase, runs));
        rounds.push(results);
      }
      return mergeResults(rounds);
    };
    const before = await measureAll(5, 'without statistics');
    const started = performance.now();
    const tables = await analyzeStaleTables(database);
    const analyze = { tables: tables.length, ms: performance.now() - started };
    const after = await measureAll(10, 'after the statistics task');
    return { traces, seedSeconds, analyze, cases: before.map((b, i) => ({ label: b.label, rows: after[i]!.rows, before: b, after: after[i]! })) };
  } finally {
    await database.close();
  }
}
