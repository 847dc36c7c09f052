import { IntentLink } from '@/components/shell/IntentLink';
import { TimeCell } from '@/components/trace-list/TimeCell';
import { formatCost, formatCount, truncate } from '@/lib/format';
import type { SessionSummary } from '@/lib/trace-store/sessions';
import { endUserTracesHref, sessionHref } from './links';

const th = 'px-3 py-2 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2.5 align-top';
const num = `${td} whitespace-nowrap text-right font-mono text-xs tabular-nums text-slate-800`;

/**
 * The sessions list: one row per session, most recently active first; each row opens the session
 * as a conversation. Tokens and cost count each model call once. Ids render as text.
 */
export function SessionTable({ sessions, nowMs }: { sessions: SessionSummary[]; nowMs: number }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full min-w-[60rem] text-sm" data-testid="session-list">
        <thead className="border-b border-slate-200 bg-slate-50/60">
          <tr>
            <th className={th}>Session</th>
            <th className={th}>End user</th>
            <th className={`${th} text-right`}>Traces</th>
            <th className={th}>First activity</th>
            <th className={th}>Last activity</th>
            <th className={`${th} text-right`}>Tokens</th>
            <th className={`${th} text-right`}>Cost</th>
            <th className={`${th} text-right`}>Errors</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {sessions.map((session) => (
            <tr key={session.session_id} className="group relative hover:bg-indigo-50/40" data-testid="session-row" data-session-id={session.session_id}>
              <td className={`${td} max-w-[20rem]`}>
                {/* The link stretches over the whole row (after:inset-0), so any cell opens the session. */}
                <IntentLink
                  href={sessionHref(session.session_id)}
                  className="block truncate font-mono text-xs font-medium text-slate-900 after:absolute after:inset-0 after:content-[''] group-hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
                  title={session.session_id}
                  data-testid="session-link"
                >
                  {truncate(session.session_id, 60)}
                </IntentLink>
              </td>
              <td className={`${td} max-w-[14rem]`}>
                {session.end_user_id ? (
                  // Above the row's stretched link, so it opens the end user's traces instead.
                  <IntentLink
                    href={endUserTracesHref(session.end_user_id)}
                    className="relative z-10 block truncate text-xs text-slate-700 hover:text-indigo-700 hover:underline"
                    title={`Traces of ${session.end_user_id}`}
                  >
                    {truncate(session.end_user_id, 40)}
                  </IntentLink>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </td>
              <td className={num} data-testid="session-traces">
                {formatCount(session.traces)}
              </td>
              <td className={`${td} text-xs`}>
                <TimeCell iso={session.first_seen} serverNowMs={nowMs} />
              </td>
              <td className={`${td} text-xs`}>
                <TimeCell iso={session.last_seen} serverNowMs={nowMs} />
              </td>
              <td className={num}>{session.total_tokens === 0 && session.cost_usd === null ? <span className="text-slate-400">—</span> : formatCount(session.total_tokens)}</td>
              <td className={num}>
                {session.cost_usd === null ? (
                  <span className="text-slate-400" title={session.total_tokens > 0 ? 'No price is known for these models' : 'No model usage recorded'}>
                    {session.total_tokens > 0 ? formatCost(null) : '—'}
                  </span>
                ) : (
                  formatCost(session.cost_usd)
                )}
              </td>
              <td className={num} data-testid="session-errors">
                {session.errors > 0 ? <span className="font-semibold text-red-600">{formatCount(session.errors)}</span> : <span className="text-slate-400">{formatCount(0)}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
