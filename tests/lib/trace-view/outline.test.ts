import { describe, expect, it } from 'vitest';
import { findLocalMatches, matchPositionFrom, mergeMatches } from '@/lib/trace-view/find';
import { compareOutlineTies, decodeOutline, encodeOutline, OUTLINE_ERROR_LENGTH, type TraceOutline } from '@/lib/trace-view/outline';
import { buildTraceTree, TraceTreeBuilder, traceTotals } from '@/lib/trace-view/tree';
import type { ApiSpan, TraceTree } from '@/lib/trace-view/types';
import { makeBigTrace, makeChatTrace } from '@/tests/support/trace-fixtures';

/** Through JSON, as the wire carries it, with the spans shuffled (the database's scan order is any). */
const roundTrip = (spans: ApiSpan[]) => {
  const shuffled = [...spans].reverse();
  return decodeOutline(JSON.parse(JSON.stringify(encodeOutline(spans[0]!.trace_id, shuffled))));
};

describe('trace outline', () => {
  it('round-trips the waterfall fields of every span in the API order, marked data_omitted', () => {
    const spans = makeChatTrace({ failed: true }).sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
    const decoded = roundTrip(spans);
    expect(decoded).toHaveLength(spans.length);
    decoded.forEach((span, i) => {
      const original = spans[i]!;
      for (const key of ['span_id', 'parent_trace_id', 'span_name', 'operation_type', 'status', 'start_time', 'end_time', 'model_name', 'model_provider', 'error_message', 'input_tokens', 'output_tokens', 'total_tokens', 'cached_input_tokens', 'reasoning_tokens', 'cost_usd', 'time_to_first_token_ms', 'trace_id'] as const) {
        expect(span[key], key).toEqual(original[key]);
      }
      expect(span.duration_ms).toBe(original.end_time === null ? null : Date.parse(original.end_time) - Date.parse(original.start_time));
      expect(span.data_omitted).toBe(true);
      expect(span.input_data).toBeNull();
    });
  });

  it('gives the same tree and totals as the spans themselves', () => {
    const spans = makeBigTrace(3000, { seed: 3, withRunning: true });
    const direct = buildTraceTree(spans);
    const outlined = buildTraceTree(roundTrip(spans));
    expect(outlined.preorder.map((node) => node.id)).toEqual(direct.preorder.map((node) => node.id));
    expect(outlined.maxDepth).toBe(direct.maxDepth);
    expect(traceTotals(outlined)).toEqual(traceTotals(direct));
  });

  it('orders equal starts root first, then by span id, on short and on long traces (over 71 minutes)', () => {
    for (const hours of [0, 3]) {
      const [root, a, b] = makeChatTrace().slice(0, 3);
      const start = root!.start_time;
      const spans = [
        { ...b!, span_id: 'b000000000000000', start_time: start },
        { ...a!, span_id: 'a000000000000000', start_time: start },
        { ...root!, span_id: 'f000000000000000', parent_trace_id: null, start_time: start },
        { ...a!, span_id: 'c000000000000000', start_time: new Date(Date.parse(start) + hours * 3_600_000 + 1).toISOString(), end_time: null, status: 'running' as const },
      ];
      spans[0]!.parent_trace_id = 'f000000000000000';
      spans[1]!.parent_trace_id = 'f000000000000000';
      spans[3]!.parent_trace_id = 'f000000000000000';
      const decoded = decodeOutline(JSON.parse(JSON.stringify(encodeOutline('a'.repeat(32), spans))));
      expect(decoded.map((span) => span.span_id)).toEqual(['f000000000000000', 'a000000000000000', 'b000000000000000', 'c000000000000000']);
    }
  });

  it('keeps a parent that is not in the trace (an orphan) and cuts long errors', () => {
    const [root, child] = makeChatTrace().slice(0, 2);
    const orphan = { ...child!, parent_trace_id: 'ffffffffffffffff', error_message: 'x'.repeat(OUTLINE_ERROR_LENGTH * 3) };
    const decoded = roundTrip([root!, orphan]);
    expect(decoded[1]!.parent_trace_id).toBe('ffffffffffffffff');
    expect(decoded[1]!.error_message).toHaveLength(OUTLINE_ERROR_LENGTH);
    expect(buildTraceTree(decoded).roots.map((node) => node.isOrphan)).toEqual([false, true]);
  });

  it('is far smaller than the span objects', () => {
    const spans = makeBigTrace(5000, { seed: 9 }).map((span) => ({ ...span, input_data: null, output_data: null, metadata: null }));
    const outline = JSON.stringify(encodeOutline(spans[0]!.trace_id, spans));
    expect(outline.length).toBeLessThan(JSON.stringify(spans).length / 2.5);
  });

  it('decodes a damaged outline without throwing', () => {
    const outline = encodeOutline('a'.repeat(32), makeChatTrace());
    outline.status = [1, 2];
    outline.extra![0]![8] = 'lots' as never;
    outline.has_extra = '1';
    (outline.start_us as unknown[])[3] = null;
    (outline.operation as unknown[])[2] = 99;
    const decoded = decodeOutline(outline);
    expect(decoded).toHaveLength(7);
    expect(decoded.every((span) => span.status === 'completed')).toBe(true);
    expect(decoded.filter((span) => span.model_name !== null)).toHaveLength(1);
    expect(decoded.every((span) => span.cost_usd === null)).toBe(true);
    expect(decoded.filter((span) => span.operation_type === 'other')).toHaveLength(1);
    expect(decodeOutline({} as never)).toEqual([]);
  });
});

describe('find in trace', () => {
  const spans = makeChatTrace();
  const tree = buildTraceTree(spans);

  it('matches names, models and errors case-insensitively, in display order', () => {
    const ids = findLocalMatches(tree, 'LLM.CALL');
    expect(ids.map((id) => tree.byId.get(id)!.span.span_name)).toEqual(['llm.call', 'llm.call']);
    // The failed tool's error (and, in the full spans, the second model call's input that quotes it).
    expect(findLocalMatches(tree, '503 service')).toHaveLength(2);
    const outlined = buildTraceTree(makeChatTrace().map((span) => ({ ...span, input_data: null, output_data: null, metadata: null, data_omitted: true })));
    expect(findLocalMatches(outlined, '503 service').map((id) => outlined.byId.get(id)!.span.span_name)).toEqual(['tool.web_search']);
    expect(findLocalMatches(tree, 'x')).toEqual([]);
  });

  it('searches inputs and outputs only when the span carries them', () => {
    expect(findLocalMatches(tree, 'pricing faq').length).toBeGreaterThan(0);
    const outlined = buildTraceTree(spans.map((span) => ({ ...span, input_data: null, output_data: null, metadata: null, data_omitted: true })));
    expect(findLocalMatches(outlined, 'pricing faq')).toEqual([]);
  });

  it('merges the local and the server matches once each, in display order', () => {
    const order = tree.preorder.map((node) => node.id);
    const merged = mergeMatches(tree, [order[3]!, order[1]!], [order[5]!, order[1]!, 'not-in-the-trace']);
    expect(merged.map((node) => node.id)).toEqual([order[1], order[3], order[5]]);
  });

  it('goes to the selected match, else the next one after the selection, wrapping', () => {
    const matches = [tree.preorder[2]!, tree.preorder[4]!];
    expect(matchPositionFrom(tree, matches, tree.preorder[4]!.id)).toBe(1);
    expect(matchPositionFrom(tree, matches, tree.preorder[3]!.id)).toBe(1);
    expect(matchPositionFrom(tree, matches, tree.preorder[5]!.id)).toBe(0);
    expect(matchPositionFrom(tree, [], null)).toBe(-1);
  });
});

describe('a tree built from outline parts as they arrive', () => {
  /** The tree's shape and every node's span fields, totals and marks, comparable with `toEqual`. */
  const shape = (tree: TraceTree) =>
    tree.preorder.map((node) => ({
      id: node.id,
      parentId: node.parentId,
      depth: node.depth,
      siblingIndex: node.siblingIndex,
      isOrphan: node.isOrphan,
      span: { ...node.span },
      totals: node.totals,
      errors: [node.hasOwnError, node.hasDescendantError],
    }));
  /** The whole outline of `spans`, and its parts as the server cuts them: ranges of span ids, each counting from its own base. */
  const cut = (spans: ApiSpan[], count: number) => {
    const traceId = spans[0]!.trace_id;
    const byId = [...spans].sort((a, b) => (a.span_id < b.span_id ? -1 : 1));
    const size = Math.ceil(byId.length / count);
    const parts = Array.from({ length: count }, (_, p) => encodeOutline(traceId, byId.slice(p * size, (p + 1) * size).reverse()));
    return { whole: encodeOutline(traceId, spans), parts: parts.map((part) => JSON.parse(JSON.stringify(part)) as TraceOutline) };
  };
  const fromParts = (parts: TraceOutline[]) => {
    const builder = new TraceTreeBuilder();
    for (const part of parts) builder.add(decodeOutline(part));
    return builder.build(compareOutlineTies);
  };

  it('is the tree of the whole outline, parts counting from different bases included', () => {
    const spans = makeBigTrace(3000, { seed: 31, withRunning: true });
    const { whole, parts } = cut(spans, 8);
    expect(new Set(parts.map((part) => part.base_us)).size).toBeGreaterThan(1);
    const tree = fromParts(parts);
    expect(shape(tree)).toEqual(shape(buildTraceTree(decodeOutline(whole))));
    expect(tree.preorder).toHaveLength(3000);
    expect(tree.preorder.some((node) => node.span.model_name !== null) && tree.preorder.some((node) => node.span.model_name === null)).toBe(true);
    expect(traceTotals(tree)).toEqual(traceTotals(buildTraceTree(spans)));
  });

  it('orders siblings that start at the same instant in different parts as the whole outline does', () => {
    // A root, an orphan and children all starting at one instant, their ids spread over the parts.
    const at = '2025-01-15T11:00:00.000Z';
    const make = (id: string, parent: string | null) => ({ ...makeChatTrace()[0]!, trace_id: 'f'.repeat(32), span_id: id, parent_trace_id: parent, start_time: at, end_time: '2025-01-15T11:00:01.000Z' });
    const spans = [make('c0', null), make('a1', 'c0'), make('f2', 'c0'), make('b3', 'c0'), make('e4', 'missing'), make('d5', 'c0'), make('a0', 'missing')];
    const { whole, parts } = cut(spans, 3);
    const tree = fromParts(parts);
    expect(shape(tree)).toEqual(shape(buildTraceTree(decodeOutline(whole))));
    expect(tree.roots.map((node) => node.id)).toEqual(['c0', 'a0', 'e4']);
  });

  it('keeps every span of a part whose flags and entries disagree, and the other parts’ extras', () => {
    const spans = makeChatTrace({ failed: true });
    const { parts } = cut(spans, 2);
    const broken = { ...parts[0]!, extra: (parts[0]!.extra ?? []).slice(1) };
    const tree = fromParts([broken, parts[1]!]);
    expect(tree.preorder).toHaveLength(spans.length);
    for (const span of decodeOutline(parts[1]!)) expect(tree.byId.get(span.span_id)?.span.model_name).toBe(span.model_name);
  });
});
