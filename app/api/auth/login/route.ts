import { z } from 'zod';
import { createSession, emailSchema } from '@/lib/auth/accounts';
import { DEVICE_COOKIE, deviceCookie, readCookie, sessionCookies } from '@/lib/auth/cookies';
import { verifyLogin } from '@/lib/auth/login';
import type { Database } from '@/lib/db/client';
import { parseJsonBody, readBodyText, validate } from '@/lib/http/body';
import { clientAddress } from '@/lib/http/client-address';
import { ApiError } from '@/lib/http/errors';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '@/lib/http/next-path';
import { assertSameOrigin, otherMethods, unauthenticated } from '@/lib/http/route';

const LoginBody = z.object({ email: emailSchema, password: z.string().min(1).max(1024) });
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * Signs in. A JSON body (`{"email","password"}`: the API, and the page when its script runs) gets
 * JSON back. An HTML form post (`application/x-www-form-urlencoded`: the page without JavaScript)
 * gets a 303, to `next` when signed in and back to `/login?error=…` when not.
 */
export const POST = unauthenticated(async ({ request, database }) => {
  if (isFormPost(request)) return formLogin(request, database);
  assertSameOrigin(request);
  const credentials = await parseJsonBody(request, LoginBody);
  const { user, csrfToken, cookies } = await signIn(request, database, credentials);
  return Response.json({ user, csrfToken }, { headers: cookies });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');

function isFormPost(request: Request): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(request.headers.get('content-type') ?? '');
}

async function signIn(request: Request, database: Database, { email, password }: z.infer<typeof LoginBody>) {
  const { user, deviceToken } = await verifyLogin(database, {
    email,
    password,
    address: clientAddress(request),
    deviceToken: readCookie(request.headers.get('cookie'), DEVICE_COOKIE),
  });
  const session = await createSession(database, { userId: user.id });
  // Behind a TLS-terminating proxy the request arrives over http; the proxy says so in x-forwarded-proto.
  // A forged value only makes the sender's own cookies Secure.
  const secure = new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
  const cookies = new Headers();
  for (const cookie of [...sessionCookies({ ...session, secure }), deviceCookie({ token: deviceToken, secure })]) cookies.append('Set-Cookie', cookie);
  return { user: { id: user.id, email: user.email }, csrfToken: session.csrfToken, cookies };
}

async function formLogin(request: Request, database: Database): Promise<Response> {
  // Any site can post a form: this one must show it came from our page.
  assertSameOrigin(request, { requireProof: true });
  const form = new URLSearchParams(await readBodyText(request, FORM_BODY_LIMIT));
  const next = safeNextPath(form.get('next'));
  const backToForm = (error: string, extra: Record<string, string> = {}) =>
    seeOther(`/login?${new URLSearchParams({ error, ...extra, ...(next === DEFAULT_AFTER_LOGIN ? {} : { next }) })}`);
  try {
    const credentials = validate(LoginBody, { email: form.get('email') ?? '', password: form.get('password') ?? '' }, 'form');
    const { cookies } = await signIn(request, database, credentials);
    return seeOther(next, cookies);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === 'rate_limited') return backToForm('throttled', { retry: error.options.headers?.['Retry-After'] ?? '60' });
    if (error.code === 'unauthorized' || error.code === 'validation_failed') return backToForm('invalid');
    throw error;
  }
}

function seeOther(location: string, headers = new Headers()): Response {
  headers.set('Location', location);
  return new Response(null, { status: 303, headers });
}
