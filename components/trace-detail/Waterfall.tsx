'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from 'react';
import { formatCount, formatDuration, formatDurationShort } from '@/lib/format';
import {
  barGeometry,
  labelPlacement,
  tickCountForWidth,
  timeTicks,
  type CriticalSegment,
  type TimeWindow,
} from '@/lib/trace-view/timeline';
import { treeGuides, type GuideKind } from '@/lib/trace-view/tree';
import type { TraceNode, TraceTree } from '@/lib/trace-view/types';
import { opStyle } from './op-style';
import { ChevronIcon, ErrorMark, OpIcon } from './TraceIcons';

export const ROW_HEIGHT = 30;
const INDENT = 16;
const PAD_LEFT = 8;
/** Room the name keeps however deep the row is; beyond it rows stop indenting. */
const NAME_ROOM = 200;
const MIN_TREE_WIDTH = 200;
const DEFAULT_TREE_WIDTH = 340;

const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(4)}%`;
}

const RUNNING_STRIPES =
  'repeating-linear-gradient(-45deg, rgba(255,255,255,0.45) 0 4px, transparent 4px 8px)';

function Guide({ kind, x }: { kind: GuideKind; x: number }) {
  if (kind === 'blank') return null;
  const mid = x + INDENT / 2;
  return (
    <>
      <span
        aria-hidden="true"
        className={`absolute w-px bg-slate-200 ${kind === 'elbow' ? 'top-0 h-1/2' : 'inset-y-0'}`}
        style={{ left: mid }}
      />
      {kind !== 'line' && (
        <span aria-hidden="true" className="absolute top-1/2 h-px bg-slate-200" style={{ left: mid, width: INDENT / 2 + 2 }} />
      )}
    </>
  );
}

interface RowProps {
  tree: TraceTree;
  node: TraceNode;
  start: number;
  selected: boolean;
  collapsed: boolean;
  treeWidth: number;
  timeWindow: TimeWindow;
  minBarWidth: number;
  nowMs: number | null;
  segments: CriticalSegment[] | undefined;
  /** The span holds the "find in trace" text. */
  searchMatch: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}

const WaterfallRow = memo(function WaterfallRow({
  tree,
  node,
  start,
  selected,
  collapsed,
  treeWidth,
  timeWindow,
  minBarWidth,
  nowMs,
  segments,
  searchMatch,
  onSelect,
  onToggle,
}: RowProps) {
  const { span } = node;
  const maxLevels = Math.max(0, Math.floor((treeWidth - PAD_LEFT - NAME_ROOM) / INDENT));
  const guides = treeGuides(tree, node, maxLevels);
  const clippedDepth = node.depth > guides.length;
  const hasChildren = node.children.length > 0;
  const bar = barGeometry(node, timeWindow, { minWidth: minBarWidth });
  const failed = node.hasOwnError;
  const running = bar.openEnded && (span.status === 'running' || span.status === 'pending');
  const duration =
    node.endMs !== null && node.startMs !== null
      ? node.endMs - node.startMs
      : nowMs !== null && node.startMs !== null
        ? nowMs - node.startMs
        : null;
  const label = running ? (duration !== null ? `${formatDuration(duration)} · running` : 'running') : formatDuration(duration);
  const placement = labelPlacement(bar);
  const color = failed ? 'bg-red-500' : opStyle(span.operation_type).bar;
  const offset = node.startMs !== null ? node.startMs - timeWindow.startMs : null;

  return (
    <div
      role="treeitem"
      id={`trace-row-${node.id}`}
      aria-level={node.depth + 1}
      aria-selected={selected}
      aria-expanded={hasChildren ? !collapsed : undefined}
      data-testid="waterfall-row"
      data-span-id={node.id}
      data-depth={node.depth}
      data-status={span.status}
      data-selected={selected ? 'true' : undefined}
      data-search-match={searchMatch ? 'true' : undefined}
      onClick={() => onSelect(node.id)}
      title={`${span.span_name} · ${label}${offset !== null ? ` · starts at +${formatDuration(offset)}` : ''}`}
      className={`absolute left-0 top-0 flex w-full cursor-pointer select-none items-stretch ${
        selected ? 'bg-indigo-50' : searchMatch ? 'bg-amber-50 hover:bg-amber-100' : 'hover:bg-slate-50'
      }`}
      style={{ height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
    >
      {selected && <span aria-hidden="true" className="absolute inset-y-0 left-0 w-0.5 bg-indigo-500" />}
      {searchMatch && !selected && <span aria-hidden="true" className="absolute inset-y-0 left-0 w-0.5 bg-amber-400" />}
      <div
        className="relative flex shrink-0 items-center gap-1.5 overflow-hidden border-r border-slate-200 pr-2"
        style={{ width: treeWidth, paddingLeft: PAD_LEFT + guides.length * INDENT }}
      >
        {guides.map((kind, i) => (
          <Guide key={i} kind={kind} x={PAD_LEFT + i * INDENT} />
        ))}
        {hasChildren ? (
          <button
            type="button"
            tabIndex={-1}
            aria-label={collapsed ? `Expand ${span.span_name}` : `Collapse ${span.span_name}`}
            data-testid="row-toggle"
            onClick={(event) => {
              event.stopPropagation();
              onToggle(node.id);
            }}
            className="-mr-0.5 flex h-4 w-4 shrink-0 items-center justify-center rounded text-slate-500 hover:bg-slate-200 hover:text-slate-900"
          >
            <ChevronIcon className={`h-3 w-3 transition-transform ${collapsed ? '' : 'rotate-90'}`} />
          </button>
        ) : (
          <span aria-hidden="true" className="-mr-0.5 w-4 shrink-0" />
        )}
        <OpIcon op={span.operation_type} />
        <span
          className={`min-w-0 truncate font-mono text-[12.5px] ${selected ? 'font-medium text-slate-900' : 'text-slate-700'} ${
            failed ? 'text-red-700' : ''
          }`}
        >
          {span.span_name || '(unnamed)'}
        </span>
        <ErrorMark own={node.hasOwnError} descendant={node.hasDescendantError} />
        {node.isOrphan && (
          <span
            className="shrink-0 rounded bg-amber-50 px-1 text-[10px] font-medium text-amber-700 ring-1 ring-inset ring-amber-200"
            title={`Its parent span ${span.parent_trace_id ?? ''} is not in this trace`}
          >
            orphan
          </span>
        )}
        {collapsed && hasChildren && (
          <span
            className="shrink-0 rounded bg-slate-100 px-1 font-mono text-[10px] tabular-nums text-slate-500"
            title={`${formatCount(node.totals.spanCount - 1)} hidden descendant spans`}
          >
            +{formatCount(node.totals.spanCount - 1)}
          </span>
        )}
        {clippedDepth && (
          <span
            className="ml-auto shrink-0 rounded bg-slate-100 px-1 font-mono text-[10px] tabular-nums text-slate-500"
            title={`Nesting depth ${node.depth}`}
          >
            L{node.depth}
          </span>
        )}
      </div>
      <div className="relative mx-3 min-w-0 flex-1">
        {bar.visible && (
          <>
            <div
              data-testid="waterfall-bar"
              className={`absolute top-1/2 h-4 -translate-y-1/2 ${color} ${
                running ? 'rounded-l-[3px] opacity-90' : 'rounded-[3px]'
              } ${span.status === 'cancelled' ? 'opacity-50' : ''}`}
              style={{
                left: pct(bar.left),
                width: pct(bar.width),
                backgroundImage: running ? RUNNING_STRIPES : undefined,
                maskImage: running ? 'linear-gradient(to right, #000 80%, rgba(0,0,0,0.35))' : undefined,
              }}
            />
            {segments?.map((segment, i) => {
              const g = barGeometry({ startMs: segment.startMs, endMs: segment.endMs }, timeWindow, { minWidth: 0 });
              return (
                <div
                  key={i}
                  aria-hidden="true"
                  data-critical-path=""
                  className="pointer-events-none absolute top-1/2 h-0.5 -translate-y-1/2 rounded-full bg-slate-900/45"
                  style={{ left: pct(g.left), width: pct(g.width) }}
                />
              );
            })}
            <span
              className={`pointer-events-none absolute top-1/2 -translate-y-1/2 whitespace-nowrap font-mono text-[11px] leading-4 tabular-nums ${
                placement === 'inside' ? 'font-medium text-white' : failed ? 'text-red-600' : 'text-slate-500'
              }`}
              style={
                placement === 'after'
                  ? { left: `calc(${pct(bar.left + bar.width)} + 6px)` }
                  : placement === 'before'
                    ? { right: `calc(${pct(1 - bar.left)} + 6px)` }
                    : { left: `calc(${pct(bar.left)} + 6px)` }
              }
            >
              {label}
            </span>
          </>
        )}
      </div>
    </div>
  );
});

export interface WaterfallProps {
  tree: TraceTree;
  rows: TraceNode[];
  collapsedIds: ReadonlySet<string>;
  selectedId: string | null;
  timeWindow: TimeWindow;
  nowMs: number | null;
  criticalSegments: Map<string, CriticalSegment[]> | null;
  /** Spans holding the "find in trace" text, or null. */
  matchIds?: ReadonlySet<string> | null;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}

/** The virtualized rows: a tree column and a timeline column on one shared time axis. */
export function Waterfall({
  tree,
  rows,
  collapsedIds,
  selectedId,
  timeWindow,
  nowMs,
  criticalSegments,
  matchIds = null,
  onSelect,
  onToggle,
}: WaterfallProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const axisRef = useRef<HTMLDivElement>(null);
  const [axisWidth, setAxisWidth] = useState(600);
  const [treeWidth, setTreeWidth] = useState(DEFAULT_TREE_WIDTH);

  const getItemKey = useCallback((index: number) => rows[index]?.id ?? index, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey,
  });

  useIsomorphicLayoutEffect(() => {
    const element = axisRef.current;
    if (!element) return;
    const update = () => setAxisWidth(element.clientWidth || 600);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const selectedIndex = selectedId === null ? -1 : rows.findIndex((row) => row.id === selectedId);
  const lastScrolled = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (selectedId === lastScrolled.current || selectedIndex < 0) return;
    const first = lastScrolled.current === undefined;
    // After layout, once the virtualizer has measured its viewport (and survives a Strict Mode remount).
    const frame = requestAnimationFrame(() => {
      lastScrolled.current = selectedId;
      virtualizer.scrollToIndex(selectedIndex, { align: first ? 'center' : 'auto' });
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedId, selectedIndex, virtualizer]);

  const ticks = timeTicks(timeWindow.durationMs, tickCountForWidth(axisWidth, 84));
  const minBarWidth = axisWidth > 0 ? Math.min(1, 2 / axisWidth) : 0.002;

  const startResize = (event: PointerEvent<HTMLDivElement>) => {
    const handle = event.currentTarget;
    handle.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const startWidth = treeWidth;
    const containerWidth = scrollRef.current?.clientWidth ?? 1000;
    const move = (e: globalThis.PointerEvent) => {
      const next = startWidth + e.clientX - startX;
      setTreeWidth(Math.round(Math.min(Math.max(next, MIN_TREE_WIDTH), Math.max(MIN_TREE_WIDTH, containerWidth * 0.7))));
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  };

  const selectRow = useCallback(
    (id: string) => {
      scrollRef.current?.focus({ preventScroll: true });
      onSelect(id);
    },
    [onSelect],
  );

  const items = virtualizer.getVirtualItems();

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        className="relative flex h-8 shrink-0 items-stretch overflow-hidden border-b border-slate-200 bg-slate-50/80 [scrollbar-gutter:stable]"
        data-testid="time-axis"
      >
        <div
          className="relative flex shrink-0 items-center border-r border-slate-200 px-3 text-[11px] font-medium uppercase tracking-wide text-slate-500"
          style={{ width: treeWidth }}
        >
          Span
          <div
            role="separator"
            aria-orientation="vertical"
            aria-label="Resize the span column"
            onPointerDown={startResize}
            className="absolute -right-1 top-0 z-10 h-full w-2 cursor-col-resize hover:bg-indigo-200/60"
          />
        </div>
        <div ref={axisRef} className="relative mx-3 min-w-0 flex-1">
          {ticks.map((tick, i) => {
            const last = i === ticks.length - 1 && tick.fraction > 0.9;
            return (
              <span
                key={tick.ms}
                className="absolute top-0 flex h-full items-center"
                style={{ left: pct(tick.fraction) }}
              >
                <span className="absolute bottom-0 h-1.5 w-px bg-slate-300" />
                <span
                  className={`whitespace-nowrap font-mono text-[10.5px] tabular-nums text-slate-500 ${
                    i === 0 ? 'pl-1' : last ? '-translate-x-full pr-1' : '-translate-x-1/2'
                  }`}
                >
                  {formatDurationShort(tick.ms)}
                </span>
              </span>
            );
          })}
        </div>
      </div>

      <div
        ref={scrollRef}
        role="tree"
        aria-label="Spans of this trace"
        aria-activedescendant={selectedIndex >= 0 ? `trace-row-${selectedId}` : undefined}
        tabIndex={0}
        data-testid="waterfall"
        className="relative max-h-[85vh] min-h-0 flex-1 overflow-y-auto overflow-x-hidden outline-none [scrollbar-gutter:stable] focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-400"
      >
        <div className="relative min-h-full w-full" style={{ height: virtualizer.getTotalSize() }}>
          <div aria-hidden="true" className="pointer-events-none absolute inset-y-0 w-px bg-slate-200" style={{ left: treeWidth - 1 }} />
          <div
            aria-hidden="true"
            className="pointer-events-none absolute inset-y-0 right-3"
            style={{ left: treeWidth + 12 }}
          >
            {ticks.map((tick) => (
              <span key={tick.ms} className="absolute inset-y-0 w-px bg-slate-100" style={{ left: pct(tick.fraction) }} />
            ))}
          </div>
          {items.map((item) => {
            const node = rows[item.index];
            if (!node) return null;
            return (
              <WaterfallRow
                key={node.id}
                tree={tree}
                node={node}
                start={item.start}
                selected={node.id === selectedId}
                collapsed={collapsedIds.has(node.id)}
                treeWidth={treeWidth}
                timeWindow={timeWindow}
                minBarWidth={minBarWidth}
                nowMs={nowMs}
                segments={criticalSegments?.get(node.id)}
                searchMatch={matchIds?.has(node.id) ?? false}
                onSelect={selectRow}
                onToggle={onToggle}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
