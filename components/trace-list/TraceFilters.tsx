'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useSyncExternalStore, useTransition, type ReactNode } from 'react';
import { filterQuery, hasFilters, type FilterValues, type SingleFilterKey } from './filters';

const OPERATIONS: Array<[string, string]> = [
  ['llm_call', 'LLM call'],
  ['tool_call', 'Tool call'],
  ['retrieval', 'Retrieval'],
  ['embedding', 'Embedding'],
  ['chain', 'Chain'],
  ['agent', 'Agent'],
  ['other', 'Other'],
];
const STATUSES: Array<[string, string]> = [
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['running', 'Running'],
  ['pending', 'Pending'],
  ['cancelled', 'Cancelled'],
];
const DURATION_PRESETS: Array<{ key: string; label: string; min?: string; max?: string }> = [
  { key: 'any', label: 'Any duration' },
  { key: 'lt1s', label: '< 1 s', max: '1000' },
  { key: 'gt1s', label: '> 1 s', min: '1000' },
  { key: 'gt5s', label: '> 5 s', min: '5000' },
  { key: 'gt10s', label: '> 10 s', min: '10000' },
  { key: 'gt30s', label: '> 30 s', min: '30000' },
];
const RANGE_PRESETS: Array<{ key: string; label: string; ms?: number }> = [
  { key: 'any', label: 'Any time' },
  { key: '1h', label: 'Last 1 hour', ms: 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

const subscribeNothing = () => () => {};
const control =
  'h-8 rounded-md border border-slate-200 bg-white px-2 text-sm text-slate-700 shadow-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100';

function durationPreset(values: FilterValues): string {
  if (!values.min_duration_ms && !values.max_duration_ms) return 'any';
  const match = DURATION_PRESETS.find((p) => p.key !== 'any' && (p.min ?? '') === (values.min_duration_ms ?? '') && (p.max ?? '') === (values.max_duration_ms ?? ''));
  return match?.key ?? 'custom';
}

/** ISO → the `YYYY-MM-DDTHH:mm` of a datetime-local input, in the browser's time zone. */
function toLocalInput(value: string | undefined): string {
  if (!value) return '';
  const date = new Date(/^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</span>
      {children}
    </label>
  );
}

/** `options` plus `current` when the URL names a value the pickers have not seen recently. */
function withCurrent(options: string[], current: string | undefined): string[] {
  return current && !options.includes(current) ? [current, ...options] : options;
}

/**
 * The trace list's filters. Every change goes to the URL (router.push), which re-renders the list
 * on the server: a view (search, session, end user, tags, service and the rest) is a link that
 * can be bookmarked or sent to a teammate.
 */
export function TraceFilters({ values, providers, models, services }: { values: FilterValues; providers: string[]; models: string[]; services: string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const isClient = useSyncExternalStore(subscribeNothing, () => true, () => false);

  const [q, setQ] = useState(values.q ?? '');
  const [model, setModel] = useState(values.model_name ?? '');
  const [session, setSession] = useState(values.session_id ?? '');
  const [endUser, setEndUser] = useState(values.end_user_id ?? '');
  const [tagDraft, setTagDraft] = useState('');
  const tags = values.tag ?? [];
  const [duration, setDuration] = useState(() => durationPreset(values));
  const [minMs, setMinMs] = useState(values.min_duration_ms ?? '');
  const [maxMs, setMaxMs] = useState(values.max_duration_ms ?? '');
  const [range, setRange] = useState(values.from || values.to ? 'custom' : 'any');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  // Keep the inputs in step with the URL (back/forward, "Clear filters").
  const valuesKey = JSON.stringify(values);
  const lastKey = useRef(valuesKey);
  useEffect(() => {
    if (lastKey.current === valuesKey) return;
    lastKey.current = valuesKey;
    setQ(values.q ?? '');
    setModel(values.model_name ?? '');
    setSession(values.session_id ?? '');
    setEndUser(values.end_user_id ?? '');
    setMinMs(values.min_duration_ms ?? '');
    setMaxMs(values.max_duration_ms ?? '');
    setDuration((current) => (current === 'custom' && (values.min_duration_ms || values.max_duration_ms) ? 'custom' : durationPreset(values)));
    if (!values.from && !values.to) setRange('any');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [valuesKey]);
  useEffect(() => {
    if (!isClient) return;
    setFrom(toLocalInput(values.from));
    setTo(toLocalInput(values.to));
  }, [isClient, values.from, values.to]);

  function apply(changes: FilterValues) {
    const next: FilterValues = { ...values };
    for (const [key, value] of Object.entries(changes) as Array<[SingleFilterKey | 'tag', string | string[] | undefined]>) {
      if (key === 'tag') {
        const list = Array.isArray(value) ? value.filter(Boolean) : [];
        if (list.length > 0) next.tag = list;
        else delete next.tag;
      } else if (typeof value === 'string' && value) next[key] = value;
      else delete next[key];
    }
    // A new filter starts from the first page (the cursor is dropped).
    startTransition(() => router.push(`${pathname}${filterQuery(next)}`));
  }

  // The search box applies itself 400 ms after typing stops (Enter applies at once).
  const qTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  function onSearchChange(text: string) {
    setQ(text);
    if (qTimer.current) clearTimeout(qTimer.current);
    qTimer.current = setTimeout(() => {
      if (text.trim() !== (values.q ?? '')) apply({ q: text.trim() });
    }, 400);
  }
  useEffect(() => () => {
    if (qTimer.current) clearTimeout(qTimer.current);
  }, []);

  const active = hasFilters(values);
  /** A tag typed in the tag box joins the view's tags (a trace must carry all of them). */
  function addTag(text: string) {
    const tag = text.trim();
    setTagDraft('');
    if (tag && !tags.includes(tag)) apply({ tag: [...tags, tag] });
  }

  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label="Filters" data-testid="trace-filters" data-pending={pending || undefined}>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (qTimer.current) clearTimeout(qTimer.current);
          apply({ q: q.trim(), model_name: model.trim(), session_id: session.trim(), end_user_id: endUser.trim(), ...(tagDraft.trim() && !tags.includes(tagDraft.trim()) ? { tag: [...tags, tagDraft.trim()] } : {}) });
          setTagDraft('');
        }}
      >
        <div className="flex min-w-[14rem] flex-1 flex-col gap-1">
          <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Search</span>
          <div className="relative">
            <svg viewBox="0 0 24 24" className="pointer-events-none absolute left-2 top-2 h-4 w-4 text-slate-400" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
              <circle cx="11" cy="11" r="7" />
              <path d="m20 20-3.5-3.5" strokeLinecap="round" />
            </svg>
            <input
              type="search"
              value={q}
              onChange={(event) => onSearchChange(event.target.value)}
              placeholder="Text of inputs and outputs, a name, error or id…"
              aria-label="Search traces"
              className={`${control} w-full pl-8`}
              data-testid="filter-q"
            />
          </div>
        </div>
        <Field label="Status">
          <select className={control} value={values.status ?? ''} onChange={(e) => apply({ status: e.target.value })} data-testid="filter-status">
            <option value="">All statuses</option>
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Operation">
          <select className={control} value={values.operation_type ?? ''} onChange={(e) => apply({ operation_type: e.target.value })} data-testid="filter-operation">
            <option value="">Any operation</option>
            {OPERATIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Provider">
          <select className={control} value={values.model_provider ?? ''} onChange={(e) => apply({ model_provider: e.target.value })} data-testid="filter-provider">
            <option value="">All providers</option>
            {withCurrent(providers, values.model_provider).map((provider) => (
              <option key={provider} value={provider}>
                {provider}
              </option>
            ))}
          </select>
        </Field>
        {(services.length > 0 || values.service_name) && (
          <Field label="Service">
            <select className={control} value={values.service_name ?? ''} onChange={(e) => apply({ service_name: e.target.value })} data-testid="filter-service">
              <option value="">All services</option>
              {withCurrent(services, values.service_name).map((service) => (
                <option key={service} value={service}>
                  {service}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label="Model">
          <input
            className={`${control} w-40`}
            list="trace-filter-models"
            value={model}
            placeholder="Any model"
            onChange={(e) => setModel(e.target.value)}
            onBlur={() => model.trim() !== (values.model_name ?? '') && apply({ model_name: model.trim() })}
            data-testid="filter-model"
          />
          <datalist id="trace-filter-models">
            {models.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </Field>
        <Field label="Session">
          <input
            className={`${control} w-36`}
            value={session}
            placeholder="Any session"
            onChange={(e) => setSession(e.target.value)}
            onBlur={() => session.trim() !== (values.session_id ?? '') && apply({ session_id: session.trim() })}
            data-testid="filter-session"
          />
        </Field>
        <Field label="End user">
          <input
            className={`${control} w-36`}
            value={endUser}
            placeholder="Any end user"
            onChange={(e) => setEndUser(e.target.value)}
            onBlur={() => endUser.trim() !== (values.end_user_id ?? '') && apply({ end_user_id: endUser.trim() })}
            data-testid="filter-end-user"
          />
        </Field>
        {/* Not a <label>: clicking its caption would press the first tag's remove button. */}
        <div className="flex flex-col gap-1">
          <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Tags</span>
          <div className="flex h-8 items-center gap-1 rounded-md border border-slate-200 bg-white px-1.5 shadow-sm focus-within:border-indigo-400 focus-within:ring-2 focus-within:ring-indigo-100">
            {tags.map((tag) => (
              <span key={tag} className="inline-flex items-center gap-0.5 rounded bg-amber-50 px-1.5 py-px text-xs text-amber-800" data-testid="filter-tag-chip">
                #{tag}
                <button
                  type="button"
                  onClick={() => apply({ tag: tags.filter((t) => t !== tag) })}
                  className="ml-0.5 rounded text-amber-500 hover:text-amber-900"
                  aria-label={`Remove tag ${tag}`}
                >
                  ×
                </button>
              </span>
            ))}
            <input
              className="h-7 w-24 min-w-0 bg-transparent px-1 text-sm text-slate-700 outline-none"
              value={tagDraft}
              placeholder={tags.length > 0 ? 'and…' : 'Any tag'}
              onChange={(e) => setTagDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ',') {
                  e.preventDefault();
                  addTag(tagDraft);
                } else if (e.key === 'Backspace' && tagDraft === '' && tags.length > 0) {
                  apply({ tag: tags.slice(0, -1) });
                }
              }}
              onBlur={() => tagDraft.trim() && addTag(tagDraft)}
              aria-label="Filter by tag"
              data-testid="filter-tag"
            />
          </div>
        </div>
        <Field label="Duration">
          <select
            className={control}
            value={duration}
            data-testid="filter-duration"
            onChange={(e) => {
              const key = e.target.value;
              setDuration(key);
              if (key === 'custom') return;
              const preset = DURATION_PRESETS.find((p) => p.key === key);
              apply({ min_duration_ms: preset?.min, max_duration_ms: preset?.max });
            }}
          >
            {DURATION_PRESETS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        </Field>
        {duration === 'custom' && (
          <div className="flex items-end gap-1">
            <Field label="Min ms">
              <input
                type="number"
                min={0}
                className={`${control} w-24`}
                value={minMs}
                onChange={(e) => setMinMs(e.target.value)}
                onBlur={() => minMs !== (values.min_duration_ms ?? '') && apply({ min_duration_ms: minMs })}
                data-testid="filter-min-duration"
              />
            </Field>
            <Field label="Max ms">
              <input
                type="number"
                min={0}
                className={`${control} w-24`}
                value={maxMs}
                onChange={(e) => setMaxMs(e.target.value)}
                onBlur={() => maxMs !== (values.max_duration_ms ?? '') && apply({ max_duration_ms: maxMs })}
                data-testid="filter-max-duration"
              />
            </Field>
          </div>
        )}
        <Field label="Time">
          <select
            className={control}
            value={range}
            data-testid="filter-range"
            onChange={(e) => {
              const key = e.target.value;
              setRange(key);
              if (key === 'custom') return;
              const preset = RANGE_PRESETS.find((p) => p.key === key);
              apply({ from: preset?.ms ? new Date(Date.now() - preset.ms).toISOString() : undefined, to: undefined });
            }}
          >
            {RANGE_PRESETS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom range…</option>
          </select>
        </Field>
        {range === 'custom' && (
          <div className="flex items-end gap-1">
            <Field label="From">
              <input
                type="datetime-local"
                className={control}
                value={from}
                onChange={(e) => setFrom(e.target.value)}
                onBlur={() => apply({ from: fromLocalInput(from) })}
                data-testid="filter-from"
              />
            </Field>
            <Field label="To">
              <input
                type="datetime-local"
                className={control}
                value={to}
                onChange={(e) => setTo(e.target.value)}
                onBlur={() => apply({ to: fromLocalInput(to) })}
                data-testid="filter-to"
              />
            </Field>
          </div>
        )}
        <button type="submit" className="sr-only">
          Apply filters
        </button>
        {active && (
          <button
            type="button"
            onClick={() => {
              setDuration('any');
              setRange('any');
              startTransition(() => router.push(pathname));
            }}
            className="h-8 rounded-md px-2 text-sm font-medium text-slate-500 hover:bg-slate-100 hover:text-slate-800"
            data-testid="clear-filters"
          >
            Clear filters
          </button>
        )}
        {pending && <span className="h-8 self-end text-xs leading-8 text-slate-400">Loading…</span>}
      </form>
    </section>
  );
}
