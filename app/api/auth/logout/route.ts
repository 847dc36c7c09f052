import { endSession } from '@/lib/auth/accounts';
import { SESSION_COOKIE, clearedSessionCookies, readCookie } from '@/lib/auth/cookies';
import { authenticated, otherMethods } from '@/lib/http/route';

export const POST = authenticated(async ({ request, database }) => {
  const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  if (token) await endSession(database, { token });
  const headers = new Headers();
  for (const cookie of clearedSessionCookies()) headers.append('Set-Cookie', cookie);
  return new Response(null, { status: 204, headers });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
