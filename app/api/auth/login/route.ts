import { z } from 'zod';
import { createSession, emailSchema, verifyLogin } from '@/lib/auth/accounts';
import { sessionCookies } from '@/lib/auth/cookies';
import { parseJsonBody } from '@/lib/http/body';
import { assertSameOrigin, unauthenticated } from '@/lib/http/route';

const LoginBody = z.object({ email: emailSchema, password: z.string().min(1).max(1024) });

export const POST = unauthenticated(async ({ request, database }) => {
  assertSameOrigin(request);
  const { email, password } = await parseJsonBody(request, LoginBody);
  const user = await verifyLogin(database, { email, password });
  const session = await createSession(database, { userId: user.id });
  const headers = new Headers();
  // Behind a TLS-terminating proxy the request arrives over http; the proxy says so in x-forwarded-proto.
  const secure = new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
  for (const cookie of sessionCookies({ ...session, secure })) headers.append('Set-Cookie', cookie);
  return Response.json({ user: { id: user.id, email: user.email }, csrfToken: session.csrfToken }, { headers });
});
