'use client';

import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { formatCount } from '@/lib/format';
import { computeTimeWindow, criticalPath, type CriticalSegment } from '@/lib/trace-view/timeline';
import { FIND_MIN_LENGTH, findLocalMatches, matchPositionFrom, mergeMatches } from '@/lib/trace-view/find';
import {
  ancestorIds,
  buildTraceTree,
  collapseAll,
  collapseOneLevel,
  expandAll,
  expandOneLevel,
  flattenVisible,
  revealNode,
  toggleCollapsed,
  traceTotals,
} from '@/lib/trace-view/tree';
import type { ApiSpan, TraceNode, TraceTree } from '@/lib/trace-view/types';
import { FindInTrace } from './FindInTrace';
import { HighlightProvider, useHighlight } from './Highlight';
import { SpanDetails } from './SpanDetails';
import { TraceHeader } from './TraceHeader';
import { CollapseAllIcon, ExpandAllIcon } from './TraceIcons';
import { Waterfall } from './Waterfall';

export type TraceViewProps = TraceViewOptions &
  (
    | {
        /** Every span of one trace, as returned by `GET /api/analytics/traces?trace_id=…`. */
        spans: ApiSpan[];
        tree?: undefined;
      }
    | {
        /** The trace's tree, when the caller built it (a big trace's outline, as its parts arrived). */
        tree: TraceTree;
        spans?: undefined;
      }
  );

interface TraceViewOptions {
  /**
   * Span to select and scroll to on first render, e.g. from a `?span=` deep link. Read once:
   * remount (change the `key`) to jump elsewhere.
   */
  initialSpanId?: string;
  /**
   * Called when the user selects a span (click or keyboard), or with null when they close the
   * details panel. Fires on every arrow-key step: update the URL with `history.replaceState` or
   * `router.replace`, not a push.
   */
  onSelectSpan?(spanId: string | null): void;
  /** URL of the trace's JSON export; shows an "Export Trace" download link when given. */
  exportHref?: string;
  /**
   * Where the details panel loads a span's input and output when it arrived without them
   * (`data_omitted`). Default: the owner's API; a share link passes its own.
   */
  spanDataUrl?(span: ApiSpan): string;
  /**
   * "Find in trace" on the server: the ids of the spans whose input or output (or any searched
   * field) holds the text. Without it, only the spans at hand are searched (their names, models
   * and errors, and their inputs and outputs when they carry them).
   */
  findSpans?(query: string): Promise<string[]>;
}

const NO_IDS: readonly string[] = [];

/** A running trace whose newest timestamp is older than this is treated as abandoned, not live. */
const LIVE_WINDOW_MS = 15 * 60 * 1000;
const PAGE_ROWS = 15;

/** `Date.now()` once a second while the trace has spans still running recently; null otherwise. */
function useLiveNow(tree: TraceTree): number | null {
  const { hasOpen, latestMs } = useMemo(() => {
    let open = false;
    let latest = Number.NEGATIVE_INFINITY;
    for (const node of tree.preorder) {
      if (node.startMs === null) continue;
      if (node.endMs === null) open = true;
      latest = Math.max(latest, node.startMs, node.endMs ?? node.startMs);
    }
    return { hasOpen: open, latestMs: latest };
  }, [tree]);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    if (!hasOpen || Date.now() - latestMs > LIVE_WINDOW_MS) return;
    const tick = () => setNow(Date.now());
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [hasOpen, latestMs]);
  return hasOpen && now !== null && now - latestMs <= LIVE_WINDOW_MS ? now : null;
}

function ToolbarButton({
  children,
  onClick,
  title,
  testId,
  pressed,
}: {
  children: ReactNode;
  onClick: () => void;
  title: string;
  testId?: string;
  pressed?: boolean;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      title={title}
      data-testid={testId}
      aria-pressed={pressed}
      className={`inline-flex h-7 items-center gap-1.5 rounded-md px-2 text-xs font-medium transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500 ${
        pressed ? 'bg-slate-900 text-white hover:bg-slate-800' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900'
      }`}
    >
      {children}
    </button>
  );
}

function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-slate-200 bg-white px-1 font-mono text-[10px] text-slate-500 shadow-[0_1px_0_rgba(15,23,42,0.06)]">
      {children}
    </kbd>
  );
}

function EmptyTrace() {
  return (
    <div data-testid="trace-view" data-empty="true" className="flex h-full min-h-[16rem] items-center justify-center">
      <div className="max-w-md rounded-xl border border-dashed border-slate-300 bg-white px-8 py-10 text-center">
        <div className="mx-auto mb-3 flex h-10 w-10 items-center justify-center rounded-full bg-slate-100 text-slate-400">
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth={2} aria-hidden="true">
            <path d="M4 6h10M4 12h16M4 18h7" strokeLinecap="round" />
          </svg>
        </div>
        <h2 className="text-sm font-semibold text-slate-900">No spans in this trace</h2>
        <p className="mt-1 text-sm text-slate-500">
          Nothing was recorded for it yet. Spans appear here once they are written; with{' '}
          <code className="font-mono text-xs">ENABLE_TRACING=false</code> no spans are captured.
        </p>
      </div>
    </div>
  );
}

/**
 * The trace view: a summary header, a virtualized waterfall (span tree + shared time axis) and
 * the selected span's details. All span content is untrusted and rendered as text.
 *
 * Keyboard (waterfall focused): ↑/↓ or j/k select, ←/→ collapse/expand or go to parent/child,
 * Shift+←/→ or [ / ] collapse/expand all, - / = one level, Home/End, PageUp/PageDown, Enter toggles.
 *
 * @example
 * <TraceView spans={spans} initialSpanId={search.get('span') ?? undefined}
 *   onSelectSpan={(id) => setSpanParam(id)} exportHref={`/api/analytics/traces/${traceId}/export`} />
 */
export function TraceView({ spans, tree: givenTree, initialSpanId, onSelectSpan, exportHref, spanDataUrl, findSpans }: TraceViewProps) {
  const tree = useMemo(() => givenTree ?? buildTraceTree(spans), [givenTree, spans]);
  const mainRoot = useMemo(() => tree.roots.find((root) => !root.isOrphan) ?? tree.roots[0] ?? null, [tree]);

  const [collapsedIds, setCollapsedIds] = useState<ReadonlySet<string>>(() => expandAll());
  const [selectedId, setSelectedId] = useState<string | null>(() =>
    initialSpanId !== undefined && tree.byId.has(initialSpanId) ? initialSpanId : (mainRoot?.id ?? null),
  );
  const [showCriticalPath, setShowCriticalPath] = useState(true);

  const onSelectRef = useRef(onSelectSpan);
  useEffect(() => {
    onSelectRef.current = onSelectSpan;
  }, [onSelectSpan]);

  const selectedNode = selectedId !== null ? (tree.byId.get(selectedId) ?? null) : null;
  const rows = useMemo(() => flattenVisible(tree, collapsedIds), [tree, collapsedIds]);
  const nowMs = useLiveNow(tree);
  const timeWindow = useMemo(
    () => computeTimeWindow(tree.preorder, nowMs === null ? {} : { nowMs }),
    [tree, nowMs],
  );
  // Computed after the first rows are on screen: on a big trace the path takes a moment.
  const criticalPathShown = useDeferredValue(showCriticalPath, false);
  const criticalSegments = useMemo(() => {
    if (!criticalPathShown || tree.preorder.length < 2) return null;
    const bySpan = new Map<string, CriticalSegment[]>();
    for (const segment of criticalPath(tree, timeWindow)) {
      const list = bySpan.get(segment.spanId);
      if (list) list.push(segment);
      else bySpan.set(segment.spanId, [segment]);
    }
    return bySpan;
  }, [tree, timeWindow, criticalPathShown]);
  const summary = useMemo(() => {
    let failed = 0;
    let orphans = 0;
    let open = 0;
    for (const node of tree.preorder) {
      if (node.hasOwnError) failed++;
      if (node.isOrphan) orphans++;
      if (node.endMs === null && node.startMs !== null) open++;
    }
    return { failed, orphans, open, totals: traceTotals(tree) };
  }, [tree]);

  const select = useCallback((id: string | null) => {
    setSelectedId(id);
    onSelectRef.current?.(id);
  }, []);

  const selectedRef = useRef(selectedId);
  useEffect(() => {
    selectedRef.current = selectedId;
  }, [selectedId]);

  /** Applies a new collapsed set; a selection that it hides moves to its visible ancestor. */
  const applyCollapsed = useCallback(
    (next: ReadonlySet<string>) => {
      setCollapsedIds(next);
      const current = selectedRef.current;
      if (current === null) return;
      const ancestors = ancestorIds(tree, current);
      for (let i = ancestors.length - 1; i >= 0; i--) {
        if (next.has(ancestors[i])) {
          select(ancestors[i]);
          return;
        }
      }
    },
    [tree, select],
  );

  const collapsedRef = useRef(collapsedIds);
  useEffect(() => {
    collapsedRef.current = collapsedIds;
  }, [collapsedIds]);
  const toggle = useCallback((id: string) => applyCollapsed(toggleCollapsed(collapsedRef.current, id)), [applyCollapsed]);

  // Find in trace: the spans at hand are searched here, the rest (inputs and outputs of an outline) by `findSpans`.
  const [findQuery, setFindQuery] = useState('');
  const [remoteFound, setRemoteFound] = useState<{ query: string; ids: readonly string[] } | null>(null);
  const finding = findQuery.length >= FIND_MIN_LENGTH;
  const localFound = useMemo(() => (finding ? findLocalMatches(tree, findQuery) : NO_IDS), [tree, findQuery, finding]);
  useEffect(() => {
    if (!findSpans || !finding) return;
    let cancelled = false;
    findSpans(findQuery)
      .then((ids) => !cancelled && setRemoteFound({ query: findQuery, ids }))
      .catch(() => !cancelled && setRemoteFound({ query: findQuery, ids: NO_IDS }));
    return () => {
      cancelled = true;
    };
  }, [findSpans, findQuery, finding]);
  const remoteIds = remoteFound?.query === findQuery ? remoteFound.ids : NO_IDS;
  const findPending = Boolean(findSpans) && finding && remoteFound?.query !== findQuery;
  const matches = useMemo(() => (finding ? mergeMatches(tree, localFound, remoteIds) : []), [tree, finding, localFound, remoteIds]);
  const matchIds = useMemo(() => (matches.length > 0 ? new Set(matches.map((node) => node.id)) : null), [matches]);
  const matchPosition = selectedNode ? matches.indexOf(selectedNode) : -1;

  /** Shows a match: its ancestors open, then it is selected (the waterfall scrolls to it). */
  const goToMatch = useCallback(
    (node: TraceNode) => {
      const revealed = revealNode(tree, collapsedRef.current, node.id);
      if (revealed !== collapsedRef.current) {
        collapsedRef.current = revealed;
        setCollapsedIds(revealed);
      }
      select(node.id);
    },
    [tree, select],
  );
  // New matches: stay on the selected span when it is one, else go to the first match after it.
  useEffect(() => {
    if (matches.length === 0) return;
    const position = matchPositionFrom(tree, matches, selectedRef.current);
    if (matches[position] && matches[position].id !== selectedRef.current) goToMatch(matches[position]);
  }, [matches, tree, goToMatch]);
  const stepMatch = useCallback(
    (delta: 1 | -1) => {
      if (matches.length === 0) return;
      const current = selectedRef.current === null ? undefined : tree.byId.get(selectedRef.current);
      const at = current ? matches.indexOf(current) : -1;
      const next = at < 0 ? matchPositionFrom(tree, matches, selectedRef.current) : (at + delta + matches.length) % matches.length;
      goToMatch(matches[next]);
    },
    [matches, tree, goToMatch],
  );
  const inheritedHighlight = useHighlight();

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey || rows.length === 0) return;
    const target = event.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
    // On a toolbar button, Enter and Space press the button.
    if ((event.key === 'Enter' || event.key === ' ') && target.closest('button, a')) return;
    const index = selectedId === null ? -1 : rows.findIndex((row) => row.id === selectedId);
    const node = index >= 0 ? rows[index] : null;
    const selectAt = (i: number) => select(rows[Math.max(0, Math.min(rows.length - 1, i))].id);
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        selectAt(index + 1);
        break;
      case 'ArrowUp':
      case 'k':
        selectAt(index < 0 ? 0 : index - 1);
        break;
      case 'PageDown':
        selectAt(index + PAGE_ROWS);
        break;
      case 'PageUp':
        selectAt(index - PAGE_ROWS);
        break;
      case 'Home':
        selectAt(0);
        break;
      case 'End':
        selectAt(rows.length - 1);
        break;
      case 'ArrowLeft':
        if (event.shiftKey) applyCollapsed(collapseAll(tree));
        else if (node && node.children.length > 0 && !collapsedIds.has(node.id)) applyCollapsed(toggleCollapsed(collapsedIds, node.id));
        else if (node?.parentId) select(node.parentId);
        break;
      case 'ArrowRight':
        if (event.shiftKey) applyCollapsed(expandAll());
        else if (node && collapsedIds.has(node.id)) applyCollapsed(toggleCollapsed(collapsedIds, node.id));
        else if (node && node.children.length > 0) select(node.children[0].id);
        break;
      case 'Enter':
      case ' ':
        if (node && node.children.length > 0) applyCollapsed(toggleCollapsed(collapsedIds, node.id));
        break;
      case '[':
        applyCollapsed(collapseAll(tree));
        break;
      case ']':
        applyCollapsed(expandAll());
        break;
      case '-':
        applyCollapsed(collapseOneLevel(tree, collapsedIds));
        break;
      case '=':
      case '+':
        applyCollapsed(expandOneLevel(tree, collapsedIds));
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  if (!mainRoot) return <EmptyTrace />;

  const running = summary.open > 0;
  const durationMs = timeWindow.empty ? null : timeWindow.durationMs;

  return (
    <div data-testid="trace-view" className="flex h-full min-h-[30rem] flex-col gap-3">
      <TraceHeader
        root={mainRoot}
        traceId={mainRoot.span.trace_id}
        totals={summary.totals}
        spanCount={tree.preorder.length}
        failedCount={summary.failed}
        orphanCount={summary.orphans}
        startMs={timeWindow.empty ? null : timeWindow.startMs}
        durationMs={durationMs}
        running={running}
        exportHref={exportHref}
      />

      <div className="flex min-h-0 flex-1 flex-col overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm lg:flex-row">
        <div className="flex min-h-[16rem] min-w-0 flex-1 flex-col lg:min-h-0" onKeyDown={onKeyDown}>
          <div className="flex flex-wrap items-center gap-1 border-b border-slate-200 px-2 py-1.5">
            <ToolbarButton testId="expand-all" title="Expand all (] or Shift+→)" onClick={() => applyCollapsed(expandAll())}>
              <ExpandAllIcon className="h-3.5 w-3.5" />
              Expand all
            </ToolbarButton>
            <ToolbarButton testId="collapse-all" title="Collapse all ([ or Shift+←)" onClick={() => applyCollapsed(collapseAll(tree))}>
              <CollapseAllIcon className="h-3.5 w-3.5" />
              Collapse all
            </ToolbarButton>
            <span className="mx-1 h-4 w-px bg-slate-200" aria-hidden="true" />
            <ToolbarButton
              testId="collapse-level"
              title="Collapse one level (-)"
              onClick={() => applyCollapsed(collapseOneLevel(tree, collapsedIds))}
            >
              − level
            </ToolbarButton>
            <ToolbarButton
              testId="expand-level"
              title="Expand one level (=)"
              onClick={() => applyCollapsed(expandOneLevel(tree, collapsedIds))}
            >
              + level
            </ToolbarButton>
            <span className="mx-1 h-4 w-px bg-slate-200" aria-hidden="true" />
            <ToolbarButton
              testId="critical-path-toggle"
              title="Highlight the critical path: the chain of spans that determined the trace's duration"
              pressed={showCriticalPath}
              onClick={() => setShowCriticalPath((v) => !v)}
            >
              Critical path
            </ToolbarButton>
            <span className="ml-2 font-mono text-[11px] tabular-nums text-slate-400" data-testid="visible-row-count">
              {formatCount(rows.length)} / {formatCount(tree.preorder.length)} spans
            </span>
            <FindInTrace onQuery={setFindQuery} position={matchPosition} total={matches.length} pending={findPending} onStep={stepMatch} />
            <span className="hidden items-center gap-1 pr-1 text-[11px] text-slate-400 2xl:flex">
              <Kbd>↑</Kbd>
              <Kbd>↓</Kbd> select <Kbd>←</Kbd>
              <Kbd>→</Kbd> fold <Kbd>[</Kbd>
              <Kbd>]</Kbd> all
            </span>
          </div>
          <Waterfall
            tree={tree}
            rows={rows}
            collapsedIds={collapsedIds}
            selectedId={selectedId}
            timeWindow={timeWindow}
            nowMs={nowMs}
            criticalSegments={criticalSegments}
            matchIds={matchIds}
            onSelect={select}
            onToggle={toggle}
          />
        </div>
        {selectedNode && (
          <div className="h-[45vh] min-h-0 shrink-0 border-t border-slate-200 lg:h-auto lg:w-[26rem] lg:border-l lg:border-t-0 xl:w-[30rem]">
            <HighlightProvider query={finding ? findQuery : inheritedHighlight}>
              <SpanDetails
                key={selectedNode.id}
                span={selectedNode.span}
                node={selectedNode}
                traceStartMs={timeWindow.empty ? undefined : timeWindow.startMs}
                nowMs={nowMs}
                onClose={() => select(null)}
                dataUrl={spanDataUrl?.(selectedNode.span)}
              />
            </HighlightProvider>
          </div>
        )}
      </div>
    </div>
  );
}
