'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useState, useSyncExternalStore } from 'react';
import { apiFetch } from '@/lib/client/api';
import { formatDateTime } from '@/lib/format';

/** One link as `GET /api/shares` lists it (the token itself is never stored, so never listed). */
export interface SharedLinkRow {
  id: string;
  trace_id: string;
  token_prefix: string;
  redact: boolean;
  created_at: string;
  trace_name: string | null;
  trace_start_time: string | null;
}

const subscribeNothing = () => () => {};

/** Public links to single traces: which trace, redacted or not, when made; revoke. */
export function SharedLinks({ initialShares }: { initialShares: SharedLinkRow[] }) {
  const isClient = useSyncExternalStore(subscribeNothing, () => true, () => false);
  const [shares, setShares] = useState(initialShares);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function revoke(id: string) {
    setBusy(true);
    setError(null);
    try {
      // The list knows each link by id (the token is not stored); the endpoint takes either.
      await apiFetch(`/api/share/${id}`, { method: 'DELETE' });
      setConfirming(null);
      setShares((await apiFetch<{ shares: SharedLinkRow[] }>('/api/shares')).shares);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const th = 'px-3 py-2 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500';
  const td = 'px-3 py-2.5';

  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="shared-links">
      <div className="border-b border-slate-200 px-5 py-4">
        <h2 className="text-sm font-semibold text-slate-900">Shared links</h2>
        <p className="mt-0.5 text-sm text-slate-500">
          Read-only public links to single traces, made with <b>Share</b> on a trace. Anyone with a link sees that trace; revoking it makes the link answer “not found” at once.
        </p>
        {error && (
          <p className="mt-2 text-sm text-red-600" role="alert" data-testid="share-list-error">
            {error}
          </p>
        )}
      </div>
      <div className="overflow-x-auto p-5">
        {shares.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="no-shared-links">
            No shared links.
          </p>
        ) : (
          <table className="w-full min-w-[44rem] text-sm" data-testid="shared-link-list">
            <thead className="border-b border-slate-200">
              <tr>
                <th className={th}>Trace</th>
                <th className={th}>Link</th>
                <th className={th}>Content</th>
                <th className={th}>Created</th>
                <th className={th} />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {shares.map((share) => (
                <tr key={share.id} data-testid="shared-link-row" data-share-id={share.id} data-trace-id={share.trace_id} className="text-slate-700">
                  <td className={`${td} max-w-[18rem]`}>
                    {share.trace_name === null ? (
                      <span className="italic text-slate-400" title={share.trace_id}>
                        trace deleted
                      </span>
                    ) : (
                      <IntentLink href={`/analytics/traces/${share.trace_id}`} className="block truncate font-medium text-slate-900 hover:text-indigo-700" title={share.trace_name}>
                        {share.trace_name}
                      </IntentLink>
                    )}
                    <div className="font-mono text-[11px] text-slate-400">{share.trace_id.slice(0, 12)}…</div>
                  </td>
                  <td className={`${td} font-mono text-xs`}>/share/{share.token_prefix}…</td>
                  <td className={`${td} text-xs`}>
                    {share.redact ? (
                      <span className="rounded-full bg-amber-50 px-2 py-0.5 font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20">redacted</span>
                    ) : (
                      <span className="rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-600">full</span>
                    )}
                  </td>
                  <td className={`${td} text-xs`}>
                    <span title={share.created_at}>{formatDateTime(share.created_at, { utc: !isClient })}</span>
                  </td>
                  <td className={`${td} whitespace-nowrap text-right`}>
                    {confirming === share.id ? (
                      <span className="inline-flex items-center gap-2 text-xs">
                        <span className="text-slate-600">Revoke? The link stops working.</span>
                        <button type="button" disabled={busy} onClick={() => revoke(share.id)} className="rounded-md bg-red-600 px-2 py-1 font-medium text-white hover:bg-red-500" data-testid="confirm-revoke-share">
                          Revoke
                        </button>
                        <button type="button" onClick={() => setConfirming(null)} className="font-medium text-slate-500 hover:text-slate-800">
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setConfirming(share.id)} className="text-xs font-medium text-red-600 hover:text-red-800" data-testid="revoke-share">
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
