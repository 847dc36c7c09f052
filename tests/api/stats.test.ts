import { expect, it } from 'vitest';
import { GET as getStats } from '@/app/api/analytics/stats/route';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { PERCENTILE_ERROR } from '@/lib/trace-store/rollups';
import type { StatsBucket } from '@/lib/trace-store/stats';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

const DAY_START = Date.parse('2026-11-20T00:00:00.000Z');
const FROM = '2026-11-20T00:00:00.000Z';
const TO = '2026-11-21T00:00:00.000Z';

interface RequestSpec {
  at: string;
  durationMs: number;
  model: string;
  provider: string;
  input: number;
  output: number;
  cost: number | null;
  failed?: boolean;
}

/**
 * One request as a trace: a root carrying its totals, an `llm.call` child repeating the same
 * tokens and cost, and a failed tool child. Requests and errors count roots; usage counts the
 * model call once (the root only rolls it up).
 */
function requestTrace(spec: RequestSpec) {
  const traceId = hexId(16);
  const root = hexId(8);
  const start = Date.parse(spec.at);
  const at = (ms: number) => new Date(start + ms).toISOString();
  const usage = { model_name: spec.model, model_provider: spec.provider, input_tokens: spec.input, output_tokens: spec.output, cost_usd: spec.cost };
  return [
    {
      trace_id: traceId, span_id: root, span_name: 'llm.completion', operation_type: 'llm_call', start_time: at(0), end_time: at(spec.durationMs),
      status: spec.failed ? 'failed' : 'completed', error_message: spec.failed ? 'upstream 500' : undefined, ...usage,
    },
    { trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', start_time: at(1), end_time: at(spec.durationMs - 1), ...usage },
    {
      trace_id: traceId, span_id: hexId(8), parent_trace_id: root, span_name: 'tool.web_search', operation_type: 'tool_call', start_time: at(2), end_time: at(3),
      status: 'failed', error_message: 'tool threw',
    },
  ];
}

const REQUESTS: RequestSpec[] = [
  { at: '2026-11-20T00:00:00.000Z', durationMs: 500, model: 'gpt-4o', provider: 'openai', input: 10, output: 10, cost: 0.001 },
  { at: '2026-11-20T10:00:00.000Z', durationMs: 1000, model: 'gpt-4o', provider: 'openai', input: 1000, output: 200, cost: 0.0045 },
  { at: '2026-11-20T10:05:00.000Z', durationMs: 2000, model: 'gpt-4o', provider: 'openai', input: 2000, output: 400, cost: 0.009, failed: true },
  { at: '2026-11-20T10:20:00.000Z', durationMs: 3000, model: 'local-llama', provider: 'ollama', input: 500, output: 100, cost: null },
  { at: '2026-11-20T11:00:00.000Z', durationMs: 4000, model: 'claude-sonnet-4-5', provider: 'anthropic', input: 100, output: 100, cost: 0.01 },
];
/** Just outside [FROM, TO), model calls included: the range is half-open. */
const OUTSIDE: RequestSpec[] = [
  { at: '2026-11-19T23:59:59.990Z', durationMs: 9000, model: 'gpt-4o', provider: 'openai', input: 7, output: 7, cost: 1 },
  { at: '2026-11-21T00:00:00.000Z', durationMs: 9000, model: 'gpt-4o', provider: 'openai', input: 7, output: 7, cost: 1 },
];

/**
 * Ranges over 10 hours (15-minute buckets and longer) read the roll-ups' duration histograms
 * (rollups.ts): a percentile is within PERCENTILE_ERROR of the exact one, as a ratio of 1 + ms.
 */
function expectNear(value: number | null | undefined, exact: number) {
  expect(value).not.toBeNull();
  expect(Math.abs((Number(value) + 1) / (exact + 1) - 1)).toBeLessThanOrEqual(PERCENTILE_ERROR + 1e-9);
}

describeEachDatabase('stats API', (getDatabase) => {
  const stats = async (apiKey: string, query: string) => {
    const response = await call(getStats, { path: `/api/analytics/stats${query ? `?${query}` : ''}`, apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const seed = async (apiKey: string, specs: RequestSpec[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces: specs.flatMap(requestTrace) } });
    expect((await response.json()).rejected).toEqual([]);
  };

  it('each request counts once, and each model call once: a root that rolls up its children is not counted again', async () => {
    const user = await createTestUser(getDatabase());
    await seed(user.apiKey, [...REQUESTS, ...OUTSIDE]);
    const body = await stats(user.apiKey, `from=${FROM}&to=${TO}`);
    expect(body.from).toBe(FROM);
    expect(body.to).toBe(TO);
    expect(body.totals).toMatchObject({ requests: 5, errors: 1, input_tokens: 3610, output_tokens: 810, unpriced_requests: 1 });
    expect(body.totals.error_rate).toBeCloseTo(0.2, 10);
    expect(body.totals.cost_usd).toBeCloseTo(0.0245, 10);
    // Durations 500, 1000, 2000, 3000, 4000: median 2000; p95 interpolates 3000 + 0.8 × 1000.
    expect(body.percentile_error).toBeCloseTo(PERCENTILE_ERROR, 9);
    expectNear(body.totals.p50_ms, 2000);
    expectNear(body.totals.p95_ms, 3800);
  });

  it('reads every span for ranges up to 10 hours: percentiles exact', async () => {
    const user = await createTestUser(getDatabase());
    await seed(user.apiKey, [...REQUESTS, ...OUTSIDE]);
    const body = await stats(user.apiKey, 'from=2026-11-20T10:00:00Z&to=2026-11-20T12:00:00Z');
    expect(body.bucket_ms).toBe(60_000);
    expect(body.percentile_error).toBe(0);
    // Durations 1000, 2000, 3000, 4000: median 2500; p95 interpolates 3000 + 0.85 × 1000.
    expect(body.totals).toMatchObject({ requests: 4, errors: 1, p50_ms: 2500 });
    expect(body.totals.p95_ms).toBeCloseTo(3850, 6);
    expect(body.series.find((b: StatsBucket) => b.bucket === '2026-11-20T10:05:00.000Z')).toMatchObject({ requests: 1, errors: 1, p50_ms: 2000, p95_ms: 2000 });
  });

  it('splits the range into continuous buckets whose sums equal the totals', async () => {
    const user = await createTestUser(getDatabase());
    await seed(user.apiKey, [...REQUESTS, ...OUTSIDE]);
    const body = await stats(user.apiKey, `from=${FROM}&to=${Date.parse(TO)}`);
    const series: StatsBucket[] = body.series;
    // One day → 15-minute buckets: 96 of them, contiguous, covering the range.
    expect(body.bucket_ms).toBe(15 * 60_000);
    expect(series).toHaveLength(96);
    series.forEach((b, i) => expect(b.bucket).toBe(new Date(DAY_START + i * 15 * 60_000).toISOString()));

    const sum = (key: 'requests' | 'errors' | 'cost_usd' | 'input_tokens' | 'output_tokens') => series.reduce((total, b) => total + b[key], 0);
    expect(sum('requests')).toBe(body.totals.requests);
    expect(sum('errors')).toBe(body.totals.errors);
    expect(sum('input_tokens')).toBe(body.totals.input_tokens);
    expect(sum('output_tokens')).toBe(body.totals.output_tokens);
    expect(sum('cost_usd')).toBeCloseTo(body.totals.cost_usd, 10);

    const at = (iso: string) => series.find((b) => b.bucket === iso);
    expect(at('2026-11-20T00:00:00.000Z')).toMatchObject({ requests: 1, errors: 0, input_tokens: 10 });
    expectNear(at('2026-11-20T00:00:00.000Z')?.p50_ms, 500);
    // 10:00 and 10:05 share the 10:00 bucket.
    const tenOClock = at('2026-11-20T10:00:00.000Z');
    expect(tenOClock).toMatchObject({ requests: 2, errors: 1, input_tokens: 3000, output_tokens: 600 });
    expectNear(tenOClock?.p50_ms, 1500);
    expectNear(tenOClock?.p95_ms, 1950);
    expect(tenOClock?.cost_usd).toBeCloseTo(0.0135, 10);
    // The unpriced request adds no cost to its bucket.
    expect(at('2026-11-20T10:15:00.000Z')).toMatchObject({ requests: 1, cost_usd: 0 });
    expectNear(at('2026-11-20T10:15:00.000Z')?.p50_ms, 3000);
    expect(at('2026-11-20T05:00:00.000Z')).toEqual({
      bucket: '2026-11-20T05:00:00.000Z', requests: 0, errors: 0, p50_ms: null, p95_ms: null, cost_usd: 0, input_tokens: 0, output_tokens: 0,
    });
  });

  it('breaks requests down by model and marks an unpriced model as such', async () => {
    const user = await createTestUser(getDatabase());
    await seed(user.apiKey, [...REQUESTS, ...OUTSIDE]);
    const { by_model } = await stats(user.apiKey, `from=${FROM}&to=${TO}`);
    expect(by_model.map((m: { model_name: string }) => m.model_name)).toEqual(['gpt-4o', 'claude-sonnet-4-5', 'local-llama']);
    const [gpt, claude, local] = by_model;
    expect(gpt).toMatchObject({ model_provider: 'openai', requests: 3, tokens: 3620, unpriced_requests: 0 });
    expect(gpt.cost_usd).toBeCloseTo(0.0145, 10);
    expect(claude).toMatchObject({ model_provider: 'anthropic', requests: 1, tokens: 200, unpriced_requests: 0 });
    expect(claude.cost_usd).toBeCloseTo(0.01, 10);
    expect(local).toEqual({ model_name: 'local-llama', model_provider: 'ollama', requests: 1, cost_usd: null, tokens: 600, unpriced_requests: 1 });
  });

  it("answers an empty range with zeros, and never counts another user's spans", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    await seed(alice.apiKey, REQUESTS);
    const body = await stats(bob.apiKey, `from=${FROM}&to=${TO}`);
    expect(body.totals).toEqual({
      requests: 0, errors: 0, error_rate: 0, cost_usd: 0, input_tokens: 0, output_tokens: 0, p50_ms: null, p95_ms: null, unpriced_requests: 0,
    });
    expect(body.by_model).toEqual([]);
    expect(body.series).toHaveLength(96);
    expect(body.series.every((b: StatsBucket) => b.requests === 0 && b.cost_usd === 0 && b.p50_ms === null)).toBe(true);

    const emptyHour = await stats(alice.apiKey, 'from=2026-11-20T03:00:00Z&to=2026-11-20T04:00:00Z');
    expect(emptyHour.totals.requests).toBe(0);
    expect(emptyHour.bucket_ms).toBe(60_000);
    expect(emptyHour.series).toHaveLength(60);
  });

  it('defaults to the last 24 hours and picks coarser buckets for longer ranges', async () => {
    const user = await createTestUser(getDatabase());
    const before = Date.now();
    const recent = new Date(before - 60 * 60_000).toISOString();
    await seed(user.apiKey, [{ at: recent, durationMs: 700, model: 'gpt-4o', provider: 'openai', input: 1, output: 1, cost: 0.5 }]);
    const body = await stats(user.apiKey, '');
    const to = Date.parse(body.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to - Date.parse(body.from)).toBe(24 * 60 * 60_000);
    expect(body.totals).toMatchObject({ requests: 1, cost_usd: 0.5 });
    expectNear(body.totals.p50_ms, 700);

    const year = await stats(user.apiKey, 'from=2025-11-21T00:00:00Z&to=2026-11-21T00:00:00Z');
    expect(year.bucket_ms).toBe(24 * 60 * 60_000);
    expect(year.series).toHaveLength(365);
    const week = await stats(user.apiKey, 'from=2026-11-14T00:00:00Z&to=2026-11-21T00:00:00Z');
    expect(week.bucket_ms).toBe(3 * 60 * 60_000);
    expect(week.series).toHaveLength(56);
  });

  it('answers bad ranges with 422', async () => {
    const user = await createTestUser(getDatabase());
    const status = async (query: string) => {
      const response = await call(getStats, { path: `/api/analytics/stats?${query}`, apiKey: user.apiKey });
      return { status: response.status, body: await response.json() };
    };
    const reversed = await status(`from=${TO}&to=${FROM}`);
    expect(reversed.status).toBe(422);
    expect(reversed.body.error.details.map((d: { path: string }) => d.path)).toEqual(['from']);
    expect((await status(`from=${FROM}&to=${FROM}`)).status).toBe(422);
    expect((await status('from=yesterday')).status).toBe(422);
    const tooLong = await status('from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z');
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.details.map((d: { path: string }) => d.path)).toEqual(['to']);
    expect((await status('from=2025-01-01T00:00:00Z&to=2026-01-02T00:00:00Z')).status).toBe(200); // exactly 366 days
    expect((await call(getStats, { path: '/api/analytics/stats' })).status).toBe(401);
  });
});
