'use client';

import { useCallback, useEffect, useState } from 'react';
import { TraceView } from '@/components/trace-detail/TraceView';
import { apiFetch, ApiRequestError } from '@/lib/client/api';
import { GZIP_FRAMES_TYPE, readGzipFrames } from '@/lib/client/gzip-frames';
import { compareOutlineTies, decodeOutline, type TraceOutline } from '@/lib/trace-view/outline';
import { TraceTreeBuilder } from '@/lib/trace-view/tree';
import type { ApiSpan, TraceTree } from '@/lib/trace-view/types';
import { traceOutlineUrl } from '@/lib/trace-view/urls';
import { HighlightProvider } from './Highlight';

/** A User Timing mark (the browser test and the bench read where the time goes). */
const mark = (name: string) => performance.mark(`llmtrace:${name}`);

/**
 * A big trace's tree, from its outline. Where the browser can unzip a stream
 * (`DecompressionStream`), it asks for the outline in parts, each a gzip file compressed fast
 * (`?encoding=gzip-parts`), and unzips, parses and decodes each part, and makes its tree nodes,
 * while the server is still reading the next; once the last has come, the parts are merged in
 * start order and linked. Next.js's own compression of 12 MB of JSON (gzip level 6) held the
 * response up by a few hundred ms, and unzipping, parsing, decoding and building it whole after it
 * arrived took as long again.
 */
async function fetchOutlineTree(traceId: string): Promise<TraceTree> {
  const parts = typeof DecompressionStream === 'function';
  const response = await fetch(traceOutlineUrl(traceId, { parts }), { credentials: 'same-origin' });
  if (!response.ok) {
    const error = ((await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiRequestError(response.status, error?.code ?? 'error', error?.message ?? `Request failed with status ${response.status}.`);
  }
  const builder = new TraceTreeBuilder();
  if (parts && response.body && response.headers.get('content-type')?.startsWith(GZIP_FRAMES_TYPE)) {
    await readGzipFrames(response.body, (text) => builder.add(decodeOutline(JSON.parse(text) as TraceOutline)));
  } else {
    builder.add(decodeOutline((await response.json()) as TraceOutline));
  }
  mark('outline-decoded');
  const tree = builder.build(compareOutlineTies);
  mark('tree-built');
  return tree;
}

/**
 * The trace page's TraceView, keeping the selected span in `?span=`. The URL is updated with
 * `history.replaceState` (which the App Router picks up) rather than `router.replace`, so arrow-key
 * navigation does not re-render the page on the server for every step.
 *
 * `spans` is null for a big trace: its outline is then fetched here (every span's waterfall
 * fields, no inputs or outputs), and the details panel loads the selected span whole.
 *
 * `highlight` is the search the trace was opened from (`?q=`): its occurrences are marked in the
 * details panel.
 */
export function TraceDetailClient({
  spans,
  traceId,
  initialSpanId,
  highlight,
}: {
  spans: ApiSpan[] | null;
  traceId: string;
  initialSpanId?: string;
  highlight?: string;
}) {
  const [tree, setTree] = useState<TraceTree | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The outline is requested after the page is committed, when its `<link rel="preload">` (see the
  // trace page) is in the document: the preload, started by the HTML or, after a navigation within
  // the app, by that commit, answers this request. Requested while rendering, before the commit,
  // a navigation within the app read the outline twice (the request, then the preload).
  useEffect(() => {
    if (spans) return;
    let cancelled = false;
    fetchOutlineTree(traceId)
      .then((built) => !cancelled && setTree(built))
      .catch((err: Error) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [spans, traceId]);

  const onSelectSpan = useCallback((spanId: string | null) => {
    const url = new URL(window.location.href);
    if (spanId) url.searchParams.set('span', spanId);
    else url.searchParams.delete('span');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }, []);

  const findSpans = useCallback(
    (query: string) =>
      apiFetch<{ span_ids: string[] }>(`/api/analytics/traces/${traceId}/search?${new URLSearchParams({ q: query })}`).then(({ span_ids }) => span_ids),
    [traceId],
  );

  if (!spans && !tree) {
    return (
      <div className="flex h-full items-center justify-center rounded-xl border border-slate-200 bg-white text-sm text-slate-500" data-testid="trace-loading">
        {error ? `Could not load the trace: ${error}` : 'Loading the spans…'}
      </div>
    );
  }
  return (
    <HighlightProvider query={highlight}>
      <TraceView {...(spans ? { spans } : { tree: tree! })} initialSpanId={initialSpanId} onSelectSpan={onSelectSpan} exportHref={`/api/analytics/traces/${traceId}/export`} findSpans={findSpans} />
    </HighlightProvider>
  );
}
