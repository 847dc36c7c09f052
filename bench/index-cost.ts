/**
 * What the span table's indexes cost a write (issue 14: ingest at the database's pace), measured
 * where nothing else is: `COPY … FROM STDIN` of the ingest bench's span mix into `llm_traces` on a
 * scratch Postgres database, with every index, then with groups of them dropped one after another.
 * Each step's rows/s is the median of its rounds, and its ratio is to the first step measured in
 * the same run: where a write-optimised table would find its speed. About 30 s; alone with
 * `npm run bench -- --only indexcost`.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createUserAccount } from '@/lib/auth/accounts';
import { createDatabase } from '@/lib/db/client';
import { ensureSpanPartitions } from '@/lib/trace-store/partitions';
import { copyRows, makeSpans } from './ingest';

/** The groups dropped, in this order, each on top of the ones before: a name and what its indexes' definitions contain. */
const GROUPS: Array<[string, RegExp]> = [
  ['the trigram search index', /gin_trgm_ops/],
  ['the usage indexes (usage children, counted usage)', /usage_rollup/],
  ['the root indexes of the trace list (time, status, model, service, duration, session, end user, tags, trace)', /parent_trace_id IS NULL/],
  ['the rest but the span key (CJK search, message, conversation, orphans, BRIN on time)', /cjk|message_id|conversation_id|WHERE orphan|brin/],
];

export interface IndexCostStep {
  /** What is dropped at this step (cumulatively); the first step drops nothing. */
  dropped: string;
  /** Indexes left on one day's partition. */
  indexes: number;
  rowsPerSec: number;
  /** Each round's rows/s. */
  rounds: number[];
  /** rowsPerSec ÷ the first step's. */
  ratio: number;
}

export async function benchIndexCost(adminUrl: string, { rows = 20_000, rounds = 5 } = {}): Promise<IndexCostStep[]> {
  const name = `bench_index_cost_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const database = await createDatabase({ url: url.toString() });
    const { user } = await createUserAccount(database, { email: 'bench-index-cost@example.test', password: 'bench-password' });
    // The mix's spans start an hour ago: in the first hour of a UTC day that is yesterday, which a
    // fresh database has no partition for (its rows would go to the default partition).
    await ensureSpanPartitions(database, { from: new Date(Date.now() - 3_600_000), to: new Date() });
    await database.close();
    const copy = async (n: number) => {
      const spans = makeSpans(n);
      const start = process.hrtime.bigint();
      await copyRows(sql, user.id, spans);
      return n / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    // The partition the mix's spans land in (they start an hour ago), and the parent's indexes (dropping one drops it on every partition).
    const partition = `llm_traces_p${new Date(Date.now() - 3_600_000).toISOString().slice(0, 10).replaceAll('-', '')}`;
    const parentIndexes = (await sql`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'llm_traces'`) as unknown as Array<{ indexname: string; indexdef: string }>;
    const left = async () => Number((await sql`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = ${partition}`)[0]!.n);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await copy(2_000); // warm-up: the day's partition, caches
    const steps: IndexCostStep[] = [];
    for (const [dropped, pattern] of [['nothing', null] as const, ...GROUPS]) {
      if (pattern) for (const index of parentIndexes.filter((i) => pattern.test(i.indexdef))) await sql.unsafe(`DROP INDEX IF EXISTS ${index.indexname}`);
      const measured: number[] = [];
      for (let round = 0; round < rounds; round++) measured.push(await copy(rows));
      const rowsPerSec = median(measured);
      steps.push({ dropped, indexes: await left(), rowsPerSec, rounds: measured, ratio: rowsPerSec / (steps[0]?.rowsPerSec ?? rowsPerSec) });
    }
    return steps;
  } finally {
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`).catch(() => {});
    await admin.end();
  }
}
