'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useState } from 'react';
import { CopyButton } from '@/components/trace-detail/CopyButton';
import { apiFetch } from '@/lib/client/api';

interface CreatedShare {
  token: string;
  url: string;
  redact: boolean;
}

/**
 * The trace page's "Share" action: creates a read-only public link to this trace (optionally with
 * inputs and outputs redacted) and shows it once to copy. Links are listed and revoked in Settings.
 */
export function ShareTraceButton({ traceId }: { traceId: string }) {
  const [open, setOpen] = useState(false);
  const [redact, setRedact] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedShare | null>(null);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      setCreated(await apiFetch<CreatedShare>(`/api/analytics/traces/${traceId}/share`, { json: { redact } }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const absolute = created ? `${window.location.origin}${created.url}` : '';

  return (
    <div className="relative">
      <button
        type="button"
        onClick={() => {
          setOpen((value) => !value);
          setCreated(null);
          setError(null);
        }}
        aria-expanded={open}
        className="inline-flex h-7 items-center gap-1.5 rounded-md border border-slate-200 bg-white px-2.5 text-xs font-medium text-slate-700 shadow-sm hover:bg-slate-50 hover:text-slate-900"
        data-testid="share-trace"
      >
        <svg viewBox="0 0 24 24" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
          <path d="M4 12v7a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-7M16 6l-4-4-4 4M12 2v13" />
        </svg>
        Share
      </button>
      {open && (
        <div className="absolute right-0 top-9 z-30 w-[26rem] rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-lg" role="dialog" aria-label="Share this trace" data-testid="share-panel">
          <p className="font-medium text-slate-900">Share this trace</p>
          <p className="mt-1 text-xs text-slate-500">
            Anyone with the link can see this one trace, read-only, without signing in. Nothing else of your account is visible. Revoke a link in{' '}
            <IntentLink href="/settings" className="font-medium text-indigo-600 hover:text-indigo-800">
              Settings
            </IntentLink>
            .
          </p>
          {created ? (
            <div className="mt-3 space-y-2" data-testid="share-created">
              <div className="flex items-center gap-2">
                <input
                  readOnly
                  value={absolute}
                  onFocus={(event) => event.currentTarget.select()}
                  aria-label="Share link"
                  className="h-8 min-w-0 flex-1 rounded-md border border-emerald-300 bg-emerald-50 px-2 font-mono text-xs text-slate-900"
                  data-testid="share-url"
                />
                <CopyButton value={absolute} label="Copy share link" />
              </div>
              <p className="text-xs text-slate-500">
                {created.redact ? 'Inputs, outputs and metadata are left out of this link.' : 'This link shows inputs and outputs.'} Copy it now: only a hash is stored, so it
                is not shown again.
              </p>
            </div>
          ) : (
            <div className="mt-3 space-y-3">
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" checked={redact} onChange={(event) => setRedact(event.target.checked)} className="h-4 w-4 rounded border-slate-300" data-testid="share-redact" />
                Redact inputs and outputs
              </label>
              <div className="flex items-center gap-3">
                <button
                  type="button"
                  onClick={create}
                  disabled={busy}
                  className="h-8 rounded-md bg-indigo-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
                  data-testid="create-share"
                >
                  Create link
                </button>
                {error && (
                  <span className="text-xs text-red-600" role="alert" data-testid="share-error">
                    {error}
                  </span>
                )}
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
