/**
 * The library's one error handler. Every failure inside the tracing library ends here instead of
 * reaching the application: the handler writes a `console.warn` line prefixed `[llmtrace]` and
 * cannot throw itself.
 */

/** Receives a library failure. Must not throw; the library guards it anyway. */
export type ErrorHandler = (message: string, error?: unknown) => void;

const PREFIX = '[llmtrace]';
const MAX_MESSAGE_LENGTH = 4000;

/**
 * Logs a library failure with `console.warn`. Never throws, even with a broken console or an
 * error whose `message` getter throws.
 *
 * @example
 * reportError('sink write failed', err); // "[llmtrace] sink write failed: connection refused"
 */
export const reportError: ErrorHandler = (message, error) => {
  try {
    if (error === undefined) console.warn(`${PREFIX} ${message}`);
    else console.warn(`${PREFIX} ${message}: ${describeError(error)}`);
  } catch {
    // Logging is best effort: a failing console must not reach the application.
  }
};

/**
 * A readable one-line message for any thrown value (an `Error`, a string, anything). Never
 * throws; long messages are cut to 4000 characters.
 *
 * @example
 * describeError(new Error('rate limited')); // 'rate limited'
 * describeError('boom');                    // 'boom'
 */
export function describeError(error: unknown): string {
  let message: string;
  try {
    if (error instanceof Error) message = error.message || error.name || 'Error';
    else if (typeof error === 'string') message = error;
    else if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      message = (error as { message: string }).message;
    } else message = String(error);
  } catch {
    message = 'unknown error';
  }
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

/**
 * Calls `handler` without letting it throw. Used for handlers supplied by the application.
 */
export function safeReport(handler: ErrorHandler, message: string, error?: unknown): void {
  try {
    handler(message, error);
  } catch {
    reportError(message, error);
  }
}
