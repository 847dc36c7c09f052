import type { ProviderName } from './types';

export type ProviderErrorCode =
  /** 429 from the provider. */
  | 'rate_limited'
  /** 401/403: the key is missing, wrong or lacks access. */
  | 'authentication_failed'
  /** 400/404/422: the provider rejected the request (unknown model, bad parameters, context too long). */
  | 'invalid_request'
  /** 5xx, 529 (overloaded) or the demo model's scripted failure. */
  | 'provider_unavailable'
  /** No response before the client's time-out. */
  | 'timeout'
  /** The provider could not be reached (DNS, refused connection, reset). */
  | 'connection_failed'
  /** The provider answered something we could not use. */
  | 'invalid_response'
  /** The provider has no key or URL configured here. */
  | 'not_configured';

/**
 * A model provider failed. The HTTP layer maps it to 502 `provider_error`; `status` is the
 * provider's own HTTP status when there was one.
 *
 * @example
 * throw new ProviderError({ provider: 'openai', status: 429, code: 'rate_limited', message: 'Rate limit reached', retryable: true });
 */
export class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly status?: number;
  readonly code: ProviderErrorCode;
  /** Trying again later may succeed (rate limits, 5xx, time-outs, connection failures). */
  readonly retryable: boolean;
  /** From the provider's `retry-after` header, when it sent one. */
  readonly retryAfterMs?: number;

  constructor(fields: {
    provider: ProviderName;
    status?: number;
    code: ProviderErrorCode;
    message: string;
    retryable: boolean;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'ProviderError';
    this.provider = fields.provider;
    this.status = fields.status;
    this.code = fields.code;
    this.retryable = fields.retryable;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** The caller aborted (its AbortSignal fired) a model or tool call: a cancellation, not a failure. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled by the caller.', options?: { cause?: unknown }) {
    super(message, options);
    // The name every fetch-based API uses for aborts, so `isAbortError` and `withSpan` see a cancellation.
    this.name = 'AbortError';
  }
}

/**
 * True for anything that means "the caller gave up": our {@link CancelledError}, a DOM
 * `AbortError`, the SDKs' `APIUserAbortError`, or any error thrown after `signal` fired. The same
 * rule `withSpan` uses to end a span `cancelled`.
 */
export { isAbortError } from '@llmtrace/sdk';

/** The status of an HTTP error → our code and whether a retry may help. */
function classifyStatus(status: number): { code: ProviderErrorCode; retryable: boolean } {
  if (status === 429) return { code: 'rate_limited', retryable: true };
  if (status === 401 || status === 403) return { code: 'authentication_failed', retryable: false };
  if (status === 408) return { code: 'timeout', retryable: true };
  if (status >= 500) return { code: 'provider_unavailable', retryable: true };
  return { code: 'invalid_request', retryable: false };
}

/** `retry-after` (seconds or an HTTP date) or `retry-after-ms` → milliseconds. */
function parseRetryAfter(headers: { get(name: string): string | null } | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T;

/**
 * The error classes both official SDKs export as statics (`OpenAI.APIError`,
 * `Anthropic.APIError`…): the same Stainless-generated hierarchy, so one mapping serves both.
 * Passing them in keeps this module free of either SDK.
 */
export interface SdkErrorClasses {
  APIError: ErrorClass<Error & { readonly status: number | undefined; readonly headers: Headers | undefined }>;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

/**
 * Any failure of a provider SDK call → our {@link ProviderError}, or a {@link CancelledError}
 * when the caller aborted. The one mapping every SDK-backed provider uses.
 *
 * @example
 * try { ... } catch (error) { throw toProviderError('openai', error, { sdk: OpenAI, signal }); }
 */
export function toProviderError(
  provider: ProviderName,
  error: unknown,
  { sdk, signal }: { sdk: SdkErrorClasses; signal?: AbortSignal },
): ProviderError | CancelledError {
  if (error instanceof ProviderError || error instanceof CancelledError) return error;
  if (error instanceof sdk.APIUserAbortError || signal?.aborted) {
    return new CancelledError(undefined, { cause: error });
  }
  if (error instanceof sdk.APIConnectionTimeoutError) {
    return new ProviderError({ provider, code: 'timeout', message: 'The provider did not answer in time.', retryable: true, cause: error });
  }
  if (error instanceof sdk.APIConnectionError) {
    return new ProviderError({ provider, code: 'connection_failed', message: `Could not reach the provider: ${error.message}`, retryable: true, cause: error });
  }
  if (error instanceof sdk.APIError) {
    if (error.status === undefined) {
      // An error event inside an otherwise successful stream (e.g. Anthropic's overloaded_error).
      return new ProviderError({ provider, code: 'provider_unavailable', message: error.message, retryable: true, cause: error });
    }
    return new ProviderError({
      provider,
      status: error.status,
      ...classifyStatus(error.status),
      message: error.message,
      retryAfterMs: parseRetryAfter(error.headers),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  // fetch reports a connection dropped mid-body as a TypeError ("terminated").
  const networkFailure = error instanceof TypeError;
  return new ProviderError({
    provider,
    code: networkFailure ? 'connection_failed' : 'invalid_response',
    message,
    retryable: networkFailure,
    cause: error,
  });
}
