import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { expect, it } from 'vitest';
import { GET as getOutline } from '@/app/api/analytics/traces/[traceId]/outline/route';
import { GET as findInTrace } from '@/app/api/analytics/traces/[traceId]/search/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { GZIP_FRAMES_TYPE, readGzipFrames } from '@/lib/client/gzip-frames';
import { OUTLINE_PARTS, spanIdCuts } from '@/lib/trace-store/outline';
import { compareOutlineTies, decodeOutline, type TraceOutline } from '@/lib/trace-view/outline';
import { buildTraceTree, TraceTreeBuilder } from '@/lib/trace-view/tree';
import type { TraceTree } from '@/lib/trace-view/types';
import type { ApiSpan } from '@/lib/trace-view/types';
import { makeBigTrace, makeChatTrace } from '@/tests/support/trace-fixtures';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

const strip = (spans: ApiSpan[]) => spans.map(({ id: _i, user_id: _u, created_at: _c, ...span }) => span);

describeEachDatabase('GET /api/analytics/traces/{trace_id}/outline and /search', (getDatabase) => {
  const outline = (apiKey: string, traceId: string) => call(getOutline, { path: `/api/analytics/traces/${traceId}/outline`, apiKey, params: { traceId } });
  const find = (apiKey: string, traceId: string, q: string) =>
    call(findInTrace, { path: `/api/analytics/traces/${traceId}/search?${new URLSearchParams({ q })}`, apiKey, params: { traceId } });

  it('gives every span of the trace, in the API order, with the fields the waterfall uses', async () => {
    const user = await createTestUser(getDatabase());
    const spans = [...strip(makeBigTrace(600, { seed: 11, start: Date.now() - 60_000, withRunning: true })), ...strip(makeChatTrace({ failed: true, start: Date.now() - 30_000 }))];
    const traceId = spans[0]!.trace_id;
    // The chat trace's spans join the big trace (as orphans below a missing parent, for one).
    for (const span of spans) span.trace_id = traceId;
    spans[spans.length - 1]!.parent_trace_id = 'ffffffffffffffff';
    expect((await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } })).status).toBe(200);

    const response = await outline(user.apiKey, traceId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const decoded = decodeOutline((await response.json()) as TraceOutline);
    const whole = (await (await call(getTraces, { path: `/api/analytics/traces?trace_id=${traceId}`, apiKey: user.apiKey })).json()).traces as ApiSpan[];
    expect(decoded.map((span) => span.span_id)).toEqual(whole.map((span) => span.span_id));
    decoded.forEach((span, i) => {
      const stored = whole[i]!;
      for (const key of ['parent_trace_id', 'span_name', 'operation_type', 'status', 'start_time', 'end_time', 'model_name', 'model_provider', 'input_tokens', 'output_tokens', 'total_tokens', 'cached_input_tokens', 'reasoning_tokens', 'cost_usd', 'time_to_first_token_ms'] as const) {
        expect(span[key], `${key} of ${span.span_id}`).toEqual(stored[key]);
      }
      expect(span.error_message).toBe(stored.error_message === null ? null : stored.error_message.slice(0, 500));
      expect(span.input_data).toBeNull();
      expect(span.data_omitted).toBe(true);
    });

    // A trace without a time range (written around the writer) gives the same outline: its first start is looked up.
    await getDatabase().query('DELETE FROM trace_ranges WHERE user_id = $1 AND trace_id = $2', [user.userId, traceId]);
    const unbounded = decodeOutline((await (await outline(user.apiKey, traceId)).json()) as TraceOutline);
    expect(unbounded.map((span) => [span.span_id, span.start_time, span.end_time])).toEqual(decoded.map((span) => [span.span_id, span.start_time, span.end_time]));
  });

  it('with ?encoding=gzip, is the same JSON as a gzip file (not compressed again by Next.js)', async () => {
    const user = await createTestUser(getDatabase());
    const spans = strip(makeBigTrace(1000, { seed: 12, start: Date.now() - 60_000 }));
    const traceId = spans[0]!.trace_id;
    expect((await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } })).status).toBe(200);
    const get = (query = '') => call(getOutline, { path: `/api/analytics/traces/${traceId}/outline${query}`, apiKey: user.apiKey, params: { traceId } });

    const plain = await get();
    expect(plain.headers.get('content-type')).toContain('application/json');
    const text = await plain.text();
    expect(decodeOutline(JSON.parse(text) as TraceOutline)).toHaveLength(1000);

    const zipped = await get('?encoding=gzip');
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get('content-type')).toBe('application/gzip');
    expect(zipped.headers.get('content-encoding')).toBeNull();
    expect(zipped.headers.get('cache-control')).toContain('no-transform');
    const body = Buffer.from(await zipped.arrayBuffer());
    expect(Number(zipped.headers.get('content-length'))).toBe(body.length);
    expect(body.length).toBeLessThan(text.length / 4);
    expect(zlib.gunzipSync(body).toString()).toBe(text);
    // As the browser unzips it.
    const unzipped = await new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    expect(unzipped).toBe(text);

    // Any other encoding: the JSON itself.
    expect((await get('?encoding=br')).headers.get('content-type')).toContain('application/json');
    // A missing trace is still a JSON error.
    const missing = await call(getOutline, { path: `/api/analytics/traces/${'f'.repeat(32)}/outline?encoding=gzip`, apiKey: user.apiKey, params: { traceId: 'f'.repeat(32) } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
  });

  it('with ?encoding=gzip-parts, is the outline in parts cut by span id, which merge into the whole', async () => {
    const user = await createTestUser(getDatabase());
    const spans = strip(makeBigTrace(1000, { seed: 13, start: Date.now() - 60_000, withRunning: true }));
    const traceId = spans[0]!.trace_id;
    // Span ids as OpenTelemetry makes them: random hex of one length.
    const ids = new Map(spans.map((span) => [span.span_id, randomBytes(8).toString('hex')]));
    for (const span of spans) {
      span.span_id = ids.get(span.span_id)!;
      if (span.parent_trace_id) span.parent_trace_id = ids.get(span.parent_trace_id) ?? span.parent_trace_id;
    }
    expect((await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: spans } })).status).toBe(200);
    const readParts = async (id: string, key = user.apiKey) => {
      const response = await call(getOutline, { path: `/api/analytics/traces/${id}/outline?encoding=gzip-parts`, apiKey: key, params: { traceId: id } });
      if (response.status !== 200) return { response, parts: [] as TraceOutline[] };
      const parts: TraceOutline[] = [];
      await readGzipFrames(response.body!, (text) => parts.push(JSON.parse(text) as TraceOutline));
      return { response, parts };
    };

    const { response, parts } = await readParts(traceId);
    expect(response.headers.get('content-type')).toBe(GZIP_FRAMES_TYPE);
    expect(response.headers.get('cache-control')).toContain('no-transform');
    expect(parts).toHaveLength(OUTLINE_PARTS);
    // Each part a range of span ids, of about a quarter of them, counting from one base.
    const sorted = (xs: string[]) => [...xs].sort();
    for (let p = 1; p < parts.length; p++) expect(sorted(parts[p - 1]!.span_id).at(-1)! < sorted(parts[p]!.span_id)[0]!).toBe(true);
    for (const part of parts) {
      expect(part.span_id.length).toBeGreaterThan(1000 / OUTLINE_PARTS / 2);
      expect(part.base_us).toBe(parts[0]!.base_us);
    }
    // Built part by part, as the trace page does: the tree of the whole outline.
    const whole = buildTraceTree(decodeOutline((await (await outline(user.apiKey, traceId)).json()) as TraceOutline));
    const builder = new TraceTreeBuilder();
    for (const part of parts) builder.add(decodeOutline(part));
    const built = builder.build(compareOutlineTies);
    const nodes = (tree: TraceTree) => tree.preorder.map((node) => ({ id: node.id, depth: node.depth, span: { ...node.span }, totals: node.totals }));
    expect(built.preorder).toHaveLength(1000);
    expect(nodes(built)).toEqual(nodes(whole));
    expect(built.preorder.filter((node) => node.span.model_name !== null).length).toBeGreaterThan(0);

    // A trace of one span: one part.
    const lone = { ...spans[0]!, trace_id: randomBytes(16).toString('hex'), parent_trace_id: null };
    expect(await (await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: [lone] } })).json()).toMatchObject({ accepted: 1 });
    const single = await readParts(lone.trace_id);
    expect(single.parts.map((part) => part.span_id)).toEqual([[lone.span_id]]);
    // The cuts: even ranges of hex ids of one length; none for other ids (the API takes hex only, a direct write may not).
    expect(spanIdCuts('00', 'ff', 4)).toEqual(['3f', '7f', 'bf']);
    expect(spanIdCuts('ef68a72500000000', 'ef68a725000003e7', 4)).toEqual(['ef68a725000000f9', 'ef68a725000001f3', 'ef68a725000002ed']);
    expect(spanIdCuts('a1', 'a2', 4)).toEqual([]);
    expect(spanIdCuts('a1', 'a3', 4)).toEqual(['a2']);
    expect(spanIdCuts('step-1', 'step-9', 4)).toEqual([]);
    expect(spanIdCuts('0a', 'ff0', 4)).toEqual([]);

    // Missing, or another user's: a JSON 404, as without parts.
    const other = await createTestUser(getDatabase());
    for (const missing of [await readParts('f'.repeat(32)), await readParts(traceId, other.apiKey)]) {
      expect(missing.response.status).toBe(404);
      expect(missing.response.headers.get('content-type')).toContain('application/json');
    }
  });

  it('finds the spans whose input or output holds a text, and is scoped to its user', async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const spans = strip(makeChatTrace({ start: Date.now() - 10_000, seed: 21 }));
    const traceId = spans[0]!.trace_id;
    expect((await call(postTraces, { path: '/api/analytics/traces', apiKey: alice.apiKey, body: { traces: spans } })).status).toBe(200);

    const found = await (await find(alice.apiKey, traceId, 'PRICING faq')).json();
    expect(found.truncated).toBe(false);
    expect(found.span_ids.length).toBeGreaterThan(0);
    for (const id of found.span_ids) expect(JSON.stringify(spans.find((span) => span.span_id === id)).toLowerCase()).toContain('pricing faq');
    // Not matched by its own trace id (every span would be).
    expect((await (await find(alice.apiKey, traceId, traceId.slice(0, 12))).json()).span_ids).toEqual([]);

    expect((await outline(bob.apiKey, traceId)).status).toBe(404);
    expect((await (await find(bob.apiKey, traceId, 'pricing')).json()).span_ids).toEqual([]);
    expect((await find(alice.apiKey, traceId, '')).status).toBe(422);
    expect((await outline(alice.apiKey, 'not-a-trace-id')).status).toBe(404);
    expect((await call(getOutline, { path: `/api/analytics/traces/${traceId}/outline`, params: { traceId } })).status).toBe(401);
  });
});
