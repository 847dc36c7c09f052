/**
 * Full-text search of the trace list (`GET /api/analytics/traces?q=…`) and the list rows'
 * previews, on PGlite and Postgres: words and substrings of any span's input and output, in
 * Latin, Chinese, Japanese, Russian and Arabic text and in identifiers; no false hits; one
 * account never finds another's traces; `q` with the other filters and the keyset cursor.
 */
import { expect, it } from 'vitest';
import { GET as getTraces, POST as postTraces } from '@/app/api/analytics/traces/route';
import { PREVIEW_LENGTH } from '@/lib/trace-store/previews';
import { firstMatchingSpan } from '@/lib/trace-store/search';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { hexId } from '../support/spans';

type Listed = {
  trace_id: string;
  span_id: string;
  parent_trace_id: string | null;
  input_preview: string | null;
  output_preview: string | null;
  session_id: string | null;
  end_user_id: string | null;
  tags: string[];
  input_data?: unknown;
  data_omitted?: boolean;
};

interface SpanText {
  name?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
}

/** A trace: a root and its children, each with its own text; children start after the root. */
function trace(start: Date, root: SpanText, children: SpanText[] = [], extra: Record<string, unknown> = {}) {
  const traceId = hexId(16);
  const rootId = hexId(8);
  const at = (ms: number) => new Date(start.getTime() + ms).toISOString();
  const span = (id: string, parent: string | null, text: SpanText, offset: number) => ({
    trace_id: traceId,
    span_id: id,
    parent_trace_id: parent,
    span_name: text.name ?? (parent ? 'llm.call' : 'agent.run'),
    operation_type: 'llm_call',
    status: text.error ? 'failed' : 'completed',
    error_message: text.error ?? null,
    start_time: at(offset),
    end_time: at(offset + 500),
    input_data: text.input ?? null,
    output_data: text.output ?? null,
    ...extra,
  });
  const spans = [span(rootId, null, root, 0), ...children.map((child, index) => span(hexId(8), rootId, child, 100 * (index + 1)))];
  return { traceId, rootId, spans };
}

const chat = (user: string) => ({ messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: user }] });
const answer = (text: string) => ({ content: text });

describeEachDatabase('trace search (q) and list rows', (getDatabase) => {
  const post = async (apiKey: string, spans: unknown[]) => {
    const response = await call(postTraces, { path: '/api/analytics/traces', apiKey, body: { traces: spans } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).rejected).toEqual([]);
  };
  const list = async (apiKey: string, query: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
    const response = await call(getTraces, { path: `/api/analytics/traces?${params}`, apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as { traces: Listed[]; next_cursor: string | null };
  };
  const search = async (apiKey: string, q: string, more: Record<string, string | string[]> = {}) => (await list(apiKey, { q, ...more })).traces.map((t) => t.trace_id);

  let clock = Date.parse('2026-11-01T00:00:00.000Z');
  /** A start time one minute after the previous one: later traces list first. */
  const next = () => new Date((clock += 60_000));

  it('finds a trace by a word or part of a word in a child span, and returns the trace once, as its root', async () => {
    const user = await createTestUser(getDatabase());
    const refund = trace(next(), { input: chat('Hi there') }, [{ input: chat('Hi there') }, { name: 'tool.lookup', output: { note: 'The Refund was approved on Monday' } }]);
    const other = trace(next(), { input: chat('Where is my parcel?') }, [{ output: answer('It is on its way.') }]);
    await post(user.apiKey, [...refund.spans, ...other.spans]);

    const found = await list(user.apiKey, { q: 'refund' });
    expect(found.traces.map((t) => [t.trace_id, t.span_id, t.parent_trace_id])).toEqual([[refund.traceId, refund.rootId, null]]);
    expect(await search(user.apiKey, 'REFUND WAS')).toEqual([refund.traceId]);
    expect(await search(user.apiKey, 'efun')).toEqual([refund.traceId]);
    expect(await search(user.apiKey, 'approved on monday')).toEqual([refund.traceId]);
    // Names, ids and (below) error text are searched as before, on every span.
    expect(await search(user.apiKey, 'tool.lookup')).toEqual([refund.traceId]);
    expect(await search(user.apiKey, refund.traceId.slice(0, 12))).toEqual([refund.traceId]);
    expect(await search(user.apiKey, 'parcel')).toEqual([other.traceId]);
    expect(await search(user.apiKey, 'on its way')).toEqual([other.traceId]);
  });

  it('finds identifiers literally: order #4411, ERR_TIMEOUT, numbers; an underscore or a percent sign is not a wildcard', async () => {
    const user = await createTestUser(getDatabase());
    const order = trace(next(), { input: chat('Hello') }, [{ input: chat('Where is order #4411?') }]);
    const otherOrder = trace(next(), { input: chat('Where is order #4412? And order 4411?') });
    const timeout = trace(next(), { input: chat('search please') }, [{ name: 'tool.search', error: 'ERR_TIMEOUT: upstream did not answer' }]);
    const lookalike = trace(next(), { input: chat('ERRXTIMEOUT and ERR-TIMEOUT are not it') });
    const number = trace(next(), { input: { order_id: 987654 } });
    const percent = trace(next(), { output: answer('I am 100% sure') });
    const notPercent = trace(next(), { output: answer('I am 1000 sure') });
    const slash = trace(next(), { output: answer('C:\\temp\\report.txt and say "hi"') });
    const notSlash = trace(next(), { output: answer('C:temp report.txt and say hi') });
    await post(user.apiKey, [order, otherOrder, timeout, lookalike, number, percent, notPercent, slash, notSlash].flatMap((t) => t.spans));

    expect(await search(user.apiKey, 'order #4411')).toEqual([order.traceId]);
    expect(await search(user.apiKey, 'ERR_TIMEOUT')).toEqual([timeout.traceId]);
    expect(await search(user.apiKey, 'err_timeout: upstream')).toEqual([timeout.traceId]);
    expect(await search(user.apiKey, '987654')).toEqual([number.traceId]);
    // A trace id or message id, whole or its beginning (8+ hex digits), finds its trace.
    expect(await search(user.apiKey, order.traceId)).toEqual([order.traceId]);
    expect(await search(user.apiKey, order.traceId.slice(0, 8).toUpperCase())).toEqual([order.traceId]);
    const [conversation] = await getDatabase().query<{ id: string }>("INSERT INTO conversations (user_id, source) VALUES ($1, 'api') RETURNING id", [user.userId]);
    const [message] = await getDatabase().query<{ id: string }>("INSERT INTO messages (conversation_id, user_id, role, content) VALUES ($1, $2, 'assistant', 'hi') RETURNING id", [conversation!.id, user.userId]);
    const linked = trace(next(), { input: chat('linked to a message') }, [], { message_id: message!.id });
    await post(user.apiKey, linked.spans);
    expect(await search(user.apiKey, message!.id)).toEqual([linked.traceId]);
    expect(await search(user.apiKey, message!.id.slice(0, 13))).toEqual([linked.traceId]);
    expect(await search(user.apiKey, '100%')).toEqual([percent.traceId]);
    expect(await search(user.apiKey, '100% sure')).toEqual([percent.traceId]);
    expect(await search(user.apiKey, 'C:\\temp\\')).toEqual([slash.traceId]);
    expect(await search(user.apiKey, 'say "hi"')).toEqual([slash.traceId]);
    expect(await search(user.apiKey, '%')).toEqual([percent.traceId]);
    expect(await search(user.apiKey, '_')).toEqual([timeout.traceId]);
  });

  it('finds Chinese, Japanese, Russian and Arabic text, in order, case-insensitively', async () => {
    const user = await createTestUser(getDatabase());
    const chinese = trace(next(), { input: chat('你好') }, [{ output: answer('您的订单已经退款，请查收。') }]);
    const chineseApart = trace(next(), { input: chat('款已付，请勿退货') }); // 款 and 退, not 退款
    const japanese = trace(next(), { input: chat('注文番号は4411です。') });
    const japaneseApart = trace(next(), { input: chat('番号の注文をキャンセルします') });
    const russian = trace(next(), { input: chat('Здравствуйте') }, [{ output: answer('Возврат средств оформлен.') }]);
    const arabic = trace(next(), { input: chat('أريد استرداد المبلغ من فضلك') });
    const arabicOther = trace(next(), { input: chat('مرحبا بالعالم') });
    const korean = trace(next(), { input: chat('환불 요청합니다') });
    await post(user.apiKey, [chinese, chineseApart, japanese, japaneseApart, russian, arabic, arabicOther, korean].flatMap((t) => t.spans));

    expect(await search(user.apiKey, '退款')).toEqual([chinese.traceId]);
    expect(await search(user.apiKey, '订单已经退款')).toEqual([chinese.traceId]);
    expect(await search(user.apiKey, '退')).toEqual([chineseApart.traceId, chinese.traceId]);
    expect(await search(user.apiKey, '注文番号')).toEqual([japanese.traceId]);
    expect(await search(user.apiKey, '注文')).toEqual([japaneseApart.traceId, japanese.traceId]);
    expect(await search(user.apiKey, 'возврат')).toEqual([russian.traceId]);
    expect(await search(user.apiKey, 'ВОЗВРАТ СРЕДСТВ')).toEqual([russian.traceId]);
    expect(await search(user.apiKey, 'редст')).toEqual([russian.traceId]);
    expect(await search(user.apiKey, 'استرداد')).toEqual([arabic.traceId]);
    expect(await search(user.apiKey, 'بالعالم')).toEqual([arabicOther.traceId]);
    expect(await search(user.apiKey, '환불')).toEqual([korean.traceId]);
    expect(await search(user.apiKey, '退款 4411')).toEqual([]);
  });

  it('has no false hits: JSON keys, roles and absent text match nothing', async () => {
    const user = await createTestUser(getDatabase());
    const plain = trace(next(), { input: chat('What is the weather?') }, [{ output: { role: 'assistant', content: 'Sunny.' } }]);
    const mentions = trace(next(), { input: chat('Explain the messages and content of a role') });
    await post(user.apiKey, [...plain.spans, ...mentions.spans]);

    // Keys (`messages`, `content`, `role`) are not searched; values are.
    expect(await search(user.apiKey, 'messages')).toEqual([mentions.traceId]);
    expect(await search(user.apiKey, 'content')).toEqual([mentions.traceId]);
    expect(await search(user.apiKey, 'a role')).toEqual([mentions.traceId]);
    expect(await search(user.apiKey, 'sunny')).toEqual([plain.traceId]);
    expect(await search(user.apiKey, 'xylophone quartz')).toEqual([]);
    expect(await search(user.apiKey, 'weather sunny')).toEqual([]);
  });

  it("never returns another account's traces", async () => {
    const alice = await createTestUser(getDatabase());
    const bob = await createTestUser(getDatabase());
    const secret = trace(next(), { input: chat('alice secret refund 秘密') });
    await post(alice.apiKey, secret.spans);
    expect(await search(bob.apiKey, 'alice secret')).toEqual([]);
    expect(await search(bob.apiKey, '秘密')).toEqual([]);
    expect(await search(bob.apiKey, secret.traceId)).toEqual([]);
    const own = trace(next(), { input: chat('bob refund') });
    await post(bob.apiKey, own.spans);
    expect(await search(bob.apiKey, 'refund')).toEqual([own.traceId]);
    expect(await search(alice.apiKey, 'refund')).toEqual([secret.traceId]);
    expect(await firstMatchingSpan(getDatabase(), { userId: bob.userId, traceId: secret.traceId, q: 'secret' })).toBeNull();
  });

  it('combines q with the other filters and pages through the results with the cursor', async () => {
    const user = await createTestUser(getDatabase());
    const traces = Array.from({ length: 9 }, (_, i) =>
      trace(next(), { input: chat(i % 3 === 0 ? 'nothing here' : `billing question ${i}`), error: i % 2 === 0 ? 'upstream failed' : undefined }, [], {
        session_id: `session-${i % 2}`,
        end_user_id: `customer-${i % 3}`,
        tags: i % 4 === 0 ? ['vip'] : [],
        service_name: i < 5 ? 'support-bot' : 'payments-api',
      }),
    );
    await post(user.apiKey, traces.flatMap((t) => t.spans));
    const newestFirst = [...traces].reverse();
    const matching = newestFirst.filter((_, index) => (8 - index) % 3 !== 0);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { traces: Listed[]; next_cursor: string | null } = await list(user.apiKey, { q: 'billing', limit: '2', ...(cursor ? { cursor } : {}) });
      pages.push(page.traces.map((t) => t.trace_id));
      cursor = page.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages.flat()).toEqual(matching.map((t) => t.traceId));
    expect(pages.slice(0, -1).every((page) => page.length === 2)).toBe(true);

    const index = (t: { traceId: string }) => traces.indexOf(t as (typeof traces)[number]);
    expect(await search(user.apiKey, 'billing', { status: 'failed' })).toEqual(matching.filter((t) => index(t) % 2 === 0).map((t) => t.traceId));
    expect(await search(user.apiKey, 'billing', { session_id: 'session-1' })).toEqual(matching.filter((t) => index(t) % 2 === 1).map((t) => t.traceId));
    expect(await search(user.apiKey, 'billing', { end_user_id: 'customer-1' })).toEqual(matching.filter((t) => index(t) % 3 === 1).map((t) => t.traceId));
    expect(await search(user.apiKey, 'billing', { tag: 'vip' })).toEqual(matching.filter((t) => index(t) % 4 === 0).map((t) => t.traceId));
    expect(await search(user.apiKey, 'billing', { service_name: 'payments-api' })).toEqual(matching.filter((t) => index(t) >= 5).map((t) => t.traceId));
    expect(await search(user.apiKey, 'question 4', { service_name: 'payments-api' })).toEqual([]);
    expect(await search(user.apiKey, 'payments-api')).toEqual(newestFirst.filter((t) => index(t) >= 5).map((t) => t.traceId));
  });

  it('returns the same pages as a plain scan whether the text is in every trace, some or very few', async () => {
    // Enough traces for every step of the search (roots one by one, a window, the whole index).
    const user = await createTestUser(getDatabase());
    const all = Array.from({ length: 420 }, (_, i) => {
      // Order numbers: the index is asked for the word with digits alone, the whole text checked after (300 has the word, not the text).
      const order = i === 17 ? 'order #4411' : i === 150 ? 'order #44110' : i === 300 ? 'order 4411 #' : '';
      const words = ['alpha', i % 4 === 0 ? 'bravo' : '', i % 40 === 0 ? 'charlie' : '', i === 17 || i === 300 ? 'delta' : '', order].filter(Boolean).join(' ');
      // The word is in a child's output; every fifth trace puts it in the root's input instead.
      return i % 5 === 0 ? trace(next(), { input: chat(`${words} root`) }) : trace(next(), { input: chat('hello') }, [{ output: answer(`child ${words}`) }]);
    });
    for (let i = 0; i < all.length; i += 100) await post(user.apiKey, all.slice(i, i + 100).flatMap((t) => t.spans));
    const newestFirst = [...all].reverse();
    for (const [word, every] of [['alpha', () => true], ['bravo', (i: number) => i % 4 === 0], ['charlie', (i: number) => i % 40 === 0], ['delta', (i: number) => i === 17 || i === 300], ['order #4411', (i: number) => i === 17 || i === 150]] as const) {
      const expected = newestFirst.filter((t) => every(all.indexOf(t))).map((t) => t.traceId);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { traces: Listed[]; next_cursor: string | null } = await list(user.apiKey, { q: word, limit: '25', ...(cursor ? { cursor } : {}) });
        seen.push(...page.traces.map((t) => t.trace_id));
        cursor = page.next_cursor;
      } while (cursor && seen.length <= expected.length);
      expect(seen, word).toEqual(expected);
    }
  });

  it('pages in list order when matches span months, with a filter, and when the matching span comes days after its root', async () => {
    // Searched newest time windows first: a trace must come out in root order even when the span
    // that matches is in a newer window than its root.
    const user = await createTestUser(getDatabase());
    const now = Date.now();
    const all = Array.from({ length: 240 }, (_, i) => {
      const start = new Date(now - (i * 9 + 2) * 3_600_000); // every 9 hours, back 90 days
      // Sparse enough (1 in 12) that the search goes spans first, window by window.
      const matches = i % 12 === 0;
      const failed = i % 24 === 0 || i % 5 === 0;
      const root = failed ? { input: chat('hello'), error: 'upstream 500' } : { input: chat('hello') };
      const made = trace(start, root, [{ output: answer(`child ${matches ? 'kiwi fruit' : 'plain'}`) }]);
      if (matches && i >= 30 && i % 24 === 0) {
        // Every other match is a long trace: the child (with the text) starts ten days after the
        // root (still in the past), so the search meets it before the short traces between them.
        const child = made.spans[1]!;
        child.start_time = new Date(start.getTime() + 10 * 86_400_000).toISOString();
        child.end_time = new Date(start.getTime() + 10 * 86_400_000 + 500).toISOString();
      }
      return { ...made, matches, failed };
    });
    for (let i = 0; i < all.length; i += 60) await post(user.apiKey, all.slice(i, i + 60).flatMap((t) => t.spans));
    for (const [label, more, keep] of [
      ['kiwi', {}, (t: (typeof all)[number]) => t.matches],
      ['kiwi + status=failed', { status: 'failed' }, (t: (typeof all)[number]) => t.matches && t.failed],
    ] as const) {
      const expected = all.filter(keep).map((t) => t.traceId);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { traces: Listed[]; next_cursor: string | null } = await list(user.apiKey, { q: 'kiwi', limit: '10', ...more, ...(cursor ? { cursor } : {}) });
        seen.push(...page.traces.map((t) => t.trace_id));
        cursor = page.next_cursor;
      } while (cursor && seen.length <= expected.length);
      expect(seen, label).toEqual(expected);
    }
  });

  it('lists every root of an old matching trace, its orphans too, whether or not the account holds many orphans', async () => {
    // The search's last step (everything older than its windows) finds each matching trace's
    // roots: its root and its listed orphans (spans whose parent never arrived), even when only
    // the root has the text. The same with a thousand other orphaned traces in the account.
    const hour = 3_600_000;
    for (const manyOrphans of [false, true]) {
      const user = await createTestUser(getDatabase());
      const now = Date.now();
      // Traces without the word, back 75 days: the search goes spans first, window by window, to the last.
      const filler = Array.from({ length: 150 }, (_, i) => trace(new Date(now - (i * 12 + 1) * hour), { input: chat('hello') }));
      const orphans = Array.from({ length: manyOrphans ? 1_001 : 0 }, (_, i) => {
        const made = trace(new Date(now - (i * 1.5 + 0.5) * hour), { input: chat('hello') });
        made.spans[0]!.parent_trace_id = hexId(8);
        return made;
      });
      const daysAgo = (days: number) => new Date(now - days * 86_400_000);
      // 80 days back, in the last step (after the newest 100 roots, windows of 1, 4 and 16 days): the word is in each root's input.
      const withOrphan = trace(daysAgo(80), { input: chat('mango smoothie') }, [{ output: answer('ok') }]);
      const lost = { ...withOrphan.spans[1]!, span_id: hexId(8), parent_trace_id: hexId(8), status: 'failed', error_message: 'tool crashed' };
      lost.start_time = new Date(daysAgo(80).getTime() + 300).toISOString();
      withOrphan.spans.push(lost);
      const failed = trace(daysAgo(81), { input: chat('one mango please'), error: 'upstream 500' });
      const plain = trace(daysAgo(82), { input: chat('mango') });
      const spans = [...filler, ...orphans, withOrphan, failed, plain].flatMap((t) => t.spans);
      for (let i = 0; i < spans.length; i += 500) await post(user.apiKey, spans.slice(i, i + 500));
      const rows = async (more: Record<string, string> = {}) => (await list(user.apiKey, { q: 'mango', ...more })).traces.map((t) => `${t.trace_id}/${t.span_id}`);
      const label = manyOrphans ? 'with 1,001 orphaned traces' : 'with none';
      expect(await rows(), label).toEqual([
        `${withOrphan.traceId}/${lost.span_id}`,
        `${withOrphan.traceId}/${withOrphan.rootId}`,
        `${failed.traceId}/${failed.rootId}`,
        `${plain.traceId}/${plain.rootId}`,
      ]);
      expect(await rows({ status: 'failed' }), label).toEqual([`${withOrphan.traceId}/${lost.span_id}`, `${failed.traceId}/${failed.rootId}`]);
      expect(await rows({ status: 'completed' }), label).toEqual([`${withOrphan.traceId}/${withOrphan.rootId}`, `${plain.traceId}/${plain.rootId}`]);
    }
  });

  it('shows on each row a preview of the first user input and the final output, its session, end user and tags', async () => {
    const user = await createTestUser(getDatabase());
    const long = `Please   summarise\n\nthis ${'very '.repeat(80)}long text`;
    const chatTrace = trace(next(), { input: chat(long), output: answer('Here is the summary.') }, [], {
      session_id: 'conversation-7',
      end_user_id: 'customer-42',
      tags: ['beta', 'summaries'],
    });
    const anthropic = trace(next(), {
      input: { system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Bonjour 你好' }] }] },
      output: { content: [{ type: 'text', text: 'Salut <b>!</b>' }] },
    });
    const openai = trace(next(), { input: [{ role: 'user', content: 'Question?' }], output: { choices: [{ message: { role: 'assistant', content: 'Answer.' } }] } });
    const plain = trace(next(), { input: 'just a prompt', output: 'just an answer' });
    const tool = trace(next(), { input: { query: 'weather in Paris' }, output: { temperature: 21 } });
    const httpRoot = trace(next(), { name: 'POST /chat' }, [{ input: chat('asked below the root') }, { output: answer('first answer') }, { output: answer('final answer') }]);
    const empty = trace(next(), {});
    await post(user.apiKey, [chatTrace, anthropic, openai, plain, tool, httpRoot, empty].flatMap((t) => t.spans));

    const { traces } = await list(user.apiKey, { include_data: 'false' });
    const row = (t: { traceId: string }) => traces.find((listed) => listed.trace_id === t.traceId)!;
    expect(row(chatTrace)).toMatchObject({ output_preview: 'Here is the summary.', session_id: 'conversation-7', end_user_id: 'customer-42', tags: ['beta', 'summaries'] });
    expect(row(chatTrace).input_preview).toMatch(/^Please summarise this very very /);
    expect(row(chatTrace).input_preview!.length).toBe(PREVIEW_LENGTH);
    expect(row(chatTrace).input_preview!.endsWith('…')).toBe(true);
    expect(row(anthropic)).toMatchObject({ input_preview: 'Bonjour 你好', output_preview: 'Salut <b>!</b>' });
    expect(row(openai)).toMatchObject({ input_preview: 'Question?', output_preview: 'Answer.' });
    expect(row(plain)).toMatchObject({ input_preview: 'just a prompt', output_preview: 'just an answer' });
    expect(row(tool)).toMatchObject({ input_preview: 'weather in Paris', output_preview: '{"temperature": 21}' });
    expect(row(httpRoot)).toMatchObject({ input_preview: 'asked below the root', output_preview: 'final answer' });
    expect(row(empty)).toMatchObject({ input_preview: null, output_preview: null, session_id: null, end_user_id: null, tags: [] });
    // Without include_data=false the list still carries the roots' input (the API as before); the page asks for less.
    expect(row(chatTrace).input_data).toBeNull();
    expect(row(chatTrace).data_omitted).toBe(true);
    const full = await list(user.apiKey, { q: 'Bonjour' });
    expect(full.traces[0]).toMatchObject({ trace_id: anthropic.traceId, input_preview: 'Bonjour 你好', input_data: { system: 'Be brief.' } });
  });

  it('names the first span of a trace that matches, for the trace page opened from a search', async () => {
    const user = await createTestUser(getDatabase());
    const t = trace(next(), { input: chat('start') }, [{ output: answer('nothing') }, { output: answer('the Invoice is attached') }, { output: answer('invoice again') }]);
    await post(user.apiKey, t.spans);
    const spanId = await firstMatchingSpan(getDatabase(), { userId: user.userId, traceId: t.traceId, q: 'INVOICE' });
    expect(spanId).toBe(t.spans[2]!.span_id);
    expect(await firstMatchingSpan(getDatabase(), { userId: user.userId, traceId: t.traceId, q: 'start' })).toBe(t.rootId);
    expect(await firstMatchingSpan(getDatabase(), { userId: user.userId, traceId: t.traceId, q: 'absent' })).toBeNull();
  });
});
