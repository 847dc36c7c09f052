import { describe, expect, it } from 'vitest';
import { formatDurationShort } from '@/lib/format';
import {
  barGeometry,
  clamp01,
  computeTimeWindow,
  criticalPath,
  labelPlacement,
  parseTimeMs,
  tickCountForWidth,
  timeTicks,
  type TimeWindow,
} from '@/lib/trace-view/timeline';
import { buildTraceTree } from '@/lib/trace-view/tree';
import { makeBigTrace, makeChatTrace } from '@/tests/support/trace-fixtures';

const window1s: TimeWindow = { startMs: 1000, endMs: 2000, durationMs: 1000, empty: false };

describe('parseTimeMs', () => {
  it('reads ISO strings, Dates and numbers and rejects everything invalid', () => {
    expect(parseTimeMs('2025-01-15T10:00:00.000Z')).toBe(Date.parse('2025-01-15T10:00:00.000Z'));
    expect(parseTimeMs(new Date(5))).toBe(5);
    expect(parseTimeMs(42)).toBe(42);
    for (const bad of ['', '   ', 'yesterday', null, undefined, Number.NaN, Infinity, new Date('x'), {}]) {
      expect(parseTimeMs(bad)).toBeNull();
    }
  });
});

describe('computeTimeWindow', () => {
  it('spans from the earliest start to the latest end', () => {
    const w = computeTimeWindow([
      { startMs: 1200, endMs: 1500 },
      { startMs: 1000, endMs: 1100 },
      { startMs: 1300, endMs: 2400 },
    ]);
    expect(w).toEqual({ startMs: 1000, endMs: 2400, durationMs: 1400, empty: false });
  });

  it('stretches to now for a running span, or keeps the finished window without now', () => {
    const items = [
      { startMs: 1000, endMs: 1500 },
      { startMs: 1100, endMs: null },
    ];
    expect(computeTimeWindow(items, { nowMs: 3000 }).endMs).toBe(3000);
    expect(computeTimeWindow(items).endMs).toBe(1500);
    expect(computeTimeWindow(items, { nowMs: Number.NaN }).endMs).toBe(1500);
  });

  it('skips invalid items, ignores ends before starts, and never has a zero duration', () => {
    const w = computeTimeWindow([
      { startMs: null, endMs: 99_999 },
      { startMs: Number.NaN, endMs: 5 },
      { startMs: 1000, endMs: 900 },
    ]);
    expect(w.startMs).toBe(1000);
    expect(w.durationMs).toBe(1);
    expect(computeTimeWindow([])).toEqual({ startMs: 0, endMs: 1, durationMs: 1, empty: true });
  });
});

describe('barGeometry', () => {
  it('places a bar by its start and duration as fractions of the window', () => {
    const bar = barGeometry({ startMs: 1250, endMs: 1750 }, window1s, { minWidth: 0 });
    expect(bar).toEqual({ left: 0.25, width: 0.5, openEnded: false, visible: true });
  });

  it('runs an open span to the window end and marks it open-ended', () => {
    const bar = barGeometry({ startMs: 1600, endMs: null }, window1s);
    expect(bar.left).toBeCloseTo(0.6);
    expect(bar.left + bar.width).toBeCloseTo(1);
    expect(bar.openEnded).toBe(true);
  });

  it('gives an instant span the minimum width, shifted left at the very end of the axis', () => {
    expect(barGeometry({ startMs: 1500, endMs: 1500 }, window1s, { minWidth: 0.01 }).width).toBe(0.01);
    const atEnd = barGeometry({ startMs: 2000, endMs: 2000 }, window1s, { minWidth: 0.01 });
    expect(atEnd.left).toBeCloseTo(0.99);
    expect(atEnd.left + atEnd.width).toBeLessThanOrEqual(1);
  });

  it('clamps spans outside the window and ends before starts', () => {
    const before = barGeometry({ startMs: 0, endMs: 500 }, window1s, { minWidth: 0 });
    expect(before).toMatchObject({ left: 0, width: 0 });
    const after = barGeometry({ startMs: 5000, endMs: 9000 }, window1s, { minWidth: 0.002 });
    expect(after.left + after.width).toBeLessThanOrEqual(1);
    const backwards = barGeometry({ startMs: 1800, endMs: 1200 }, window1s, { minWidth: 0 });
    expect(backwards).toMatchObject({ left: 0.8, width: 0 });
  });

  it('draws nothing for a span without a valid start', () => {
    expect(barGeometry({ startMs: null, endMs: 1500 }, window1s).visible).toBe(false);
  });

  it('keeps every output finite and inside the box for hostile inputs', () => {
    const values = [Number.NaN, Infinity, -Infinity, -1e300, 1e300, 0, 1500, null];
    const windows: TimeWindow[] = [
      window1s,
      { startMs: Number.NaN, endMs: Number.NaN, durationMs: Number.NaN, empty: false },
      { startMs: 0, endMs: 0, durationMs: 0, empty: true },
    ];
    for (const w of windows) {
      for (const s of values) {
        for (const e of values) {
          for (const minWidth of [undefined, 0, 0.5, 2, -1, Number.NaN]) {
            const bar = barGeometry({ startMs: s, endMs: e }, w, { minWidth });
            for (const v of [bar.left, bar.width]) {
              expect(Number.isFinite(v)).toBe(true);
              expect(v).toBeGreaterThanOrEqual(0);
              expect(v).toBeLessThanOrEqual(1);
            }
            expect(bar.left + bar.width).toBeLessThanOrEqual(1 + 1e-12);
          }
        }
      }
    }
  });

  it('clamp01 maps NaN to 0', () => {
    expect(clamp01(Number.NaN)).toBe(0);
    expect(clamp01(2)).toBe(1);
  });
});

describe('labelPlacement', () => {
  it('puts the label after the bar, before it, or inside a bar that fills the axis', () => {
    expect(labelPlacement({ left: 0.1, width: 0.2 })).toBe('after');
    expect(labelPlacement({ left: 0.7, width: 0.3 })).toBe('before');
    expect(labelPlacement({ left: 0, width: 1 })).toBe('inside');
  });
});

describe('timeTicks', () => {
  // Labels as the waterfall's ruler shows them (tests/lib/format.test.ts covers the formatter).
  const labels = (d: number, n: number) => timeTicks(d, n).map((t) => formatDurationShort(t.ms));

  it('uses nice millisecond steps', () => {
    expect(labels(1000, 4)).toEqual(['0', '250ms', '500ms', '750ms', '1s']);
    expect(labels(100, 5)).toEqual(['0', '20ms', '40ms', '60ms', '80ms', '100ms']);
  });

  it('switches to seconds and minutes', () => {
    expect(labels(4210, 6)).toEqual(['0', '1s', '2s', '3s', '4s']);
    expect(labels(150_000, 5)).toEqual(['0', '30s', '1m', '1m 30s', '2m', '2m 30s']);
    expect(labels(3 * 3_600_000, 3)).toEqual(['0', '1h', '2h', '3h']);
  });

  it('handles sub-millisecond traces', () => {
    expect(labels(0.8, 4)).toEqual(['0', '0.2ms', '0.4ms', '0.6ms', '0.8ms']);
  });

  it('keeps fractions inside [0, 1] and never exceeds the requested count', () => {
    for (const d of [1, 7, 333, 4210, 59_999, 1e7, 1e12]) {
      const ticks = timeTicks(d, 6);
      expect(ticks.length).toBeLessThanOrEqual(7);
      expect(ticks[0]).toEqual({ ms: 0, fraction: 0 });
      for (const t of ticks) {
        expect(t.fraction).toBeGreaterThanOrEqual(0);
        expect(t.fraction).toBeLessThanOrEqual(1);
      }
    }
  });

  it('returns a single 0 tick for an invalid duration', () => {
    for (const d of [0, -5, Number.NaN, Infinity]) expect(labels(d, 5)).toEqual(['0']);
    expect(timeTicks(1000, Number.NaN).length).toBeGreaterThan(1);
  });

  it('derives the tick count from the axis width', () => {
    expect(tickCountForWidth(900)).toBe(10);
    expect(tickCountForWidth(50)).toBe(2);
    expect(tickCountForWidth(Number.NaN)).toBe(5);
  });
});

describe('criticalPath', () => {
  it('follows the chat trace back from the final answer and skips the parallel calculator', () => {
    const tree = buildTraceTree(makeChatTrace());
    const w = computeTimeWindow(tree.preorder);
    const segments = criticalPath(tree, w);
    const name = (id: string) => tree.byId.get(id)!.span.span_name;
    const onPath = new Set(segments.map((s) => name(s.spanId)));
    expect(onPath).toEqual(new Set(['llm.completion', 'retrieval', 'knowledge_base.search', 'llm.call', 'tool.web_search']));
    expect(segments[0].startMs).toBe(w.startMs);
    expect(segments[segments.length - 1].endMs).toBe(w.endMs);
    for (let i = 1; i < segments.length; i++) expect(segments[i].startMs).toBe(segments[i - 1].endMs);
  });

  it('walks a 10,000-span chain without recursion', () => {
    const tree = buildTraceTree(makeBigTrace(10_000, { shape: 'deep' }));
    const segments = criticalPath(tree, computeTimeWindow(tree.preorder));
    expect(segments.length).toBeGreaterThan(1_000);
    for (const s of segments) expect(s.endMs).toBeGreaterThan(s.startMs);
  });

  it('covers a wide trace and a running span', () => {
    const tree = buildTraceTree(makeBigTrace(2_000, { shape: 'wide', withRunning: true }));
    const w = computeTimeWindow(tree.preorder);
    const segments = criticalPath(tree, w);
    const covered = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
    expect(covered).toBeCloseTo(w.durationMs, 6);
  });
});
