import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { GET as qualityIssues } from '@/app/api/analytics/quality-issues/route';
import { GET as stats } from '@/app/api/analytics/stats/route';
import { GET as exportTraces } from '@/app/api/analytics/traces/export/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { POST as chat } from '@/app/api/chat/route';
import { GET as health } from '@/app/api/health/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { encodeTraceRequest, type ExportSpan } from '@/lib/otlp/encode';
import { DatabaseSpanSink } from '@/lib/trace-store/database-sink';
import { traceService } from '@llmtrace/sdk';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

/**
 * Values that pass validation one by one but that Postgres cannot store or read back as sent:
 * lone UTF-16 surrogates, instants outside years 1–9999 (and before year 1000), sums of token
 * counts beyond `integer`, huge and tiny numbers. Each is stored cleanly or refused alone, with
 * a reason; never a 5xx, never at the cost of a neighbour.
 */

type Span = Record<string, unknown>;
type Row = Record<string, any>;

const savedEnv = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, { DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0' });
});
afterAll(() => {
  process.env = savedEnv;
});

const OUT_OF_RANGE_INSTANTS = [8640000000000000, -8640000000000000, '-000001-01-01T00:00:00Z', '-004713-11-24T00:00:00Z', '+010000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z'];

function span(extra: Span = {}): Span {
  return { trace_id: hexId(16), span_id: hexId(8), span_name: 'step', start_time: '2026-11-20T10:00:00.000Z', end_time: '2026-11-20T10:00:01.000Z', ...extra };
}

describeEachDatabase('values at the edges of what Postgres stores', (getDatabase) => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  beforeEach(async () => {
    user ??= await createTestUser(getDatabase());
  });

  const post = async (spans: Span[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } });
    expect(response.status).toBe(200);
    return (await response.json()) as { accepted: number; rejected: Array<{ index: number; message: string }> };
  };
  const get = async (handler: typeof getTraces, path: string) => call(handler, { path, apiKey: user.apiKey });
  const trace = async (traceId: string): Promise<Row[]> => (await (await get(getTraces, `/api/analytics/traces?trace_id=${traceId}`)).json()).traces;

  it('stores lone surrogates in any string of a span as U+FFFD, keeping surrogate pairs (emoji) whole', async () => {
    const root = span({
      span_name: 'tool.\ud800name',
      model_name: 'model\udc00',
      error_message: 'bad \udfff end',
      service_name: 'svc\udbff',
      session_id: 's\ud800',
      end_user_id: 'u\udc00',
      tags: ['tag\ud800', 'ok 💥'],
      input_data: { deep: [{ deeper: { text: 'a\ud800b\udc00c', emoji: '💥', reversed: '\udc00\ud800' } }] },
      output_data: 'lone at the end \ud83d',
      metadata: { 'key\udc00': 'value', literal: 'keep \\ud800 as text', pair: '\ud83d\udca5' },
    });
    const neighbour = span({ trace_id: root.trace_id, parent_trace_id: root.span_id });
    expect(await post([root, neighbour])).toEqual({ accepted: 2, rejected: [] });
    const stored = await trace(root.trace_id as string);
    expect(stored).toHaveLength(2);
    const row = stored.find((s) => s.span_id === root.span_id)!;
    expect(row).toMatchObject({
      span_name: 'tool.\uFFFDname',
      model_name: 'model\uFFFD',
      error_message: 'bad \uFFFD end',
      service_name: 'svc\uFFFD',
      session_id: 's\uFFFD',
      end_user_id: 'u\uFFFD',
      tags: ['tag\uFFFD', 'ok 💥'],
      input_data: { deep: [{ deeper: { text: 'a\uFFFDb\uFFFDc', emoji: '💥', reversed: '\uFFFD\uFFFD' } }] },
      output_data: 'lone at the end \uFFFD',
      metadata: { 'key\uFFFD': 'value', literal: 'keep \\ud800 as text', pair: '💥' },
    });
  });

  it('stores lone surrogates of OTLP/JSON attributes (keys and values) as U+FFFD', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const start = 1_764_000_000_000n * 1_000_000n;
    const otlpSpan: ExportSpan = {
      resource: { 'service.name': 'svc\ud800' }, scope: { name: 'test' }, traceId, spanId, parentSpanId: null, name: 'chat \udc00', kind: 3,
      startTimeUnixNano: start, endTimeUnixNano: start + 1_000_000n, status: { code: 0 },
      attributes: { 'gen_ai.request.model': 'gpt-4o\ud800', 'custom.\udc00key': 'value \ud800', 'custom.list': ['a\udfff', '💥'] },
    };
    const response = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: encodeTraceRequest([otlpSpan], 'json'), headers: { 'content-type': 'application/json' }, method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const [row] = await trace(traceId);
    expect(row).toMatchObject({ span_name: 'chat \uFFFD', model_name: 'gpt-4o\uFFFD', service_name: 'svc\uFFFD' });
    expect(row.metadata).toMatchObject({ 'custom.\uFFFDkey': 'value \uFFFD', 'custom.list': ['a\uFFFD', '💥'] });
  });

  it('refuses a start or end time outside years 1–9999 alone, with the reason, and stores its neighbours', async () => {
    for (const instant of OUT_OF_RANGE_INSTANTS) {
      const good = span();
      const badStart = span({ start_time: instant, end_time: null });
      const badEnd = span({ end_time: instant });
      const result = await post([badStart, good, badEnd]);
      expect(result.accepted, `instant ${instant}`).toBe(1);
      expect(result.rejected.map((r) => r.index)).toEqual([0, 2]);
      expect(result.rejected[0].message).toMatch(/^start_time: must be between 0001-01-01T00:00:00Z and 9999-12-31/);
      expect(result.rejected[1].message).toMatch(/^end_time: must be between/);
      expect(await trace(good.trace_id as string)).toHaveLength(1);
    }
  });

  it('refuses an OTLP span whose nanosecond time lies beyond year 9999 alone, in partialSuccess', async () => {
    const traceId = hexId(16);
    const spanJson = (spanId: string, start: string | number, end: string | number) =>
      ({ traceId, spanId, name: 'step', kind: 1, startTimeUnixNano: start, endTimeUnixNano: end });
    const kept = hexId(8);
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [spanJson(hexId(8), 5e20, 5e20 + 1e9), spanJson(kept, '1764000000000000000', '1764000001000000000'), spanJson(hexId(8), '1764000000000000000', 5e20)] }] }],
    });
    const response = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: body, headers: { 'content-type': 'application/json' }, method: 'POST' });
    expect(response.status).toBe(200);
    const { partialSuccess } = await response.json();
    expect(partialSuccess.rejectedSpans).toBe('2');
    expect(partialSuccess.errorMessage).toMatch(/start_time: must be between 0001-01-01T00:00:00Z and 9999-12-31.*end_time: must be between/);
    expect((await trace(traceId)).map((s) => s.span_id)).toEqual([kept]);
  });

  it('returns instants before year 1000 and up to 9999 exactly as sent, in a trace, the list, its cursor and stats', async () => {
    const instants = ['0001-01-01T00:00:00.000Z', '0049-06-15T12:30:45.123Z', '0099-12-31T23:59:59.999Z', '0999-03-01T00:00:00.000Z', '9999-12-31T23:59:58.999Z'];
    const spans = instants.map((start) => span({ start_time: start, end_time: new Date(Date.parse(start) + 1000).toISOString(), service_name: 'ancient' }));
    expect((await post(spans)).accepted).toBe(instants.length);
    for (const [i, start] of instants.entries()) {
      const [row] = await trace(spans[i].trace_id as string);
      expect(row.start_time).toBe(start);
      expect(row.end_time).toBe(new Date(Date.parse(start) + 1000).toISOString());
    }
    // Page through the list one root at a time: every cursor holds an early instant.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(getTraces, `/api/analytics/traces?service_name=ancient&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { traces: Row[]; next_cursor: string | null };
      seen.push(...page.traces.map((t) => t.start_time));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...instants].reverse());
    const inYearOne = await get(getTraces, '/api/analytics/traces?service_name=ancient&from=0001-01-01T00:00:00Z&to=0002-01-01T00:00:00Z');
    expect((await inYearOne.json()).traces.map((t: Row) => t.start_time)).toEqual(['0001-01-01T00:00:00.000Z']);
    const overview = await (await get(stats, '/api/analytics/stats?from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z')).json();
    expect(overview.totals.requests).toBe(1);
    expect(overview.series.find((b: Row) => b.requests === 1)?.bucket).toBe('0001-01-01T00:00:00.000Z');
  });

  it('refuses a span whose computed total_tokens would overflow, and reads back the largest counts that fit', async () => {
    const MAX = 2_147_483_647;
    const overflowing = span({ input_tokens: MAX, output_tokens: MAX });
    const largest = span({ input_tokens: MAX, output_tokens: 0, total_tokens: MAX, cached_input_tokens: MAX, reasoning_tokens: MAX, service_name: 'huge-usage' });
    const sibling = span({ trace_id: largest.trace_id, parent_trace_id: largest.span_id, input_tokens: MAX, output_tokens: MAX, total_tokens: MAX });
    const result = await post([overflowing, largest, sibling]);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([{ index: 0, message: expect.stringMatching(/^total_tokens: input_tokens \+ output_tokens is more than 2147483647/) }]);
    const stored = await trace(largest.trace_id as string);
    expect(stored.map((s) => s.input_tokens)).toEqual([MAX, MAX]);
    // Totals over spans whose sum exceeds 2^31 − 1: the list and the dashboard still answer.
    const list = await get(getTraces, '/api/analytics/traces?service_name=huge-usage');
    expect(list.status).toBe(200);
    expect((await list.json()).traces[0]).toMatchObject({ trace_input_tokens: MAX, trace_output_tokens: MAX, trace_total_tokens: MAX });
    const overview = await get(stats, '/api/analytics/stats?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z');
    expect(overview.status).toBe(200);
    expect((await overview.json()).by_model.length).toBeGreaterThan(0);
  });

  it('stores and reads back huge and tiny costs and durations; the list and dashboard answer over them', async () => {
    const extremes = [1e308, Number.MAX_VALUE, 5e-324, 0];
    const spans = extremes.map((value) => span({ cost_usd: value, duration_ms: value, time_to_first_token_ms: value, input_tokens: 1, start_time: '2026-11-22T10:00:00Z', end_time: '2026-11-22T10:00:01Z' }));
    expect((await post(spans)).accepted).toBe(extremes.length);
    for (const [i, value] of extremes.entries()) {
      const [row] = await trace(spans[i].trace_id as string);
      expect(row).toMatchObject({ cost_usd: value, duration_ms: value, time_to_first_token_ms: value });
    }
    for (const query of ['min_duration_ms=1e308', 'max_duration_ms=1.7976931348623157e308', 'min_duration_ms=5e-324', 'from=2026-11-22T00:00:00Z']) {
      expect((await get(getTraces, `/api/analytics/traces?${query}`)).status, query).toBe(200);
    }
    const overview = await get(stats, '/api/analytics/stats?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z');
    expect(overview.status).toBe(200);
    expect((await overview.json()).totals.requests).toBe(extremes.length);
  });

  it('stores JSON nested deeper than 100 levels cut at 100, over HTTP JSON and OTLP, beside its neighbours', async () => {
    const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const levelsTo = (value: unknown) => {
      let levels = 0;
      for (; Array.isArray(value) && value.length === 1; levels++) value = value[0];
      return { levels, leaf: value };
    };
    const marker = '[cut: nested deeper than 100 levels]';
    const traceId = hexId(16);
    const [spanId, neighbourId] = [hexId(8), hexId(8)];
    const raw = `{"traces":[{"trace_id":"${traceId}","span_id":"${spanId}","span_name":"deep","start_time":"2026-11-20T10:00:00Z",` +
      `"input_data":${deep(50_000)},"metadata":{"nested":${deep(5_000)},"nul":"a\\u0000b"}},` +
      `{"trace_id":"${traceId}","span_id":"${neighbourId}","span_name":"neighbour","start_time":"2026-11-20T10:00:00Z"}]}`;
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 2, rejected: [] });
    const stored = await trace(traceId);
    const row = stored.find((s) => s.span_id === spanId)!;
    expect(levelsTo(row.input_data)).toEqual({ levels: 100, leaf: marker });
    expect(levelsTo(row.metadata.nested)).toEqual({ levels: 99, leaf: marker });
    expect(row.metadata.nul).toBe('a\uFFFDb');
    expect(stored).toHaveLength(2);

    const otlpTrace = hexId(16);
    const start = 1_764_000_000_000n * 1_000_000n;
    const otlpSpan = (name: string, attributes: ExportSpan['attributes']): ExportSpan => ({
      resource: {}, scope: { name: 'test' }, traceId: otlpTrace, spanId: hexId(8), parentSpanId: null, name, kind: 3,
      startTimeUnixNano: start, endTimeUnixNano: start + 1_000_000n, status: { code: 0 }, attributes,
    });
    const body = encodeTraceRequest([
      otlpSpan('deep', { 'openinference.span.kind': 'LLM', 'input.value': deep(200_000), 'input.mime_type': 'application/json' }),
      otlpSpan('neighbour', {}),
    ], 'json');
    const otlpResponse = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: body, headers: { 'content-type': 'application/json' }, method: 'POST' });
    expect(otlpResponse.status).toBe(200);
    expect(await otlpResponse.json()).toEqual({});
    const otlpStored = await trace(otlpTrace);
    expect(otlpStored.map((s) => s.span_name).sort()).toEqual(['deep', 'neighbour']);
    expect(levelsTo(otlpStored.find((s) => s.span_name === 'deep')!.input_data)).toEqual({ levels: 100, leaf: marker });
  });

  it('rejects alone a span the database still refuses after validation, over HTTP JSON and OTLP', async () => {
    await getDatabase().exec("ALTER TABLE llm_traces ADD CONSTRAINT test_refuse_name CHECK (span_name <> 'refused') NOT VALID");
    try {
      const refused = span({ span_name: 'refused' });
      const kept = [span(), span()];
      const result = await post([kept[0], refused, kept[1]]);
      expect(result).toEqual({ accepted: 2, rejected: [{ index: 1, message: 'the database refused this span' }] });
      for (const s of kept) expect(await trace(s.trace_id as string)).toHaveLength(1);

      const traceId = hexId(16);
      const start = 1_764_000_000_000n * 1_000_000n;
      const otlp = (name: string): ExportSpan => ({
        resource: {}, scope: { name: 'test' }, traceId, spanId: hexId(8), parentSpanId: null, name, kind: 1,
        startTimeUnixNano: start, endTimeUnixNano: start + 1_000_000n, attributes: {}, status: { code: 0 },
      });
      const response = await call(postOtlp, { path: '/v1/traces', apiKey: user.apiKey, rawBody: encodeTraceRequest([otlp('refused'), otlp('kept')], 'json'), headers: { 'content-type': 'application/json' }, method: 'POST' });
      expect(response.status).toBe(200);
      expect((await response.json()).partialSuccess).toMatchObject({ rejectedSpans: '1', errorMessage: expect.stringContaining('the database refused this span') });
      expect((await trace(traceId)).map((s) => s.span_name)).toEqual(['kept']);
    } finally {
      await getDatabase().exec('ALTER TABLE llm_traces DROP CONSTRAINT test_refuse_name');
    }
  });

  it('answers 422 to from and to outside years 1–9999 on every query that takes them', async () => {
    const endpoints = [
      [getTraces, '/api/analytics/traces'],
      [exportTraces, '/api/analytics/traces/export'],
      [qualityIssues, '/api/analytics/quality-issues'],
      [qualityIssues, '/api/analytics/quality-issues?tag=wrong'],
      [stats, '/api/analytics/stats'],
    ] as const;
    for (const [handler, path] of endpoints) {
      for (const instant of [...OUT_OF_RANGE_INSTANTS, '0001-01-01T00:00:00Z']) {
        for (const name of ['from', 'to']) {
          // stats: to = year 1 leaves its default from (a day earlier) out of range, also a 422.
          if (instant === '0001-01-01T00:00:00Z' && !(handler === stats && name === 'to')) continue;
          const response = await get(handler as typeof getTraces, `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(String(instant))}`);
          expect(response.status, `${path} ${name}=${instant}`).toBe(422);
          expect((await response.json()).error.details[0].path).toBe(handler === stats && instant === '0001-01-01T00:00:00Z' ? 'from' : name);
        }
      }
    }
  });

  it('answers 422 to a well-formed cursor holding an impossible time or id', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const uuid = '00000000-0000-4000-8000-000000000000';
    const listCursors = [
      [new Date(8640000000000000).toISOString(), uuid],
      ['-000001-01-01T00:00:00.000Z', uuid],
      ['0000-01-01T00:00:00.000Z', uuid],
      ['2026-02-30T00:00:00.000Z', uuid],
      ['1', uuid],
      ['March 7, 2026', uuid],
      ['2026-11-20T10:00:00.000Z', '------------------------------------'],
      ['2026-11-20T10:00:00.000Z', 'gggggggg-gggg-gggg-gggg-gggggggggggg'],
      [0, uuid],
    ];
    for (const value of listCursors) {
      for (const [handler, path] of [[getTraces, '/api/analytics/traces'], [exportTraces, '/api/analytics/traces/export']] as const) {
        const response = await get(handler, `${path}?cursor=${cursor(value)}`);
        expect(response.status, `${path} cursor ${JSON.stringify(value)}`).toBe(422);
      }
    }
    for (const value of [['999999999999999999', uuid], ['253402300800000000', uuid], ['1', '------------------------------------'], [1, uuid]]) {
      const response = await get(qualityIssues, `/api/analytics/quality-issues?tag=wrong&cursor=${cursor(value)}`);
      expect(response.status, `quality cursor ${JSON.stringify(value)}`).toBe(422);
    }
  });

  it('traces a chat message holding lone surrogates, and saves the message', async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    const response = await call(chat, { path: '/api/chat', apiKey: user.apiKey, body: { messages: [{ role: 'user', content: 'broken \ud800 text \udc00 here 💥' }] } });
    expect(response.status).toBe(200);
    const body = await response.json();
    await traceService.flush();
    const spans = await trace(body.traceId);
    const root = spans.find((s) => s.parent_trace_id === null);
    expect(root?.message_id).toBe(body.messageId);
    expect(JSON.stringify(root?.input_data)).toContain('broken \uFFFD text \uFFFD here 💥');
    const [saved] = await getDatabase().query<{ content: string }>("SELECT content FROM messages WHERE conversation_id = $1 AND role = 'user'", [body.conversationId]);
    expect(saved.content).toBe('broken \uFFFD text \uFFFD here 💥');
  });

  it('counts a chat span the database refuses in /api/health, and still stores the rest of its trace', async () => {
    traceService.setSink(new DatabaseSpanSink(async () => getDatabase()));
    const before = (await (await health()).json()).tracing;
    await getDatabase().exec("ALTER TABLE llm_traces ADD CONSTRAINT test_refuse_llm_call CHECK (span_name <> 'llm.call') NOT VALID");
    try {
      const response = await call(chat, { path: '/api/chat', apiKey: user.apiKey, body: { messages: [{ role: 'user', content: 'hello' }] } });
      expect(response.status).toBe(200);
      const { traceId } = await response.json();
      await traceService.flush();
      const after = (await (await health()).json()).tracing;
      expect(after.rejected - before.rejected).toBe(1);
      expect(after.dropped).toBe(before.dropped);
      expect((await trace(traceId)).map((s) => s.span_name)).toEqual(['llm.completion']);
    } finally {
      await getDatabase().exec('ALTER TABLE llm_traces DROP CONSTRAINT test_refuse_llm_call');
    }
  });
});
