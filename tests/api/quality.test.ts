import { expect, it } from 'vitest';
import { POST as postEvaluation } from '@/app/api/evaluations/route';
import { GET as getQualityIssues } from '@/app/api/analytics/quality-issues/route';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import type { TaggedMessage } from '@/lib/db/queries/quality';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { threeLevelTrace } from '../support/spans';

interface TagPage {
  tag: string;
  messages: TaggedMessage[];
  next_cursor: string | null;
}

describeEachDatabase('quality API', (getDatabase) => {
  const evaluate = (apiKey: string, body: unknown) => call(postEvaluation, { path: '/api/evaluations', apiKey, body });
  const issues = async (apiKey: string, query = '') => {
    const response = await call(getQualityIssues, { path: `/api/analytics/quality-issues${query ? `?${query}` : ''}`, apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };

  async function conversationFor(userId: string) {
    const [row] = await getDatabase().query<{ id: string }>("INSERT INTO conversations (user_id, source) VALUES ($1, 'api') RETURNING id", [userId]);
    return row.id;
  }

  async function messageFor(
    userId: string,
    options: { conversationId?: string; content?: string; traceId?: string; createdAt?: string } = {},
  ): Promise<{ conversationId: string; messageId: string }> {
    const conversationId = options.conversationId ?? (await conversationFor(userId));
    const [row] = await getDatabase().query<{ id: string }>(
      `INSERT INTO messages (conversation_id, user_id, role, content, created_at, latency_ms, input_tokens, output_tokens, cost_usd, model_name, model_provider, trace_id)
       VALUES ($1, $2, 'assistant', $3, $4, 2500, 1000, 200, 0.0045, 'gpt-4o', 'openai', $5) RETURNING id`,
      [conversationId, userId, options.content ?? 'an answer', options.createdAt ?? '2026-11-20T10:00:02.500Z', options.traceId ?? null],
    );
    return { conversationId, messageId: row.id };
  }

  async function created(apiKey: string, body: Record<string, unknown>) {
    const response = await evaluate(apiKey, body);
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()).evaluation;
  }

  it('records an evaluation with normalised, de-duplicated tags and answers 201', async () => {
    const user = await createTestUser(getDatabase());
    const { messageId } = await messageFor(user.userId);
    const response = await evaluate(user.apiKey, {
      message_id: messageId,
      success: false,
      rating: 2,
      failure_tags: ['  Hallucination ', 'hallucination', 'WRONG_tool-choice', 'too slow'],
      notes: 'Cited a paper that does not exist.',
    });
    expect(response.status).toBe(201);
    const { evaluation } = await response.json();
    expect(evaluation).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message_id: messageId,
      success: false,
      rating: 2,
      failure_tags: ['hallucination', 'wrong_tool-choice', 'too slow'],
      notes: 'Cited a paper that does not exist.',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const minimal = await created(user.apiKey, { message_id: messageId, success: true });
    expect(minimal).toMatchObject({ success: true, rating: null, failure_tags: [], notes: null });
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM message_evaluations WHERE message_id = $1', [messageId]);
    expect(n).toBe(2);
  });

  it('answers invalid evaluations with 422 naming every bad field, and writes nothing', async () => {
    const user = await createTestUser(getDatabase());
    const { messageId } = await messageFor(user.userId);
    const response = await evaluate(user.apiKey, {
      message_id: messageId,
      success: 'no',
      rating: 6,
      failure_tags: ['ok', 'not <ok>', ''],
      notes: 'x'.repeat(5001),
    });
    expect(response.status).toBe(422);
    const { error } = await response.json();
    expect(error.code).toBe('validation_failed');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['success', 'rating', 'failure_tags.1', 'failure_tags.2', 'notes']));
    expect(paths).not.toContain('failure_tags.0');

    const bad = async (body: Record<string, unknown>) => {
      const res = await evaluate(user.apiKey, { message_id: messageId, success: false, ...body });
      expect(res.status).toBe(422);
      return (await res.json()).error.details.map((d: { path: string }) => d.path);
    };
    expect(await bad({ rating: 2.5 })).toEqual(['rating']);
    expect(await bad({ rating: 0 })).toEqual(['rating']);
    expect(await bad({ failure_tags: ['x'.repeat(65)] })).toEqual(['failure_tags.0']);
    expect(await bad({ failure_tags: Array.from({ length: 21 }, (_, i) => `tag ${i}`) })).toEqual(['failure_tags']);
    expect(await bad({ message_id: 'not-a-uuid' })).toEqual(['message_id']);
    // 25 spellings of 20 distinct tags are fine: the limit applies after de-duplication.
    const twenty = Array.from({ length: 20 }, (_, i) => `tag ${i}`);
    expect((await evaluate(user.apiKey, { message_id: messageId, success: false, failure_tags: [...twenty, ...twenty.slice(0, 5).map((t) => t.toUpperCase())] })).status).toBe(201);

    expect((await call(postEvaluation, { path: '/api/evaluations', apiKey: user.apiKey, rawBody: '{"message_id":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM message_evaluations WHERE message_id = $1', [messageId]);
    expect(n).toBe(1);
  });

  it("answers 404 for another user's message or an unknown one, and 401 without a key", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const { messageId } = await messageFor(alice.userId);
    const foreign = await evaluate(bob.apiKey, { message_id: messageId, success: false, failure_tags: ['spam'] });
    expect(foreign.status).toBe(404);
    expect((await foreign.json()).error.code).toBe('not_found');
    expect((await evaluate(bob.apiKey, { message_id: '00000000-0000-4000-8000-000000000000', success: true })).status).toBe(404);
    expect((await evaluate('', { message_id: messageId, success: true })).status).toBe(401);
    const [{ n }] = await getDatabase().query<{ n: number }>('SELECT count(*)::int AS n FROM message_evaluations WHERE message_id = $1', [messageId]);
    expect(n).toBe(0);
  });

  it('counts failure tags and lists tagged messages newest first, each opening onto its trace', async () => {
    const user = await createTestUser(getDatabase());
    // Chat message: messages.trace_id set, and its spans posted.
    const chatTrace = threeLevelTrace();
    const chat = await messageFor(user.userId, { content: 'The Eiffel Tower is in Rome.', traceId: chatTrace.traceId, createdAt: '2026-11-20T10:00:00.000Z' });
    // A message of another program: no messages.trace_id, linked only by its spans' message_id.
    const linked = await messageFor(user.userId, { content: 'Linked by span', createdAt: '2026-11-20T11:00:00.000Z' });
    const linkedTrace = threeLevelTrace({ messageId: linked.messageId, conversationId: linked.conversationId });
    // Saved while tracing was off: no trace at all.
    const untraced = await messageFor(user.userId, { content: 'No trace here', createdAt: '2026-11-20T12:00:00.000Z' });
    const posted = await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: [...chatTrace.spans, ...linkedTrace.spans] } });
    expect((await posted.json()).rejected).toEqual([]);

    await created(user.apiKey, { message_id: chat.messageId, success: false, rating: 1, failure_tags: ['hallucination', 'slow'], notes: 'wrong city' });
    await created(user.apiKey, { message_id: linked.messageId, success: false, failure_tags: ['hallucination'] });
    await created(user.apiKey, { message_id: untraced.messageId, success: false, failure_tags: ['Hallucination'] });
    // A passed answer can still be flagged; it counts like any other evaluation carrying the tag.
    await created(user.apiKey, { message_id: untraced.messageId, success: true, rating: 4, failure_tags: ['verbose'] });

    const { tags } = await issues(user.apiKey);
    expect(tags.map((t: { tag: string; count: number }) => [t.tag, t.count])).toEqual([
      ['hallucination', 3],
      ['verbose', 1],
      ['slow', 1],
    ]);
    for (const tag of tags) expect(Date.parse(tag.last_seen)).not.toBeNaN();

    const page: TagPage = await issues(user.apiKey, 'tag=%20HALLUCINATION');
    expect(page.tag).toBe('hallucination');
    expect(page.next_cursor).toBeNull();
    expect(page.messages.map((m) => m.message_id)).toEqual([untraced.messageId, linked.messageId, chat.messageId]);
    const [untracedEntry, linkedEntry, chatEntry] = page.messages;
    expect(chatEntry).toEqual({
      message_id: chat.messageId,
      created_at: '2026-11-20T10:00:00.000Z',
      content: 'The Eiffel Tower is in Rome.',
      trace_id: chatTrace.traceId,
      role: 'assistant',
      model_name: 'gpt-4o',
      model_provider: 'openai',
      latency_ms: 2500,
      cost_usd: 0.0045,
      conversation_id: chat.conversationId,
      evaluation: {
        id: expect.any(String),
        success: false,
        rating: 1,
        failure_tags: ['hallucination', 'slow'],
        notes: 'wrong city',
        created_at: expect.any(String),
      },
    });
    expect(linkedEntry.trace_id).toBe(linkedTrace.traceId);
    expect(untracedEntry.trace_id).toBeNull();
    expect(untracedEntry.created_at).toBe('2026-11-20T12:00:00.000Z');

    // The trace id opens the whole trace in the trace API.
    const traceResponse = await call(getTraces, { path: `/api/analytics/traces?trace_id=${linkedEntry.trace_id}`, apiKey: user.apiKey });
    expect((await traceResponse.json()).traces).toHaveLength(4);

    expect((await issues(user.apiKey, 'tag=verbose')).messages.map((m: TaggedMessage) => m.evaluation.success)).toEqual([true]);
    expect((await issues(user.apiKey, 'tag=never-used')).messages).toEqual([]);
  });

  it("keeps users apart: B sees none of A's tags or tagged messages", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const { messageId } = await messageFor(alice.userId);
    await created(alice.apiKey, { message_id: messageId, success: false, failure_tags: ['leak-check'] });

    expect((await issues(alice.apiKey)).tags.map((t: { tag: string }) => t.tag)).toEqual(['leak-check']);
    expect(await issues(bob.apiKey)).toEqual({ tags: [] });
    expect(await issues(bob.apiKey, 'tag=leak-check')).toEqual({ tag: 'leak-check', messages: [], next_cursor: null });
  });

  it('pages through a tag without gaps or repeats, even for evaluations made in the same millisecond', async () => {
    const user = await createTestUser(getDatabase());
    const conversationId = await conversationFor(user.userId);
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { messageId } = await messageFor(user.userId, { conversationId, content: `answer ${i}` });
      expected.unshift((await created(user.apiKey, { message_id: messageId, success: false, failure_tags: ['paged'] })).id);
    }
    // Four evaluations made in one statement share created_at to the microsecond, so a page boundary
    // falls inside the group: the cursor must keep full precision and the id must break the tie.
    const twins = await getDatabase().query<{ id: string }>(
      `INSERT INTO message_evaluations (message_id, user_id, success, failure_tags, created_at)
       SELECT id, user_id, false, ARRAY['paged'], now() + interval '1 hour' FROM messages WHERE conversation_id = $1 LIMIT 4 RETURNING id`,
      [conversationId],
    );
    expected.unshift(...twins.map((t) => t.id).sort().reverse());

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: TagPage = await issues(user.apiKey, `tag=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.messages.length).toBeLessThanOrEqual(3);
      seen.push(...page.messages.map((m) => m.evaluation.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(expected);
    expect((await issues(user.apiKey)).tags).toEqual([{ tag: 'paged', count: 11, last_seen: expect.any(String) }]);

    const status = async (query: string) => (await call(getQualityIssues, { path: `/api/analytics/quality-issues?${query}`, apiKey: user.apiKey })).status;
    expect(await status('tag=paged&limit=201')).toBe(422);
    expect(await status('tag=paged&limit=0')).toBe(422);
    expect(await status('tag=paged&cursor=garbage')).toBe(422);
    expect(await status('tag=not%3Cok%3E')).toBe(422);
    expect((await issues(user.apiKey, 'tag=paged&limit=200')).messages).toHaveLength(11);
  });

  it('limits tag counts to evaluations made in [from, to)', async () => {
    const user = await createTestUser(getDatabase());
    const { messageId } = await messageFor(user.userId);
    await getDatabase().query(
      `INSERT INTO message_evaluations (message_id, user_id, success, failure_tags, created_at) VALUES
       ($1, $2, false, ARRAY['old'], '2026-01-01T00:00:00Z'), ($1, $2, false, ARRAY['new'], '2026-02-01T00:00:00Z')`,
      [messageId, user.userId],
    );
    expect((await issues(user.apiKey, 'from=2026-01-15T00:00:00Z')).tags.map((t: { tag: string }) => t.tag)).toEqual(['new']);
    expect((await issues(user.apiKey, `to=${Date.parse('2026-01-15T00:00:00Z')}`)).tags.map((t: { tag: string }) => t.tag)).toEqual(['old']);
    expect((await issues(user.apiKey, 'tag=old&from=2026-01-15T00:00:00Z')).messages).toEqual([]);
  });
});
