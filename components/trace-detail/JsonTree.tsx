'use client';

import { useState } from 'react';
import { formatCount } from '@/lib/format';
import { containsMatch, firstMatchEnd } from '@/lib/trace-view/highlight';
import { HighlightedText, useHighlight } from './Highlight';
import { ChevronIcon } from './TraceIcons';

/** Strings longer than this are cut, with a button to show the rest. */
const STRING_LIMIT = 400;
/** Items or keys shown per step in a big array or object. */
const CHILD_PAGE = 100;

/**
 * Untrusted text, cut at `limit` characters with a "show all" button. Rendered as text nodes
 * only: markup in it is shown, never interpreted. Occurrences of the trace page's search are
 * marked (see `Highlight.tsx`), and a text whose first occurrence lies past the cut starts open.
 */
export function LongText({ text, limit = STRING_LIMIT, className = '' }: { text: string; limit?: number; className?: string }) {
  const query = useHighlight();
  const [expanded, setExpanded] = useState(() => text.length > limit && firstMatchEnd(text, query) > limit);
  const cut = !expanded && text.length > limit;
  return (
    <span className={`whitespace-pre-wrap break-words [overflow-wrap:anywhere] ${className}`}>
      <HighlightedText text={cut ? text.slice(0, limit) : text} />
      {cut ? '…' : null}
      {text.length > limit && (
        <button
          type="button"
          data-testid={expanded ? 'show-less' : 'show-all'}
          onClick={(event) => {
            event.stopPropagation();
            setExpanded((v) => !v);
          }}
          className="ml-1.5 rounded px-1 align-baseline font-sans text-[11px] font-medium text-indigo-600 hover:bg-indigo-50 hover:text-indigo-800"
        >
          {expanded ? 'show less' : `show all (${formatCount(text.length)} chars)`}
        </button>
      )}
    </span>
  );
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function Primitive({ value }: { value: unknown }) {
  if (typeof value === 'string') {
    return (
      <span className="text-emerald-700">
        &quot;
        <LongText text={value} />
        &quot;
      </span>
    );
  }
  if (typeof value === 'number') return <span className="text-blue-700"><HighlightedText text={String(value)} /></span>;
  if (typeof value === 'boolean') return <span className="text-violet-700">{String(value)}</span>;
  if (value === null) return <span className="text-slate-400">null</span>;
  return <span className="text-slate-400">{typeof value === 'undefined' ? 'undefined' : String(value)}</span>;
}

function summary(value: Record<string, unknown> | unknown[]): string {
  if (Array.isArray(value)) return `[${formatCount(value.length)} ${value.length === 1 ? 'item' : 'items'}]`;
  const n = Object.keys(value).length;
  return `{${formatCount(n)} ${n === 1 ? 'key' : 'keys'}}`;
}

function JsonNode({
  name,
  value,
  depth,
  defaultExpandDepth,
}: {
  name?: string;
  value: unknown;
  depth: number;
  defaultExpandDepth: number;
}) {
  const container = isContainer(value);
  const query = useHighlight();
  // A part holding an occurrence of the search starts open, down to it.
  const [open, setOpen] = useState(() => depth < defaultExpandDepth || (query !== '' && isContainer(value) && containsMatch(value, query)));
  const [shown, setShown] = useState(CHILD_PAGE);
  const label =
    name === undefined ? null : <span className="text-slate-500">{name}</span>;

  if (!container) {
    return (
      <div className="flex gap-1.5 py-px pl-[18px]">
        {label && <span className="shrink-0">{label}:</span>}
        <span className="min-w-0">
          <Primitive value={value} />
        </span>
      </div>
    );
  }

  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const empty = entries.length === 0;

  return (
    <div>
      <button
        type="button"
        onClick={(event) => {
          event.stopPropagation();
          setOpen((v) => !v);
        }}
        disabled={empty}
        aria-expanded={empty ? undefined : open}
        className="group flex w-full items-center gap-0.5 rounded py-px text-left hover:bg-slate-100 disabled:hover:bg-transparent"
      >
        <span className="flex h-4 w-4 shrink-0 items-center justify-center text-slate-400">
          {!empty && <ChevronIcon className={`h-3 w-3 transition-transform ${open ? 'rotate-90' : ''}`} />}
        </span>
        {label && <span className="mr-1">{label}:</span>}
        <span className="text-slate-400">{empty ? (Array.isArray(value) ? '[]' : '{}') : summary(value)}</span>
      </button>
      {open && !empty && (
        <div className="ml-[7px] border-l border-slate-200 pl-2">
          {entries.slice(0, shown).map(([key, child]) => (
            <JsonNode key={key} name={key} value={child} depth={depth + 1} defaultExpandDepth={defaultExpandDepth} />
          ))}
          {entries.length > shown && (
            <button
              type="button"
              onClick={(event) => {
                event.stopPropagation();
                setShown((n) => n + CHILD_PAGE);
              }}
              className="ml-[18px] rounded px-1 font-sans text-[11px] font-medium text-indigo-600 hover:bg-indigo-50"
            >
              show {Math.min(CHILD_PAGE, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * A collapsible view of a JSON value. Objects and arrays open down to `defaultExpandDepth`
 * levels; long strings are cut with a "show all" button. Everything renders as text.
 */
export function JsonTree({ value, defaultExpandDepth = 2 }: { value: unknown; defaultExpandDepth?: number }) {
  return (
    <div className="font-mono text-xs leading-5 text-slate-800" data-testid="json-tree">
      <JsonNode value={value} depth={0} defaultExpandDepth={defaultExpandDepth} />
    </div>
  );
}
