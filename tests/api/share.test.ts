import { expect, it } from 'vitest';
import { DELETE as deleteTraceRoute } from '@/app/api/analytics/traces/[traceId]/route';
import { POST as shareRoute } from '@/app/api/analytics/traces/[traceId]/share/route';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { DELETE as revokeRoute, GET as openRoute } from '@/app/api/share/[token]/route';
import { GET as listRoute } from '@/app/api/shares/route';
import { sha256Hex } from '@/lib/auth/secrets';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId, threeLevelTrace } from '../support/spans';

const PROMPT = 'Refund order #4411 for Jane Roe, card ending 4242';
const ANSWER = 'Refund of $19.99 issued to Jane Roe';
const SECRET_META = 'system prompt: you are the refund bot';

type Span = Record<string, unknown> & { trace_id: string; span_id: string; span_name: string };

describeEachDatabase('share links', (getDatabase) => {
  /** Stores a three-level trace for the user, with a prompt, an answer, metadata, an end user and a session on its root. */
  async function storedTrace(apiKey: string, { traceId, name }: { traceId?: string; name?: string } = {}) {
    const trace = threeLevelTrace();
    const id = traceId ?? trace.traceId;
    for (const span of trace.spans as unknown as Span[]) {
      span.trace_id = id;
      if (name) span.span_name = `${name}:${span.span_name}`;
    }
    Object.assign(trace.spans[0]!, {
      input_data: { messages: [{ role: 'user', content: PROMPT }] },
      output_data: { content: ANSWER },
      metadata: { note: SECRET_META },
      end_user_id: 'customer-jane@example.test',
      session_id: 'session-77',
      tags: ['refund'],
    });
    Object.assign(trace.spans[3]!, { input_data: { prompt: PROMPT }, output_data: ANSWER });
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces: trace.spans } });
    expect(response.status).toBe(200);
    expect((await response.json()).rejected).toEqual([]);
    return { traceId: id, spanIds: trace.spanIds, count: trace.spans.length };
  }

  const share = (apiKey: string, traceId: string, body?: unknown) =>
    call(shareRoute, { method: 'POST', path: `/api/analytics/traces/${traceId}/share`, apiKey, body, params: { traceId } });
  const open = (token: string, query = '') => call(openRoute, { path: `/api/share/${encodeURIComponent(token)}${query}`, params: { token } });
  const revoke = (apiKey: string, token: string) => call(revokeRoute, { method: 'DELETE', path: `/api/share/${token}`, apiKey, params: { token } });
  const list = async (apiKey: string) => {
    const response = await call(listRoute, { path: '/api/shares', apiKey });
    expect(response.status).toBe(200);
    return (await response.json()).shares as Array<Record<string, unknown>>;
  };
  async function created(apiKey: string, traceId: string, body?: unknown) {
    const response = await share(apiKey, traceId, body);
    expect(response.status).toBe(201);
    return (await response.json()) as { token: string; url: string; id: string; redact: boolean; trace_id: string };
  }

  it('creates a link (201, an unguessable token and /share/{token}) that opens every span without signing in', async () => {
    const alice = await createTestUser(getDatabase());
    const { traceId, count } = await storedTrace(alice.apiKey);
    const response = await share(alice.apiKey, traceId, {});
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes: 192 bits
    expect(body.url).toBe(`/share/${body.token}`);
    expect(body).toMatchObject({ trace_id: traceId, redact: false });

    const opened = await open(body.token);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    expect(opened.headers.get('x-robots-tag')).toMatch(/noindex/);
    const { traces, redacted } = (await opened.json()) as { traces: Span[]; redacted: boolean };
    expect(redacted).toBe(false);
    expect(traces).toHaveLength(count);
    expect(new Set(traces.map((span) => span.trace_id))).toEqual(new Set([traceId]));
    const root = traces.find((span) => span.parent_trace_id === null)!;
    expect(root.input_data).toEqual({ messages: [{ role: 'user', content: PROMPT }] });
    expect(root.output_data).toEqual({ content: ANSWER });
    expect(root.metadata).toEqual({ note: SECRET_META });
    expect(root.end_user_id).toBe('customer-jane@example.test');
    for (const span of traces) {
      // Never the owner's account id, nor ids of records inside the account.
      expect(span).not.toHaveProperty('user_id');
      expect(span.conversation_id).toBeNull();
      expect(span.message_id).toBeNull();
      expect(span.data_omitted).toBeUndefined();
    }
    expect(JSON.stringify(traces)).not.toContain(alice.userId);

    // Without a body, too; and one span alone, with its data.
    const plain = await share(alice.apiKey, traceId);
    expect(plain.status).toBe(201);
    expect((await plain.json()).redact).toBe(false);
    const light = (await (await open(body.token, '?include_data=false')).json()).traces as Span[];
    expect(light).toHaveLength(count);
    expect(light.every((span) => span.input_data === null && span.data_omitted === true)).toBe(true);
  });

  it('a redacted link serves no input, output, metadata, end user or session', async () => {
    const alice = await createTestUser(getDatabase());
    const { traceId, spanIds, count } = await storedTrace(alice.apiKey);
    const { token, redact } = await created(alice.apiKey, traceId, { redact: true });
    expect(redact).toBe(true);
    const opened = await open(token);
    expect(opened.status).toBe(200);
    const text = await opened.text();
    const { traces, redacted } = JSON.parse(text) as { traces: Span[]; redacted: boolean };
    expect(redacted).toBe(true);
    expect(traces).toHaveLength(count);
    for (const span of traces) {
      for (const field of ['input_data', 'output_data', 'metadata', 'end_user_id', 'session_id', 'conversation_id', 'message_id']) expect(span[field], field).toBeNull();
      expect(span).not.toHaveProperty('user_id');
      // Nothing left to fetch later either.
      expect(span).not.toHaveProperty('data_omitted');
    }
    for (const secret of [PROMPT, ANSWER, SECRET_META, 'customer-jane', 'session-77', 'Jane Roe']) expect(text).not.toContain(secret);
    // What a shared trace is for stays: names, models, tokens, status, tags.
    const root = traces.find((span) => span.span_id === spanIds.root)!;
    expect(root).toMatchObject({ span_name: 'llm.completion', model_name: 'gpt-4o', input_tokens: 1000, status: 'completed', tags: ['refund'] });

    // One span alone is redacted the same way.
    const one = await (await open(token, `?span_id=${spanIds.call}`)).json();
    expect(one.traces).toHaveLength(1);
    expect(one.traces[0]).toMatchObject({ span_id: spanIds.call, input_data: null, output_data: null });
  });

  it('revoking (owner only) answers 204, then the link answers 404; another user gets 404 and the link lives on', async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const { traceId } = await storedTrace(alice.apiKey);
    const { token, id } = await created(alice.apiKey, traceId);

    const refused = await revoke(bob.apiKey, token);
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe('not_found');
    expect((await call(revokeRoute, { method: 'DELETE', path: `/api/share/${id}`, apiKey: bob.apiKey, params: { token: id } })).status).toBe(404);
    expect((await revoke(bob.apiKey, token)).status).toBe(404);
    expect((await open(token)).status).toBe(200);
    // Revoking needs a signed-in owner.
    expect((await call(revokeRoute, { method: 'DELETE', path: `/api/share/${token}`, params: { token } })).status).toBe(401);

    const revoked = await revoke(alice.apiKey, token);
    expect(revoked.status).toBe(204);
    const gone = await open(token);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toMatchObject({ code: 'not_found', message: expect.any(String) });
    expect((await revoke(alice.apiKey, token)).status).toBe(404);
    expect(await list(alice.apiKey)).toEqual([]);

    // Settings revokes by the link's id (it never sees the token again).
    const second = await created(alice.apiKey, traceId);
    expect((await call(revokeRoute, { method: 'DELETE', path: `/api/share/${second.id}`, apiKey: alice.apiKey, params: { token: second.id } })).status).toBe(204);
    expect((await open(second.token)).status).toBe(404);
  });

  it("another user cannot share A's trace, and a bad trace id or body is refused", async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const { traceId } = await storedTrace(alice.apiKey);
    const refused = await share(bob.apiKey, traceId, {});
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe('not_found');
    expect((await share(alice.apiKey, hexId(16), {})).status).toBe(404);
    expect((await share(alice.apiKey, 'not-a-trace-id', {})).status).toBe(404);
    expect((await call(shareRoute, { method: 'POST', path: `/api/analytics/traces/${traceId}/share`, body: {}, params: { traceId } })).status).toBe(401);
    // A typo must not make an open link: unknown keys and non-booleans are a 422.
    for (const body of [{ redact: 'yes' }, { redacted: true }, { redact: 1 }, [], 'true']) {
      const response = await share(alice.apiKey, traceId, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect((await response.json()).error.code).toBe('validation_failed');
    }
    const malformed = await call(shareRoute, { method: 'POST', path: `/api/analytics/traces/${traceId}/share`, apiKey: alice.apiKey, rawBody: '{nope', headers: { 'content-type': 'application/json' }, params: { traceId } });
    expect(malformed.status).toBe(400);
    expect((await getDatabase().query('SELECT 1 FROM trace_shares WHERE trace_id = $1', [traceId])).length).toBe(0);
  });

  it('a token never opens another trace: not another of the owner, not one of another user with the same trace id', async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const shared = await storedTrace(alice.apiKey, { name: 'alice-shared' });
    const other = await storedTrace(alice.apiKey, { name: 'alice-private' });
    // Bob stores a trace under the very same trace id.
    await storedTrace(bob.apiKey, { traceId: shared.traceId, name: 'bob-private' });
    const { token } = await created(alice.apiKey, shared.traceId);

    const { traces } = (await (await open(token)).json()) as { traces: Span[] };
    expect(traces).toHaveLength(shared.count);
    expect(traces.every((span) => span.span_name.startsWith('alice-shared:'))).toBe(true);
    // A span of another trace, asked for through the link, is not there.
    const foreign = await (await open(token, `?span_id=${other.spanIds.call}`)).json();
    expect(foreign.traces).toEqual([]);
    // The other trace's own link opens it, and only it.
    const otherLink = await created(alice.apiKey, other.traceId);
    const otherTraces = (await (await open(otherLink.token)).json()).traces as Span[];
    expect(otherTraces.every((span) => span.span_name.startsWith('alice-private:'))).toBe(true);
  });

  it('GET /api/shares lists only the owner\'s links, newest first, without the token', async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const first = await storedTrace(alice.apiKey, { name: 'first' });
    const second = await storedTrace(alice.apiKey, { name: 'second' });
    const bobs = await storedTrace(bob.apiKey);
    const a1 = await created(alice.apiKey, first.traceId);
    const a2 = await created(alice.apiKey, second.traceId, { redact: true });
    const b1 = await created(bob.apiKey, bobs.traceId);

    const shares = await list(alice.apiKey);
    expect(shares.map((s) => s.id)).toEqual([a2.id, a1.id]);
    expect(shares[0]).toMatchObject({ trace_id: second.traceId, redact: true, trace_name: 'second:llm.completion', token_prefix: a2.token.slice(0, 6) });
    expect(shares[1]).toMatchObject({ trace_id: first.traceId, redact: false, trace_name: 'first:llm.completion' });
    const text = JSON.stringify(shares);
    for (const token of [a1.token, a2.token, b1.token]) expect(text).not.toContain(token);
    expect(text).not.toContain(b1.id);
    expect((await list(bob.apiKey)).map((s) => s.id)).toEqual([b1.id]);
    expect((await call(listRoute, { path: '/api/shares' })).status).toBe(401);
  });

  it('answers 404 for a garbage, unknown or malformed token', async () => {
    const alice = await createTestUser(getDatabase());
    const { traceId } = await storedTrace(alice.apiKey);
    const { token } = await created(alice.apiKey, traceId);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of ['x', 'A'.repeat(32), flipped, token.slice(0, 31), `${token}A`, '00000000-0000-0000-0000-000000000000', traceId, '%00', 'A'.repeat(5000)]) {
      const response = await open(bad);
      expect(response.status, bad.slice(0, 40)).toBe(404);
      expect((await response.json()).error.code).toBe('not_found');
    }
    // A bad query on a good link is a 422 that names the field.
    const badQuery = await open(token, '?span_id=zz');
    expect(badQuery.status).toBe(422);
    expect((await badQuery.json()).error.details[0].path).toBe('span_id');
  });

  it('stores only the SHA-256 of the token', async () => {
    const alice = await createTestUser(getDatabase());
    const { traceId } = await storedTrace(alice.apiKey);
    const { token, id } = await created(alice.apiKey, traceId);
    const rows = await getDatabase().query<Record<string, unknown>>('SELECT * FROM trace_shares WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(row).toMatchObject({ trace_id: traceId, user_id: alice.userId, redact: false });
    const stored = JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    expect(stored).not.toContain(token);
    // Not anywhere else either.
    const [anywhere] = await getDatabase().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM trace_shares s WHERE s::text LIKE '%' || $1 || '%'`,
      [token],
    );
    expect(Number(anywhere!.n)).toBe(0);
  });

  it('a link to a deleted trace answers 404, and Settings lists it without a name', async () => {
    const alice = await createTestUser(getDatabase());
    const { traceId } = await storedTrace(alice.apiKey);
    const { token, id } = await created(alice.apiKey, traceId);
    expect((await call(deleteTraceRoute, { method: 'DELETE', path: `/api/analytics/traces/${traceId}`, apiKey: alice.apiKey, params: { traceId } })).status).toBe(204);
    expect((await open(token)).status).toBe(404);
    expect((await open(token, '?span_id=0123456789abcdef')).status).toBe(404);
    const [listed] = await list(alice.apiKey);
    expect(listed).toMatchObject({ id, trace_id: traceId, trace_name: null, trace_start_time: null });
  });
});
