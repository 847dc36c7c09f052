import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (a const enum, which isolatedModules cannot import). */
const ARGON2ID = 2;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters from [0-9A-Za-z], uniformly, from the OS's cryptographic source. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]; // 248 = 4 × 62: no modulo bias
    }
  }
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** argon2id with OWASP's recommended minimums (19 MiB, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** An API key: `lt_` + 40 base62 characters (≈238 bits). Only its SHA-256 is stored. */
export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `lt_${randomBase62(40)}`;
  return { key, prefix: key.slice(0, 10), keyHash: sha256Hex(key) };
}

/** A password people can type: 20 base62 characters (≈119 bits). */
export function generatePassword(): string {
  return randomBase62(20);
}
