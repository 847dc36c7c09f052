/**
 * What counts as "the caller gave up" rather than "it failed". `withSpan` ends a span
 * `cancelled` for these and `failed` for everything else.
 */

/**
 * Error names that mean an abort: the DOM's `AbortError` (fetch, `AbortSignal`, Node streams) and
 * the openai and anthropic SDKs' `APIUserAbortError`.
 */
const ABORT_ERROR_NAMES: ReadonlySet<string> = new Set(['AbortError', 'APIUserAbortError']);

/**
 * True when `error` is an abort, or when `signal` (the caller's) has fired, whatever was thrown
 * then. A `TimeoutError` (from `AbortSignal.timeout`) is not an abort: a time-out is a failure,
 * unless it was the caller's own signal that timed out. Never throws.
 *
 * @example
 * isAbortError(new DOMException('stopped', 'AbortError'));   // true
 * isAbortError(new OpenAI.APIUserAbortError());             // true
 * isAbortError(new Error('socket hang up'), abortedSignal); // true: the caller had gone
 * isAbortError(new Error('socket hang up'));                // false
 */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  try {
    if (signal?.aborted) return true;
    if (error === null || typeof error !== 'object') return false;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && ABORT_ERROR_NAMES.has(name)) return true;
    // The SDKs' APIUserAbortError keeps the generic `name` "Error"; its class says what it is.
    const className = (error as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof className === 'string' && ABORT_ERROR_NAMES.has(className);
  } catch {
    return false;
  }
}
