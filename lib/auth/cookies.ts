/** Cookie names and helpers shared by the route layer and the pages. */
export const SESSION_COOKIE = 'lt_session';
/** Readable by the page's JavaScript, which echoes it in `x-csrf-token` on writes. */
export const CSRF_COOKIE = 'lt_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}

export function sessionCookies({ token, csrfToken, expiresAt, secure }: { token: string; csrfToken: string; expiresAt: Date; secure: boolean }) {
  const common = `Path=/; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=${token}; HttpOnly; ${common}`, `${CSRF_COOKIE}=${csrfToken}; ${common}`];
}

export function clearedSessionCookies() {
  const common = 'Path=/; SameSite=Lax; Max-Age=0';
  return [`${SESSION_COOKIE}=; HttpOnly; ${common}`, `${CSRF_COOKIE}=; ${common}`];
}
