import 'server-only';
import type { BucketLimit } from '@/lib/db/queries/login-throttle';
import { sha256Hex } from './secrets';

/**
 * Sign-in throttling: which limits an attempt counts against.
 *
 * - **A browser that signed in to the account before** (its `lt_device` token is trusted for that
 *   account) is limited on its own: 5 failures, then 30 s doubling up to 15 min. Nothing another
 *   client does can block it, so the owner is never locked out of the browsers they use.
 * - **Every other client** counts against three limits at once; any one of them refuses:
 *   - the (account, client address) pair: 5 failures, then 30 s doubling up to 15 min. A correct
 *     password resets it. Guessing from one address gets 5 tries, and locks out only that address.
 *   - the client address: 30 failures over all accounts, then 1 min doubling up to 1 h (spraying
 *     one password over many accounts).
 *   - the account: 30 failures from all addresses together, then 30 s doubling up to 15 min
 *     (guessing from many addresses). It slows a new browser to one attempt per block instead of
 *     locking it out for good, and never touches trusted browsers.
 * - A limit forgets its failures after an hour without one.
 *
 * An account is keyed by the email as typed (normalised), whether or not a user has it, so an
 * unknown email is throttled exactly like a known one and 429s reveal nothing. Keys are hashed: no
 * attempted email or address is stored.
 */
export const LOGIN_LIMITS = {
  device: { failuresBeforeBlock: 5, baseBlockMs: 30_000, maxBlockMs: 15 * 60_000 },
  pair: { failuresBeforeBlock: 5, baseBlockMs: 30_000, maxBlockMs: 15 * 60_000 },
  address: { failuresBeforeBlock: 30, baseBlockMs: 60_000, maxBlockMs: 60 * 60_000 },
  account: { failuresBeforeBlock: 30, baseBlockMs: 30_000, maxBlockMs: 15 * 60_000 },
} as const;

export const FORGET_FAILURES_AFTER_MS = 60 * 60_000;

export interface LoginBuckets {
  limits: BucketLimit[];
  /** Start again from zero after a correct password. */
  resetKeys: string[];
  /** Give back the attempt after a correct password (they are shared with other people's attempts). */
  refundKeys: string[];
}

export function loginBuckets({ email, address, trustedDeviceHash }: { email: string; address: string; trustedDeviceHash: string | null }): LoginBuckets {
  const account = email.trim().toLowerCase();
  const limit = (kind: keyof typeof LOGIN_LIMITS, ...parts: string[]): BucketLimit => ({
    key: `${kind}:${sha256Hex(JSON.stringify(parts))}`,
    forgetAfterMs: FORGET_FAILURES_AFTER_MS,
    ...LOGIN_LIMITS[kind],
  });
  if (trustedDeviceHash) {
    const device = limit('device', trustedDeviceHash, account);
    return { limits: [device], resetKeys: [device.key], refundKeys: [] };
  }
  const pair = limit('pair', account, address);
  const byAddress = limit('address', address);
  const byAccount = limit('account', account);
  return { limits: [pair, byAddress, byAccount], resetKeys: [pair.key], refundKeys: [byAddress.key, byAccount.key] };
}
