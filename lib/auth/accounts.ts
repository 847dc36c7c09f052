import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import {
  countUsers,
  deleteSessionByHash,
  findSessionByHash,
  findUserByEmail,
  insertApiKey,
  insertSession,
  insertUser,
  recordFailedLogin,
  resetFailedLogins,
  useApiKeyByHash,
} from '@/lib/db/queries/accounts';
import { ApiError } from '@/lib/http/errors';
import { generateApiKey, hashPassword, randomBase62, sha256Hex, verifyPassword } from './secrets';

export type KeyScope = 'full' | 'chat';

export const emailSchema = z.string().trim().toLowerCase().email('Enter a valid email address.').max(320);
export const passwordSchema = z.string().min(8, 'Use a password of at least 8 characters.').max(1024);

/** Who a request acts for, and how it proved it. */
export interface Principal {
  userId: string;
  email: string;
  via: 'api_key' | 'session';
  scope: KeyScope;
  /** Set for session auth: the token cookie-authenticated writes must echo in `x-csrf-token`. */
  csrfToken?: string;
}

export async function createUserAccount(
  database: Database,
  { email, password, keyName = 'default' }: { email: string; password: string; keyName?: string },
) {
  const parsedEmail = emailSchema.parse(email);
  passwordSchema.parse(password);
  if (await findUserByEmail(database, { email: parsedEmail })) {
    throw new ApiError('conflict', `A user with the email ${parsedEmail} already exists.`);
  }
  const user = await insertUser(database, { email: parsedEmail, passwordHash: await hashPassword(password) });
  const { key } = await createApiKey(database, { userId: user.id, name: keyName, scope: 'full' });
  return { user, apiKey: key };
}

export async function createApiKey(database: Database, { userId, name, scope }: { userId: string; name: string; scope: KeyScope }) {
  const { key, prefix, keyHash } = generateApiKey();
  const row = await insertApiKey(database, { userId, name, prefix, keyHash, scope });
  return { key, id: row.id, prefix, name: row.name, scope: row.scope, createdAt: row.createdAt };
}

export { countUsers };

/** Failed logins allowed before the account is locked for a while. */
const FREE_ATTEMPTS = 5;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
/** Compared against when the email is unknown, so both paths take the same time. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks an email and password. After 5 failures in a row the account is locked for 30 s,
 * doubling with each further failure up to 15 min; a locked account answers 429 with
 * `Retry-After` even for the right password.
 */
export async function verifyLogin(database: Database, { email, password }: { email: string; password: string }) {
  const user = await findUserByEmail(database, { email });
  if (!user) {
    dummyHash ??= hashPassword(randomBase62(16));
    await verifyPassword(await dummyHash, password);
    throw invalidCredentials();
  }
  const now = Date.now();
  if (user.lockedUntil && user.lockedUntil.getTime() > now) throw locked(user.lockedUntil.getTime() - now);
  if (!(await verifyPassword(user.passwordHash, password))) {
    const failures = user.failedLoginCount + 1;
    const lockMs = failures >= FREE_ATTEMPTS ? Math.min(BASE_LOCK_MS * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCK_MS) : 0;
    await recordFailedLogin(database, { userId: user.id, lockedUntil: lockMs ? new Date(now + lockMs) : null });
    if (lockMs) throw locked(lockMs);
    throw invalidCredentials();
  }
  if (user.failedLoginCount > 0) await resetFailedLogins(database, { userId: user.id });
  return user;
}

function invalidCredentials() {
  return new ApiError('unauthorized', 'Wrong email or password.');
}

function locked(ms: number) {
  const seconds = Math.ceil(ms / 1000);
  return new ApiError('rate_limited', `Too many failed sign-ins. Try again in ${seconds} s.`, { headers: { 'Retry-After': String(seconds) } });
}

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export async function createSession(database: Database, { userId }: { userId: string }) {
  const token = randomBase62(43);
  const csrfToken = randomBase62(32);
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await insertSession(database, { userId, tokenHash: sha256Hex(token), csrfToken, expiresAt });
  return { token, csrfToken, expiresAt };
}

export async function endSession(database: Database, { token }: { token: string }) {
  await deleteSessionByHash(database, { tokenHash: sha256Hex(token) });
}

export async function principalFromApiKey(database: Database, key: string): Promise<Principal | null> {
  if (!key.startsWith('lt_')) return null;
  const row = await useApiKeyByHash(database, { keyHash: sha256Hex(key) });
  if (!row) return null;
  return { userId: row.key.userId, email: row.email, via: 'api_key', scope: row.key.scope };
}

export async function principalFromSession(database: Database, token: string): Promise<Principal | null> {
  const row = await findSessionByHash(database, { tokenHash: sha256Hex(token) });
  if (!row) return null;
  return { userId: row.session.userId, email: row.email, via: 'session', scope: 'full', csrfToken: row.session.csrfToken };
}
