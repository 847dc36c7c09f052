/**
 * Ingest throughput: the same spans posted through `POST /api/analytics/traces` (JSON) and
 * `POST /v1/traces` (OTLP protobuf with GenAI attributes) by several clients at once, each
 * request validated, priced and upserted, against the database's own bulk path for the same rows
 * into the same table: `COPY … FROM STDIN` on Postgres, a multi-row INSERT on PGlite.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { createUserAccount } from '@/lib/auth/accounts';
import { createDatabase, type Database } from '@/lib/db/client';
import { ensureSpanPartitions } from '@/lib/trace-store/partitions';
import { encodeTraceRequest, type ExportSpan } from '@/lib/otlp/encode';
import type { Attributes } from '@/lib/otlp/types';
import { setAppContext } from '@/lib/server/context';

const BATCH = 1000;
/** Requests in flight at once, as several exporters (or app processes) would send them. */
export const CLIENTS = 4;

/** `n` spans in the bench's mix: traces of a root, two model calls and a tool call, an hour ago. */
export function makeSpans(n: number) {
  const spans = [];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < n; i += 4) {
    const traceId = randomBytes(16).toString('hex');
    const root = randomBytes(8).toString('hex');
    const start = t0 + i;
    spans.push({
      trace_id: traceId, span_id: root, span_name: 'llm.completion', operation_type: 'llm_call', status: 'completed',
      start_time: new Date(start).toISOString(), end_time: new Date(start + 1200).toISOString(), model_name: 'gpt-4o-mini', model_provider: 'openai',
      input_tokens: 900, output_tokens: 120, input_data: { messages: [{ role: 'user', content: 'What is the refund policy for orders?' }] }, output_data: { content: 'Refunds within 30 days.' },
    });
    for (let c = 1; c < 4; c++) {
      spans.push({
        trace_id: traceId, span_id: randomBytes(8).toString('hex'), parent_trace_id: root, span_name: c === 2 ? 'tool.calculator' : 'llm.call',
        operation_type: c === 2 ? 'tool_call' : 'llm_call', status: 'completed', start_time: new Date(start + c * 100).toISOString(), end_time: new Date(start + c * 100 + 250).toISOString(),
        model_name: c === 2 ? null : 'gpt-4o-mini', input_tokens: c === 2 ? null : 450, output_tokens: c === 2 ? null : 60, input_data: { expression: '12*7' }, output_data: { result: 84 },
      });
    }
  }
  return spans.slice(0, n);
}

type BenchSpan = ReturnType<typeof makeSpans>[number];

const RESOURCE: Attributes = { 'service.name': 'bench-app' };
const nanos = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

/** The same span as an OTel GenAI instrumentation would export it. */
function toOtlp(span: BenchSpan): ExportSpan {
  const model = span.model_name;
  const attributes: Attributes = model
    ? {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': model,
        'gen_ai.usage.input_tokens': span.input_tokens,
        'gen_ai.usage.output_tokens': span.output_tokens,
        'gen_ai.input.messages': JSON.stringify(span.input_data),
        'gen_ai.output.messages': JSON.stringify(span.output_data),
      }
    : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'calculator', 'gen_ai.tool.call.arguments': JSON.stringify(span.input_data), 'gen_ai.tool.call.result': JSON.stringify(span.output_data) };
  return {
    resource: RESOURCE, scope: { name: 'bench' }, traceId: span.trace_id, spanId: span.span_id, parentSpanId: (span as { parent_trace_id?: string }).parent_trace_id ?? null,
    name: span.span_name, kind: model ? 3 : 1, startTimeUnixNano: nanos(span.start_time), endTimeUnixNano: nanos(span.end_time), attributes, status: { code: 0 },
  };
}

const COLUMNS = ['user_id', 'trace_id', 'span_id', 'parent_trace_id', 'span_name', 'operation_type', 'status', 'start_time', 'end_time', 'duration_ms', 'model_name', 'model_provider', 'input_tokens', 'output_tokens', 'total_tokens', 'input_data', 'output_data'];

/** The peer: a plain parameterised multi-row INSERT of already-prepared rows, no validation. */
async function rawInsert(database: Database, userId: string, spans: ReturnType<typeof makeSpans>) {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const s of spans) {
    const start = Date.parse(s.start_time);
    const end = Date.parse(s.end_time);
    const values = [userId, s.trace_id, s.span_id, (s as { parent_trace_id?: string }).parent_trace_id ?? null, s.span_name, s.operation_type, s.status, s.start_time, s.end_time, end - start, s.model_name, (s as { model_provider?: string }).model_provider ?? null, s.input_tokens, s.output_tokens, s.input_tokens != null ? s.input_tokens + (s.output_tokens ?? 0) : null, JSON.stringify(s.input_data), JSON.stringify(s.output_data)];
    tuples.push(`(${values.map((v) => { params.push(v); return `$${params.length}`; }).join(', ')})`);
  }
  await database.query(`INSERT INTO llm_traces (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

const csvField = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The peer on Postgres: `COPY llm_traces … FROM STDIN` of the same rows, no validation, no upsert, one stream. */
export async function copyRows(sql: postgres.Sql, userId: string, spans: BenchSpan[]) {
  const lines = spans.map((s) => {
    const start = Date.parse(s.start_time);
    const end = Date.parse(s.end_time);
    const parent = (s as { parent_trace_id?: string }).parent_trace_id ?? null;
    const provider = (s as { model_provider?: string }).model_provider ?? null;
    const total = s.input_tokens != null ? s.input_tokens + (s.output_tokens ?? 0) : null;
    return [userId, s.trace_id, s.span_id, parent, s.span_name, s.operation_type, s.status, s.start_time, s.end_time, end - start, s.model_name, provider, s.input_tokens, s.output_tokens, total, s.input_data, s.output_data]
      .map(csvField)
      .join(',');
  });
  const writable = await sql.unsafe(`COPY llm_traces (${COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`).writable();
  await pipeline(Readable.from([lines.join('\n') + '\n']), writable);
}

export interface IngestResult {
  database: 'pglite' | 'postgres';
  spans: number;
  clients: number;
  oursPerSec: number;
  otlpPerSec: number;
  /** The peer: `COPY … FROM STDIN` on Postgres, a multi-row INSERT on PGlite. */
  peer: 'COPY' | 'INSERT';
  peerPerSec: number;
  /** Each round's ours ÷ peer (measured back to back in that round), and their median. */
  ratio: number;
  otlpRatio: number;
  ratios: { json: number[]; otlp: number[] };
  /** Each round's spans/s, for the spread. */
  rounds: { json: number[]; otlp: number[]; peer: number[] };
}

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `send` over every item with `clients` of them in flight at once. */
async function inFlight<T>(items: T[], clients: number, send: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < items.length) await send(items[next++]!);
  }));
}

const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export async function benchIngest(kind: 'pglite' | 'postgres', url: string | undefined, { spans = 20_000, rounds = 3, clients = CLIENTS } = {}): Promise<IngestResult> {
  const database = await createDatabase(kind === 'pglite' ? { dataDir: 'memory://' } : { url });
  const sql = kind === 'postgres' ? postgres(url!, { max: 1, onnotice: () => {} }) : undefined;
  try {
    setAppContext({ database });
    // A month of day partitions, as an install that keeps 30 days has: a statement that is not
    // bounded by constant times is planned against each of them.
    await ensureSpanPartitions(database, { from: new Date(Date.now() - 30 * 86_400_000), to: new Date() });
    const { user, apiKey } = await createUserAccount(database, { email: `bench-${randomBytes(4).toString('hex')}@example.test`, password: 'bench-password' });
    const post = async (batch: unknown[]) => {
      const response = await postTraces(new Request('http://127.0.0.1/api/analytics/traces', { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ traces: batch }) }));
      if (!response.ok) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    };
    const otlp = async (body: Uint8Array) => {
      const response = await postOtlp(new Request('http://127.0.0.1/v1/traces', { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/x-protobuf' }, body: body as BodyInit }));
      if (!response.ok) throw new Error(`OTLP ingest answered ${response.status}`);
    };
    const peer = (rows: BenchSpan[]) => (sql ? copyRows(sql, user.id, rows) : rawInsert(database, user.id, rows));
    // The OTLP bodies are encoded before timing, as an exporter would have sent them.
    const otlpBodies = (batch: BenchSpan[]) => chunks(batch, BATCH).map((part) => encodeTraceRequest(part.map(toOtlp), 'protobuf'));
    // Warm-up: plans, JIT, caches.
    await post(makeSpans(BATCH));
    for (const body of otlpBodies(makeSpans(BATCH))) await otlp(body);
    await peer(makeSpans(BATCH));
    const ours: number[] = [];
    const viaOtlp: number[] = [];
    const peers: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = makeSpans(spans);
      const b = makeSpans(spans);
      const c = otlpBodies(makeSpans(spans));
      ours.push(spans / (await timeIt(() => inFlight(chunks(a, BATCH), clients, post))));
      viaOtlp.push(spans / (await timeIt(() => inFlight(c, clients, otlp))));
      // COPY is one stream of every row; the INSERT peer goes a batch at a time.
      peers.push(spans / (await timeIt(async () => (sql ? peer(b) : inFlight(chunks(b, BATCH), 1, peer)))));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const oursPerSec = median(ours);
    const otlpPerSec = median(viaOtlp);
    const peerPerSec = median(peers);
    const jsonRatios = ours.map((x, i) => x / peers[i]!);
    const otlpRatios = viaOtlp.map((x, i) => x / peers[i]!);
    return {
      database: kind, spans, clients, oursPerSec, otlpPerSec, peer: sql ? 'COPY' : 'INSERT', peerPerSec,
      ratio: median(jsonRatios), otlpRatio: median(otlpRatios), ratios: { json: jsonRatios, otlp: otlpRatios },
      rounds: { json: ours, otlp: viaOtlp, peer: peers },
    };
  } finally {
    await sql?.end();
    await database.close();
  }
}
