import { IntentLink } from '@/components/shell/IntentLink';
import { formatCount, formatDateTime, formatRelative } from '@/lib/format';

export interface TagCount {
  tag: string;
  count: number;
  last_seen: string;
}

/**
 * The user's failure tags, most frequent first, each with a bar relative to the top tag, its last
 * evaluation time and a "View examples" link that puts the tag in the URL (`?tag=`).
 */
export function FailureTagList({ tags, selected }: { tags: TagCount[]; selected: string | null }) {
  const max = Math.max(1, ...tags.map((t) => t.count));
  const total = tags.reduce((sum, t) => sum + t.count, 0);
  return (
    <section className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="quality-tags">
      <div className="flex items-baseline justify-between gap-2 border-b border-slate-100 px-4 py-3">
        <h2 className="text-sm font-semibold text-slate-900">Failure tags</h2>
        <span className="text-xs text-slate-500">
          {formatCount(tags.length)} tag{tags.length === 1 ? '' : 's'} · {formatCount(total)} flagged evaluation{total === 1 ? '' : 's'}
        </span>
      </div>
      <ol className="divide-y divide-slate-100">
        {tags.map((tag, index) => {
          const active = tag.tag === selected;
          return (
            <li
              key={tag.tag}
              data-testid="tag-row"
              data-tag={tag.tag}
              data-selected={active ? 'true' : undefined}
              className={`grid grid-cols-[1.75rem_minmax(8rem,14rem)_minmax(4rem,1fr)_3.5rem_7rem_auto] items-center gap-3 px-4 py-2.5 ${active ? 'bg-indigo-50/60' : ''}`}
            >
              <span className="text-right font-mono text-xs tabular-nums text-slate-400">{index + 1}</span>
              <span className="truncate text-sm font-medium text-slate-800" title={tag.tag}>
                {tag.tag}
              </span>
              <span className="h-2 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
                <span className={`block h-full rounded-full ${active ? 'bg-indigo-600' : 'bg-indigo-400'}`} style={{ width: `${Math.max(2, (tag.count / max) * 100)}%` }} />
              </span>
              <span className="text-right font-mono text-sm tabular-nums text-slate-900" data-testid="tag-count">
                {formatCount(tag.count)}
              </span>
              <span className="truncate text-xs text-slate-500" title={`Last seen ${formatDateTime(tag.last_seen)}`}>
                {formatRelative(tag.last_seen)}
              </span>
              <IntentLink
                href={`/analytics/quality?tag=${encodeURIComponent(tag.tag)}`}
                scroll={false}
                data-testid="view-examples"
                aria-current={active ? 'true' : undefined}
                className={`whitespace-nowrap rounded-md px-2.5 py-1 text-xs font-medium ${
                  active ? 'bg-indigo-600 text-white hover:bg-indigo-700' : 'border border-slate-200 text-slate-700 hover:border-indigo-300 hover:text-indigo-700'
                }`}
              >
                View examples
              </IntentLink>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
