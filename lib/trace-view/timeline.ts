/**
 * Geometry of the waterfall: the trace's time window, where each bar sits on the shared time
 * axis, and the axis ticks (their labels read through `formatDurationShort` in `lib/format`).
 *
 * Guarantees, whatever the input (NaN, invalid dates, end before start, huge numbers):
 * - every number returned is finite;
 * - fractions (`left`, `width`, `fraction`) lie in [0, 1], and `left + width <= 1`;
 * - a window's `durationMs` is > 0, so dividing by it is always safe.
 */
import type { TraceNode, TraceTree } from './types';

/** Epoch milliseconds from an ISO string, a Date or a number; null when missing or invalid. */
export function parseTimeMs(value: unknown): number | null {
  let ms: number;
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    ms = Date.parse(value);
  } else if (typeof value === 'number') ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else return null;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A span object that carries its start and end already in epoch ms (a span decoded from a trace
 * outline does), so that building the tree does not parse 200,000 ISO strings back.
 */
export interface TimedSpan {
  readonly startMs: number;
  /** null: no end (still open). */
  readonly endMs: number | null;
}

/** Whether `span` carries its times in epoch ms ({@link TimedSpan}). */
export function isTimedSpan(span: object): span is TimedSpan {
  return typeof (span as Partial<TimedSpan>).startMs === 'number';
}

/** Anything with a start and an end in epoch ms; `endMs: null` means still running. */
export interface TimedItem {
  startMs: number | null;
  endMs: number | null;
}

export interface TimeWindow {
  /** Epoch ms of the earliest valid start (0 when the trace has none). */
  startMs: number;
  /** `startMs + durationMs`. */
  endMs: number;
  /** Always > 0 (at least 1 ms). */
  durationMs: number;
  /** True when no item had a valid start time. */
  empty: boolean;
}

const MIN_WINDOW_MS = 1;

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return value < min ? min : value > max ? max : value;
}

/** Clamps into [0, 1]; NaN becomes 0. */
export function clamp01(value: number): number {
  return clamp(value, 0, 1);
}

/**
 * The trace's time window: from the earliest start to the latest end.
 *
 * A running item (endMs null) stretches the window to `nowMs` when given; otherwise it runs to
 * the end of the window made by the finished items. Ends before their start count as the start.
 *
 * @example
 * computeTimeWindow(tree.preorder, { nowMs: Date.now() }) // { startMs, endMs, durationMs, empty }
 */
export function computeTimeWindow(items: Iterable<TimedItem>, options: { nowMs?: number } = {}): TimeWindow {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let hasOpen = false;
  for (const item of items) {
    const s = item.startMs;
    if (s === null || !Number.isFinite(s)) continue;
    if (s < start) start = s;
    if (s > end) end = s;
    const e = item.endMs;
    if (e === null) hasOpen = true;
    else if (Number.isFinite(e) && e > end) end = e;
  }
  if (start === Number.POSITIVE_INFINITY) {
    return { startMs: 0, endMs: MIN_WINDOW_MS, durationMs: MIN_WINDOW_MS, empty: true };
  }
  const now = options.nowMs;
  if (hasOpen && now !== undefined && Number.isFinite(now) && now > end) end = now;
  const durationMs = Math.max(end - start, MIN_WINDOW_MS);
  return { startMs: start, endMs: start + durationMs, durationMs, empty: false };
}

export interface BarGeometry {
  /** Fraction of the axis width where the bar starts. */
  left: number;
  /** Fraction of the axis width the bar covers; `left + width <= 1`. */
  width: number;
  /** The span is still running: the bar runs to the end of the window and is drawn open. */
  openEnded: boolean;
  /** False when the span has no valid start time (nothing to draw). */
  visible: boolean;
}

/**
 * Where a span's bar sits on the shared axis, as fractions of the axis width.
 *
 * `minWidth` (a fraction, default 0.002; pass `2 / axisWidthPx` for two pixels) keeps instant
 * spans visible; a bar widened to it is shifted left rather than overflow the axis.
 */
export function barGeometry(item: TimedItem, window: TimeWindow, options: { minWidth?: number } = {}): BarGeometry {
  const minWidth = clamp01(options.minWidth ?? 0.002);
  const start = item.startMs;
  if (start === null || !Number.isFinite(start)) return { left: 0, width: 0, openEnded: false, visible: false };
  const openEnded = item.endMs === null;
  const end = item.endMs !== null && Number.isFinite(item.endMs) ? item.endMs : window.endMs;
  const duration = window.durationMs > 0 && Number.isFinite(window.durationMs) ? window.durationMs : MIN_WINDOW_MS;
  let left = clamp01((start - window.startMs) / duration);
  const right = Math.max(left, clamp01((end - window.startMs) / duration));
  const width = Math.max(right - left, minWidth);
  if (left + width > 1) left = Math.max(0, 1 - width);
  return { left, width: Math.min(width, 1 - left), openEnded, visible: true };
}

/** Where the duration label goes: after the bar, before it, or inside it when neither side has room. */
export function labelPlacement(bar: Pick<BarGeometry, 'left' | 'width'>, minSpace = 0.16): 'after' | 'before' | 'inside' {
  if (1 - (bar.left + bar.width) >= minSpace) return 'after';
  if (bar.left >= minSpace) return 'before';
  return 'inside';
}

export interface Tick {
  /** Milliseconds from the window start. */
  ms: number;
  /** Position on the axis, in [0, 1]. */
  fraction: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
];

/** The smallest "nice" step ≥ rough: 1, 2, 2.5, 5 × 10^k below a second; clock steps above. */
function niceStep(rough: number): number {
  if (rough < SECOND) {
    const magnitude = 10 ** Math.floor(Math.log10(rough));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= rough * (1 - 1e-9)) return m * magnitude;
    return 10 * magnitude;
  }
  for (const step of TIME_STEPS) if (step >= rough) return step;
  const days = rough / DAY;
  const magnitude = 10 ** Math.floor(Math.log10(days));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= days) return m * magnitude * DAY;
  return 10 * magnitude * DAY;
}

/** How many ticks fit an axis `widthPx` wide with labels at least `minSpacingPx` apart (2–20). */
export function tickCountForWidth(widthPx: number, minSpacingPx = 90): number {
  if (!Number.isFinite(widthPx) || !Number.isFinite(minSpacingPx) || minSpacingPx <= 0) return 5;
  return clamp(Math.floor(widthPx / minSpacingPx), 2, 20);
}

/**
 * Tick marks for an axis covering `durationMs`, at most `maxTicks` intervals, on nice steps
 * (0, 250ms, 500ms, … / 0, 1s, 2s, … / 0, 30s, 1m, 1m 30s, …). The first tick is always 0.
 */
export function timeTicks(durationMs: number, maxTicks = 6): Tick[] {
  if (!Number.isFinite(durationMs) || durationMs <= 0) return [{ ms: 0, fraction: 0 }];
  const intervals = clamp(Math.floor(Number.isFinite(maxTicks) ? maxTicks : 6), 1, 50);
  const step = niceStep(durationMs / intervals);
  const ticks: Tick[] = [];
  for (let i = 0; i <= intervals + 1; i++) {
    const ms = i * step;
    if (ms > durationMs * (1 + 1e-9)) break;
    ticks.push({ ms, fraction: clamp01(ms / durationMs) });
  }
  return ticks;
}

/** A stretch of time during which a span is on the critical path. */
export interface CriticalSegment {
  spanId: string;
  startMs: number;
  endMs: number;
}

interface Clipped {
  start: number;
  end: number;
}

/**
 * The critical path (as in Jaeger): walking back from the end of each root, the time spent in the
 * last-finishing child, then in the child that finished before that one started, and so on; the
 * gaps belong to the parent. Children are clipped to their parent's time range; a running span
 * ends at the window end. Iterative, O(n log n). Segments are returned sorted by start time.
 */
export function criticalPath(tree: TraceTree, window: TimeWindow): CriticalSegment[] {
  const segments: CriticalSegment[] = [];
  const clipped = new Map<TraceNode, Clipped>();
  const childOrder = new Map<TraceNode, { children: TraceNode[]; cursor: number }>();

  const childrenByEndDesc = (node: TraceNode, range: Clipped) => {
    let entry = childOrder.get(node);
    if (!entry) {
      const children: TraceNode[] = [];
      for (const child of node.children) {
        if (child.startMs === null || child.startMs > range.end) continue;
        const childEnd = child.endMs ?? window.endMs;
        if (childEnd < range.start) continue;
        const start = clamp(child.startMs, range.start, range.end);
        clipped.set(child, { start, end: clamp(childEnd, start, range.end) });
        children.push(child);
      }
      children.sort((a, b) => clipped.get(b)!.end - clipped.get(a)!.end);
      entry = { children, cursor: 0 };
      childOrder.set(node, entry);
    }
    return entry;
  };

  for (const root of tree.roots) {
    if (root.startMs === null) continue;
    const rootStart = root.startMs;
    clipped.set(root, { start: rootStart, end: Math.max(rootStart, root.endMs ?? window.endMs) });

    let node: TraceNode = root;
    let bound: number | null = null;
    for (;;) {
      const range = clipped.get(node)!;
      const sectionEnd = bound ?? range.end;
      const entry = childrenByEndDesc(node, range);
      let next: TraceNode | null = null;
      while (entry.cursor < entry.children.length) {
        const candidate = entry.children[entry.cursor++];
        const candidateEnd = clipped.get(candidate)!.end;
        if (bound === null ? candidateEnd <= sectionEnd : candidateEnd < sectionEnd) {
          next = candidate;
          break;
        }
      }
      if (next) {
        const childEnd = clipped.get(next)!.end;
        if (sectionEnd > childEnd) segments.push({ spanId: node.id, startMs: childEnd, endMs: sectionEnd });
        node = next;
        bound = null;
        continue;
      }
      if (sectionEnd > range.start) segments.push({ spanId: node.id, startMs: range.start, endMs: sectionEnd });
      if (node === root || node.parentId === null) break;
      bound = range.start;
      node = tree.byId.get(node.parentId)!;
    }
  }
  return segments.sort((a, b) => a.startMs - b.startMs);
}
