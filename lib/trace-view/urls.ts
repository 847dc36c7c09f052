/** A trace's outline (`lib/trace-view/outline.ts`): what the trace page of a big trace loads, and preloads. */
export function traceOutlineUrl(traceId: string): string {
  return `/api/analytics/traces/${traceId}/outline`;
}
