'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useSyncExternalStore } from 'react';

/**
 * Picking two traces on the trace list to compare them. The choice lives in sessionStorage, so
 * it survives paging and changing filters: pick one trace, find the other, pick it, compare.
 */
interface Picked {
  traceId: string;
  name: string;
}

const STORAGE_KEY = 'llmtrace.compare';
const NONE: readonly Picked[] = [];
let picked: readonly Picked[] | null = null;
const listeners = new Set<() => void>();

function read(): readonly Picked[] {
  if (picked) return picked;
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
    picked = Array.isArray(stored)
      ? stored.filter((item): item is Picked => typeof item?.traceId === 'string' && /^[0-9a-f]{32}$/.test(item.traceId) && typeof item.name === 'string').slice(-2)
      : NONE;
  } catch {
    picked = NONE;
  }
  return picked;
}

function write(next: readonly Picked[]): void {
  picked = next;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // Storage unavailable: the choice lasts until the page is left.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function usePicked(): readonly Picked[] {
  return useSyncExternalStore(subscribe, read, () => NONE);
}

/** Picks a trace; a third pick drops the oldest, so the last two are compared. */
function toggle(traceId: string, name: string): void {
  const current = read();
  write(current.some((item) => item.traceId === traceId) ? current.filter((item) => item.traceId !== traceId) : [...current, { traceId, name }].slice(-2));
}

/** The checkbox of one trace-list row (above the row's stretched link). */
export function CompareCheckbox({ traceId, name }: { traceId: string; name: string }) {
  const checked = usePicked().some((item) => item.traceId === traceId);
  return (
    <input
      type="checkbox"
      checked={checked}
      onChange={() => toggle(traceId, name)}
      aria-label={`Select ${name} to compare`}
      title="Select to compare (pick two)"
      className="relative z-10 h-4 w-4 cursor-pointer rounded border-slate-300"
      data-testid="compare-select"
    />
  );
}

/** The bar that appears once a trace is picked: "Compare" when there are two. */
export function CompareBar() {
  const current = usePicked();
  if (current.length === 0) return null;
  const [a, b] = current;
  return (
    <div
      className="sticky bottom-4 z-20 mx-auto flex w-fit max-w-full items-center gap-3 rounded-xl border border-slate-200 bg-white px-4 py-2.5 text-sm shadow-lg"
      data-testid="compare-bar"
      data-picked={current.length}
    >
      <span className="min-w-0 truncate text-slate-600">
        {b ? (
          <>
            Compare <b className="font-medium text-slate-900">{a!.name}</b> with <b className="font-medium text-slate-900">{b.name}</b>
          </>
        ) : (
          <>
            <b className="font-medium text-slate-900">{a!.name}</b> picked: pick another trace to compare it with
          </>
        )}
      </span>
      {b && (
        <IntentLink
          href={`/analytics/compare?a=${a!.traceId}&b=${b.traceId}`}
          className="inline-flex h-8 shrink-0 items-center rounded-md bg-indigo-600 px-3 font-medium text-white shadow-sm hover:bg-indigo-500"
          data-testid="compare-selected"
        >
          Compare
        </IntentLink>
      )}
      <button type="button" onClick={() => write(NONE)} className="shrink-0 text-xs font-medium text-slate-500 hover:text-slate-800" data-testid="compare-clear">
        Clear
      </button>
    </div>
  );
}
