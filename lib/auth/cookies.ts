/** Cookie names and helpers shared by the route layer and the pages. */
export const SESSION_COOKIE = 'lt_session';
/** Readable by the page's JavaScript, which echoes it in `x-csrf-token` on writes. */
export const CSRF_COOKIE = 'lt_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/**
 * Marks a browser that has signed in to an account before; sign-in throttling trusts it (see
 * `lib/auth/login-throttle.ts`). Sent only to the login endpoint.
 */
export const DEVICE_COOKIE = 'lt_device';
export const LOGIN_PATH = '/api/auth/login';
const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * The value of cookie `name` in a `Cookie` header, percent-decoded. A value that is not valid
 * percent-encoding (`lt_session=%`) is returned as sent: it then matches no session, so the request
 * is unauthenticated (401) instead of crashing on a `URIError`.
 */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return decodeOrRaw(part.slice(index + 1).trim());
  }
  return undefined;
}

function decodeOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function sessionCookies({ token, csrfToken, expiresAt, secure }: { token: string; csrfToken: string; expiresAt: Date; secure: boolean }) {
  const common = `Path=/; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=${token}; HttpOnly; ${common}`, `${CSRF_COOKIE}=${csrfToken}; ${common}`];
}

export function clearedSessionCookies() {
  const common = 'Path=/; SameSite=Lax; Max-Age=0';
  return [`${SESSION_COOKIE}=; HttpOnly; ${common}`, `${CSRF_COOKIE}=; ${common}`];
}

/** Kept across sign-outs on purpose: it says "this browser signed in here before", not "signed in now". */
export function deviceCookie({ token, secure }: { token: string; secure: boolean }) {
  return `${DEVICE_COOKIE}=${token}; HttpOnly; Path=${LOGIN_PATH}; SameSite=Strict; Max-Age=${DEVICE_COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}
