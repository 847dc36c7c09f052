import { IntentLink } from '@/components/shell/IntentLink';
import { endUserTracesHref } from '@/components/sessions/links';
import { TimeCell } from '@/components/trace-list/TimeCell';
import { formatCost, formatCount, formatPercent, truncate } from '@/lib/format';
import type { EndUserSort, EndUserSummary } from '@/lib/trace-store/end-users';
import { nextSort, usersHref, type UserListSort } from './sorting';

const th = 'px-3 py-2 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2.5 align-top';
const num = `${td} whitespace-nowrap text-right font-mono text-xs tabular-nums text-slate-800`;

/** A column header that sorts the list by its column (a link: the sort lives in the URL). */
function SortHeader({ column, label, current, align = 'right' }: { column: EndUserSort; label: string; current: UserListSort; align?: 'left' | 'right' }) {
  const active = current.sort === column;
  const arrow = active ? (current.order === 'desc' ? '↓' : '↑') : '';
  return (
    <th
      className={`${th} ${align === 'right' ? 'text-right' : ''}`}
      aria-sort={active ? (current.order === 'desc' ? 'descending' : 'ascending') : 'none'}
      data-sorted={active ? current.order : undefined}
    >
      <IntentLink
        href={usersHref(nextSort(current, column))}
        className={`inline-flex items-center gap-1 hover:text-indigo-700 ${active ? 'text-indigo-700' : ''}`}
        data-testid={`sort-${column}`}
        title={`Sort by ${label.toLowerCase()}`}
      >
        {label}
        <span aria-hidden className="w-2.5 text-center">
          {arrow}
        </span>
      </IntentLink>
    </th>
  );
}

/**
 * Per end user: traces, tokens, cost, error rate and last activity: the "cost per user" view.
 * Each row links to the end user's traces. Tokens and cost count each model call once.
 */
export function EndUserTable({ users, sort, nowMs }: { users: EndUserSummary[]; sort: UserListSort; nowMs: number }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full min-w-[52rem] text-sm" data-testid="end-user-list" data-sort={sort.sort} data-order={sort.order}>
        <thead className="border-b border-slate-200 bg-slate-50/60">
          <tr>
            <th className={th}>End user</th>
            <SortHeader column="traces" label="Traces" current={sort} />
            <SortHeader column="total_tokens" label="Tokens" current={sort} />
            <SortHeader column="cost_usd" label="Cost" current={sort} />
            <SortHeader column="error_rate" label="Error rate" current={sort} />
            <SortHeader column="last_seen" label="Last seen" current={sort} align="left" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((user) => (
            <tr key={user.end_user_id} className="group relative hover:bg-indigo-50/40" data-testid="end-user-row" data-end-user-id={user.end_user_id}>
              <td className={`${td} max-w-[22rem]`}>
                {/* The link stretches over the whole row (after:inset-0): any cell opens the end user's traces. */}
                <IntentLink
                  href={endUserTracesHref(user.end_user_id)}
                  className="block truncate font-medium text-slate-900 after:absolute after:inset-0 after:content-[''] group-hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
                  title={`Traces of ${user.end_user_id}`}
                  data-testid="end-user-traces-link"
                >
                  {truncate(user.end_user_id, 60)}
                </IntentLink>
              </td>
              <td className={num} data-testid="end-user-traces">
                {formatCount(user.traces)}
              </td>
              <td className={num} data-testid="end-user-tokens" data-value={user.total_tokens}>
                {formatCount(user.total_tokens)}
              </td>
              <td className={num} data-testid="end-user-cost" data-value={user.cost_usd ?? undefined}>
                {user.cost_usd === null ? (
                  <span className="text-slate-400" title={user.total_tokens > 0 ? 'No price is known for these models' : 'No model usage recorded'}>
                    {user.total_tokens > 0 ? formatCost(null) : '—'}
                  </span>
                ) : (
                  formatCost(user.cost_usd)
                )}
              </td>
              <td className={num} data-testid="end-user-error-rate" data-value={user.error_rate}>
                <span className={user.error_rate > 0 ? 'font-semibold text-red-600' : 'text-slate-500'}>{formatPercent(user.error_rate)}</span>
              </td>
              <td className={`${td} text-xs`}>
                <TimeCell iso={user.last_seen} serverNowMs={nowMs} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
