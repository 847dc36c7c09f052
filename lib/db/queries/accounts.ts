import 'server-only';
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../client';
import { apiKeys, sessions, trustedDevices, users, type ApiKey, type User } from '../schema';

export async function insertUser(database: Queryable, { email, passwordHash }: { email: string; passwordHash: string }): Promise<User> {
  const [user] = await database.db.insert(users).values({ email: email.trim().toLowerCase(), passwordHash }).returning();
  return user;
}

export async function findUserByEmail(database: Queryable, { email }: { email: string }): Promise<User | null> {
  const [user] = await database.db.select().from(users).where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`).limit(1);
  return user ?? null;
}

export async function countUsers(database: Queryable): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(users);
  return Number(row?.n ?? 0);
}

export async function insertApiKey(
  database: Queryable,
  values: { userId: string; name: string; prefix: string; keyHash: string; scope: 'full' | 'chat' },
): Promise<ApiKey> {
  const [key] = await database.db.insert(apiKeys).values(values).returning();
  return key;
}

export async function listApiKeys(database: Queryable, { userId }: { userId: string }) {
  return database.db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scope: apiKeys.scope,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId))
    .orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(database: Queryable, { userId, keyId }: { userId: string; keyId: string }): Promise<boolean> {
  const rows = await database.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** The live key with this hash, and its owner; marks it used (at most once a minute, to spare writes). */
export async function useApiKeyByHash(database: Queryable, { keyHash }: { keyHash: string }) {
  const [row] = await database.db
    .select({ key: apiKeys, email: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  const now = new Date();
  if (!row.key.lastUsedAt || now.getTime() - row.key.lastUsedAt.getTime() > 60_000) {
    await database.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.key.id));
  }
  return row;
}

export async function insertSession(
  database: Queryable,
  values: { userId: string; tokenHash: string; csrfToken: string; expiresAt: Date },
) {
  const [session] = await database.db.insert(sessions).values(values).returning();
  return session;
}

export async function findSessionByHash(database: Queryable, { tokenHash }: { tokenHash: string }) {
  const [row] = await database.db
    .select({ session: sessions, email: users.email })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, new Date())))
    .limit(1);
  return row ?? null;
}

export async function deleteSessionByHash(database: Queryable, { tokenHash }: { tokenHash: string }) {
  await database.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function deleteExpiredSessions(database: Queryable) {
  await database.db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
}

/** Whether this browser's device token has signed in to the account with this email before. */
export async function isTrustedDevice(database: Queryable, { tokenHash, email }: { tokenHash: string; email: string }): Promise<boolean> {
  const rows = await database.db
    .select({ userId: trustedDevices.userId })
    .from(trustedDevices)
    .innerJoin(users, eq(users.id, trustedDevices.userId))
    .where(and(eq(trustedDevices.tokenHash, tokenHash), sql`lower(${users.email}) = ${email.trim().toLowerCase()}`))
    .limit(1);
  return rows.length > 0;
}

export async function trustDevice(database: Queryable, { tokenHash, userId }: { tokenHash: string; userId: string }) {
  await database.db
    .insert(trustedDevices)
    .values({ tokenHash, userId })
    .onConflictDoUpdate({ target: [trustedDevices.tokenHash, trustedDevices.userId], set: { lastUsedAt: new Date() } });
}
