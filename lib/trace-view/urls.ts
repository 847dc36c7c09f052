/**
 * A trace's outline (`lib/trace-view/outline.ts`): what the trace page of a big trace loads.
 * `gzip`: as a gzip file that the page unzips itself (`?encoding=gzip`, see the route).
 */
export function traceOutlineUrl(traceId: string, { gzip = false }: { gzip?: boolean } = {}): string {
  return `/api/analytics/traces/${traceId}/outline${gzip ? '?encoding=gzip' : ''}`;
}
