'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { TraceModal } from '@/components/quality/TraceModal';
import { formatCount, formatDateTime } from '@/lib/format';
import { apiFetch } from '@/lib/client/api';
import type { TaggedMessage } from '@/lib/db/queries/quality';

const PAGE_SIZE = 25;
const EXCERPT_CHARS = 400;

function excerpt(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

function Rating({ rating, success }: { rating: number | null; success: boolean }) {
  return (
    <div className="flex flex-col gap-0.5">
      {rating === null ? (
        <span className="text-xs text-slate-400">—</span>
      ) : (
        <span className="whitespace-nowrap text-xs tracking-tight" aria-label={`${rating} of 5`} title={`${rating} of 5`}>
          <span className="text-amber-500">{'★'.repeat(rating)}</span>
          <span className="text-slate-200">{'★'.repeat(Math.max(0, 5 - rating))}</span>
        </span>
      )}
      <span className={`text-[11px] font-medium ${success ? 'text-emerald-600' : 'text-red-600'}`}>{success ? 'passed' : 'failed'}</span>
    </div>
  );
}

/**
 * The messages flagged with one failure tag (the plan's JudgmentsTable): when each was written, an
 * excerpt of it (as text: model output is untrusted), the evaluation's rating, tags and notes, the
 * model, and a "View Trace" button that opens the trace behind it. "Load more" follows `next_cursor`.
 */
export function JudgmentsTable({ tag, initialMessages, initialCursor }: { tag: string; initialMessages: TaggedMessage[]; initialCursor: string | null }) {
  const [messages, setMessages] = useState(initialMessages);
  const [cursor, setCursor] = useState(initialCursor);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<TaggedMessage | null>(null);
  const sectionRef = useRef<HTMLElement>(null);

  useEffect(() => {
    // Bring the table into view when it starts below the fold (the tag list can be long).
    const section = sectionRef.current;
    if (section && section.getBoundingClientRect().top > window.innerHeight - 160) section.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [tag]);

  const loadMore = useCallback(async () => {
    if (!cursor || loading) return;
    setLoading(true);
    setError(null);
    try {
      const data = await apiFetch<{ messages: TaggedMessage[]; next_cursor: string | null }>(
        `/api/analytics/quality-issues?tag=${encodeURIComponent(tag)}&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`,
      );
      setMessages((current) => {
        const seen = new Set(current.map((m) => m.evaluation.id));
        return [...current, ...data.messages.filter((m) => !seen.has(m.evaluation.id))];
      });
      setCursor(data.next_cursor);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not load more messages.');
    } finally {
      setLoading(false);
    }
  }, [cursor, loading, tag]);

  const close = useCallback(() => setOpen(null), []);

  return (
    <section ref={sectionRef} className="scroll-mt-4 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="judgments-table" data-tag={tag}>
      <div className="flex items-baseline justify-between gap-2 border-b border-slate-100 px-4 py-3">
        <h2 className="min-w-0 truncate text-sm font-semibold text-slate-900">
          Messages tagged <span className="rounded bg-indigo-50 px-1.5 py-0.5 font-mono text-xs text-indigo-700">{tag}</span>
        </h2>
        <span className="shrink-0 text-xs text-slate-500">
          {formatCount(messages.length)}
          {cursor ? '+' : ''} shown · newest evaluation first
        </span>
      </div>
      {messages.length === 0 ? (
        <p className="px-4 py-10 text-center text-sm text-slate-500" data-testid="judgments-empty">
          No messages carry this tag.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[56rem] table-fixed text-left text-sm">
            <colgroup>
              <col className="w-36" />
              <col />
              <col className="w-24" />
              <col className="w-44" />
              <col className="w-52" />
              <col className="w-36" />
              <col className="w-32" />
            </colgroup>
            <thead className="bg-slate-50 text-[11px] font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">Written</th>
                <th className="px-3 py-2 font-medium">Message</th>
                <th className="px-3 py-2 font-medium">Rating</th>
                <th className="px-3 py-2 font-medium">Tags</th>
                <th className="px-3 py-2 font-medium">Notes</th>
                <th className="px-3 py-2 font-medium">Model</th>
                <th className="px-4 py-2 font-medium">
                  <span className="sr-only">Trace</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {messages.map((message) => (
                <tr key={message.evaluation.id} data-testid="judgment-row" data-message-id={message.message_id} className="align-top hover:bg-slate-50/60">
                  <td className="px-4 py-3 text-xs text-slate-600">
                    <time dateTime={message.created_at} suppressHydrationWarning>
                      {formatDateTime(message.created_at)}
                    </time>
                  </td>
                  <td className="px-3 py-3">
                    <p className="line-clamp-3 break-words text-slate-800" title={message.content.length > EXCERPT_CHARS ? undefined : message.content} data-testid="judgment-content">
                      {excerpt(message.content) || <span className="italic text-slate-400">(empty)</span>}
                    </p>
                  </td>
                  <td className="px-3 py-3">
                    <Rating rating={message.evaluation.rating} success={message.evaluation.success} />
                  </td>
                  <td className="px-3 py-3">
                    <div className="flex flex-wrap gap-1">
                      {message.evaluation.failure_tags.map((t) => (
                        <span
                          key={t}
                          className={`max-w-full truncate rounded px-1.5 py-0.5 font-mono text-[11px] ${t === tag ? 'bg-indigo-100 text-indigo-700' : 'bg-slate-100 text-slate-600'}`}
                          title={t}
                        >
                          {t}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td className="px-3 py-3">
                    {message.evaluation.notes ? (
                      <p className="line-clamp-3 break-words text-xs text-slate-600" title={message.evaluation.notes}>
                        {message.evaluation.notes}
                      </p>
                    ) : (
                      <span className="text-xs text-slate-400">—</span>
                    )}
                  </td>
                  <td className="px-3 py-3 text-xs">
                    {message.model_name ? (
                      <>
                        <div className="truncate font-mono text-slate-700" title={message.model_name}>
                          {message.model_name}
                        </div>
                        {message.model_provider && <div className="truncate text-slate-400">{message.model_provider}</div>}
                      </>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </td>
                  <td className="px-4 py-3 text-right">
                    <button
                      type="button"
                      onClick={() => setOpen(message)}
                      data-testid="view-trace"
                      className="whitespace-nowrap rounded-md border border-slate-200 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:border-indigo-300 hover:text-indigo-700"
                    >
                      View Trace
                    </button>
                    {message.trace_id === null && <div className="mt-1 text-[11px] text-slate-400">no trace</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(cursor || error) && (
        <div className="flex items-center justify-center gap-3 border-t border-slate-100 px-4 py-3">
          {error && (
            <span className="text-xs text-red-600" role="alert">
              {error}
            </span>
          )}
          {cursor && (
            <button
              type="button"
              onClick={loadMore}
              disabled={loading}
              data-testid="load-more"
              className="rounded-md border border-slate-200 px-3 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
            >
              {loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}
      {open && <TraceModal message={open} onClose={close} />}
    </section>
  );
}
