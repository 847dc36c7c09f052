'use client';

import { useCallback } from 'react';
import { TraceView } from '@/components/trace/TraceView';
import type { ApiSpan } from '@/lib/trace-view/types';

/**
 * The trace page's TraceView, keeping the selected span in `?span=`. The URL is updated with
 * `history.replaceState` (which the App Router picks up) rather than `router.replace`, so arrow-key
 * navigation does not re-render the page on the server for every step.
 */
export function TraceDetailClient({ spans, traceId, initialSpanId }: { spans: ApiSpan[]; traceId: string; initialSpanId?: string }) {
  const onSelectSpan = useCallback((spanId: string | null) => {
    const url = new URL(window.location.href);
    if (spanId) url.searchParams.set('span', spanId);
    else url.searchParams.delete('span');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }, []);
  return <TraceView spans={spans} initialSpanId={initialSpanId} onSelectSpan={onSelectSpan} exportHref={`/api/analytics/traces/${traceId}/export`} />;
}
