/**
 * Errors the proxy answers itself (no key, unknown key, upstream down…). They go out in the
 * provider's own error shape, not LLMTrace's, because the client is an OpenAI or Anthropic SDK:
 * only the provider's shape makes the SDK raise a typed error whose message the developer sees.
 */
import { TRACE_ID_HEADER, type ProxyDialect, type ProxyErrorKind } from './types';

const STATUS: Record<ProxyErrorKind, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  internal: 500,
  not_configured: 502,
  unreachable: 502,
  unavailable: 503,
};

/**
 * Kinds a retry cannot fix. Their replies carry `x-should-retry: false`, which both official SDKs
 * obey, so a misconfiguration is reported at once instead of after the SDK's backoff retries.
 */
const FINAL: ReadonlySet<ProxyErrorKind> = new Set(['unauthorized', 'forbidden', 'not_found', 'too_large', 'not_configured']);

/** What the client hears when its LLMTrace key cannot be checked because the database is unreachable. */
export const KEY_CHECK_UNAVAILABLE = 'LLMTrace proxy: the LLMTrace key could not be checked right now (database unavailable). Try again shortly.';

/**
 * A failure the proxy reports to the client in the provider's error format.
 *
 * @example
 * throw new ProxyError('unauthorized', 'Send your LLMTrace key (lt_…) as the OpenAI API key.');
 */
export class ProxyError extends Error {
  readonly status: number;

  constructor(
    readonly kind: ProxyErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
    this.status = STATUS[kind];
  }

  /** The reply: the provider's error body, plus the trace id when a span recorded the failure. */
  toResponse(dialect: ProxyDialect, traceId?: string): Response {
    const headers: Record<string, string> = {};
    if (FINAL.has(this.kind)) headers['x-should-retry'] = 'false';
    if (traceId) headers[TRACE_ID_HEADER] = traceId;
    return Response.json(dialect.errorBody(this.kind, this.message), { status: this.status, headers });
  }
}
