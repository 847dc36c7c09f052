/** A trace's outline (`lib/trace-view/outline.ts`): what the trace page of a big trace loads. */
export function traceOutlineUrl(traceId: string): string {
  return `/api/analytics/traces/${traceId}/outline`;
}
