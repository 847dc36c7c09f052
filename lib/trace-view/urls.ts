/** A big trace's spans without inputs and outputs: the trace page preloads it, the client fetches it. */
export function lightTraceUrl(traceId: string): string {
  return `/api/analytics/traces?trace_id=${traceId}&include_data=false`;
}
