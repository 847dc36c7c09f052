import { SPAN_FIELDS } from '@llmtrace/sdk/span';
import { ApiError } from '@/lib/http/errors';

/**
 * An end user or session id from the URL: what the span columns can hold (1 to 200 characters).
 * Next.js hands route params over percent-decoded.
 */
export function parseSubjectId(raw: string | undefined, what: 'end user id' | 'session id'): string {
  const max = SPAN_FIELDS.end_user_id.max;
  const id = raw ?? '';
  if (id.length === 0 || id.length > max || id.includes('\0')) {
    throw new ApiError('validation_failed', `The ${what} must be 1 to ${max} characters.`, { details: [{ path: what.replace(/ /g, '_'), message: `1 to ${max} characters` }] });
  }
  return id;
}
