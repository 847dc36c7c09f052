import { describe, expect, it } from 'vitest';
import { alignTraces, compareTraces, diffSpans, diffText, pairSiblings, spanText, type AlignedRow } from '@/lib/trace-view/compare';
import { buildTraceTree } from '@/lib/trace-view/tree';
import type { ApiSpan } from '@/lib/trace-view/types';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
let seq = 0;

function span(trace: string, id: string, parent: string | null, name: string, start: number, end: number, extra: Partial<ApiSpan> = {}): ApiSpan {
  return {
    id: `row-${++seq}`,
    user_id: 'u1',
    conversation_id: null,
    message_id: null,
    trace_id: trace.repeat(32).slice(0, 32),
    parent_trace_id: parent,
    span_id: id,
    span_name: name,
    start_time: new Date(T0 + start).toISOString(),
    end_time: new Date(T0 + end).toISOString(),
    duration_ms: end - start,
    operation_type: 'other',
    model_name: null,
    model_provider: null,
    status: 'completed',
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
    created_at: new Date(T0).toISOString(),
    ...extra,
  };
}

/** An agent run: a root, a plan step, then `steps` × (llm.call, tool.search), then llm.answer. */
function agentRun(trace: string, steps: number, options: { answer?: string; model?: string } = {}): ApiSpan[] {
  const p = trace; // span ids unique per trace
  const spans = [span(trace, `${p}root`, null, 'agent.run', 0, 10_000, { operation_type: 'agent', input_data: { messages: [{ role: 'user', content: 'Where is order #4411?' }] } })];
  spans.push(span(trace, `${p}plan`, `${p}root`, 'agent.plan', 10, 100));
  let t = 100;
  for (let i = 0; i < steps; i++) {
    spans.push(
      span(trace, `${p}llm${i}`, `${p}root`, 'llm.call', t, t + 400, {
        operation_type: 'llm_call',
        model_provider: 'openai',
        model_name: options.model ?? 'gpt-4o',
        input_tokens: 100 + i,
        output_tokens: 20,
        cost_usd: 0.001,
        input_data: { prompt: `step ${i}` },
        output_data: `call search ${i}`,
      }),
    );
    spans.push(span(trace, `${p}tool${i}`, `${p}root`, 'tool.search', t + 400, t + 500, { operation_type: 'tool_call', output_data: { hits: i } }));
    spans.push(span(trace, `${p}http${i}`, `${p}tool${i}`, 'http.get', t + 410, t + 490));
    t += 500;
  }
  spans.push(
    span(trace, `${p}answer`, `${p}root`, 'llm.answer', t, t + 300, {
      operation_type: 'llm_call',
      model_provider: 'openai',
      model_name: options.model ?? 'gpt-4o',
      input_tokens: 300,
      output_tokens: 50,
      cost_usd: 0.002,
      output_data: options.answer ?? 'Your order #4411 shipped on Monday.',
    }),
  );
  return spans;
}

const label = (row: AlignedRow) => `${'  '.repeat(row.depth)}${row.kind}:${(row.a ?? row.b)!.span.span_name}`;

describe('alignTraces', () => {
  it('aligns two runs of one agent with a different number of steps: shared steps pair, extra ones are added in place', () => {
    const a = buildTraceTree(agentRun('a', 2));
    const b = buildTraceTree(agentRun('b', 4));
    const rows = alignTraces(a, b);
    expect(rows.map(label)).toEqual([
      'matched:agent.run',
      '  matched:agent.plan',
      '  matched:llm.call',
      '  matched:tool.search',
      '    matched:http.get',
      '  matched:llm.call',
      '  matched:tool.search',
      '    matched:http.get',
      '  added:llm.call',
      '  added:tool.search',
      '    added:http.get',
      '  added:llm.call',
      '  added:tool.search',
      '    added:http.get',
      '  matched:llm.answer',
    ]);
    // The k-th llm.call of A pairs with the k-th of B.
    const calls = rows.filter((row) => row.kind === 'matched' && row.a!.span.span_name === 'llm.call');
    expect(calls.map((row) => [row.a!.id, row.b!.id])).toEqual([
      ['allm0', 'bllm0'],
      ['allm1', 'bllm1'],
    ]);
    // Every span of both traces appears exactly once.
    expect(rows.filter((row) => row.a).length).toBe(a.preorder.length);
    expect(rows.filter((row) => row.b).length).toBe(b.preorder.length);
    expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);

    const { counts, summary } = compareTraces(a, b);
    expect(counts).toMatchObject({ matched: 9, added: 6, removed: 0 });
    expect(summary.spanCount).toMatchObject({ a: 9, b: 15, delta: 6, changed: true });
    expect(summary.costUsd.delta).toBeCloseTo(0.002);
  });

  it('shows the steps only the first run took as removed, with their subtrees', () => {
    const rows = alignTraces(buildTraceTree(agentRun('a', 3)), buildTraceTree(agentRun('b', 1)));
    expect(rows.map(label)).toEqual([
      'matched:agent.run',
      '  matched:agent.plan',
      '  matched:llm.call',
      '  matched:tool.search',
      '    matched:http.get',
      '  removed:llm.call',
      '  removed:tool.search',
      '    removed:http.get',
      '  removed:llm.call',
      '  removed:tool.search',
      '    removed:http.get',
      '  matched:llm.answer',
    ]);
    expect(rows.filter((row) => row.kind === 'removed').every((row) => row.b === null && row.diff === null)).toBe(true);
  });

  it('pairs the main roots whatever their names, and orphans by name', () => {
    const a = buildTraceTree([span('a', 'ra', null, 'chat.turn', 0, 100), span('a', 'oa', 'missing0000000a', 'late.span', 5, 10)]);
    const b = buildTraceTree([span('b', 'rb', null, 'chat.retry', 0, 100), span('b', 'ob', 'missing0000000b', 'late.span', 5, 12), span('b', 'xb', 'missing0000000c', 'other', 5, 6)]);
    const rows = alignTraces(a, b);
    expect(rows.map(label)).toEqual(['matched:chat.turn', 'matched:late.span', 'added:other']);
    expect(rows[0]!.diff!.name).toEqual({ a: 'chat.turn', b: 'chat.retry', changed: true });
    expect(rows[0]!.diff!.changed).toBe(true);
    expect(alignTraces(a, buildTraceTree([]))).toHaveLength(2);
    expect(alignTraces(buildTraceTree([]), buildTraceTree([]))).toEqual([]);
  });

  it('keeps A\'s order when the same steps ran in another order, and places B\'s extras before the next pair', () => {
    const node = (name: string, id: string) => buildTraceTree([span('x', id, null, name, 0, 1)]).roots[0]!;
    const [x1, y1] = [node('x', 'x1'), node('y', 'y1')];
    const [y2, x2] = [node('y', 'y2'), node('x', 'x2')];
    expect(pairSiblings([x1, y1], [y2, x2]).map(([l, r]) => [l?.id ?? null, r?.id ?? null])).toEqual([
      ['x1', 'x2'],
      ['y1', 'y2'],
    ]);
    const [n1, m1, n2] = [node('n', 'n1'), node('m', 'm1'), node('n', 'n2')];
    const [extra, n3] = [node('e', 'e1'), node('n', 'n3')];
    expect(pairSiblings([n1, m1, n2], [extra, n3]).map(([l, r]) => [l?.id ?? null, r?.id ?? null])).toEqual([
      [null, 'e1'],
      ['n1', 'n3'],
      ['m1', null],
      ['n2', null],
    ]);
  });

  it('walks a very deep trace without recursion', () => {
    const deep = (trace: string, depth: number) =>
      Array.from({ length: depth }, (_, i) => span(trace, `${trace}${String(i).padStart(15, '0')}`, i === 0 ? null : `${trace}${String(i - 1).padStart(15, '0')}`, 'level', i, 2 * depth - i));
    const rows = alignTraces(buildTraceTree(deep('a', 20_000)), buildTraceTree(deep('b', 20_001)));
    expect(rows).toHaveLength(20_001);
    expect(rows[20_000]!.kind).toBe('added');
    expect(rows[19_999]!.depth).toBe(19_999);
  });
});

describe('diffSpans', () => {
  const pairOf = (a: Partial<ApiSpan>, b: Partial<ApiSpan>, times: { a?: [number, number]; b?: [number, number] } = {}) => {
    const [as, ae] = times.a ?? [0, 1000];
    const [bs, be] = times.b ?? [0, 1000];
    const left = buildTraceTree([span('a', 'sa', null, 'llm.call', as, ae, a)]).roots[0]!;
    const right = buildTraceTree([span('b', 'sb', null, 'llm.call', bs, be, b)]).roots[0]!;
    return diffSpans(left, right);
  };

  it('reports nothing for identical spans', () => {
    const same = { model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 10, output_tokens: 5, cost_usd: 0.01, input_data: { q: 1 }, output_data: 'ok' };
    const diff = pairOf(same, { ...same, input_data: { q: 1 } });
    expect(diff.changed).toBe(false);
    expect(diff.input).toBe('same');
    expect(diff.output).toBe('same');
    expect(diff.totalTokens).toEqual({ a: 15, b: 15, delta: 0, changed: false });
  });

  it('flags tokens, cost, model, status and text, with deltas', () => {
    const diff = pairOf(
      { model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 100, output_tokens: 20, cost_usd: 0.01, output_data: 'Your order shipped.' },
      { model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 100, output_tokens: 35, cost_usd: 0.002, status: 'failed', error_message: 'boom', output_data: 'Your order was delayed.' },
    );
    expect(diff.inputTokens.changed).toBe(false);
    expect(diff.outputTokens).toEqual({ a: 20, b: 35, delta: 15, changed: true });
    expect(diff.totalTokens.delta).toBe(15);
    expect(diff.costUsd.changed).toBe(true);
    expect(diff.costUsd.delta).toBeCloseTo(-0.008);
    expect(diff.model).toEqual({ a: 'openai / gpt-4o', b: 'openai / gpt-4o-mini', changed: true });
    expect(diff.status).toEqual({ a: 'completed', b: 'failed', changed: true });
    expect(diff.input).toBe('same');
    expect(diff.output).toBe('changed');
    expect(diff.changed).toBe(true);
    // A value on one side only is a change.
    expect(pairOf({ cost_usd: null }, { cost_usd: 0.5 }).costUsd).toEqual({ a: null, b: 0.5, delta: null, changed: true });
  });

  it('counts a duration as changed only past 10% and 10 ms', () => {
    expect(pairOf({}, {}, { a: [0, 1000], b: [0, 1050] }).durationMs).toMatchObject({ delta: 50, changed: false });
    expect(pairOf({}, {}, { a: [0, 1000], b: [0, 1200] }).durationMs).toMatchObject({ delta: 200, changed: true });
    expect(pairOf({}, {}, { a: [0, 5], b: [0, 12] }).durationMs).toMatchObject({ delta: 7, changed: false });
    expect(pairOf({}, {}, { a: [0, 5], b: [0, 50] }).durationMs.changed).toBe(true);
  });

  it('says the text is unknown when a side was loaded without data', () => {
    const diff = pairOf({ output_data: 'x' }, { output_data: null, data_omitted: true });
    expect(diff.input).toBe('unknown');
    expect(diff.output).toBe('unknown');
  });

  it('finds the changed answer in two agent runs', () => {
    const rows = alignTraces(buildTraceTree(agentRun('a', 1)), buildTraceTree(agentRun('b', 1, { answer: 'Your order #4411 is delayed.', model: 'gpt-4o-mini' })));
    const answer = rows.find((row) => row.a?.span.span_name === 'llm.answer')!;
    expect(answer.diff).toMatchObject({ output: 'changed', input: 'same', model: { changed: true } });
    const plan = rows.find((row) => row.a?.span.span_name === 'agent.plan')!;
    expect(plan.diff!.changed).toBe(false);
  });
});

describe('diffText', () => {
  const render = (diff: ReturnType<typeof diffText>) => diff.parts.map((p) => (p.added ? `{+${p.value}+}` : p.removed ? `[-${p.value}-]` : p.value)).join('');

  it('diffs words', () => {
    const diff = diffText('Your order #4411 shipped on Monday.', 'Your order #4411 was delayed on Monday.');
    expect(diff.mode).toBe('words');
    expect(diff.identical).toBe(false);
    expect(render(diff)).toBe('Your order #4411 [-shipped-]{+was delayed+} on Monday.');
    // The parts rebuild both texts.
    expect(diff.parts.filter((p) => !p.added).map((p) => p.value).join('')).toBe('Your order #4411 shipped on Monday.');
    expect(diff.parts.filter((p) => !p.removed).map((p) => p.value).join('')).toBe('Your order #4411 was delayed on Monday.');
  });

  it('diffs whole words in non-Latin scripts', () => {
    expect(render(diffText('Привет мир, как дела', 'Привет друг, как дела'))).toBe('Привет [-мир-]{+друг+}, как дела');
    const cjk = diffText('我喜欢吃苹果和香蕉', '我喜欢吃橙子和香蕉');
    expect(cjk.parts.filter((p) => p.removed).map((p) => p.value).join('')).toContain('苹果');
    expect(cjk.parts.filter((p) => p.added).map((p) => p.value).join('')).toContain('橙子');
  });

  it('says when texts are identical, and handles empty sides', () => {
    expect(diffText('same', 'same')).toEqual({ mode: 'words', parts: [{ value: 'same', added: false, removed: false }], identical: true });
    expect(diffText('', '')).toEqual({ mode: 'words', parts: [], identical: true });
    expect(render(diffText('', 'new text'))).toBe('{+new text+}');
  });

  it('falls back to lines for long texts, and to whole texts when even lines differ too much', () => {
    const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} line number ${i} with some words`).join('\n');
    const long = lines('same', 3000);
    const diff = diffText(long, long.replace('same line number 1500 ', 'changed line number 1500 '));
    expect(diff.mode).toBe('lines');
    expect(diff.parts.filter((p) => p.added || p.removed)).toHaveLength(2);
    const unrelated = diffText(lines('left', 2500), lines('right', 2500));
    expect(unrelated.mode).toBe('whole');
    expect(unrelated.parts.map((p) => [p.removed, p.added])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});

describe('spanText', () => {
  it('renders chat messages as blocks, strings as themselves, anything else as JSON', () => {
    expect(spanText({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], temperature: 0 })).toBe('[system]\nBe brief.\n\n[user]\nhi\n\n{\n  "temperature": 0\n}');
    expect(spanText('plain')).toBe('plain');
    expect(spanText(null)).toBe('');
    expect(spanText({ hits: 2 })).toBe('{\n  "hits": 2\n}');
  });
});
