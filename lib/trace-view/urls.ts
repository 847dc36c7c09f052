/**
 * A trace's outline (`lib/trace-view/outline.ts`): what the trace page of a big trace loads.
 * `encoding`: `gzip`, as a gzip file that the page unzips itself; `gzip-parts`, in parts, each a
 * gzip file (see the route).
 */
export function traceOutlineUrl(traceId: string, { encoding }: { encoding?: 'gzip' | 'gzip-parts' } = {}): string {
  return `/api/analytics/traces/${traceId}/outline${encoding ? `?encoding=${encoding}` : ''}`;
}
