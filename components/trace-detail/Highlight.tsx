'use client';

import { createContext, Fragment, useContext, type ReactNode } from 'react';
import { highlightParts } from '@/lib/trace-view/highlight';

/** The search text the trace was opened with (`?q=`), or '' for none. */
const HighlightContext = createContext('');

/**
 * Marks the occurrences of `query` in the texts of the trace view below it (span inputs and
 * outputs, chat messages, JSON strings, error text): the trace page opened from a search.
 */
export function HighlightProvider({ query, children }: { query?: string | null; children: ReactNode }) {
  return <HighlightContext.Provider value={query?.trim() ?? ''}>{children}</HighlightContext.Provider>;
}

/** The search text to mark, or '' for none. */
export function useHighlight(): string {
  return useContext(HighlightContext);
}

/**
 * A text with each occurrence of the search wrapped in `<mark>`. The text is untrusted model
 * output: it is split into strings and rendered as text nodes, never as HTML.
 */
export function HighlightedText({ text }: { text: string }) {
  const query = useHighlight();
  if (!query) return <>{text}</>;
  const parts = highlightParts(text, query);
  if (parts.length === 1 && !parts[0]!.match) return <>{text}</>;
  return (
    <>
      {parts.map((part, index) =>
        part.match ? (
          <mark key={index} className="rounded-sm bg-amber-200 text-inherit" data-testid="search-highlight">
            {part.text}
          </mark>
        ) : (
          <Fragment key={index}>{part.text}</Fragment>
        ),
      )}
    </>
  );
}
