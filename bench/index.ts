/**
 * `npm run bench`: every speed target of DESIGN.md §8 measured side by side with a peer in one run,
 * reported as ratios (this machine is noisy; absolute numbers are context only). Results are
 * printed and written to docs/benchmarks.md.
 * What people wrote under each section stands in notes that a full run carries over (bench/notes.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchFootprint, type FootprintResult } from './footprint';
import { findPostgresBinDir, startPostgres, type PostgresServer } from '../tests/support/postgres-server';
import { benchBigTrace, type BigTraceBench } from './big-trace';
import { benchIndexCost, type IndexCostStep } from './index-cost';
import { benchIngest, CLIENTS, type IngestResult } from './ingest';
import { notesLines, readNotes } from './notes';
import { benchPgliteQueries, benchTraceListQuery, type PgliteQueryBench, type QueryBench } from './query';
import type { ProxyBenchResult } from './proxy';
import { benchTracingOverhead } from './tracing-overhead';

/** The median of some numbers (the upper one of an even count). */
const medianOf = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The proxy bench in its own process, so the servers and spans of the other sections do not disturb it. */
function proxyBench(): ProxyBenchResult {
  const out = execFileSync(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'bench/proxy.ts'], { env: { ...process.env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function chatRound(tracing: boolean): { p50: number; p95: number } {
  const out = execFileSync(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'bench/chat-overhead.ts'], {
    env: { ...process.env, ENABLE_TRACING: String(tracing), DEMO_DELAY_SCALE: '0', DEFAULT_PROVIDER: 'demo', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** `npm run bench -- --only ingest` runs one section and prints it without rewriting docs/benchmarks.md. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
/** `npm run bench -- --spans 10000000`: the trace-list section's table size (default 1M; seeding 10M takes about an hour). */
const spansArg = process.argv.includes('--spans') ? Number(process.argv[process.argv.indexOf('--spans') + 1]) : 1_000_000;
if (!Number.isInteger(spansArg) || spansArg < 4000) {
  console.error('--spans takes a whole number of spans, at least 4000 (for example --spans 10000000)');
  process.exit(2);
}
const SECTIONS = ['overhead', 'ingest', 'query', 'pglitequery', 'bigtrace', 'footprint', 'chat', 'proxy', 'indexcost'] as const;
if (only && !(SECTIONS as readonly string[]).includes(only)) {
  console.error(`--only takes one of: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const runs = (section: (typeof SECTIONS)[number]) => !only || only === section;

const DOC = 'docs/benchmarks.md';
/** Runs of the footprint section (each about 2½ minutes). */
const FOOTPRINT_RUNS = 3;

async function main() {
  const lines: string[] = [];
  const log = (line = '') => {
    console.log(line);
    lines.push(line);
  };
  const notes = readNotes(existsSync(DOC) ? readFileSync(DOC, 'utf8') : '');
  /** A section's notes, carried over into the file (not printed: they are not this run's). */
  const keep = (section: (typeof SECTIONS)[number]) => lines.push(...notesLines(section, notes));
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  log('# LLMTrace benchmarks');
  log();
  log(`Run ${new Date().toISOString()} on ${machine}. Each line compares us with a peer measured in the same run; ratios matter, absolute numbers drift with machine load.`);
  log();

  if (runs('overhead')) {
    console.error('▶ 1/4 span overhead: our queue vs the OpenTelemetry SDK…');
    const overhead = await benchTracingOverhead();
    log('## 1. Span start + end (DESIGN §8: no more than the OpenTelemetry SDK)');
    log();
    log(
      `${overhead.rounds} runs × ${fmt(overhead.spansPerRound)} spans per library in one process, after a warm-up; each run is one round of ours ` +
        'and one of OpenTelemetry back to back (who goes first alternates), and gives its own ratio.',
    );
    log();
    log('| run | first | LLMTrace ns/span | OpenTelemetry ns/span | ratio |');
    log('|---:|---|---:|---:|---:|');
    overhead.runs.forEach((run, index) => {
      log(`| ${index + 1} | ${run.first} | ${fmt(run.oursNsPerSpan)} | ${fmt(run.otelNsPerSpan)} | ${fmt(run.ratio, 2)} |`);
    });
    log();
    log('| tracer (median of the runs) | spans/s | ns/span |');
    log('|---|---:|---:|');
    log(`| LLMTrace trace service (batching queue, no-op sink) | ${fmt(overhead.ours.spansPerSec)} | ${fmt(overhead.ours.nsPerSpan)} |`);
    log(`| OpenTelemetry SDK (BatchSpanProcessor, no-op exporter) | ${fmt(overhead.otel.spansPerSec)} | ${fmt(overhead.otel.nsPerSpan)} |`);
    log();
    log(
      `**Ratio (our cost / OTel cost): median ${fmt(overhead.ratio, 2)}, range ${fmt(overhead.ratioMin, 2)}–${fmt(overhead.ratioMax, 2)}** ` +
        '— below 1.00 means cheaper than OpenTelemetry.',
    );
    if (overhead.oursDropped > 0) log(`Warning: our queue dropped ${fmt(overhead.oursDropped)} spans during the run.`);
    log();
    keep('overhead');
  }

  if (runs('ingest')) console.error('▶ 2/4 ingest: POST /api/analytics/traces and POST /v1/traces vs COPY (Postgres) and a bulk INSERT (PGlite)…');
  let server: PostgresServer | undefined;
  let pgUrl = process.env.DATABASE_URL;
  if (!pgUrl && (runs('ingest') || runs('query') || runs('bigtrace') || runs('indexcost'))) {
    const bin = findPostgresBinDir();
    if (bin) {
      server = await startPostgres(bin);
      pgUrl = server.url;
    }
  }
  const ingest: IngestResult[] = [];
  if (runs('ingest')) {
      ingest.push(await benchIngest('pglite', undefined, { spans: 10_000 }));
      if (pgUrl) ingest.push(await benchIngest('postgres', pgUrl, { spans: 20_000 }));
  }
  let indexCost: IndexCostStep[] | undefined;
  if (pgUrl && runs('indexcost')) {
    console.error('▶ what the span table\'s indexes cost: COPY with every index, then with groups of them dropped…');
    indexCost = await benchIndexCost(pgUrl);
  }
  let queries: QueryBench | undefined;
  if (pgUrl && runs('query')) {
    console.error(`▶ 3/4 trace list and search at ${spansArg.toLocaleString('en-US')} spans on Postgres (seeding and indexing take several minutes)…`);
    queries = await benchTraceListQuery(pgUrl, { traces: Math.ceil(spansArg / 4), onProgress: (message) => console.error(`  ${message}`) });
  }
  let bigTrace: BigTraceBench | undefined;
  if (runs('bigtrace')) {
    console.error('▶ a 100k-span trace: the server on PGlite and Postgres, then Chromium through npm start…');
    bigTrace = await benchBigTrace({ databaseUrl: pgUrl, browser: true, onProgress: (message) => console.error(`  ${message}`) });
  }
  await server?.stop();
  const footprints: FootprintResult[] = [];
  if (runs('footprint')) {
    // Three runs: one run of this machine can be off by 2×, so each figure is the runs' median with their range.
    for (let run = 1; run <= FOOTPRINT_RUNS; run++) {
      console.error(`▶ the footprint of npm start (${run}/${FOOTPRINT_RUNS}): idle, then a minute of ingest, reads and health probes…`);
      footprints.push(await benchFootprint({ onProgress: (message) => console.error(`  ${message}`) }));
    }
  }
  if (runs('ingest')) {
    log('## 2. Ingest throughput (issue 14: ≥ 30k spans/s into Postgres next to COPY; ≥ 20k spans/s into PGlite)');
    log();
    log(
      `The same spans (1 root, 2 model calls, 1 tool call per trace; 1,000 per request, ${ingest[0]?.clients ?? CLIENTS} requests in flight) through each path, ` +
        'against the database\'s own bulk path for the same rows into the same table (with a month of day partitions, as an install keeping 30 days has): `COPY … FROM STDIN` (one stream, no validation, no upsert) on Postgres, ' +
        'a multi-row INSERT on PGlite. Median of 3 rounds, the range in brackets; each ratio is taken within one round (ours and the peer back to back), and its median and range are given.',
    );
    log();
    log('| database | spans | POST /api/analytics/traces (spans/s) | POST /v1/traces, OTLP protobuf (spans/s) | peer | peer (rows/s) | JSON / peer | OTLP / peer |');
    log('|---|---:|---:|---:|---|---:|---:|---:|');
    const range = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
    const ratioRange = (xs: number[]) => `${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)}`;
    for (const r of ingest) {
      log(
        `| ${r.database} | ${fmt(r.spans)} | ${fmt(r.oursPerSec)} (${range(r.rounds.json)}) | ${fmt(r.otlpPerSec)} (${range(r.rounds.otlp)}) | ${r.peer} | ${fmt(r.peerPerSec)} (${range(r.rounds.peer)}) | ` +
          `**${fmt(r.ratio, 2)}** (${ratioRange(r.ratios.json)}) | **${fmt(r.otlpRatio, 2)}** (${ratioRange(r.ratios.otlp)}) |`,
      );
    }
    if (!pgUrl) log('\nPostgres: no server binaries found and no DATABASE_URL; not measured.');
    log();
    keep('ingest');
  }

  if (indexCost) {
    log('### What the span table\'s indexes cost a write (`npm run bench -- --only indexcost`)');
    log();
    log(
      '`COPY … FROM STDIN` of 20,000 spans of the same mix into `llm_traces` on a scratch database, 5 rounds per step; each step drops a group of indexes ' +
        'on top of the steps before, and its ratio is to the first step of the same run.',
    );
    log();
    log('| dropped (cumulatively) | indexes left per day partition | COPY rows/s (rounds\' range) | ratio |');
    log('|---|---:|---:|---:|');
    for (const step of indexCost) {
      log(`| ${step.dropped} | ${step.indexes} | ${fmt(step.rowsPerSec)} (${fmt(Math.min(...step.rounds))}–${fmt(Math.max(...step.rounds))}) | ${fmt(step.ratio, 2)} |`);
    }
    log();
    keep('indexcost');
  }

  if (runs('query')) {
    log(`## 3. Trace list and search at ${fmt(spansArg)} spans on Postgres (list p95 ≤ 50 ms; search p95 ≤ 100 ms)`);
    log();
    if (queries) {
      const spans = fmt(queries.traces * 4);
      log(
        `${fmt(queries.traces)} traces × 4 spans (${spans} spans) for one user, each span with a chat's text in its input and output ` +
          `(English, Russian, Chinese, Japanese, Arabic); seeded in ${fmt(queries.seedSeconds)} s, indexes built in ${fmt(queries.indexSeconds)} s, ${fmt(queries.rollup.quarters)} quarter-hour roll-ups (with their hours) in ${fmt(queries.rollup.seconds)} s. ` +
          '`GET /api/analytics/traces` list query, limit 50, with row previews; three rounds of 30 runs each: p50 and p95 are the medians of the rounds, with the rounds\' p95 range.',
      );
      log();
      const p95 = (q: { p95: number; p95Rounds: number[] }) => `${fmt(q.p95, 1)} (${fmt(Math.min(...q.p95Rounds), 1)}–${fmt(Math.max(...q.p95Rounds), 1)})`;
      log('| query | rows | p50 (ms) | p95 (ms), rounds’ range |');
      log('|---|---:|---:|---:|');
      for (const q of queries.list) log(`| ${q.label} | ${q.rows} | ${fmt(q.p50, 1)} | ${p95(q)} |`);
      log();
      log('Full-text search `q` over every span’s input, output, names and error text (lib/trace-store/search.ts); “traces matching” is the share of all traces with a span that contains the text.');
      log();
      log('| search | traces matching | rows | p50 (ms) | p95 (ms), rounds’ range |');
      log('|---|---:|---:|---:|---:|');
      for (const q of queries.search) {
        log(`| ${q.label} | ${q.matching === undefined ? '' : `${fmt(q.matching * 100, 2)} %`} | ${q.rows} | ${fmt(q.p50, 1)} | ${p95(q)} |`);
      }
      log();
      log('The Overview (`GET /api/analytics/stats`: totals, series and per-model rows) and the trace view’s span load (`GET /api/analytics/traces?trace_id=`).');
      log();
      log('| query | rows | p50 (ms) | p95 (ms), rounds’ range |');
      log('|---|---:|---:|---:|');
      for (const q of queries.other) log(`| ${q.label} | ${q.rows} | ${fmt(q.p50, 1)} | ${p95(q)} |`);
      for (const [range, rollups] of [['last 24 h', 'quarter-hour'], ['last 30 days', 'hourly and quarter-hour']] as const) {
        const rolled = queries.other.find((q) => q.label === `Overview stats, ${range}`);
        const everySpan = queries.other.find((q) => q.label.startsWith(`Overview stats, ${range}, every span`));
        if (!rolled || !everySpan) continue;
        log();
        // The ratio is taken within each round (both read back to back), then its median and range.
        const ratios = rolled.p50Rounds.map((p50, i) => everySpan.p50Rounds[i]! / p50).sort((a, b) => a - b);
        log(
          `**The Overview's ${range.slice(5)} from the ${rollups} roll-ups against reading every span, in the same rounds**: p50 ${fmt(rolled.p50, 1)} ms against ${fmt(everySpan.p50, 1)} ms; ` +
            `every span read takes **${fmt(ratios[Math.floor(ratios.length / 2)]!, 1)}× as long** (per round ${ratios.map((r) => fmt(r, 1)).join(', ')}); the roll-ups' percentiles are within 2% of the exact ones.`,
        );
      }
      log();
      const r = queries.retention;
      log(
        `**Retention by partition** (after the queries, a cutoff 25½ days back): ${r.partitions} day partitions dropped whole in **${fmt(r.dropMs, 1)} ms** ` +
          `(their DROP statements), ${fmt(r.rowDeleted)} spans of the boundary day deleted row by row; ${fmt(r.spans)} spans gone in ${fmt(r.totalMs)} ms all told, ${fmt(r.spansLeft)} left.`,
      );
    } else log('No Postgres server available; not measured.');
    log();
    keep('query');
  }

  if (runs('pglitequery')) {
    console.error('▶ the trace list and search on embedded PGlite, before and after planner statistics…');
    const pglite: PgliteQueryBench = await benchPgliteQueries({ onProgress: (m) => console.error(`  ${m}`) });
    log(`### The trace list and search on embedded PGlite at ${fmt(pglite.traces * 4)} spans: planner statistics (\`npm run bench -- --only pglitequery\`)`);
    log();
    log(
      'PGlite runs Postgres in single-user mode, which has no autovacuum: until the server kept them (lib/db/analyze.ts), no table of an embedded install was ever analyzed. ' +
        `The same seed as above, ${fmt(pglite.traces)} traces in an in-memory PGlite, left unanalyzed; each case measured, then the server's statistics task run once ` +
        `(${pglite.analyze.tables} tables in ${fmt(pglite.analyze.ms / 1000, 1)} s), then each case again. Three rounds each; p95 as the median of the rounds, with their range.`,
    );
    log();
    log('| query | rows | p95 without statistics (ms) | p95 after the task (ms) | ratio |');
    log('|---|---:|---:|---:|---:|');
    const p95 = (q: { p95: number; p95Rounds: number[] }) => `${fmt(q.p95, 1)} (${fmt(Math.min(...q.p95Rounds), 1)}–${fmt(Math.max(...q.p95Rounds), 1)})`;
    for (const c of pglite.cases) log(`| ${c.label} | ${c.rows} | ${p95(c.before)} | ${p95(c.after)} | ${fmt(c.before.p95 / c.after.p95, 1)}× |`);
    log();
    keep('pglitequery');
  }

  if (runs('chat')) {
    console.error('▶ 4/4 /api/chat with tracing on vs off (demo model, alternating rounds)…');
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < 3; round++) {
      off.push(chatRound(false).p50);
      on.push(chatRound(true).p50);
    }
    log('## 4. Tracing overhead on /api/chat (DESIGN §8: ≤ 1 ms added at p50)');
    log();
    log(
      'Sequential demo chats in process on in-memory PGlite (`bench/chat-overhead.ts`), three rounds of 300, tracing off and on alternating. ' +
        "Each timed request starts with a turn of the event loop, as a server's requests arriving from sockets do: the span queue's writes run there and count against the request they delay.",
    );
    log();
    log('| | p50 per round (ms) | median p50 (ms) |');
    log('|---|---|---:|');
    log(`| tracing off | ${off.map((x) => fmt(x, 2)).join(', ')} | ${fmt(medianOf(off), 2)} |`);
    log(`| tracing on | ${on.map((x) => fmt(x, 2)).join(', ')} | ${fmt(medianOf(on), 2)} |`);
    log();
    // Each round is an off run and an on run back to back: the added time and the ratio are taken within it.
    const added = on.map((x, i) => x - off[i]!);
    const ratios = on.map((x, i) => x / off[i]!);
    const spread = (xs: number[], digits: number) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
    log(
      `**Added by tracing at p50: median ${fmt(medianOf(added), 2)} ms, range ${spread(added, 2)}** (per round ${added.map((x) => fmt(x, 2)).join(', ')}; ` +
        `on/off ${fmt(medianOf(ratios), 2)}, ${spread(ratios, 2)}; a request with a tool call: 1 root, 2 llm.call and 1 tool span).`,
    );
    log();
    keep('chat');
  }
  if (runs('proxy')) {
    console.error('▶ 5/5 the proxy vs a direct call to the same local upstream (alternating requests)…');
    const proxy = proxyBench();
    const perRound = (xs: number[]) => xs.map((x) => fmt(x, 2)).join(', ');
    log('## 5. The OpenAI-compatible proxy (DESIGN §8: ≤ 2 ms added at p50, and to the time to first token)');
    log();
    log(`${proxy.rounds} rounds of ${proxy.requestsPerRound} requests, direct and proxied alternating, against one local fake upstream; tracing on, spans written to PGlite.`);
    log();
    log('| | direct p50 (ms) | through the proxy p50 (ms) | added p50 (ms) | added, per round (ms) |');
    log('|---|---:|---:|---:|---|');
    log(`| whole answer | ${fmt(proxy.latency.directP50, 2)} | ${fmt(proxy.latency.proxyP50, 2)} | **${fmt(proxy.latency.addedP50, 2)}** | ${perRound(proxy.latency.addedPerRound)} |`);
    log(`| time to first token (stream) | ${fmt(proxy.ttft.directP50, 2)} | ${fmt(proxy.ttft.proxyP50, 2)} | **${fmt(proxy.ttft.addedP50, 2)}** | ${perRound(proxy.ttft.addedPerRound)} |`);
    log();
    keep('proxy');
  }
  if (bigTrace) {
    const kb = (bytes: number) => `${fmt(bytes / 1024)} KB`;
    log('## 6. A 100k-span trace (issue 14: open and interactive in ≤ 2 s)');
    log();
    log('An agent run nested up to 12 levels, model calls with a small chat input each. Server: the route handlers in-process, median of 5 (slowest in brackets).');
    log();
    log('| database | trace view outline, whole | the outline in parts (`?encoding=gzip-parts`, zipped) | every span without data (`include_data=false`) | one span, whole | search in the trace |');
    log('|---|---:|---:|---:|---:|---:|');
    for (const r of bigTrace.server) {
      const cell = (f: { p50Ms: number; maxMs: number; bytes: number }) => `${fmt(f.p50Ms)} ms (${fmt(f.maxMs)}), ${kb(f.bytes)}`;
      log(`| ${r.database} | ${cell(r.outline)} | ${cell(r.parts)} | ${cell(r.light)} | ${cell(r.span)} | ${cell(r.find)} |`);
    }
    log();
    if (bigTrace.browser) {
      const b = bigTrace.browser;
      log(
        `Chromium (npm start, PGlite), from navigation start: outline loaded at ${b.outlineLoadedMs === null ? '–' : `${fmt(b.outlineLoadedMs)} ms`}, ` +
          `first waterfall row at ${fmt(b.firstRowMs)} ms, a clicked span's details with its input at **${fmt(b.interactiveMs)} ms** ` +
          `(opened four more times: ${b.againInteractiveMs.map((ms) => fmt(ms)).join(', ')} ms; all five opens median **${fmt(medianOf([b.interactiveMs, ...b.againInteractiveMs]))} ms**, ` +
          `${fmt(Math.min(b.interactiveMs, ...b.againInteractiveMs))}–${fmt(Math.max(b.interactiveMs, ...b.againInteractiveMs))}). The first open is one measurement per run.`,
      );
      log();
    }
    keep('bigtrace');
  }

  if (footprints.length > 0) {
    const runsOf = <T,>(pick: (f: FootprintResult) => T) => footprints.map(pick);
    const mb = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} MB`;
    /** The runs' median, with their range. */
    const across = (xs: number[], digits = 0) => `${fmt(medianOf(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
    const last = footprints[footprints.length - 1]!;
    log('## 7. Footprint of `npm start` (issue 14: ≤ 300 MB idle, ≤ 600 MB under load; `/api/health` p95 ≤ 100 ms under load)');
    log();
    log(
      'Resident memory (VmRSS) summed over every process `npm start` runs, on PGlite with a fresh data directory: 5 samples 2 s apart once ' +
        `start-up has settled, then one every 2 s through ${fmt(last.loadSeconds)} s of load (4 clients posting 500-span batches as fast as they are taken, ` +
        'retrying 503s after their Retry-After; a trace-list read every second and a health probe every 100 ms, timed from a thread of their own so that the load generator\'s busy event loop is not counted). ' +
        `${footprints.length} runs, one after another; each figure is the runs' median with their range in brackets, memory the range of every sample.`,
    );
    log();
    log('| | resident memory | |');
    log('|---|---:|---|');
    log(`| idle | ${mb(runsOf((f) => f.idleMb).flat())} | last run: ${last.processes.map((p) => `${p.name} ${fmt(p.mb)} MB`).join(', ')} |`);
    log(`| under load | ${mb(runsOf((f) => f.loadMb).flat())} | ${across(runsOf((f) => f.spansPerSec))} spans/s stored, ${fmt(runsOf((f) => f.refused).reduce((a, b) => a + b, 0))} batches answered 503 and retried |`);
    log();
    log(
      `\`/api/health\` during the load: p50 ${across(runsOf((f) => f.health.p50), 1)} ms, **p95 ${across(runsOf((f) => f.health.p95), 1)} ms**, ` +
        `slowest ${fmt(Math.max(...runsOf((f) => f.health.max)))} ms (${fmt(runsOf((f) => f.health.count).reduce((a, b) => a + b, 0))} probes).`,
    );
    log(
      `The trace list's first page (\`GET /api/analytics/traces?limit=50\`) during the load: p50 ${across(runsOf((f) => f.reads.p50), 1)} ms, ` +
        `p95 ${across(runsOf((f) => f.reads.p95), 1)} ms, slowest ${fmt(Math.max(...runsOf((f) => f.reads.max)))} ms (${fmt(runsOf((f) => f.reads.count).reduce((a, b) => a + b, 0))} reads).`,
    );
    log();
    keep('footprint');
  }

  if (only) return;
  writeFileSync(DOC, `${lines.join('\n')}\n`);
  console.error(`✔ written to ${DOC}`);
}

void main();
