'use client';

import { useState, type FormEvent } from 'react';
import { apiFetch, ApiRequestError } from '@/lib/client/api';
import type { PrivacySettings } from '@/lib/privacy/settings';

/** What `GET /api/settings/privacy` returns. */
export type PrivacySettingsView = PrivacySettings & { serverRetentionDays: number };

type DetectorName = PrivacySettings['masking']['detectors'][number];

const DETECTOR_LABELS: ReadonlyArray<{ name: DetectorName; label: string; replacement: string; hint: string }> = [
  { name: 'email', label: 'Email addresses', replacement: '[EMAIL]', hint: 'name@example.com' },
  { name: 'phone', label: 'Phone numbers', replacement: '[PHONE]', hint: 'international format, +44 20 7946 0958' },
  { name: 'card', label: 'Payment cards', replacement: '[CARD]', hint: 'Luhn-checked, known issuers' },
  { name: 'iban', label: 'IBANs', replacement: '[IBAN]', hint: 'checksum-verified' },
  { name: 'ip', label: 'IP addresses', replacement: '[IP]', hint: 'IPv4 and IPv6' },
  { name: 'secret', label: 'Secrets', replacement: '[SECRET]', hint: 'OpenAI, Anthropic, AWS, GitHub keys, JWTs, Bearer tokens, private keys' },
];

const label = 'text-[11px] font-medium uppercase tracking-wide text-slate-500';
const input = 'h-8 rounded-md border border-slate-200 px-2 text-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100';
const code = 'rounded bg-slate-100 px-1 font-mono text-xs';

/** A share (0–1) as the percentage the box shows: `0.25` → `25`. */
function percentText(rate: number): string {
  return String(Math.round(rate * 100_000) / 1000);
}

function errorText(error: unknown): string {
  if (error instanceof ApiRequestError && error.details.length > 0) return error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
  return error instanceof Error ? error.message : String(error);
}

/** Privacy: masking rules, retention, sampling, and deleting an end user's or a session's data. */
export function Privacy({ initialSettings }: { initialSettings: PrivacySettingsView }) {
  const [detectors, setDetectors] = useState<DetectorName[]>(initialSettings.masking.detectors);
  const [custom, setCustom] = useState(initialSettings.masking.custom);
  const [spanNames, setSpanNames] = useState(initialSettings.masking.spanNames);
  const [retention, setRetention] = useState(initialSettings.retentionDays === null ? '' : String(initialSettings.retentionDays));
  const [keepPercent, setKeepPercent] = useState(percentText(initialSettings.sampling.successRate));
  const [keepFailed, setKeepFailed] = useState(initialSettings.sampling.keepFailed);
  const [slowMs, setSlowMs] = useState(initialSettings.sampling.slowMs === null ? '' : String(initialSettings.sampling.slowMs));
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function toggle(name: DetectorName, on: boolean) {
    setDetectors((current) => (on ? [...current, name] : current.filter((n) => n !== name)));
    setSaved(false);
  }

  function editPattern(index: number, change: Partial<{ pattern: string; replacement: string }>) {
    setCustom((current) => current.map((row, i) => (i === index ? { ...row, ...change } : row)));
    setSaved(false);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const days = retention.trim() === '' ? null : Number(retention);
      const body = {
        masking: { detectors, custom: custom.filter((c) => c.pattern !== ''), spanNames },
        sampling: {
          // An empty box keeps everything; the server refuses a share outside 0–100 % with the reason.
          successRate: keepPercent.trim() === '' ? 1 : Number(keepPercent) / 100,
          keepFailed,
          slowMs: slowMs.trim() === '' ? null : Number(slowMs),
        },
        retentionDays: days,
      };
      const result = await apiFetch<PrivacySettingsView>('/api/settings/privacy', { method: 'PUT', json: body });
      setDetectors(result.masking.detectors);
      setCustom(result.masking.custom);
      setSpanNames(result.masking.spanNames);
      setRetention(result.retentionDays === null ? '' : String(result.retentionDays));
      setKeepPercent(percentText(result.sampling.successRate));
      setKeepFailed(result.sampling.keepFailed);
      setSlowMs(result.sampling.slowMs === null ? '' : String(result.sampling.slowMs));
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="privacy">
      <div className="border-b border-slate-200 px-5 py-4">
        <h2 className="text-sm font-semibold text-slate-900">Privacy</h2>
        <p className="mt-0.5 text-sm text-slate-500">
          Masking runs on the server before anything is written, on every path: the chat API, <code className={code}>/api/analytics/traces</code>, OTLP and the proxy. It applies to
          inputs, outputs, error messages and metadata of spans stored from now on (and to chat messages); spans already stored are not rewritten. Detectors cannot catch everything:
          names, addresses and secrets in free text pass through.
        </p>
      </div>

      <form onSubmit={save} className="space-y-5 px-5 py-4">
        <fieldset>
          <legend className={label}>Built-in detectors</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            {DETECTOR_LABELS.map((d) => (
              <label key={d.name} className="flex items-start gap-2 text-sm text-slate-700">
                <input type="checkbox" className="mt-1" checked={detectors.includes(d.name)} onChange={(e) => toggle(d.name, e.target.checked)} data-testid={`detector-${d.name}`} />
                <span>
                  {d.label} → <code className={code}>{d.replacement}</code>
                  <span className="block text-xs text-slate-500">{d.hint}</span>
                </span>
              </label>
            ))}
          </div>
          <label className="mt-3 flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={spanNames} onChange={(e) => (setSpanNames(e.target.checked), setSaved(false))} data-testid="mask-span-names" />
            Mask span names too
          </label>
        </fieldset>

        <fieldset>
          <legend className={label}>Your own patterns</legend>
          <p className="mt-1 text-xs text-slate-500">
            Regular expressions in RE2 syntax (linear-time: no backreferences or look-arounds; <code className={code}>(?i)</code> for case-insensitive), run after the detectors. Each match
            is replaced by the replacement text as written.
          </p>
          <div className="mt-2 space-y-2">
            {custom.map((row, index) => (
              <div key={index} className="flex flex-wrap items-center gap-2" data-testid="custom-pattern">
                <input
                  value={row.pattern}
                  onChange={(e) => editPattern(index, { pattern: e.target.value })}
                  placeholder="e.g. ORD-\d{6}"
                  aria-label="Pattern"
                  className={`${input} w-72 font-mono`}
                  data-testid="custom-pattern-regex"
                />
                <input
                  value={row.replacement}
                  onChange={(e) => editPattern(index, { replacement: e.target.value })}
                  placeholder="[REDACTED]"
                  aria-label="Replacement"
                  maxLength={200}
                  className={`${input} w-40 font-mono`}
                  data-testid="custom-pattern-replacement"
                />
                <button
                  type="button"
                  onClick={() => (setCustom((current) => current.filter((_, i) => i !== index)), setSaved(false))}
                  className="text-xs font-medium text-red-600 hover:text-red-800"
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => setCustom((current) => [...current, { pattern: '', replacement: '[REDACTED]' }])}
              className="text-xs font-medium text-indigo-600 hover:text-indigo-800"
              data-testid="add-pattern"
            >
              + Add a pattern
            </button>
          </div>
        </fieldset>

        <fieldset className="flex flex-wrap items-end gap-6">
          <label className="flex flex-col gap-1">
            <span className={label}>Keep spans for (days)</span>
            <input
              type="number"
              min={1}
              max={36500}
              value={retention}
              onChange={(e) => (setRetention(e.target.value), setSaved(false))}
              placeholder={`${initialSettings.serverRetentionDays} (server default)`}
              className={`${input} w-56`}
              data-testid="retention-days"
            />
          </label>
          <p className="max-w-md text-xs text-slate-500">
            Leave the retention empty to follow the server&apos;s <code className={code}>TRACE_RETENTION_DAYS</code>.
          </p>
        </fieldset>

        <fieldset data-testid="sampling-settings">
          <legend className={label}>Sampling</legend>
          <p className="mt-1 max-w-3xl text-xs text-slate-500">
            To store less, keep only a share of <b>successful</b> traces (their root completed and no span failed); failed traces, and slow ones if you set a threshold, are always kept.
            The choice is made per trace, from its trace id, once its root span has ended: a trace is kept whole or dropped whole, never in part. Spans of a dropped trace that arrive
            later are dropped too. The Overview says how many traces were sampled out, since its requests, tokens and cost then count only the kept ones. 100&nbsp;% keeps everything.
          </p>
          <div className="mt-2 flex flex-wrap items-end gap-6">
            <label className="flex flex-col gap-1">
              <span className={label}>Keep successful traces (%)</span>
              <input
                type="number"
                min={0}
                max={100}
                step="any"
                value={keepPercent}
                onChange={(e) => (setKeepPercent(e.target.value), setSaved(false))}
                placeholder="100"
                className={`${input} w-40`}
                data-testid="sampling-rate"
              />
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Always keep traces slower than (ms)</span>
              <input
                type="number"
                min={1}
                max={86400000}
                value={slowMs}
                onChange={(e) => (setSlowMs(e.target.value), setSaved(false))}
                placeholder="no threshold"
                className={`${input} w-48`}
                data-testid="sampling-slow-ms"
              />
            </label>
            <label className="flex items-center gap-2 pb-1.5 text-sm text-slate-700">
              <input type="checkbox" checked={keepFailed} onChange={(e) => (setKeepFailed(e.target.checked), setSaved(false))} data-testid="sampling-keep-failed" />
              Always keep failed traces
            </label>
          </div>
          {!keepFailed && (
            <p className="mt-2 text-xs text-amber-700">Failed traces will be sampled at the same share as successful ones: some failures will not be stored.</p>
          )}
        </fieldset>

        <div className="flex items-center gap-3">
          <button type="submit" disabled={busy} className="h-8 rounded-md bg-indigo-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60" data-testid="save-privacy">
            Save privacy settings
          </button>
          {saved && (
            <span className="text-sm text-emerald-700" data-testid="privacy-saved">
              Saved. New spans are masked and sampled by these rules from now on.
            </span>
          )}
          {error && (
            <span className="text-sm text-red-600" role="alert" data-testid="privacy-error">
              {error}
            </span>
          )}
        </div>
      </form>

      <DeleteSubject />
    </section>
  );
}

interface Deleted {
  spans: number;
  messages: number;
  evaluations: number;
}

/** "Delete an end user's data": an end user id or a session id → confirm → the counts deleted. */
function DeleteSubject() {
  const [kind, setKind] = useState<'end-users' | 'sessions'>('end-users');
  const [id, setId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ id: string; deleted: Deleted } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const what = kind === 'end-users' ? 'end user' : 'session';

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      const data = await apiFetch<{ deleted: Deleted }>(`/api/${kind}/${encodeURIComponent(id.trim())}`, { method: 'DELETE' });
      setResult({ id: id.trim(), deleted: data.deleted });
      setConfirming(false);
      setId('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="border-t border-slate-200 px-5 py-4" data-testid="delete-subject">
      <h3 className="text-sm font-semibold text-slate-900">Delete an end user&apos;s data</h3>
      <p className="mt-0.5 text-sm text-slate-500">
        For data-subject requests: deletes every trace in which a span carries this id, the chat conversations of those traces with their messages, and the evaluations of those messages.
        This cannot be undone.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim()) setConfirming(true);
        }}
        className="mt-3 flex flex-wrap items-end gap-3"
      >
        <label className="flex flex-col gap-1">
          <span className={label}>By</span>
          <select value={kind} onChange={(e) => (setKind(e.target.value as 'end-users' | 'sessions'), setConfirming(false))} className="h-8 rounded-md border border-slate-200 bg-white px-2 text-sm" data-testid="delete-kind">
            <option value="end-users">end user id</option>
            <option value="sessions">session id</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className={label}>Id</span>
          <input value={id} onChange={(e) => (setId(e.target.value), setConfirming(false))} maxLength={200} placeholder={kind === 'end-users' ? 'e.g. user-42' : 'e.g. a conversation id'} className={`${input} w-72`} data-testid="delete-id" />
        </label>
        {confirming ? (
          <span className="inline-flex items-center gap-2 text-sm">
            <span className="text-slate-700">
              Delete all data of {what} <b>{id.trim()}</b>?
            </span>
            <button type="button" disabled={busy} onClick={remove} className="h-8 rounded-md bg-red-600 px-3 font-medium text-white hover:bg-red-500 disabled:opacity-60" data-testid="confirm-delete-subject">
              Delete
            </button>
            <button type="button" onClick={() => setConfirming(false)} className="font-medium text-slate-500 hover:text-slate-800">
              Cancel
            </button>
          </span>
        ) : (
          <button type="submit" disabled={!id.trim()} className="h-8 rounded-md border border-red-300 px-3 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-50" data-testid="delete-subject-button">
            Delete…
          </button>
        )}
      </form>
      {result && (
        <p className="mt-3 text-sm text-slate-700" data-testid="delete-subject-result">
          Deleted for <b>{result.id}</b>: {result.deleted.spans} spans, {result.deleted.messages} messages, {result.deleted.evaluations} evaluations.
        </p>
      )}
      {error && (
        <p className="mt-3 text-sm text-red-600" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
