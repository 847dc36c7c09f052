import { IntentLink } from '@/components/shell/IntentLink';
import type { ReactNode } from 'react';
import { formatCost, formatCount, formatDateTime, formatDuration, formatPercent, truncate } from '@/lib/format';
import type { SessionSummary } from '@/lib/trace-store/sessions';
import { endUserTracesHref } from './links';

function Stat({ label, value, note, testId, tone = 'default' }: { label: string; value: ReactNode; note?: ReactNode; testId: string; tone?: 'default' | 'bad' }) {
  return (
    <div className="min-w-0 rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm" data-testid={testId}>
      <div className="text-xs font-medium text-slate-500">{label}</div>
      <div className={`mt-1 truncate text-xl font-semibold tabular-nums ${tone === 'bad' ? 'text-red-600' : 'text-slate-900'}`}>{value}</div>
      {note && <div className="mt-0.5 truncate text-xs text-slate-500">{note}</div>}
    </div>
  );
}

/** A session's headline numbers: traces, errors, tokens, cost, its end user and how long it ran. */
export function SessionOverview({ session }: { session: SessionSummary }) {
  const spanMs = Date.parse(session.last_seen) - Date.parse(session.first_seen);
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5" data-testid="session-overview">
      <Stat label="Traces" value={formatCount(session.traces)} note={session.traces > 1 ? `over ${formatDuration(spanMs)}` : 'one trace'} testId="session-stat-traces" />
      <Stat
        label="Errors"
        value={formatCount(session.errors)}
        note={`${formatPercent(session.traces === 0 ? 0 : session.errors / session.traces)} of traces`}
        tone={session.errors > 0 ? 'bad' : 'default'}
        testId="session-stat-errors"
      />
      <Stat label="Tokens" value={formatCount(session.total_tokens)} note="each model call once" testId="session-stat-tokens" />
      <Stat label="Cost" value={formatCost(session.cost_usd)} note={session.cost_usd === null ? 'no priced model call' : 'priced model calls'} testId="session-stat-cost" />
      <Stat
        label="End user"
        value={
          session.end_user_id ? (
            <IntentLink href={endUserTracesHref(session.end_user_id)} className="text-indigo-700 hover:text-indigo-900" title={`Traces of ${session.end_user_id}`}>
              {truncate(session.end_user_id, 40)}
            </IntentLink>
          ) : (
            <span className="text-slate-400">—</span>
          )
        }
        note={`${formatDateTime(session.first_seen, { utc: true })} → ${formatDateTime(session.last_seen, { utc: true })}`}
        testId="session-stat-end-user"
      />
    </div>
  );
}
