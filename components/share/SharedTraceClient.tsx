'use client';

import { useCallback, useEffect, useState } from 'react';
import { TraceView } from '@/components/trace-detail/TraceView';
import { apiFetch } from '@/lib/client/api';
import { formatCount } from '@/lib/format';
import type { ApiSpan } from '@/lib/trace-view/types';

/** The public API of one share link (no sign-in): the whole trace, or one span with its data. */
export function sharedTraceUrl(token: string, query = ''): string {
  return `/api/share/${encodeURIComponent(token)}${query}`;
}

/**
 * The shared page's trace view: read-only (no export, no share, no link into the account). Like
 * the owner's trace page, a big trace (`spans` null) is fetched here without inputs and outputs,
 * and the details panel loads each selected span's own through the link.
 *
 * The spans are a share link's (`SharedSpan`: no `user_id`); the view never reads that field.
 */
export function SharedTraceClient({ token, spans, spanCount, initialSpanId }: { token: string; spans: ApiSpan[] | null; spanCount: number; initialSpanId?: string }) {
  const [loaded, setLoaded] = useState<ApiSpan[] | null>(spans);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (spans) return setLoaded(spans);
    let cancelled = false;
    apiFetch<{ traces: ApiSpan[] }>(sharedTraceUrl(token, '?include_data=false'))
      .then(({ traces }) => !cancelled && setLoaded(traces))
      .catch((err: Error) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [spans, token]);

  const onSelectSpan = useCallback((spanId: string | null) => {
    const url = new URL(window.location.href);
    if (spanId) url.searchParams.set('span', spanId);
    else url.searchParams.delete('span');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }, []);
  const spanDataUrl = useCallback((span: ApiSpan) => sharedTraceUrl(token, `?span_id=${encodeURIComponent(span.span_id)}`), [token]);

  if (!loaded) {
    return (
      <div className="flex h-full items-center justify-center rounded-xl border border-slate-200 bg-white text-sm text-slate-500" data-testid="trace-loading">
        {error ? `Could not load the trace: ${error}` : `Loading ${formatCount(spanCount)} spans…`}
      </div>
    );
  }
  return <TraceView spans={loaded} initialSpanId={initialSpanId} onSelectSpan={onSelectSpan} spanDataUrl={spanDataUrl} />;
}
