import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { principalFromSession, type Principal } from '@/lib/auth/accounts';
import { SESSION_COOKIE } from '@/lib/auth/cookies';
import { getAppContext } from './context';

/** The signed-in user of a dashboard page, or a redirect to /login. */
export async function requirePageUser(): Promise<Principal> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) {
    const { database } = await getAppContext();
    const principal = await principalFromSession(database, token);
    if (principal) return principal;
  }
  redirect('/login');
}
