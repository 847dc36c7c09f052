/** Where the dashboard goes after signing in when nothing else is asked for. */
export const DEFAULT_AFTER_LOGIN = '/analytics';

/**
 * A `next` parameter made safe to redirect to: a path on this site (with its query), never
 * `//host`, `/\host` or another origin. Anything else gives {@link DEFAULT_AFTER_LOGIN}.
 *
 * @example
 * safeNextPath('/analytics/traces?status=failed'); // '/analytics/traces?status=failed'
 * safeNextPath('//evil.example');                  // '/analytics'
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return DEFAULT_AFTER_LOGIN;
  try {
    const base = 'http://llmtrace.invalid';
    const url = new URL(next, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : DEFAULT_AFTER_LOGIN;
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
}
