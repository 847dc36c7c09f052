'use client';

import { useSyncExternalStore, type ReactNode } from 'react';
import { formatCost, formatCount, formatDateTime, formatDuration } from '@/lib/format';
import type { SubtreeTotals, TraceNode } from '@/lib/trace-view/types';
import { CopyButton } from './CopyButton';
import { StatusBadge } from './StatusBadge';
import { DownloadIcon, OpIcon } from './TraceIcons';

const subscribeNothing = () => () => {};

/** False during server rendering and hydration, true afterwards: local times render only in the browser. */
export function useIsClient(): boolean {
  return useSyncExternalStore(
    subscribeNothing,
    () => true,
    () => false,
  );
}

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0" data-testid={testId}>
      <dt className="text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 truncate font-mono text-sm font-medium tabular-nums text-slate-900">{children}</dd>
    </div>
  );
}

export interface TraceHeaderProps {
  root: TraceNode;
  traceId: string;
  totals: SubtreeTotals;
  spanCount: number;
  failedCount: number;
  orphanCount: number;
  startMs: number | null;
  /** null while the trace is still running and its end is unknown. */
  durationMs: number | null;
  running: boolean;
  exportHref?: string;
}

/** The trace's summary: root name and status, duration, tokens, cost, start, id and export. */
export function TraceHeader({
  root,
  traceId,
  totals,
  spanCount,
  failedCount,
  orphanCount,
  startMs,
  durationMs,
  running,
  exportHref,
}: TraceHeaderProps) {
  const isClient = useIsClient();
  const { span } = root;
  const model = [span.model_provider, span.model_name].filter(Boolean).join(' / ');
  const startText = formatDateTime(startMs, { milliseconds: true, utc: !isClient });

  return (
    <section className="rounded-xl border border-slate-200 bg-white px-5 py-4 shadow-sm" data-testid="trace-header">
      <div className="flex flex-wrap items-start gap-3">
        <OpIcon op={span.operation_type} size="md" />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="min-w-0 truncate font-mono text-base font-semibold text-slate-900" title={span.span_name}>
              {span.span_name || '(unnamed span)'}
            </h1>
            <StatusBadge status={span.status} />
            {model && (
              <span className="rounded-md bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-600">{model}</span>
            )}
          </div>
          <div className="mt-1 flex min-w-0 items-center gap-1 text-xs text-slate-500">
            <span>Trace</span>
            <span className="truncate font-mono text-slate-600" data-testid="trace-id" title={traceId}>
              {traceId}
            </span>
            <CopyButton value={traceId} label="Copy trace id" />
          </div>
        </div>
        {exportHref && (
          <a
            href={exportHref}
            download
            data-testid="export-trace"
            className="inline-flex items-center gap-1.5 rounded-lg border border-slate-200 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm transition-colors hover:border-slate-300 hover:bg-slate-50 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            <DownloadIcon className="h-4 w-4" />
            Export Trace
          </a>
        )}
      </div>

      {span.error_message && (
        <p className="mt-3 truncate rounded-md bg-red-50 px-3 py-1.5 font-mono text-xs text-red-800" title={span.error_message}>
          {span.error_message}
        </p>
      )}

      <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-5">
        <Stat label="Duration" testId="trace-duration">
          {running ? (durationMs === null ? 'running' : `${formatDuration(durationMs)}+`) : formatDuration(durationMs)}
        </Stat>
        <Stat label="Spans" testId="trace-span-count">
          {formatCount(spanCount)}
          {failedCount > 0 && <span className="ml-1.5 font-sans text-xs font-medium text-red-600">{formatCount(failedCount)} failed</span>}
          {orphanCount > 0 && (
            <span className="ml-1.5 font-sans text-xs font-normal text-slate-500" title="Spans whose parent is not in this trace">
              {formatCount(orphanCount)} orphan{orphanCount === 1 ? '' : 's'}
            </span>
          )}
        </Stat>
        <Stat label="Tokens" testId="trace-tokens">
          {totals.totalTokens === null ? (
            '—'
          ) : (
            <>
              {formatCount(totals.totalTokens)}
              {(totals.inputTokens !== null || totals.outputTokens !== null) && (
                <span className="ml-1.5 text-xs font-normal text-slate-500">
                  {formatCount(totals.inputTokens)} in · {formatCount(totals.outputTokens)} out
                </span>
              )}
            </>
          )}
        </Stat>
        <Stat label="Cost" testId="trace-cost">
          {totals.costUsd === null ? (
            totals.hasUnpricedSpan ? (
              <span className="font-sans font-normal italic text-slate-500">unpriced</span>
            ) : (
              '—'
            )
          ) : (
            <>
              {formatCost(totals.costUsd)}
              {totals.hasUnpricedSpan && (
                <span className="ml-1.5 font-sans text-xs font-normal italic text-slate-500">+ unpriced</span>
              )}
            </>
          )}
        </Stat>
        <Stat label="Started" testId="trace-start">
          <span className="text-[13px] font-normal text-slate-700">{startText}</span>
        </Stat>
      </dl>
    </section>
  );
}
