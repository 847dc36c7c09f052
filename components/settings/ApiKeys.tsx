'use client';

import { useState, useSyncExternalStore, type FormEvent } from 'react';
import { apiFetch } from '@/lib/client/api';
import { formatDateTime } from '@/lib/format';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scope: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const subscribeNothing = () => () => {};

function useIsClient() {
  return useSyncExternalStore(subscribeNothing, () => true, () => false);
}

function DateText({ iso, isClient }: { iso: string | null; isClient: boolean }) {
  if (!iso) return <span className="text-slate-400">never</span>;
  return <span title={iso}>{formatDateTime(iso, { utc: !isClient })}</span>;
}

function CopyBox({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard blocked (e.g. plain http): the key can still be selected by hand.
    }
  }
  return (
    <div className="flex items-center gap-2">
      <input
        readOnly
        value={value}
        onFocus={(e) => e.currentTarget.select()}
        className="h-9 flex-1 rounded-md border border-emerald-300 bg-white px-3 font-mono text-sm text-slate-900"
        aria-label="New API key"
        data-testid="new-key-value"
      />
      <button type="button" onClick={copy} className="h-9 rounded-md bg-emerald-600 px-3 text-sm font-medium text-white hover:bg-emerald-500" data-testid="copy-key">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** API keys: list, create (the key is shown once) and revoke. */
export function ApiKeys({ initialKeys }: { initialKeys: ApiKeyRow[] }) {
  const isClient = useIsClient();
  const [keys, setKeys] = useState(initialKeys);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'full' | 'chat'>('full');
  const [created, setCreated] = useState<{ name: string; apiKey: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);

  async function reload() {
    const data = await apiFetch<{ keys: ApiKeyRow[] }>('/api/keys');
    setKeys(data.keys);
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await apiFetch<{ key: { name: string }; apiKey: string }>('/api/keys', { json: { name: name.trim() || 'API key', scope } });
      setCreated({ name: data.key.name, apiKey: data.apiKey });
      setName('');
      await reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    setBusy(true);
    setError(null);
    try {
      await apiFetch(`/api/keys/${id}`, { method: 'DELETE' });
      setConfirming(null);
      await reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const th = 'px-3 py-2 text-left text-[11px] font-medium uppercase tracking-wide text-slate-500';
  const td = 'px-3 py-2.5';

  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="api-keys">
      <div className="border-b border-slate-200 px-5 py-4">
        <h2 className="text-sm font-semibold text-slate-900">API keys</h2>
        <p className="mt-0.5 text-sm text-slate-500">
          Send <code className="rounded bg-slate-100 px-1 font-mono text-xs">Authorization: Bearer lt_…</code> to the API. A <b>chat</b> key may only call{' '}
          <code className="rounded bg-slate-100 px-1 font-mono text-xs">/api/chat</code> (for widgets); a <b>full</b> key may also read and send traces.
        </p>
      </div>

      <form onSubmit={create} className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-4">
        <label className="flex flex-col gap-1">
          <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Name</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            placeholder="e.g. production app"
            className="h-8 w-64 rounded-md border border-slate-200 px-2 text-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100"
            data-testid="key-name"
          />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Scope</span>
          <select value={scope} onChange={(e) => setScope(e.target.value as 'full' | 'chat')} className="h-8 rounded-md border border-slate-200 bg-white px-2 text-sm" data-testid="key-scope">
            <option value="full">full: everything</option>
            <option value="chat">chat: /api/chat only</option>
          </select>
        </label>
        <button type="submit" disabled={busy} className="h-8 rounded-md bg-indigo-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60" data-testid="create-key">
          Create key
        </button>
        {error && (
          <span className="text-sm text-red-600" role="alert" data-testid="key-error">
            {error}
          </span>
        )}
      </form>

      {created && (
        <div className="mx-5 mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3" data-testid="new-key">
          <p className="text-sm font-medium text-emerald-900">Key “{created.name}” created. Copy it now: it will not be shown again.</p>
          <p className="mb-2 text-xs text-emerald-800">Only a hash is stored. If you lose it, revoke it and create another.</p>
          <CopyBox value={created.apiKey} />
          <button type="button" onClick={() => setCreated(null)} className="mt-2 text-xs font-medium text-emerald-800 hover:text-emerald-950" data-testid="dismiss-new-key">
            I have copied it, hide it
          </button>
        </div>
      )}

      <div className="overflow-x-auto p-5">
        {keys.length === 0 ? (
          <p className="text-sm text-slate-500">No API keys yet.</p>
        ) : (
          <table className="w-full min-w-[44rem] text-sm" data-testid="key-list">
            <thead className="border-b border-slate-200">
              <tr>
                <th className={th}>Name</th>
                <th className={th}>Key</th>
                <th className={th}>Scope</th>
                <th className={th}>Created</th>
                <th className={th}>Last used</th>
                <th className={th}>Status</th>
                <th className={th} />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {keys.map((key) => (
                <tr key={key.id} data-testid="key-row" data-key-id={key.id} data-revoked={key.revokedAt ? 'true' : 'false'} className={key.revokedAt ? 'text-slate-400' : 'text-slate-700'}>
                  <td className={`${td} font-medium`}>{key.name}</td>
                  <td className={`${td} font-mono text-xs`}>{key.prefix}…</td>
                  <td className={td}>
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${key.scope === 'chat' ? 'bg-amber-50 text-amber-700 ring-amber-600/20' : 'bg-indigo-50 text-indigo-700 ring-indigo-600/20'}`}>{key.scope}</span>
                  </td>
                  <td className={`${td} text-xs`}>
                    <DateText iso={key.createdAt} isClient={isClient} />
                  </td>
                  <td className={`${td} text-xs`}>
                    <DateText iso={key.lastUsedAt} isClient={isClient} />
                  </td>
                  <td className={`${td} text-xs`}>
                    {key.revokedAt ? (
                      <span data-testid="key-revoked">
                        Revoked <DateText iso={key.revokedAt} isClient={isClient} />
                      </span>
                    ) : (
                      <span className="font-medium text-emerald-700">Active</span>
                    )}
                  </td>
                  <td className={`${td} whitespace-nowrap text-right`}>
                    {!key.revokedAt &&
                      (confirming === key.id ? (
                        <span className="inline-flex items-center gap-2 text-xs">
                          <span className="text-slate-600">Revoke? Apps using it stop working.</span>
                          <button type="button" disabled={busy} onClick={() => revoke(key.id)} className="rounded-md bg-red-600 px-2 py-1 font-medium text-white hover:bg-red-500" data-testid="confirm-revoke">
                            Revoke
                          </button>
                          <button type="button" onClick={() => setConfirming(null)} className="font-medium text-slate-500 hover:text-slate-800">
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button type="button" onClick={() => setConfirming(key.id)} className="text-xs font-medium text-red-600 hover:text-red-800" data-testid="revoke-key">
                          Revoke
                        </button>
                      ))}
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
