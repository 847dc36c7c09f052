'use client';

import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { formatCount } from '@/lib/format';

/** How long typing pauses before the search runs. */
const DEBOUNCE_MS = 150;

/**
 * The waterfall's "find in trace" box: reports the text typed (after a short pause), shows
 * "3 of 120" and steps through the matches (Enter / Shift+Enter, or the arrows). Escape clears.
 */
export function FindInTrace({
  onQuery,
  position,
  total,
  pending,
  onStep,
}: {
  onQuery: (query: string) => void;
  /** 0-based position of the selected match, or -1. */
  position: number;
  total: number;
  /** The server's part of the search has not answered yet. */
  pending: boolean;
  onStep: (delta: 1 | -1) => void;
}) {
  const [text, setText] = useState('');
  const onQueryRef = useRef(onQuery);
  const reported = useRef('');
  useEffect(() => {
    onQueryRef.current = onQuery;
  }, [onQuery]);
  const report = (query: string) => {
    if (query === reported.current) return false;
    reported.current = query;
    onQueryRef.current(query);
    return true;
  };
  useEffect(() => {
    const timer = setTimeout(() => report(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      // Enter right after typing searches at once (going to the first match) instead of stepping the previous search's matches.
      if (!report(text.trim())) onStep(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setText('');
      report('');
    }
  };

  const active = text.trim() !== '';
  return (
    <div className="ml-auto flex items-center gap-1" role="search">
      <input
        type="search"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Find in trace…"
        aria-label="Find in trace: span names, models, errors, inputs and outputs"
        title="Find in trace (Enter: next match, Shift+Enter: previous, Esc: clear)"
        data-testid="trace-search"
        className="h-7 w-44 rounded-md border border-slate-200 bg-white px-2 text-xs text-slate-800 placeholder:text-slate-400 focus:border-indigo-400 focus:outline-none focus:ring-1 focus:ring-indigo-400"
      />
      {active && (
        <>
          <span className="min-w-[4.5rem] font-mono text-[11px] tabular-nums text-slate-500" data-testid="trace-search-count" aria-live="polite">
            {total > 0 ? `${formatCount(position + 1)} of ${formatCount(total)}` : pending ? 'searching…' : 'no match'}
          </span>
          <button
            type="button"
            onClick={() => onStep(-1)}
            disabled={total === 0}
            aria-label="Previous match"
            className="h-6 w-6 rounded text-slate-500 hover:bg-slate-100 disabled:opacity-40"
          >
            ↑
          </button>
          <button
            type="button"
            onClick={() => onStep(1)}
            disabled={total === 0}
            aria-label="Next match"
            className="h-6 w-6 rounded text-slate-500 hover:bg-slate-100 disabled:opacity-40"
          >
            ↓
          </button>
        </>
      )}
    </div>
  );
}
