import { afterAll, beforeAll, expect, it } from 'vitest';
import { GET as health } from '@/app/api/health/route';
import { POST as chat } from '@/app/api/chat/route';
import { POST as addDocument } from '@/app/api/documents/route';
import { GET as exportTrace } from '@/app/api/analytics/traces/[traceId]/export/route';
import { DELETE as deleteTrace } from '@/app/api/analytics/traces/[traceId]/route';
import { GET as exportTraces } from '@/app/api/analytics/traces/export/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { POST as evaluate } from '@/app/api/evaluations/route';
import { GET as qualityIssues } from '@/app/api/analytics/quality-issues/route';
import { GET as stats } from '@/app/api/analytics/stats/route';
import { POST as createKey } from '@/app/api/keys/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { sanitizeJson, sanitizeText } from '@/lib/text/sanitize';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { limitJsonDepth } from '@/lib/trace-store/json-depth';
import { traceService } from '@llmtrace/sdk';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { EDGE_INSTANTS, EDGE_NUMBERS, SURROGATE_STRINGS, deeplyNested, edgeJson, edgeQueryValue, pick, random } from '../support/edge-values';
import { threeLevelTrace } from '../support/spans';

const savedEnv = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, { DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0' });
});
afterAll(() => {
  process.env = savedEnv;
});

const NASTY_STRINGS = ['', ' ', '\u0000', '💥', "'; DROP TABLE llm_traces; --", '<script>alert(1)</script>', 'a'.repeat(5000), '-1', '1e309', 'NaN', '2026-13-45T99:99:99Z', '0'.repeat(32), 'G'.repeat(16), ...SURROGATE_STRINGS.slice(0, 4), ...EDGE_INSTANTS.slice(2, 6).map(String)];

function value(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return next() < 0.5;
    case 2: return [0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_SAFE_INTEGER, ...EDGE_NUMBERS, 8640000000000000][Math.floor(next() * (7 + EDGE_NUMBERS.length))];
    case 3: case 4: return NASTY_STRINGS[Math.floor(next() * NASTY_STRINGS.length)];
    case 5: return undefined;
    case 6: return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    default: {
      const keys = ['trace_id', 'span_id', 'parent_trace_id', 'span_name', 'start_time', 'end_time', 'status', 'operation_type', 'input_tokens', 'cost_usd', 'message_id', 'metadata', 'messages', 'role', 'content', 'success', 'rating', 'failure_tags', 'title', '__proto__', 'constructor'];
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [keys[Math.floor(next() * keys.length)], value(next, depth + 1)]));
    }
  }
}

/** Percent-encodes text for a query string; a lone surrogate (which a URL cannot carry) is sent as its three-byte form. */
function queryText(text: string): string {
  return [...text].map((c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%ED%A0%80' : encodeURIComponent(c))).join('');
}

/** Mutates one field of a valid span, so most cases get past the outer shape to per-span validation. */
function mutatedSpan(next: () => number) {
  const span: Record<string, unknown> = { ...threeLevelTrace().spans[0] };
  const keys = Object.keys(span);
  span[keys[Math.floor(next() * keys.length)]] = value(next);
  return span;
}

describeEachDatabase('fuzzed input', (getDatabase) => {
  it('never answers 5xx, and a rejected batch writes nothing', async () => {
    const user = await createTestUser(getDatabase());
    const next = random(20261124);
    const failures: string[] = [];
    const check = async (label: string, response: Response) => {
      if (response.status >= 500) failures.push(`${label} → ${response.status} ${await response.text()}`);
      return response;
    };
    for (let i = 0; i < 60; i++) {
      const body = next() < 0.5 ? { traces: Array.from({ length: 1 + Math.floor(next() * 3) }, () => mutatedSpan(next)) } : value(next);
      const before = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
      const response = await check(`traces #${i}`, await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: body ?? {} }));
      const after = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE user_id = $1', [user.userId]);
      if (response.status !== 200) expect(after[0].n, `traces #${i} wrote rows but answered ${response.status}`).toBe(before[0].n);
      else {
        const result = await response.json();
        expect(after[0].n - before[0].n).toBeLessThanOrEqual(result.accepted);
      }
    }
    const endpoints = [
      ['chat', chat, '/api/chat'],
      ['evaluations', evaluate, '/api/evaluations'],
      ['documents', addDocument, '/api/documents'],
      ['keys', createKey, '/api/keys'],
    ] as const;
    for (let i = 0; i < 25; i++) {
      for (const [label, handler, path] of endpoints) {
        await check(`${label} #${i}`, await call(handler, { path, apiKey: user.apiKey, body: value(next) ?? {} }));
      }
      const junk = queryText(String(NASTY_STRINGS[i % NASTY_STRINGS.length]));
      for (const query of [`status=${junk}`, `limit=${junk}`, `cursor=${junk}`, `from=${junk}`, `trace_id=${junk}`, `min_duration_ms=${junk}`, `q=${junk}`]) {
        await check(`GET traces ?${query}`, await call(getTraces, { path: `/api/analytics/traces?${query}`, apiKey: user.apiKey }));
      }
      await check(`quality ?tag=${junk}`, await call(qualityIssues, { path: `/api/analytics/quality-issues?tag=${junk}`, apiKey: user.apiKey }));
      await check(`stats ?from=${junk}`, await call(stats, { path: `/api/analytics/stats?from=${junk}`, apiKey: user.apiKey }));
    }
    for (const raw of ['{', '[', 'null', '"x"', '{"traces": null}', '\u0000', '{"traces":[{"trace_id":{"$gt":""}}]}']) {
      await check(`raw ${raw}`, await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, rawBody: raw, headers: { 'content-type': 'application/json' } }));
    }
    expect(failures).toEqual([]);
  }, 120_000);

  /*
   * The edge classes (lone surrogates, instants outside years 1–9999 and before 1000, integers and
   * doubles at their limits, forged cursors) through every write endpoint and query string. Each
   * round checks: no 5xx; a rejected span never costs an accepted one (valid spans sent beside it
   * are all stored); what was accepted reads back as sent (NUL and lone surrogates as U+FFFD).
   */
  let edgeUser: Awaited<ReturnType<typeof createTestUser>>;
  const edgeUserReady = async () => (edgeUser ??= await createTestUser(getDatabase(), 'edge'));
  const readTrace = async (apiKey: string, traceId: string): Promise<Row[]> =>
    (await (await call(getTraces, { path: `/api/analytics/traces?trace_id=${traceId}`, apiKey })).json()).traces;

  it('stores or refuses alone each JSON span with edge values, and reads back what it stored', async () => {
    const user = await edgeUserReady();
    const next = random(20261202);
    const failures: string[] = [];
    for (let round = 0; round < 40; round++) {
      const traceId = seededHex(next, 16);
      const batch = Array.from({ length: 2 + Math.floor(next() * 4) }, () => {
        const control = next() < 0.35;
        const span = validSpan(next, traceId);
        if (!control) for (let m = 1 + Math.floor(next() * 3); m > 0; m--) mutateWithEdgeValue(next, span);
        return { span, control };
      });
      const label = `round ${round}`;
      const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: batch.map((b) => b.span) } });
      if (response.status !== 200) {
        failures.push(`${label}: ${response.status} ${await response.text()}`);
        continue;
      }
      const result = (await response.json()) as { accepted: number; rejected: Array<{ index: number; message: string }> };
      const rejected = new Set(result.rejected.map((r) => r.index));
      if (result.accepted + rejected.size !== batch.length) failures.push(`${label}: accepted ${result.accepted} + rejected ${rejected.size} ≠ ${batch.length}`);
      batch.forEach((b, i) => {
        if (b.control && rejected.has(i)) failures.push(`${label}: valid span ${i} rejected: ${result.rejected.find((r) => r.index === i)?.message}`);
      });
      const stored = new Map((await readTrace(user.apiKey, traceId)).map((row) => [row.span_id as string, row]));
      batch.forEach((b, i) => {
        const row = stored.get(b.span.span_id as string);
        if (rejected.has(i)) {
          if (row) failures.push(`${label}: rejected span ${i} was stored`);
        } else if (!row) failures.push(`${label}: accepted span ${i} cannot be read back`);
        else {
          const mismatch = readBackMismatch(b.span, row);
          if (mismatch) failures.push(`${label}: span ${i} ${mismatch}`);
        }
      });
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('stores or refuses alone each OTLP/JSON span with edge values, and reads back what it stored', async () => {
    const user = await edgeUserReady();
    const next = random(20261203);
    const failures: string[] = [];
    for (let round = 0; round < 30; round++) {
      const traceId = seededHex(next, 16);
      const spans = Array.from({ length: 2 + Math.floor(next() * 3) }, () => {
        const control = next() < 0.35;
        const span = validOtlpSpan(next, traceId);
        if (!control) for (let m = 1 + Math.floor(next() * 3); m > 0; m--) mutateOtlpSpan(next, span);
        return { span, control };
      });
      const body = JSON.stringify({
        resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: pick(next, SURROGATE_STRINGS) } }] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans: spans.map((s) => s.span) }] }],
      });
      const label = `otlp round ${round}`;
      const response = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: body, headers: { 'content-type': 'application/json' }, method: 'POST' });
      if (response.status !== 200) {
        failures.push(`${label}: ${response.status} ${await response.text()}`);
        continue;
      }
      const refused = Number((await response.json()).partialSuccess?.rejectedSpans ?? 0);
      const stored = new Map((await readTrace(user.apiKey, traceId)).map((row) => [row.span_id as string, row]));
      if (stored.size !== spans.length - refused) failures.push(`${label}: ${stored.size} stored, ${spans.length} sent, ${refused} refused`);
      for (const { span, control } of spans) {
        const row = stored.get(span.spanId as string);
        if (!row) {
          if (control) failures.push(`${label}: valid span ${span.spanId} not stored`);
          continue;
        }
        const name = String(span.name).trim() || '(unnamed)';
        if (row.span_name !== sanitizeText(name)) failures.push(`${label}: span_name ${JSON.stringify(row.span_name)} for ${JSON.stringify(name)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('answers every query string built from edge values without a 5xx, over stored edge data', async () => {
    const user = await edgeUserReady();
    const next = random(20261204);
    const failures: string[] = [];
    const LIST_PARAMS = ['from', 'to', 'cursor', 'limit', 'min_duration_ms', 'max_duration_ms', 'q', 'model_name', 'model_provider', 'service_name', 'status', 'operation_type', 'conversation_id', 'message_id', 'trace_id', 'span_id', 'include_data'];
    const endpoints = [
      { handler: getTraces, path: '/api/analytics/traces', params: LIST_PARAMS },
      { handler: exportTraces, path: '/api/analytics/traces/export', params: [...LIST_PARAMS, 'format'] },
      { handler: qualityIssues, path: '/api/analytics/quality-issues', params: ['tag', 'from', 'to', 'cursor', 'limit'] },
      { handler: stats, path: '/api/analytics/stats', params: ['from', 'to'] },
    ];
    for (const { handler, path, params } of endpoints) {
      for (let i = 0; i < 60; i++) {
        const query = new Map<string, string>();
        if (path.endsWith('quality-issues') && next() < 0.6) query.set('tag', 'wrong');
        for (let n = 1 + Math.floor(next() * 3); n > 0; n--) query.set(pick(next, params), edgeQueryValue(next));
        const url = `${path}?${[...query].map(([k, v]) => `${k}=${v}`).join('&')}`;
        const response = await call(handler, { path: url, apiKey: user.apiKey });
        try {
          const text = await response.text();
          if (response.status >= 500) failures.push(`${url} → ${response.status} ${text.slice(0, 200)}`);
        } catch (error) {
          failures.push(`${url} → ${response.status}, then the body failed: ${(error as Error).message}`);
        }
      }
    }
    for (let i = 0; i < 20; i++) {
      const traceId = decodeURIComponentSafe(edgeQueryValue(next));
      for (const [label, handler] of [['export', exportTrace], ['delete', deleteTrace]] as const) {
        const response = await call(handler, { path: '/api/analytics/traces/x', method: label === 'delete' ? 'DELETE' : 'GET', apiKey: user.apiKey, params: { traceId } });
        if (response.status >= 500) failures.push(`${label} ${JSON.stringify(traceId)} → ${response.status}`);
      }
    }
    // Every page of the list over the edge data (years 1 to 9999, huge durations) pages on.
    for (const limit of [1, 7]) {
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await call(getTraces, { path: `/api/analytics/traces?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, apiKey: user.apiKey });
        if (response.status !== 200) {
          failures.push(`page ${pages} of limit ${limit} → ${response.status} ${await response.text()}`);
          break;
        }
        cursor = (await response.json()).next_cursor;
        pages++;
      } while (cursor && pages < 500);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('answers chat, evaluations, documents and keys without a 5xx when fields hold edge values, and traces every chat it answered', async () => {
    const user = await edgeUserReady();
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    const rejectedBefore = (await (await health()).json()).tracing.rejected;
    const next = random(20261205);
    const failures: string[] = [];
    const answered: Array<{ traceId: string; messageId: string }> = [];
    const check = async (label: string, response: Response) => {
      if (response.status >= 500) failures.push(`${label} → ${response.status} ${await response.text()}`);
      return response;
    };
    let messageId = '00000000-0000-4000-8000-000000000000';
    for (let i = 0; i < 10; i++) {
      const content = `${pick(next, SURROGATE_STRINGS)} ${String(pick(next, EDGE_INSTANTS))} ${pick(next, EDGE_NUMBERS)} ${pick(next, SURROGATE_STRINGS)}`;
      const chatBody: Record<string, unknown> = { messages: [{ role: 'user', content }], provider: 'demo' };
      if (next() < 0.3) chatBody.model = pick(next, SURROGATE_STRINGS);
      if (next() < 0.2) chatBody.conversationId = pick(next, ['00000000-0000-4000-8000-000000000000', SURROGATE_STRINGS[0]]);
      const response = await check(`chat #${i}`, await call(chat, { path: '/api/chat', apiKey: user.apiKey, body: chatBody }));
      if (response.status === 200) {
        const result = await response.json();
        answered.push({ traceId: result.traceId, messageId: result.messageId });
        messageId = result.messageId;
      }
      await check(`evaluation #${i}`, await call(evaluate, {
        path: '/api/evaluations',
        apiKey: user.apiKey,
        body: { message_id: next() < 0.7 ? messageId : pick(next, SURROGATE_STRINGS), success: next() < 0.5, rating: pick(next, [1, 5, ...EDGE_NUMBERS]), failure_tags: [pick(next, SURROGATE_STRINGS), 'wrong'], notes: pick(next, SURROGATE_STRINGS) },
      }));
      await check(`document #${i}`, await call(addDocument, { path: '/api/documents', apiKey: user.apiKey, body: { title: pick(next, SURROGATE_STRINGS), content } }));
      await check(`key #${i}`, await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { name: pick(next, SURROGATE_STRINGS), scope: pick(next, ['full', 'chat']) } }));
    }
    await traceService.flush();
    if (answered.length === 0) failures.push('no chat was answered');
    for (const { traceId, messageId: id } of answered) {
      const root = (await readTrace(user.apiKey, traceId)).find((span) => span.parent_trace_id === null);
      if (root?.message_id !== id) failures.push(`chat trace ${traceId} cannot be read back with its message`);
    }
    const tracing = (await (await health()).json()).tracing;
    if (tracing.rejected !== rejectedBefore) failures.push(`the database refused ${tracing.rejected - rejectedBefore} chat spans`);
    expect(failures).toEqual([]);
  }, 60_000);
});

type Row = Record<string, any>;
type Span = Record<string, unknown>;

function seededHex(next: () => number, bytes: number): string {
  let hex = '';
  while (hex.length < bytes * 2) hex += Math.floor(next() * 16).toString(16);
  return hex.replace(/^0/, '1');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const TEXT_FIELDS = ['span_name', 'model_name', 'model_provider', 'error_message', 'service_name', 'session_id', 'end_user_id'];
const COUNT_FIELDS = ['input_tokens', 'output_tokens', 'total_tokens', 'cached_input_tokens', 'reasoning_tokens'];
const DECIMAL_FIELDS = ['cost_usd', 'duration_ms', 'time_to_first_token_ms'];
const JSON_FIELDS = ['input_data', 'output_data', 'metadata'];

/** A span every check accepts: storable times, counts that fit, and lone surrogates only where they become U+FFFD. */
function validSpan(next: () => number, traceId: string): Span {
  const start = Date.parse('2026-11-20T00:00:00Z') + Math.floor(next() * 86_400_000);
  return {
    trace_id: traceId,
    span_id: seededHex(next, 8),
    span_name: `step ${pick(next, SURROGATE_STRINGS)}`,
    operation_type: pick(next, ['llm_call', 'tool_call', 'other']),
    start_time: new Date(start).toISOString(),
    end_time: new Date(start + 1000).toISOString(),
    model_name: 'gpt-4o',
    input_tokens: Math.floor(next() * 1000),
    output_tokens: Math.floor(next() * 1000),
    input_data: { messages: [{ role: 'user', content: pick(next, SURROGATE_STRINGS) }] },
    metadata: { [`note ${pick(next, SURROGATE_STRINGS)}`]: pick(next, SURROGATE_STRINGS) },
    tags: [pick(next, SURROGATE_STRINGS)],
  };
}

function mutateWithEdgeValue(next: () => number, span: Span): void {
  const field = pick(next, [...TEXT_FIELDS, 'start_time', 'end_time', 'start_time', ...COUNT_FIELDS, ...DECIMAL_FIELDS, ...JSON_FIELDS, 'tags']);
  if (TEXT_FIELDS.includes(field)) span[field] = pick(next, SURROGATE_STRINGS);
  else if (field === 'start_time' || field === 'end_time') span[field] = pick(next, EDGE_INSTANTS);
  else if (COUNT_FIELDS.includes(field) || DECIMAL_FIELDS.includes(field)) span[field] = pick(next, EDGE_NUMBERS);
  else if (field === 'tags') span.tags = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, SURROGATE_STRINGS));
  else if (field === 'metadata') span.metadata = { edge: edgeJson(next), [pick(next, SURROGATE_STRINGS)]: edgeJson(next) };
  else span[field] = next() < 0.2 ? { deep: deeplyNested(pick(next, [99, 150, 2_000])) } : edgeJson(next);
}

/** What a stored span should hold, given what was sent; a description of the first difference, or null. */
function readBackMismatch(sent: Span, row: Row): string | null {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value ?? null));
  const expected: Row = {
    span_name: sanitizeText(String(sent.span_name)),
    start_time: new Date(sent.start_time as string | number).toISOString(),
    end_time: sent.end_time == null ? null : new Date(sent.end_time as string | number).toISOString(),
    tags: [...new Set(sent.tags as string[])].map(sanitizeText),
    input_data: sanitizeJson(limitJsonDepth(sent.input_data ?? null)),
    output_data: sanitizeJson(limitJsonDepth(sent.output_data ?? null)),
    metadata: sanitizeJson(limitJsonDepth(sent.metadata ?? null)),
  };
  for (const field of TEXT_FIELDS) if (typeof sent[field] === 'string') expected[field] = sanitizeText(sent[field] as string);
  for (const field of [...COUNT_FIELDS, ...DECIMAL_FIELDS]) if (typeof sent[field] === 'number') expected[field] = json(sent[field]);
  if (sent.total_tokens == null && typeof sent.input_tokens === 'number' && typeof sent.output_tokens === 'number') expected.total_tokens = sent.input_tokens + sent.output_tokens;
  for (const [field, value] of Object.entries(expected)) {
    if (JSON.stringify(json(row[field])) !== JSON.stringify(value) && !sameJson(row[field], value)) return `${field}: read back ${JSON.stringify(row[field])?.slice(0, 120)}, sent ${JSON.stringify(value)?.slice(0, 120)}`;
  }
  return null;
}

/** Deep equality that ignores key order (jsonb sorts keys). */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson((a as Row)[key], (b as Row)[key]));
  }
  return Object.is(a, b);
}

/** OTLP times: the u64 limits, past it, and JSON numbers beyond year 9999 (5e20 ns is year 17814). */
const NANOS = ['0', '1', '18446744073709551615', '9223372036854775807', '-1', '1e30', '18446744073709551616', 1764000000000000000, 5e20, 1e30];

function validOtlpSpan(next: () => number, traceId: string): Span {
  const start = 1_764_000_000_000_000_000n + BigInt(Math.floor(next() * 1e9)) * 1000n;
  return {
    traceId,
    spanId: seededHex(next, 8),
    name: `chat ${pick(next, SURROGATE_STRINGS)}`,
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 5_000_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: `gpt-4o ${pick(next, SURROGATE_STRINGS)}` } },
      { key: `custom.${pick(next, SURROGATE_STRINGS)}`, value: { stringValue: pick(next, SURROGATE_STRINGS) } },
    ],
    status: { code: 0 },
  };
}

function mutateOtlpSpan(next: () => number, span: Span): void {
  const attributes = span.attributes as Span[];
  switch (Math.floor(next() * 6)) {
    case 0:
      span.name = pick(next, SURROGATE_STRINGS);
      break;
    case 1:
      span[pick(next, ['startTimeUnixNano', 'endTimeUnixNano'])] = pick(next, NANOS);
      break;
    case 2:
      attributes.push({ key: pick(next, ['gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens']), value: { intValue: pick(next, ['2147483647', '2147483648', '9223372036854775807', '-9223372036854775808', 2147483647]) } });
      break;
    case 3:
      attributes.push({ key: pick(next, SURROGATE_STRINGS), value: { doubleValue: pick(next, [1e308, 'NaN', 'Infinity', '-Infinity', 5e-324, Number.MAX_VALUE]) } });
      break;
    case 4:
      span.status = { code: 2, message: pick(next, SURROGATE_STRINGS) };
      span.events = [{ name: 'exception', timeUnixNano: pick(next, NANOS), attributes: [{ key: 'exception.message', value: { stringValue: pick(next, SURROGATE_STRINGS) } }] }];
      break;
    default:
      attributes.push({ key: 'input.value', value: { stringValue: JSON.stringify(edgeJson(next)) } }, { key: 'llm.token_count.prompt', value: { intValue: pick(next, ['2147483647', '0']) } });
  }
}
