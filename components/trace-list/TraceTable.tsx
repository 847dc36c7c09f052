import { IntentLink } from '@/components/shell/IntentLink';
import type { TraceListRow } from '@/lib/trace-store/read';
import { formatCost, formatCount, formatDuration, truncate } from '@/lib/format';
import { CompareBar, CompareCheckbox } from './CompareSelect';
import { filterQuery, type FilterValues } from './filters';
import { ListStatusBadge } from './ListStatusBadge';
import { TimeCell } from './TimeCell';

export type ListedTrace = TraceListRow;

const th = 'px-3 py-2 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2.5 align-top';

const chip =
  'relative z-10 inline-flex max-w-[12rem] items-center gap-1 truncate rounded px-1.5 py-px text-[11px] hover:ring-1 focus-visible:outline-2 focus-visible:outline-indigo-500';

/** A one-line preview of what the trace was asked or answered (model text: shown as text only). */
function Preview({ label, text, testId }: { label: string; text: string | null; testId: string }) {
  if (!text) return null;
  return (
    <p className="mt-0.5 truncate text-xs text-slate-600" title={text} data-testid={testId}>
      <span className="mr-1 font-medium uppercase tracking-wide text-slate-400">{label}</span>
      {text}
    </p>
  );
}

/**
 * The trace list: one row per root span; each row opens its trace. Tokens and cost are the
 * trace's totals, each model call counted once. Each row previews the first user input and the
 * final output, and shows its session, end user and tags, which filter the list when clicked
 * (the current `filters` kept). Opened from a search, a trace highlights the text (`?q=`). All
 * span fields render as text.
 */
export function TraceTable({ traces, nowMs, filters = {} }: { traces: ListedTrace[]; nowMs: number; filters?: FilterValues }) {
  const filterBy = (change: FilterValues) => `/analytics/traces${filterQuery({ ...filters, ...change })}`;
  return (
    <>
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full min-w-[56rem] text-sm" data-testid="trace-list">
        <thead className="border-b border-slate-200 bg-slate-50/60">
          <tr>
            <th className={`${th} w-8 pr-0`}>
              <span className="sr-only">Compare</span>
            </th>
            <th className={th}>Trace</th>
            <th className={th}>Status</th>
            <th className={th}>Model</th>
            <th className={`${th} text-right`}>Duration</th>
            <th className={`${th} text-right`}>Tokens</th>
            <th className={`${th} text-right`}>Cost</th>
            <th className={`${th} text-right`}>Spans</th>
            <th className={th}>Started</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {traces.map((trace) => {
            const href = `/analytics/traces/${trace.trace_id}${filters.q ? `?${new URLSearchParams({ q: filters.q })}` : ''}`;
            const tokens = trace.trace_total_tokens;
            const cost = trace.trace_cost_usd;
            return (
              <tr
                key={trace.id}
                className="group relative hover:bg-indigo-50/40"
                data-testid="trace-row"
                data-trace-id={trace.trace_id}
                data-status={trace.status}
              >
                <td className={`${td} w-8 pr-0`}>
                  <CompareCheckbox traceId={trace.trace_id} name={trace.span_name} />
                </td>
                <td className={`${td} max-w-[26rem]`}>
                  {/* The link stretches over the whole row (after:inset-0), so any cell opens the trace. */}
                  <IntentLink
                    href={href}
                    className="block truncate font-medium text-slate-900 after:absolute after:inset-0 after:content-[''] group-hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
                    title={trace.span_name}
                  >
                    {trace.span_name}
                  </IntentLink>
                  <div className="mt-0.5 flex items-center gap-2 text-xs text-slate-500">
                    {trace.service_name && (
                      <span className="truncate rounded bg-slate-100 px-1.5 py-px text-slate-600" title={trace.service_name}>
                        {truncate(trace.service_name, 40)}
                      </span>
                    )}
                    <span className="font-mono text-[11px] text-slate-400">{trace.trace_id.slice(0, 12)}…</span>
                  </div>
                  <Preview label="In" text={trace.input_preview} testId="trace-input-preview" />
                  <Preview label="Out" text={trace.output_preview} testId="trace-output-preview" />
                  {(trace.session_id || trace.end_user_id || trace.tags.length > 0) && (
                    <div className="mt-1 flex flex-wrap items-center gap-1">
                      {trace.session_id && (
                        <IntentLink
                          href={filterBy({ session_id: trace.session_id })}
                          className={`${chip} bg-violet-50 text-violet-700 ring-violet-300`}
                          title={`Session ${trace.session_id}: show its traces`}
                          data-testid="trace-session"
                        >
                          <span className="text-violet-400">session</span> {truncate(trace.session_id, 24)}
                        </IntentLink>
                      )}
                      {trace.end_user_id && (
                        <IntentLink
                          href={filterBy({ end_user_id: trace.end_user_id })}
                          className={`${chip} bg-sky-50 text-sky-700 ring-sky-300`}
                          title={`End user ${trace.end_user_id}: show their traces`}
                          data-testid="trace-end-user"
                        >
                          <span className="text-sky-400">user</span> {truncate(trace.end_user_id, 24)}
                        </IntentLink>
                      )}
                      {trace.tags.map((tag) => (
                        <IntentLink
                          key={tag}
                          href={filterBy({ tag: [...new Set([...(filters.tag ?? []), tag])] })}
                          className={`${chip} bg-amber-50 text-amber-800 ring-amber-300`}
                          title={`Tag ${tag}: show the traces that carry it`}
                          data-testid="trace-tag"
                        >
                          #{truncate(tag, 24)}
                        </IntentLink>
                      ))}
                    </div>
                  )}
                </td>
                <td className={td}>
                  <ListStatusBadge status={trace.status} error={trace.error_message} />
                  {trace.status === 'failed' && trace.error_message && (
                    <div className="mt-1 max-w-[14rem] truncate text-xs text-red-600" title={truncate(trace.error_message, 300)}>
                      {truncate(trace.error_message, 80)}
                    </div>
                  )}
                </td>
                <td className={`${td} max-w-[14rem]`}>
                  {trace.model_name || trace.model_provider ? (
                    <>
                      <div className="truncate font-mono text-xs text-slate-800" title={trace.model_name ?? undefined}>
                        {trace.model_name ?? '—'}
                      </div>
                      <div className="truncate text-xs text-slate-500">{trace.model_provider ?? ''}</div>
                    </>
                  ) : trace.trace_models.length > 0 ? (
                    <div className="truncate font-mono text-xs text-slate-800" title={`Models of the trace's calls: ${trace.trace_models.join(', ')}`}>
                      {trace.trace_models.join(', ')}
                    </div>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap text-right font-mono text-xs tabular-nums text-slate-800`}>
                  {trace.status === 'running' && trace.duration_ms === null ? <span className="text-blue-600">running</span> : formatDuration(trace.duration_ms)}
                </td>
                <td className={`${td} whitespace-nowrap text-right font-mono text-xs tabular-nums text-slate-800`}>
                  {tokens === null ? (
                    <span className="text-slate-400">—</span>
                  ) : (
                    <span title={`${formatCount(trace.trace_input_tokens)} in · ${formatCount(trace.trace_output_tokens)} out`}>{formatCount(tokens)}</span>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap text-right font-mono text-xs tabular-nums`}>
                  {!tokens && cost === null ? (
                    <span className="text-slate-400">—</span>
                  ) : cost === null ? (
                    <span className="text-slate-400" title="No price is known for this model">
                      unpriced
                    </span>
                  ) : (
                    <span
                      className="text-slate-800"
                      title={trace.trace_unpriced_spans > 0 ? `${formatCount(trace.trace_unpriced_spans)} model call(s) unpriced, not included` : undefined}
                    >
                      {formatCost(cost)}
                      {trace.trace_unpriced_spans > 0 ? '+' : ''}
                    </span>
                  )}
                </td>
                <td className={`${td} text-right font-mono text-xs tabular-nums text-slate-600`}>{formatCount(trace.span_count)}</td>
                <td className={`${td} text-xs`}>
                  <TimeCell iso={trace.start_time} serverNowMs={nowMs} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
    <CompareBar />
    </>
  );
}
