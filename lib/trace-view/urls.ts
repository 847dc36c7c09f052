/**
 * A trace's outline (`lib/trace-view/outline.ts`): what the trace page of a big trace loads.
 * `parts`: in parts, each a gzip file the page unzips itself (`?encoding=gzip-parts`, see the route).
 */
export function traceOutlineUrl(traceId: string, { parts = false }: { parts?: boolean } = {}): string {
  return `/api/analytics/traces/${traceId}/outline${parts ? '?encoding=gzip-parts' : ''}`;
}
