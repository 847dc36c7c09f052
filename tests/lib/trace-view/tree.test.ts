import { describe, expect, it } from 'vitest';
import {
  ancestorIds,
  buildTraceTree,
  TraceTreeBuilder,
  collapseAll,
  collapseOneLevel,
  expandAll,
  expandOneLevel,
  flattenVisible,
  revealNode,
  toggleCollapsed,
  traceTotals,
  treeGuides,
} from '@/lib/trace-view/tree';
import type { ApiSpan } from '@/lib/trace-view/types';
import { makeBigTrace, makeChatTrace } from '@/tests/support/trace-fixtures';

const T0 = Date.parse('2025-01-15T10:00:00.000Z');

function span(id: string, parent: string | null, startOffset: number, endOffset: number | null, extra: Partial<ApiSpan> = {}): ApiSpan {
  return {
    id: `row-${id}`,
    user_id: 'u1',
    conversation_id: null,
    message_id: null,
    trace_id: 'a'.repeat(32),
    parent_trace_id: parent,
    span_id: id,
    span_name: `span ${id}`,
    start_time: new Date(T0 + startOffset).toISOString(),
    end_time: endOffset === null ? null : new Date(T0 + endOffset).toISOString(),
    duration_ms: endOffset === null ? null : endOffset - startOffset,
    operation_type: 'other',
    model_name: null,
    model_provider: null,
    status: endOffset === null ? 'running' : 'completed',
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

const names = (rows: { span: ApiSpan }[]) => rows.map((r) => r.span.span_name);
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

describe('buildTraceTree: structure', () => {
  it('nests a chat trace under its llm.completion root with children in start order', () => {
    const spans = makeChatTrace();
    const tree = buildTraceTree([...spans].reverse());
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0].span.span_name).toBe('llm.completion');
    expect(names(tree.preorder)).toEqual([
      'llm.completion',
      'retrieval',
      'knowledge_base.search',
      'llm.call',
      'tool.web_search',
      'tool.calculator',
      'llm.call',
    ]);
    expect(tree.preorder.map((n) => n.depth)).toEqual([0, 1, 2, 1, 1, 1, 1]);
    expect(tree.maxDepth).toBe(2);
    const root = tree.roots[0];
    expect(root.children.map((c) => c.isLastChild)).toEqual([false, false, false, false, true]);
    expect(root.children.map((c) => c.parentId)).toEqual(Array(5).fill(root.id));
  });

  it('makes a span whose parent is missing an orphan root, ordered by start among the roots', () => {
    const tree = buildTraceTree([
      span('late-orphan', 'missing-1', 500, 600),
      span('root', null, 100, 1000),
      span('child', 'root', 150, 300),
      span('early-orphan', 'missing-2', 50, 60),
    ]);
    expect(ids(tree.roots)).toEqual(['early-orphan', 'root', 'late-orphan']);
    expect(tree.roots.map((r) => r.isOrphan)).toEqual([true, false, true]);
    expect(tree.byId.get('child')!.depth).toBe(1);
  });

  it('keeps input order for equal start times and puts spans without a valid start last', () => {
    const tree = buildTraceTree([
      span('root', null, 0, 100),
      span('no-start', 'root', 0, 10, { start_time: 'not a date' }),
      span('b', 'root', 20, 30),
      span('a1', 'root', 10, 30),
      span('a2', 'root', 10, 20),
    ]);
    expect(ids(tree.roots[0].children)).toEqual(['a1', 'a2', 'b', 'no-start']);
    expect(tree.byId.get('no-start')!.startMs).toBeNull();
  });

  it('treats a repeated span_id as one span updated in place (running, then final)', () => {
    const tree = buildTraceTree([
      span('root', null, 0, 100),
      span('tool', 'root', 10, null),
      span('tool', 'root', 10, 90, { status: 'completed' }),
    ]);
    expect(tree.preorder).toHaveLength(2);
    expect(tree.byId.get('tool')!.span.status).toBe('completed');
    expect(tree.byId.get('tool')!.endMs).toBe(T0 + 90);
  });

  it('breaks parent cycles and self-parents instead of losing or looping over spans', () => {
    const tree = buildTraceTree([
      span('root', null, 0, 100),
      span('a', 'b', 10, 20),
      span('b', 'a', 15, 25),
      span('c', 'b', 16, 18),
      span('self', 'self', 30, 40),
    ]);
    expect(tree.preorder).toHaveLength(5);
    expect(new Set(ids(tree.preorder)).size).toBe(5);
    expect(ids(tree.roots)).toEqual(['root', 'a', 'self']);
    expect(tree.byId.get('c')!.depth).toBe(2);
  });

  it('survives garbage: missing ids, invalid dates and NaN numbers', () => {
    const junk = [
      span('', null, 0, 10),
      span('x', null, 0, 10, { start_time: '', end_time: 'never', duration_ms: Number.NaN, input_tokens: Number.NaN }),
      null as unknown as ApiSpan,
    ];
    const tree = buildTraceTree(junk);
    expect(tree.preorder).toHaveLength(2);
    const x = tree.byId.get('x')!;
    expect(x.startMs).toBeNull();
    expect(x.endMs).toBeNull();
    expect(x.totals.inputTokens).toBeNull();
  });

  it('returns an empty tree for no spans', () => {
    const tree = buildTraceTree([]);
    expect(tree.roots).toEqual([]);
    expect(flattenVisible(tree, new Set())).toEqual([]);
  });
});

describe('buildTraceTree: error marks', () => {
  it('marks the failed tool itself and its ancestors as having a failed descendant', () => {
    const tree = buildTraceTree(makeChatTrace());
    const web = tree.preorder.find((n) => n.span.span_name === 'tool.web_search')!;
    const root = tree.roots[0];
    const retrieval = tree.preorder.find((n) => n.span.span_name === 'retrieval')!;
    expect(web.hasOwnError).toBe(true);
    expect(web.hasDescendantError).toBe(false);
    expect(root.hasOwnError).toBe(false);
    expect(root.hasDescendantError).toBe(true);
    expect(retrieval.hasOwnError || retrieval.hasDescendantError).toBe(false);
  });

  it('propagates a leaf failure through every level', () => {
    const spans = [span('s0', null, 0, 100)];
    for (let i = 1; i < 50; i++) spans.push(span(`s${i}`, `s${i - 1}`, i, 100 - i));
    spans[49] = { ...spans[49], status: 'failed', error_message: 'boom' };
    const tree = buildTraceTree(spans);
    expect(tree.preorder.slice(0, 49).every((n) => n.hasDescendantError && !n.hasOwnError)).toBe(true);
    expect(tree.byId.get('s49')!.hasOwnError).toBe(true);
  });
});

describe('buildTraceTree: rolled-up tokens and cost', () => {
  it('does not double-count a root that already carries the request totals', () => {
    const spans = makeChatTrace();
    const tree = buildTraceTree(spans);
    const root = tree.roots[0];
    expect(root.totals.inputTokens).toBe(spans[0].input_tokens);
    expect(root.totals.outputTokens).toBe(spans[0].output_tokens);
    expect(root.totals.costUsd).toBeCloseTo(spans[0].cost_usd!, 12);
    expect(root.totals.spanCount).toBe(7);
    expect(root.totals.hasUnpricedSpan).toBe(false);
  });

  it('sums children when the parent reports nothing itself', () => {
    const tree = buildTraceTree([
      span('chain', null, 0, 100),
      span('l1', 'chain', 10, 20, { input_tokens: 100, output_tokens: 10, cost_usd: 0.001 }),
      span('l2', 'chain', 30, 40, { input_tokens: 200, output_tokens: 20, total_tokens: 220, cost_usd: 0.002 }),
      span('tool', 'chain', 50, 60),
    ]);
    const { totals } = tree.roots[0];
    expect(totals.inputTokens).toBe(300);
    expect(totals.outputTokens).toBe(30);
    expect(totals.totalTokens).toBe(330);
    expect(totals.costUsd).toBeCloseTo(0.003, 12);
    expect(totals.cachedInputTokens).toBeNull();
  });

  it('counts each model call once under a nested agent whose usage rolls up a chain below it', () => {
    // agent (reports 300/30, the sum) → chain (reports nothing) → two model calls; and an ai.generateText
    // wrapper repeating its one doGenerate call. Counting the agent or the wrapper too would double the totals.
    const tree = buildTraceTree([
      span('agent', null, 0, 100, { input_tokens: 300, output_tokens: 30, cost_usd: 0.003 }),
      span('chain', 'agent', 5, 90),
      span('l1', 'chain', 10, 20, { input_tokens: 100, output_tokens: 10, cost_usd: 0.001 }),
      span('l2', 'chain', 30, 40, { input_tokens: 200, output_tokens: 20, cost_usd: 0.002 }),
      span('gen', 'agent', 50, 80, { input_tokens: 7, output_tokens: 3, cost_usd: 0.0005 }),
      span('gen.do', 'gen', 55, 75, { input_tokens: 7, output_tokens: 3, cost_usd: 0.0005 }),
    ]);
    const { totals } = tree.roots[0];
    expect(totals.inputTokens).toBe(307);
    expect(totals.outputTokens).toBe(33);
    expect(totals.costUsd).toBeCloseTo(0.0035, 12);
    expect(tree.byId.get('gen')!.totals.inputTokens).toBe(7);
  });

  it('flags an unpriced model span and keeps cost null when nothing is priced', () => {
    const tree = buildTraceTree([
      span('root', null, 0, 100),
      span('local', 'root', 10, 20, { input_tokens: 50, output_tokens: 5, cost_usd: null, model_name: 'llama' }),
      span('tool', 'root', 30, 40),
    ]);
    expect(tree.roots[0].totals.costUsd).toBeNull();
    expect(tree.roots[0].totals.hasUnpricedSpan).toBe(true);
    expect(tree.byId.get('tool')!.totals.hasUnpricedSpan).toBe(false);
  });

  it('sums the totals of several roots for the trace header', () => {
    const tree = buildTraceTree([
      span('root', null, 0, 100, { input_tokens: 10, output_tokens: 1, cost_usd: 0.01 }),
      span('orphan', 'gone', 50, 60, { input_tokens: 5, output_tokens: 2, cost_usd: null }),
    ]);
    const totals = traceTotals(tree);
    expect(totals).toMatchObject({ spanCount: 2, inputTokens: 15, outputTokens: 3, totalTokens: 18, hasUnpricedSpan: true });
    expect(totals.costUsd).toBeCloseTo(0.01, 12);
    expect(traceTotals(buildTraceTree([]))).toMatchObject({ spanCount: 0, costUsd: null });
  });

  it('keeps a running trace consistent: partial tokens add up and nothing is called unpriced yet', () => {
    const tree = buildTraceTree(makeChatTrace({ running: true }));
    const { totals } = tree.roots[0];
    expect(totals.totalTokens).toBe(totals.inputTokens! + totals.outputTokens!);
    expect(totals.hasUnpricedSpan).toBe(false);
  });

  it('accepts numeric strings from a numeric column', () => {
    const tree = buildTraceTree([span('r', null, 0, 10, { cost_usd: '0.5' as unknown as number, input_tokens: 3 })]);
    expect(tree.roots[0].totals.costUsd).toBe(0.5);
  });
});

describe('flattenVisible and expand/collapse', () => {
  const tree = buildTraceTree(makeChatTrace());
  const root = tree.roots[0];
  const retrieval = tree.preorder.find((n) => n.span.span_name === 'retrieval')!;
  const search = tree.preorder.find((n) => n.span.span_name === 'knowledge_base.search')!;

  it('shows every span when nothing is collapsed', () => {
    expect(flattenVisible(tree, expandAll())).toHaveLength(7);
  });

  it('hides the descendants of a collapsed node only', () => {
    const rows = flattenVisible(tree, toggleCollapsed(new Set(), retrieval.id));
    expect(rows).toHaveLength(6);
    expect(rows.includes(search)).toBe(false);
    expect(rows.includes(retrieval)).toBe(true);
  });

  it('collapse all leaves only the roots; expand one level opens them level by level', () => {
    const all = collapseAll(tree);
    expect(all).toEqual(new Set([root.id, retrieval.id]));
    expect(flattenVisible(tree, all)).toEqual([root]);
    const one = expandOneLevel(tree, all);
    expect(flattenVisible(tree, one)).toHaveLength(6);
    const two = expandOneLevel(tree, one);
    expect(flattenVisible(tree, two)).toHaveLength(7);
    expect(expandOneLevel(tree, two)).toBe(two);
  });

  it('collapse one level closes the deepest open level first', () => {
    const one = collapseOneLevel(tree, new Set());
    expect([...one]).toEqual([retrieval.id]);
    const two = collapseOneLevel(tree, one);
    expect(flattenVisible(tree, two)).toEqual([root]);
    expect(collapseOneLevel(tree, two)).toBe(two);
  });

  it('reveals a deep-linked span by expanding its ancestors', () => {
    expect(ancestorIds(tree, search.id)).toEqual([retrieval.id, root.id]);
    const revealed = revealNode(tree, collapseAll(tree), search.id);
    expect(flattenVisible(tree, revealed).includes(search)).toBe(true);
    expect(revealNode(tree, new Set(), search.id).size).toBe(0);
  });
});

describe('treeGuides', () => {
  it('draws ├ for a child with later siblings, └ for the last, and continues open ancestor lines', () => {
    const tree = buildTraceTree(makeChatTrace());
    const [retrieval, , , , lastCall] = tree.roots[0].children;
    const search = retrieval.children[0];
    expect(treeGuides(tree, tree.roots[0], 10)).toEqual([]);
    expect(treeGuides(tree, retrieval, 10)).toEqual(['tee']);
    expect(treeGuides(tree, lastCall, 10)).toEqual(['elbow']);
    expect(treeGuides(tree, search, 10)).toEqual(['line', 'elbow']);
  });

  it('shows only the deepest levels of a very deep row', () => {
    const tree = buildTraceTree(makeBigTrace(10_000, { shape: 'deep' }));
    expect(treeGuides(tree, tree.preorder[9_999], 12)).toEqual([...Array(11).fill('blank'), 'elbow']);
  });
});

describe('big traces (iterative, no stack overflow)', () => {
  it('builds a 10,000-span deep chain', () => {
    const spans = makeBigTrace(10_000, { shape: 'deep' });
    spans[spans.length - 1] = { ...spans[spans.length - 1], status: 'failed' };
    const tree = buildTraceTree(spans);
    expect(tree.maxDepth).toBe(9_999);
    expect(tree.preorder).toHaveLength(10_000);
    expect(tree.roots[0].hasDescendantError).toBe(true);
    expect(tree.roots[0].totals.spanCount).toBe(10_000);
    expect(flattenVisible(tree, new Set())).toHaveLength(10_000);
    const collapsed = collapseAll(tree);
    expect(flattenVisible(tree, collapsed)).toHaveLength(1);
    const deepest = tree.preorder[9_999];
    expect(ancestorIds(tree, deepest.id)).toHaveLength(9_999);
    expect(flattenVisible(tree, revealNode(tree, collapsed, deepest.id))).toHaveLength(10_000);
    expect(flattenVisible(tree, new Set([tree.preorder[5_000].id]))).toHaveLength(5_001);
  });

  it('builds the same tree from spans given in batches, a span updated in a later batch included', () => {
    const spans = makeBigTrace(2_000, { seed: 7, withRunning: true });
    const running = spans.find((s) => s.status === 'running')!;
    const finished = { ...running, status: 'completed' as const, end_time: '2025-01-15T12:00:00.000Z' };
    const all = [...spans, finished];
    const builder = new TraceTreeBuilder();
    for (let i = 0; i < all.length; i += 300) builder.add(all.slice(i, i + 300));
    const batched = builder.build();
    const whole = buildTraceTree(all);
    expect(ids(batched.preorder)).toEqual(ids(whole.preorder));
    expect(batched.preorder.map((n) => [n.depth, n.totals, n.endMs])).toEqual(whole.preorder.map((n) => [n.depth, n.totals, n.endMs]));
    expect(batched.byId.get(running.span_id)!.span.status).toBe('completed');
  });

  it('builds a 100,000-span chain, deeper than any recursion limit', () => {
    const spans: ApiSpan[] = [];
    for (let i = 0; i < 100_000; i++) spans.push(span(`s${i}`, i === 0 ? null : `s${i - 1}`, i, 200_000 - i));
    const tree = buildTraceTree(spans.reverse());
    expect(tree.maxDepth).toBe(99_999);
    expect(tree.preorder[0].id).toBe('s0');
  });

  it('builds a 10,000-span wide trace with every child in start order', () => {
    const spans = makeBigTrace(10_000, { shape: 'wide' });
    const tree = buildTraceTree([...spans].reverse());
    const children = tree.roots[0].children;
    expect(children).toHaveLength(9_999);
    for (let i = 1; i < children.length; i++) expect(children[i].startMs! >= children[i - 1].startMs!).toBe(true);
    expect(children[children.length - 1].isLastChild).toBe(true);
  });

  it('rolls up a mixed 10,000-span trace consistently', () => {
    const tree = buildTraceTree(makeBigTrace(10_000));
    expect(tree.preorder).toHaveLength(10_000);
    expect(tree.roots).toHaveLength(1);
    const anyFailed = tree.preorder.some((n) => n.hasOwnError);
    expect(tree.roots[0].hasDescendantError).toBe(anyFailed);
    expect(tree.roots[0].totals.inputTokens).toBeGreaterThan(0);
  });
});
