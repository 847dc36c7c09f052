/** Where the session and end-user pages link to (pure; ids are encoded, never trusted as paths). */

/** The session view of one session. */
export function sessionHref(sessionId: string): string {
  return `/analytics/sessions/${encodeURIComponent(sessionId)}`;
}

/** The trace list narrowed to one end user. */
export function endUserTracesHref(endUserId: string): string {
  return `/analytics/traces?${new URLSearchParams({ end_user_id: endUserId })}`;
}

/** The trace list narrowed to one session (all its traces, beyond what the session view shows). */
export function sessionTracesHref(sessionId: string): string {
  return `/analytics/traces?${new URLSearchParams({ session_id: sessionId })}`;
}

/** One trace. */
export function traceHref(traceId: string): string {
  return `/analytics/traces/${encodeURIComponent(traceId)}`;
}
