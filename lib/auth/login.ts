import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Database } from '@/lib/db/client';
import { findUserByEmail, isTrustedDevice, trustDevice } from '@/lib/db/queries/accounts';
import { pruneLoginState, refundLoginAttempt, reserveLoginAttempt } from '@/lib/db/queries/login-throttle';
import type { User } from '@/lib/db/schema';
import { ApiError } from '@/lib/http/errors';
import { FORGET_FAILURES_AFTER_MS, loginBuckets } from './login-throttle';
import { hashPassword, randomBase62, sha256Hex, verifyPassword } from './secrets';

export interface LoginAttempt {
  email: string;
  password: string;
  /** The client's address (`clientAddress(request)`). */
  address: string;
  /** The browser's `lt_device` cookie, if it sent one. */
  deviceToken?: string;
}

export interface LoginSuccess {
  user: User;
  /** The device token to set (again) in the `lt_device` cookie: this browser is now trusted for the account. */
  deviceToken: string;
}

/** Checked when the email has no user, with the same argon2 parameters, so both paths take the same time. */
const dummyHash = hashPassword(randomBase62(20));
const PRUNE_EVERY_MS = 60_000;
const DEVICE_IDLE_MS = 365 * 24 * 60 * 60_000;
let lastPrune = 0;

/**
 * Checks an email and password under the throttling rules of `login-throttle.ts`. The attempt is
 * counted in the database before the password is checked, so parallel requests and several app
 * processes cannot exceed a limit. An unknown email costs the same queries and the same argon2
 * check as a known one, and gets the same answers: 401 `Wrong email or password.`, then 429 with
 * `Retry-After`.
 */
export async function verifyLogin(database: Database, { email, password, address, deviceToken }: LoginAttempt): Promise<LoginSuccess> {
  await pruneNowAndThen(database);
  const user = await findUserByEmail(database, { email });
  const deviceHash = deviceToken ? sha256Hex(deviceToken) : null;
  const trusted = deviceHash !== null && (await isTrustedDevice(database, { tokenHash: deviceHash, email }));
  const buckets = loginBuckets({ email, address, trustedDeviceHash: trusted ? deviceHash : null });
  const attemptId = randomUUID();
  const reservation = await reserveLoginAttempt(database, { attemptId, limits: buckets.limits });
  if (!reservation.admitted) throw throttled(reservation.retryAfterMs);

  const passwordMatches = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
  if (!user || !passwordMatches) throw new ApiError('unauthorized', 'Wrong email or password.');

  await refundLoginAttempt(database, { attemptId, resetKeys: buckets.resetKeys, refundKeys: buckets.refundKeys });
  const token = trusted && deviceToken ? deviceToken : randomBase62(32);
  await trustDevice(database, { tokenHash: sha256Hex(token), userId: user.id });
  return { user, deviceToken: token };
}

function throttled(retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError('rate_limited', `Too many failed sign-ins. Try again in ${seconds} s.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

async function pruneNowAndThen(database: Database): Promise<void> {
  if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = Date.now();
  await pruneLoginState(database, { idleMs: FORGET_FAILURES_AFTER_MS, deviceIdleMs: DEVICE_IDLE_MS });
}
