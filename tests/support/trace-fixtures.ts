/**
 * Deterministic traces for tests and browser-test seeding, shaped like the spans of
 * `GET /api/analytics/traces?trace_id=…` (DESIGN §2/§3).
 *
 * To POST them to `/api/analytics/traces`, drop `id`, `user_id` and `created_at` (the server
 * sets those).
 */
import type { ApiSpan, OperationType, SpanStatus } from '@/lib/trace-view/types';

/** mulberry32: a small seeded PRNG, so every run builds the same trace. */
function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomHex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function uuidFrom(random: () => number): string {
  const h = randomHex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function toMs(start: Date | string | number | undefined, fallback: number): number {
  if (start === undefined) return fallback;
  const ms = start instanceof Date ? start.getTime() : typeof start === 'number' ? start : Date.parse(start);
  return Number.isFinite(ms) ? ms : fallback;
}

interface SpanDraft {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  op: OperationType;
  startOffsetMs: number;
  /** null = still running. */
  endOffsetMs: number | null;
  status?: SpanStatus;
  extra?: Partial<ApiSpan>;
}

function materialise(
  drafts: SpanDraft[],
  base: { traceId: string; userId: string; startMs: number; random: () => number },
): ApiSpan[] {
  return drafts.map((d) => {
    const start = Math.round(base.startMs + d.startOffsetMs);
    const end = d.endOffsetMs === null ? null : Math.round(base.startMs + d.endOffsetMs);
    const span: ApiSpan = {
      id: uuidFrom(base.random),
      user_id: base.userId,
      conversation_id: null,
      message_id: null,
      trace_id: base.traceId,
      parent_trace_id: d.parentSpanId,
      span_id: d.spanId,
      span_name: d.name,
      start_time: new Date(start).toISOString(),
      end_time: end === null ? null : new Date(end).toISOString(),
      duration_ms: end === null ? null : end - start,
      operation_type: d.op,
      model_name: null,
      model_provider: null,
      status: d.status ?? (end === null ? 'running' : 'completed'),
      error_message: null,
      input_tokens: null,
      output_tokens: null,
      total_tokens: null,
      cached_input_tokens: null,
      reasoning_tokens: null,
      cost_usd: null,
      time_to_first_token_ms: null,
      service_name: null,
      session_id: null,
      end_user_id: null,
      tags: [],
      input_data: null,
      output_data: null,
      metadata: null,
      orphan: false,
      usage_rollup: false,
      created_at: new Date(end ?? start).toISOString(),
      ...d.extra,
    };
    return span;
  });
}

/** gpt-4o-mini list prices per token. */
const PRICE = { input: 0.15e-6, cachedInput: 0.075e-6, output: 0.6e-6 };

function priced(input: number, output: number, cached = 0): number {
  return Number(((input - cached) * PRICE.input + cached * PRICE.cachedInput + output * PRICE.output).toFixed(10));
}

export interface ChatTraceOptions {
  traceId?: string;
  userId?: string;
  conversationId?: string;
  messageId?: string;
  /** When the request started; defaults to 2025-01-15T10:30:00Z. */
  start?: Date | string | number;
  /** The request failed: the root is `failed` with an error message (the tool failure stays). */
  failed?: boolean;
  /** The request is still in flight: the final `llm.call` and the root are `running`. */
  running?: boolean;
  seed?: number;
}

/**
 * One chat request with knowledge-base retrieval and two tool calls:
 * `llm.completion` → `retrieval` → `knowledge_base.search`; `llm.call` (asks for tools);
 * `tool.web_search` (failed); `tool.calculator`; `llm.call` (the answer, streamed).
 * The root carries the request's totals, the sum of the two model rounds. The final answer
 * contains HTML on purpose: the UI must show it as text.
 */
export function makeChatTrace(options: ChatTraceOptions = {}): ApiSpan[] {
  const random = makeRandom(options.seed ?? 7);
  const traceId = options.traceId ?? randomHex(random, 32);
  const userId = options.userId ?? uuidFrom(random);
  const conversationId = options.conversationId ?? uuidFrom(random);
  const messageId = options.messageId ?? uuidFrom(random);
  const startMs = toMs(options.start, Date.parse('2025-01-15T10:30:00.000Z'));
  const ids = Array.from({ length: 7 }, () => randomHex(random, 16));
  const [rootId, retrievalId, searchId, call1Id, webId, calcId, call2Id] = ids;
  const running = options.running === true;

  const question = 'What does the 2024 pricing update change for enterprise plans, and what is 1536 × 0.0125?';
  const requestMessages = [
    { role: 'system', content: 'You are Acme Assistant. Answer from the knowledge base when you can, and cite it.' },
    { role: 'user', content: question },
  ];
  const toolCalls = [
    { id: 'call_ws1', type: 'function', function: { name: 'web_search', arguments: '{"query":"Acme 2024 enterprise pricing update"}' } },
    { id: 'call_calc1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"1536 * 0.0125"}' } },
  ];
  const answer =
    'The 2024 update moves enterprise plans to per-seat billing with a 10% discount above 500 seats ' +
    '[KB: Pricing FAQ].\n\n1536 × 0.0125 = **19.2**.\n\nWeb search was unavailable, so this answer relies on the ' +
    'knowledge base only. <script>alert("xss")</script><img src=x onerror="alert(1)">';
  const round1 = { input: 812, output: 64, cached: 0 };
  const round2 = { input: 1018, output: running ? 0 : 348, cached: 512 };
  const cost1 = priced(round1.input, round1.output);
  const cost2 = priced(round2.input, round2.output, round2.cached);
  const model = { model_name: 'gpt-4o-mini', model_provider: 'openai' };
  const rootEnd = running ? null : 4210;

  const drafts: SpanDraft[] = [
    {
      spanId: rootId,
      parentSpanId: null,
      name: 'llm.completion',
      op: 'llm_call',
      startOffsetMs: 0,
      endOffsetMs: rootEnd,
      status: running ? 'running' : options.failed ? 'failed' : 'completed',
      extra: {
        ...model,
        conversation_id: conversationId,
        message_id: messageId,
        error_message: options.failed ? 'Provider returned 500 after tool calls: upstream overloaded' : null,
        input_tokens: running ? null : round1.input + round2.input,
        output_tokens: running ? null : round1.output + round2.output,
        total_tokens: running ? null : round1.input + round2.input + round1.output + round2.output,
        cached_input_tokens: running ? null : round2.cached,
        cost_usd: running ? null : Number((cost1 + cost2).toFixed(10)),
        time_to_first_token_ms: 3360,
        input_data: { messages: requestMessages },
        output_data: running || options.failed ? null : { role: 'assistant', content: answer },
        metadata: { stream: true, tools: ['web_search', 'calculator'], knowledgeBase: true, client: 'web', rounds: 2 },
      },
    },
    {
      spanId: retrievalId,
      parentSpanId: rootId,
      name: 'retrieval',
      op: 'retrieval',
      startOffsetMs: 12,
      endOffsetMs: 236,
      extra: {
        input_data: { query: question },
        output_data: { documents: 3, titles: ['Pricing FAQ', 'Enterprise plans 2024', 'Billing glossary'] },
        metadata: { source: 'knowledge_base', topK: 3 },
      },
    },
    {
      spanId: searchId,
      parentSpanId: retrievalId,
      name: 'knowledge_base.search',
      op: 'retrieval',
      startOffsetMs: 18,
      endOffsetMs: 228,
      extra: {
        input_data: { query: question, limit: 3 },
        output_data: {
          results: [
            { title: 'Pricing FAQ', score: 0.82, snippet: 'From March 2024, enterprise plans are billed per seat. Above 500 seats a 10% discount applies to the whole contract.' },
            { title: 'Enterprise plans 2024', score: 0.64, snippet: 'Enterprise customers get SSO, audit logs and a dedicated success manager.' },
            { title: 'Billing glossary', score: 0.31, snippet: 'Seat: one named user with access to the workspace.' },
          ],
        },
        metadata: { index: 'documents_fts', rows_scanned: 1284 },
      },
    },
    {
      spanId: call1Id,
      parentSpanId: rootId,
      name: 'llm.call',
      op: 'llm_call',
      startOffsetMs: 250,
      endOffsetMs: 1710,
      extra: {
        ...model,
        input_tokens: round1.input,
        output_tokens: round1.output,
        total_tokens: round1.input + round1.output,
        cost_usd: cost1,
        time_to_first_token_ms: 380,
        input_data: {
          messages: [
            requestMessages[0],
            { role: 'system', content: 'Knowledge base:\n[Pricing FAQ] From March 2024, enterprise plans are billed per seat…' },
            requestMessages[1],
          ],
        },
        output_data: { role: 'assistant', content: null, tool_calls: toolCalls },
        metadata: { round: 1, finish_reason: 'tool_calls', temperature: 0.2 },
      },
    },
    {
      spanId: webId,
      parentSpanId: rootId,
      name: 'tool.web_search',
      op: 'tool_call',
      startOffsetMs: 1722,
      endOffsetMs: 2935,
      status: 'failed',
      extra: {
        error_message: 'web_search: GET https://search.example/api?q=… failed: 503 Service Unavailable',
        input_data: { query: 'Acme 2024 enterprise pricing update' },
        metadata: { tool_call_id: 'call_ws1', attempts: 2 },
      },
    },
    {
      spanId: calcId,
      parentSpanId: rootId,
      name: 'tool.calculator',
      op: 'tool_call',
      startOffsetMs: 1724,
      endOffsetMs: 1731,
      extra: {
        input_data: { expression: '1536 * 0.0125' },
        output_data: { result: 19.2 },
        metadata: { tool_call_id: 'call_calc1' },
      },
    },
    {
      spanId: call2Id,
      parentSpanId: rootId,
      name: 'llm.call',
      op: 'llm_call',
      startOffsetMs: 2950,
      endOffsetMs: running ? null : 4180,
      extra: {
        ...model,
        input_tokens: round2.input,
        output_tokens: running ? null : round2.output,
        total_tokens: running ? null : round2.input + round2.output,
        cached_input_tokens: round2.cached,
        cost_usd: running ? null : cost2,
        time_to_first_token_ms: 410,
        input_data: {
          messages: [
            ...requestMessages,
            { role: 'assistant', content: null, tool_calls: toolCalls },
            { role: 'tool', tool_call_id: 'call_ws1', content: 'Error: web_search failed: 503 Service Unavailable' },
            { role: 'tool', tool_call_id: 'call_calc1', content: '19.2' },
          ],
        },
        output_data: running ? null : { role: 'assistant', content: answer },
        metadata: { round: 2, finish_reason: running ? null : 'stop', stream: true },
      },
    },
  ];
  return materialise(drafts, { traceId, userId, startMs, random });
}

export interface BigTraceOptions {
  /**
   * `mixed` (default): an agent run nested up to `maxDepth` levels with every operation type;
   * `wide`: one root with n − 1 children; `deep`: a chain, each span the child of the previous.
   */
  shape?: 'mixed' | 'wide' | 'deep';
  traceId?: string;
  userId?: string;
  start?: Date | string | number;
  seed?: number;
  /** Deepest level for `mixed` (default 12). */
  maxDepth?: number;
  /** Share of spans that fail (default 0.02). */
  failureRate?: number;
  /** Leave the last few spans running (default false). */
  withRunning?: boolean;
}

const OPS: { op: OperationType; weight: number; names: string[] }[] = [
  { op: 'llm_call', weight: 0.35, names: ['llm.call'] },
  { op: 'tool_call', weight: 0.25, names: ['tool.web_search', 'tool.calculator', 'tool.sql_query', 'tool.http_get'] },
  { op: 'retrieval', weight: 0.15, names: ['retrieval', 'knowledge_base.search', 'vector_store.query'] },
  { op: 'embedding', weight: 0.1, names: ['embedding.create'] },
  { op: 'chain', weight: 0.1, names: ['chain.step', 'chain.plan', 'chain.reflect'] },
  { op: 'other', weight: 0.05, names: ['cache.lookup', 'guardrail.check'] },
];

function pickOp(random: () => number): { op: OperationType; name: string } {
  let r = random();
  for (const entry of OPS) {
    if (r < entry.weight) return { op: entry.op, name: entry.names[Math.floor(random() * entry.names.length)] };
    r -= entry.weight;
  }
  return { op: 'other', name: 'other' };
}

/**
 * A trace of `n` spans (n ≥ 1) for performance and scroll tests. Deterministic for a given seed.
 * Model spans carry tokens and cost (about one in ten is unpriced); a `failureRate` share fails.
 */
export function makeBigTrace(n: number, options: BigTraceOptions = {}): ApiSpan[] {
  const count = Math.max(1, Math.floor(n));
  const random = makeRandom(options.seed ?? 42);
  const traceId = options.traceId ?? randomHex(random, 32);
  const userId = options.userId ?? uuidFrom(random);
  const startMs = toMs(options.start, Date.parse('2025-01-15T11:00:00.000Z'));
  const shape = options.shape ?? 'mixed';
  const maxDepth = options.maxDepth ?? 12;
  const failureRate = options.failureRate ?? 0.02;
  const prefix = randomHex(random, 8);
  const spanId = (i: number) => `${prefix}${i.toString(16).padStart(8, '0')}`;
  const totalMs = Math.max(5000, count * 3);

  const drafts: SpanDraft[] = [
    {
      spanId: spanId(0),
      parentSpanId: null,
      name: shape === 'mixed' ? 'agent.run' : 'llm.completion',
      op: shape === 'mixed' ? 'agent' : 'llm_call',
      startOffsetMs: 0,
      endOffsetMs: totalMs,
      extra: { input_data: { task: `Big trace with ${count} spans (${shape})` }, metadata: { shape, spans: count } },
    },
  ];
  const intervals: { start: number; end: number; depth: number }[] = [{ start: 0, end: totalMs, depth: 0 }];
  // `mixed` fills the tree breadth-first: each parent gets 2–8 children laid out one after
  // another inside its own interval (with some overlap, like parallel tool calls).
  const queue: number[] = [0];
  const layout: { parent: number; start: number; end: number }[] = [];
  const nextMixedChildren = () => {
    const parent = queue.shift() ?? 0;
    const p = intervals[parent];
    const k = 2 + Math.floor(random() * 7);
    const span = p.end - p.start;
    let cursor = p.start + span * 0.01 * random();
    for (let c = 0; c < k; c++) {
      const duration = Math.max(0.5, (span / k) * (0.55 + random() * 0.4));
      const start = Math.min(cursor, p.end);
      const end = Math.min(p.end, start + duration);
      layout.push({ parent, start, end });
      cursor = end + (random() < 0.25 ? -duration * 0.3 : span * 0.01 * random());
    }
  };

  for (let i = 1; i < count; i++) {
    let parent: number;
    let start: number;
    let end: number;
    if (shape === 'deep') {
      parent = i - 1;
      const step = totalMs / (2 * count);
      start = i * step;
      end = totalMs - i * step;
    } else if (shape === 'wide') {
      parent = 0;
      start = ((i - 1) / (count - 1)) * totalMs * 0.98;
      end = Math.min(totalMs, start + 2 + random() * 400);
    } else {
      if (layout.length === 0) nextMixedChildren();
      ({ parent, start, end } = layout.shift()!);
    }
    const depth = intervals[parent].depth + 1;
    intervals.push({ start, end, depth });
    if (shape === 'mixed' && depth < maxDepth) queue.push(i);

    const { op, name } = pickOp(random);
    const failed = random() < failureRate;
    const isRunning = options.withRunning === true && i >= count - 3;
    const extra: Partial<ApiSpan> = { input_data: { step: i }, metadata: { index: i } };
    if (op === 'llm_call' || op === 'embedding') {
      const unpriced = random() < 0.1;
      const input = 100 + Math.floor(random() * 4000);
      const output = op === 'embedding' ? 0 : 10 + Math.floor(random() * 800);
      Object.assign(extra, {
        model_name: unpriced ? 'local-llama-3-8b' : op === 'embedding' ? 'text-embedding-3-small' : 'gpt-4o-mini',
        model_provider: unpriced ? 'openai-compatible' : 'openai',
        input_tokens: input,
        output_tokens: output,
        total_tokens: input + output,
        cost_usd: unpriced ? null : priced(input, output),
        time_to_first_token_ms: op === 'llm_call' ? Math.round(50 + random() * 400) : null,
        output_data: op === 'llm_call' ? { role: 'assistant', content: `Step ${i} answer.` } : { dimensions: 1536 },
      });
    }
    if (failed) Object.assign(extra, { error_message: `${name} failed at step ${i}: simulated error` });
    drafts.push({
      spanId: spanId(i),
      parentSpanId: spanId(parent),
      name,
      op,
      startOffsetMs: start,
      endOffsetMs: isRunning ? null : end,
      status: isRunning ? 'running' : failed ? 'failed' : 'completed',
      extra,
    });
  }
  return materialise(drafts, { traceId, userId, startMs, random });
}
