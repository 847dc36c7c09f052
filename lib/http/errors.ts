import { isDatabaseUnavailable, summarizeDatabaseError } from '@/lib/db/errors';

/** Error codes the API returns, each with its one HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * The one typed error of the HTTP layer. Library code throws it; the route wrapper turns it into
 * `{"error":{"code","message","details"?}}` with the code's status.
 *
 * @example
 * throw new ApiError('not_found', 'No trace with that id.');
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { details?: ErrorDetail[]; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }

  toResponse(): Response {
    const body: Record<string, unknown> = { code: this.code, message: this.message, ...this.options.extra };
    if (this.options.details) body.details = this.options.details;
    return Response.json({ error: body }, { status: this.status, headers: this.options.headers });
  }
}

/** 503 with `Retry-After: 5`: the database is unreachable or out of resources, and the same request may succeed later. */
export function databaseUnavailableError(): ApiError {
  return new ApiError('unavailable', 'The database is unavailable. Retry after the delay in Retry-After.', { headers: { 'retry-after': '5' } });
}

/**
 * Maps anything thrown by a handler to a Response. The database being unreachable (wherever it
 * was noticed, authentication included) is a retryable 503; other unknown errors are logged with
 * their cause and hidden behind a 500.
 */
export function errorToResponse(error: unknown, context = ''): Response {
  if (error instanceof ApiError) return error.toResponse();
  if (isDatabaseUnavailable(error)) {
    console.warn(`[llmtrace] database unavailable${context ? ` in ${context}` : ''}: ${summarizeDatabaseError(error)}`);
    return databaseUnavailableError().toResponse();
  }
  // Database errors carry their statement and parameters (a whole batch): log a summary, with the stack.
  console.error(`[llmtrace] unhandled error${context ? ` in ${context}` : ''}: ${summarizeDatabaseError(error)}`, (error as Error)?.stack?.split('\n').slice(1, 6).join('\n') ?? '');
  return new ApiError('internal_error', 'Something went wrong on our side. The error was logged.').toResponse();
}
