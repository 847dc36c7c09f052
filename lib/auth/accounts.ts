import 'server-only';
import { z } from 'zod';
import type { Database, Queryable } from '@/lib/db/client';
import {
  countUsers,
  deleteSessionByHash,
  findSessionByHash,
  findUserByEmail,
  insertApiKey,
  insertSession,
  insertUser,
  useApiKeyByHash,
} from '@/lib/db/queries/accounts';
import { ApiError } from '@/lib/http/errors';
import { generateApiKey, hashPassword, randomBase62, sha256Hex } from './secrets';

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

/**
 * Creates a user and their first (full-scope) API key in one transaction: either both exist
 * afterwards or neither does. Two concurrent calls with one email give one user and one 409.
 */
export async function createUserAccount(
  database: Database,
  { email, password, keyName = 'default' }: { email: string; password: string; keyName?: string },
) {
  const parsedEmail = emailSchema.parse(email);
  passwordSchema.parse(password);
  // Hashed before the transaction opens: argon2 takes tens of milliseconds, and PGlite queues every query meanwhile.
  const passwordHash = await hashPassword(password);
  const conflict = () => new ApiError('conflict', `A user with the email ${parsedEmail} already exists.`);
  try {
    return await database.transaction(async (tx) => {
      if (await findUserByEmail(tx, { email: parsedEmail })) throw conflict();
      const user = await insertUser(tx, { email: parsedEmail, passwordHash });
      const { key } = await createApiKey(tx, { userId: user.id, name: keyName, scope: 'full' });
      return { user, apiKey: key };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export async function createApiKey(database: Queryable, { userId, name, scope }: { userId: string; name: string; scope: KeyScope }) {
  const { key, prefix, keyHash } = generateApiKey();
  const row = await insertApiKey(database, { userId, name, prefix, keyHash, scope });
  return { key, id: row.id, prefix, name: row.name, scope: row.scope, createdAt: row.createdAt };
}

export { countUsers };

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
