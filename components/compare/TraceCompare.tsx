'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { StatusBadge } from '@/components/trace-detail/StatusBadge';
import { OpIcon } from '@/components/trace-detail/TraceIcons';
import { apiFetch } from '@/lib/client/api';
import { formatCost, formatCount, formatDuration } from '@/lib/format';
import { compareTraces, diffText, spanDurationMs, spanText, type AlignedRow, type NumberDiff, type TextDiff } from '@/lib/trace-view/compare';
import { buildTraceTree, finiteOrNull } from '@/lib/trace-view/tree';
import type { ApiSpan, TraceNode } from '@/lib/trace-view/types';

export interface ComparedTrace {
  traceId: string;
  /** Every span; without inputs and outputs (`data_omitted`) for a big trace, loaded per selected span. */
  spans: ApiSpan[];
}

/** Rows rendered at first; the rest behind "Show all" (a 5,000-span pair is 5,000+ rows). */
const FIRST_ROWS = 1000;

type Format = (value: number | null) => string;
const duration: Format = (value) => formatDuration(value);
const count: Format = (value) => formatCount(value);
const cost: Format = (value) => (value === null ? '—' : formatCost(value));

function signed(delta: number | null, format: Format): string {
  if (delta === null || delta === 0) return delta === 0 ? '=' : '';
  return `${delta > 0 ? '+' : '−'}${format(Math.abs(delta))}`;
}

function SummaryRow({ label, diff, format, testId }: { label: string; diff: NumberDiff; format: Format; testId: string }) {
  return (
    <tr data-testid={testId} data-changed={diff.changed ? 'true' : 'false'} className={diff.changed ? 'bg-amber-50/70' : ''}>
      <th className="px-3 py-1.5 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</th>
      <td className="px-3 py-1.5 text-right font-mono text-xs tabular-nums text-slate-800">{format(diff.a)}</td>
      <td className="px-3 py-1.5 text-right font-mono text-xs tabular-nums text-slate-800">{format(diff.b)}</td>
      <td className={`px-3 py-1.5 text-right font-mono text-xs tabular-nums ${diff.changed ? 'font-semibold text-amber-800' : 'text-slate-400'}`}>{signed(diff.delta, format)}</td>
    </tr>
  );
}

function TraceCard({ side, node, traceId }: { side: 'A' | 'B'; node: TraceNode | null; traceId: string }) {
  return (
    <div className="min-w-0 flex-1 rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm" data-testid={`compare-trace-${side.toLowerCase()}`} data-trace-id={traceId}>
      <div className="flex items-center gap-2">
        <span className={`rounded px-1.5 py-0.5 font-mono text-[11px] font-semibold ${side === 'A' ? 'bg-rose-100 text-rose-800' : 'bg-emerald-100 text-emerald-800'}`}>{side}</span>
        {node && <OpIcon op={node.span.operation_type} />}
        <IntentLink href={`/analytics/traces/${traceId}`} className="min-w-0 truncate font-mono text-sm font-semibold text-slate-900 hover:text-indigo-700" title={node?.span.span_name}>
          {node?.span.span_name || '(unnamed span)'}
        </IntentLink>
        {node && <StatusBadge status={node.span.status} />}
      </div>
      <div className="mt-1 truncate font-mono text-[11px] text-slate-400">{traceId}</div>
    </div>
  );
}

/** One side of an aligned row: the span's name (indented), duration, tokens, cost, model, status. */
function Side({ node, row, side }: { node: TraceNode | null; row: AlignedRow; side: 'a' | 'b' }) {
  if (!node) return <div className="min-w-0 flex-1 px-2 py-1.5 text-xs italic text-slate-300">{side === 'a' ? 'not in A' : 'not in B'}</div>;
  const diff = row.diff;
  const mark = (changed: boolean | undefined) => (changed ? 'rounded bg-amber-100 px-1 text-amber-900' : '');
  const tokens = finiteOrNull(node.span.total_tokens) ?? (finiteOrNull(node.span.input_tokens) !== null || finiteOrNull(node.span.output_tokens) !== null ? (finiteOrNull(node.span.input_tokens) ?? 0) + (finiteOrNull(node.span.output_tokens) ?? 0) : null);
  return (
    <div className="flex min-w-0 flex-1 items-center gap-2 px-2 py-1.5">
      <div className="flex min-w-0 flex-1 items-center gap-1.5" style={{ paddingLeft: `${Math.min(row.depth, 12) * 14}px` }}>
        <OpIcon op={node.span.operation_type} />
        <span className={`truncate font-mono text-xs text-slate-800 ${mark(diff?.name.changed)}`} title={node.span.span_name}>
          {node.span.span_name || '(unnamed span)'}
        </span>
        {node.hasOwnError && <span className={`shrink-0 text-[11px] font-medium text-red-600 ${mark(diff?.status.changed)}`}>failed</span>}
        {!node.hasOwnError && diff?.status.changed && <span className={`shrink-0 text-[11px] ${mark(true)}`}>{node.span.status}</span>}
        {diff?.model.changed && (
          <span className={`shrink-0 truncate font-mono text-[11px] ${mark(true)}`} title="Model differs">
            {node.span.model_name ?? 'no model'}
          </span>
        )}
        {(diff?.input === 'changed' || diff?.output === 'changed') && side === 'b' && (
          <span className="shrink-0 rounded bg-indigo-50 px-1 text-[10px] font-medium text-indigo-700" title="Input or output text differs">
            {[diff.input === 'changed' && 'input', diff.output === 'changed' && 'output'].filter(Boolean).join(' + ')} differs
          </span>
        )}
      </div>
      <span className={`w-16 shrink-0 text-right font-mono text-[11px] tabular-nums text-slate-600 ${mark(diff?.durationMs.changed)}`}>{formatDuration(spanDurationMs(node))}</span>
      <span className={`w-14 shrink-0 text-right font-mono text-[11px] tabular-nums text-slate-600 ${mark(diff?.totalTokens.changed)}`}>{tokens === null ? '' : formatCount(tokens)}</span>
      <span className={`w-16 shrink-0 text-right font-mono text-[11px] tabular-nums text-slate-600 ${mark(diff?.costUsd.changed)}`}>
        {finiteOrNull(node.span.cost_usd) === null ? '' : formatCost(finiteOrNull(node.span.cost_usd))}
      </span>
    </div>
  );
}

const ROW_STYLE: Record<AlignedRow['kind'], string> = {
  matched: '',
  removed: 'bg-rose-50/70',
  added: 'bg-emerald-50/70',
};

type SpanData = Pick<ApiSpan, 'input_data' | 'output_data'>;
const NO_DATA: SpanData = { input_data: null, output_data: null };

/** The span's input and output: as given, or loaded once when the trace came without them. */
function useSpanData(span: ApiSpan | null): { data: SpanData | null; error: string | null } {
  const [loaded, setLoaded] = useState<{ key: string; data: SpanData | null; error: string | null } | null>(null);
  const key = span ? `${span.trace_id}/${span.span_id}` : '';
  useEffect(() => {
    if (!span?.data_omitted) return;
    let cancelled = false;
    apiFetch<{ traces: ApiSpan[] }>(`/api/analytics/traces?trace_id=${span.trace_id}&span_id=${span.span_id}`)
      .then(({ traces }) => !cancelled && setLoaded({ key, data: { input_data: traces[0]?.input_data ?? null, output_data: traces[0]?.output_data ?? null }, error: null }))
      .catch((error: Error) => !cancelled && setLoaded({ key, data: null, error: error.message }));
    return () => {
      cancelled = true;
    };
  }, [span, key]);
  if (!span) return { data: NO_DATA, error: null };
  if (!span.data_omitted) return { data: span, error: null };
  return loaded?.key === key ? loaded : { data: null, error: null };
}

/** A text diff: removed text struck through in red, added text in green; everything as text. */
function DiffText({ diff, testId }: { diff: TextDiff; testId: string }) {
  return (
    <pre className="max-h-[28rem] overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-50 px-3 py-2 font-mono text-[12px] leading-relaxed text-slate-800" data-testid={testId} data-identical={diff.identical ? 'true' : 'false'}>
      {diff.parts.length === 0 ? (
        <span className="italic text-slate-400">nothing recorded on either side</span>
      ) : (
        diff.parts.map((part, index) =>
          part.added ? (
            <ins key={index} className="bg-emerald-100 text-emerald-900 no-underline">
              {part.value}
            </ins>
          ) : part.removed ? (
            <del key={index} className="bg-rose-100 text-rose-900">
              {part.value}
            </del>
          ) : (
            <span key={index}>{part.value}</span>
          ),
        )
      )}
    </pre>
  );
}

function DetailField({ label, a, b, changed }: { label: string; a: ReactNode; b: ReactNode; changed: boolean }) {
  return (
    <tr className={changed ? 'bg-amber-50/70' : ''} data-changed={changed ? 'true' : 'false'}>
      <th className="px-3 py-1 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</th>
      <td className="px-3 py-1 font-mono text-xs text-slate-800">{a}</td>
      <td className="px-3 py-1 font-mono text-xs text-slate-800">{b}</td>
    </tr>
  );
}

/** The selected pair: its fields side by side, and word diffs of its input and of its output. */
function PairDetails({ row }: { row: AlignedRow }) {
  const a = useSpanData(row.a?.span ?? null);
  const b = useSpanData(row.b?.span ?? null);
  const ready = a.data !== null && b.data !== null;
  const inputDiff = useMemo(() => (ready ? diffText(spanText(a.data!.input_data), spanText(b.data!.input_data)) : null), [ready, a.data, b.data]);
  const outputDiff = useMemo(() => (ready ? diffText(spanText(a.data!.output_data), spanText(b.data!.output_data)) : null), [ready, a.data, b.data]);
  const diff = row.diff;
  const num = (node: TraceNode | null, pick: (span: ApiSpan) => unknown, format: Format) => (node ? format(finiteOrNull(pick(node.span))) : '—');
  const model = (node: TraceNode | null) => (node ? [node.span.model_provider, node.span.model_name].filter(Boolean).join(' / ') || '—' : '—');
  const error = a.error ?? b.error;

  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="compare-details" data-kind={row.kind}>
      <div className="border-b border-slate-200 px-4 py-3">
        <h2 className="text-sm font-semibold text-slate-900">
          {row.kind === 'matched' ? 'Selected pair' : row.kind === 'added' ? 'Only in B' : 'Only in A'}:{' '}
          <span className="font-mono">{(row.a ?? row.b)!.span.span_name}</span>
        </h2>
      </div>
      <table className="w-full text-sm">
        <thead>
          <tr className="border-b border-slate-100">
            <th className="w-40" />
            <th className="px-3 py-1 text-left text-[11px] font-semibold text-rose-700">A</th>
            <th className="px-3 py-1 text-left text-[11px] font-semibold text-emerald-700">B</th>
          </tr>
        </thead>
        <tbody>
          <DetailField label="Status" a={row.a?.span.status ?? '—'} b={row.b?.span.status ?? '—'} changed={Boolean(diff?.status.changed)} />
          <DetailField label="Model" a={model(row.a)} b={model(row.b)} changed={Boolean(diff?.model.changed)} />
          <DetailField label="Duration" a={row.a ? formatDuration(spanDurationMs(row.a)) : '—'} b={row.b ? formatDuration(spanDurationMs(row.b)) : '—'} changed={Boolean(diff?.durationMs.changed)} />
          <DetailField label="Input tokens" a={num(row.a, (s) => s.input_tokens, count)} b={num(row.b, (s) => s.input_tokens, count)} changed={Boolean(diff?.inputTokens.changed)} />
          <DetailField label="Output tokens" a={num(row.a, (s) => s.output_tokens, count)} b={num(row.b, (s) => s.output_tokens, count)} changed={Boolean(diff?.outputTokens.changed)} />
          <DetailField label="Cost" a={num(row.a, (s) => s.cost_usd, cost)} b={num(row.b, (s) => s.cost_usd, cost)} changed={Boolean(diff?.costUsd.changed)} />
          {(row.a?.span.error_message || row.b?.span.error_message) && (
            <DetailField label="Error" a={row.a?.span.error_message ?? '—'} b={row.b?.span.error_message ?? '—'} changed={(row.a?.span.error_message ?? null) !== (row.b?.span.error_message ?? null)} />
          )}
        </tbody>
      </table>
      <div className="space-y-3 border-t border-slate-100 px-4 py-3">
        {error ? (
          <p className="text-xs text-red-600">Could not load the spans&apos; data: {error}</p>
        ) : !inputDiff || !outputDiff ? (
          <p className="text-xs text-slate-500" data-testid="compare-data-loading">
            Loading inputs and outputs…
          </p>
        ) : (
          <>
            <div>
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
                Input {inputDiff.identical ? <span className="font-normal normal-case text-slate-400">(identical)</span> : <DiffLegend mode={inputDiff.mode} />}
              </h3>
              <DiffText diff={inputDiff} testId="compare-input-diff" />
            </div>
            <div>
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
                Output {outputDiff.identical ? <span className="font-normal normal-case text-slate-400">(identical)</span> : <DiffLegend mode={outputDiff.mode} />}
              </h3>
              <DiffText diff={outputDiff} testId="compare-output-diff" />
            </div>
          </>
        )}
      </div>
    </section>
  );
}

function DiffLegend({ mode }: { mode: TextDiff['mode'] }) {
  return (
    <span className="ml-1 font-normal normal-case text-slate-400">
      (<del className="bg-rose-100 text-rose-900">only in A</del> <ins className="bg-emerald-100 text-emerald-900 no-underline">only in B</ins>
      {mode === 'lines' ? ', by line' : mode === 'whole' ? ', too different to align' : ''})
    </span>
  );
}

/**
 * Two traces side by side: their totals with deltas, the span trees aligned row by row (spans
 * only in A in red, only in B in green, differing fields in amber), and the selected pair's input
 * and output word diffs. Everything from the spans renders as text.
 */
export function TraceCompare({ a, b }: { a: ComparedTrace; b: ComparedTrace }) {
  const treeA = useMemo(() => buildTraceTree(a.spans), [a.spans]);
  const treeB = useMemo(() => buildTraceTree(b.spans), [b.spans]);
  const comparison = useMemo(() => compareTraces(treeA, treeB), [treeA, treeB]);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const [selectedKey, setSelectedKey] = useState<string | null>(() => {
    const first = comparison.rows.find((row) => row.kind !== 'matched' || row.diff?.changed);
    return (first ?? comparison.rows[0])?.key ?? null;
  });

  const visible = useMemo(
    () => (onlyDifferences ? comparison.rows.filter((row) => row.kind !== 'matched' || row.diff?.changed) : comparison.rows),
    [comparison, onlyDifferences],
  );
  const shown = showAll ? visible : visible.slice(0, FIRST_ROWS);
  const selected = comparison.rows.find((row) => row.key === selectedKey) ?? null;
  const rootA = treeA.roots.find((root) => !root.isOrphan) ?? treeA.roots[0] ?? null;
  const rootB = treeB.roots.find((root) => !root.isOrphan) ?? treeB.roots[0] ?? null;
  const { summary, counts } = comparison;

  return (
    <div className="space-y-4" data-testid="trace-compare">
      <div className="flex flex-col gap-3 lg:flex-row">
        <TraceCard side="A" node={rootA} traceId={a.traceId} />
        <TraceCard side="B" node={rootB} traceId={b.traceId} />
      </div>

      <div className="flex flex-col gap-4 xl:flex-row">
        <section className="rounded-xl border border-slate-200 bg-white shadow-sm xl:w-[26rem] xl:shrink-0">
          <table className="w-full" data-testid="compare-summary">
            <thead className="border-b border-slate-200">
              <tr>
                <th />
                <th className="px-3 py-1.5 text-right text-[11px] font-semibold text-rose-700">A</th>
                <th className="px-3 py-1.5 text-right text-[11px] font-semibold text-emerald-700">B</th>
                <th className="px-3 py-1.5 text-right text-[11px] font-medium uppercase tracking-wide text-slate-500">B − A</th>
              </tr>
            </thead>
            <tbody>
              <SummaryRow label="Duration" diff={summary.durationMs} format={duration} testId="compare-summary-duration" />
              <SummaryRow label="Spans" diff={summary.spanCount} format={count} testId="compare-summary-spans" />
              <SummaryRow label="Failed" diff={summary.failedCount} format={count} testId="compare-summary-failed" />
              <SummaryRow label="Tokens" diff={summary.totalTokens} format={count} testId="compare-summary-tokens" />
              <SummaryRow label="Cost" diff={summary.costUsd} format={cost} testId="compare-summary-cost" />
            </tbody>
          </table>
          <p className="border-t border-slate-100 px-3 py-2 text-xs text-slate-600" data-testid="compare-counts">
            {formatCount(counts.matched)} spans in both ({formatCount(counts.changed)} differ) · {formatCount(counts.removed)} only in A · {formatCount(counts.added)} only in B
          </p>
        </section>

        <div className="min-w-0 flex-1">{selected && <PairDetails key={selected.key} row={selected} />}</div>
      </div>

      <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
        <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-2">
          <h2 className="text-sm font-semibold text-slate-900">Span trees, aligned</h2>
          <label className="flex items-center gap-1.5 text-xs text-slate-600">
            <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.target.checked)} className="h-3.5 w-3.5" data-testid="compare-only-differences" />
            Only differences
          </label>
          <span className="ml-auto text-[11px] text-slate-400">duration · tokens · cost per span; amber = differs</span>
        </div>
        <div className="flex border-b border-slate-100 text-[11px] font-semibold">
          <div className="flex-1 px-3 py-1 text-rose-700">A</div>
          <div className="flex-1 border-l border-slate-100 px-3 py-1 text-emerald-700">B</div>
        </div>
        <div role="listbox" aria-label="Aligned spans" data-testid="compare-rows">
          {shown.map((row) => (
            <div
              key={row.key}
              role="option"
              aria-selected={row.key === selectedKey}
              tabIndex={0}
              onClick={() => setSelectedKey(row.key)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  setSelectedKey(row.key);
                }
              }}
              data-testid="compare-row"
              data-kind={row.kind}
              data-changed={row.diff?.changed ? 'true' : 'false'}
              className={`flex cursor-pointer border-b border-slate-50 ${ROW_STYLE[row.kind]} ${row.key === selectedKey ? 'outline outline-2 -outline-offset-2 outline-indigo-400' : 'hover:bg-slate-50'}`}
            >
              <Side node={row.a} row={row} side="a" />
              <div className="w-px bg-slate-100" />
              <Side node={row.b} row={row} side="b" />
            </div>
          ))}
        </div>
        {shown.length < visible.length && (
          <button type="button" onClick={() => setShowAll(true)} className="w-full px-4 py-2 text-sm font-medium text-indigo-600 hover:bg-slate-50">
            Show all {formatCount(visible.length)} rows
          </button>
        )}
        {visible.length === 0 && <p className="px-4 py-6 text-center text-sm text-slate-500">No differences.</p>}
      </section>
    </div>
  );
}
