/**
 * A short-lived memory of LLMTrace keys the proxy has just checked. The proxy sits in front of
 * every model call an app makes, and one key lookup (a database round trip: ~1–2 ms on PGlite)
 * would be most of what it adds to each call. A key found live is trusted again for
 * {@link KEY_CACHE_TTL_MS}; unknown keys are looked up every time.
 *
 * The price: a revoked key keeps working through the proxy for at most that long, in each
 * process. Everywhere else in the API revocation is immediate.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import type { Principal } from '@/lib/auth/accounts';
import type { Database } from '@/lib/db/client';

/** How long a key found live is trusted without a lookup. */
export const KEY_CACHE_TTL_MS = 2000;
/** Keys remembered per database; the oldest is forgotten first. */
const MAX_KEYS = 1000;

interface Entry {
  /** One lookup in flight or done: concurrent calls with one key share it. */
  principal: Promise<Principal | null>;
  expiresAt: number;
}

// Per database handle, so a key is never trusted against a database that did not vouch for it.
const caches = new WeakMap<Database, Map<string, Entry>>();

/**
 * The principal for `key`, from memory when a lookup found it live less than
 * {@link KEY_CACHE_TTL_MS} ago, else from `lookup`. Keys are remembered by their SHA-256, never as
 * given; failed and negative lookups are not remembered.
 *
 * @example
 * const principal = await cachedPrincipal(database, key, principalFromApiKey);
 */
export function cachedPrincipal(
  database: Database,
  key: string,
  lookup: (database: Database, key: string) => Promise<Principal | null>,
): Promise<Principal | null> {
  let cache = caches.get(database);
  if (!cache) caches.set(database, (cache = new Map()));
  const id = createHash('sha256').update(key).digest('hex');
  const now = Date.now();
  const entry = cache.get(id);
  if (entry && entry.expiresAt > now) return entry.principal;
  if (entry) cache.delete(id);
  if (cache.size >= MAX_KEYS) cache.delete(cache.keys().next().value!);
  const principal = lookup(database, key);
  cache.set(id, { principal, expiresAt: now + KEY_CACHE_TTL_MS });
  const forget = () => {
    if (cache.get(id)?.principal === principal) cache.delete(id);
  };
  principal.then((found) => found === null && forget(), forget);
  return principal;
}
