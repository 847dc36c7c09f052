import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { POST as login } from '@/app/api/auth/login/route';
import { GET as listKeys } from '@/app/api/keys/route';
import { withPeerAddress } from '@/lib/http/client-address';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

/** Every argon2 verification the server runs: the cost a guesser pays, and what throttling must bound. */
const argon2 = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const original = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...original,
    verify: (...args: Parameters<typeof original.verify>) => {
      argon2.verifications++;
      return original.verify(...args);
    },
  };
});

let addressCounter = 0;
/** A fresh client address (TEST-NET-2), so tests do not share throttle buckets. */
const newAddress = () => `198.51.100.${++addressCounter}`;
let emailCounter = 0;
const unknownEmail = () => `nobody${++emailCounter}.${Date.now()}@example.test`;

interface Attempt {
  from?: string;
  cookie?: string;
}

/** A JSON sign-in from `from`, as a reverse proxy trusted with TRUST_PROXY would report it. */
function signIn(email: string, password: string, { from = '192.0.2.1', cookie }: Attempt = {}) {
  return call(login, { path: '/api/auth/login', body: { email, password }, headers: { 'x-forwarded-for': from, ...(cookie ? { cookie } : {}) } });
}

function deviceCookieOf(response: Response): string {
  const pair = response.headers.getSetCookie().map((c) => c.split(';')[0]!).find((p) => p.startsWith('lt_device='));
  if (!pair) throw new Error('no lt_device cookie');
  return pair;
}

describeEachDatabase('sign-in throttling', (getDatabase) => {
  const previousTrustProxy = process.env.TRUST_PROXY;
  beforeAll(() => {
    process.env.TRUST_PROXY = 'true';
  });
  afterAll(() => {
    if (previousTrustProxy === undefined) delete process.env.TRUST_PROXY;
    else process.env.TRUST_PROXY = previousTrustProxy;
  });

  it('five wrong passwords from one address block that address, not the owner signing in from another', async () => {
    const user = await createTestUser(getDatabase());
    const attacker = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn(user.email, 'wrong password', { from: attacker })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    const blocked = await signIn(user.email, user.password, { from: attacker });
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    expect((await signIn(user.email, user.password, { from: newAddress() })).status).toBe(200);
  });

  it('a correct password resets the count for its address', async () => {
    const user = await createTestUser(getDatabase());
    const from = newAddress();
    for (let i = 0; i < 4; i++) expect((await signIn(user.email, 'wrong password', { from })).status).toBe(401);
    expect((await signIn(user.email, user.password, { from })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await signIn(user.email, 'wrong password', { from })).status).toBe(401);
  });

  it('answers an unknown email exactly like a known one: same statuses, bodies, Retry-After and password checks', async () => {
    const user = await createTestUser(getDatabase());
    const run = async (email: string) => {
      const from = newAddress();
      const before = argon2.verifications;
      const answers: Array<{ status: number; body: string; retryAfter: string | null }> = [];
      for (let i = 0; i < 7; i++) {
        const response = await signIn(email, 'wrong password', { from });
        // Seconds left may tick between the two runs; everything else must be identical.
        const body = JSON.stringify(await response.json()).replace(/\d+ s\./, 'N s.');
        answers.push({ status: response.status, body, retryAfter: response.headers.get('retry-after') === null ? null : 'N' });
      }
      return { answers, verifications: argon2.verifications - before };
    };
    const known = await run(user.email);
    const unknown = await run(unknownEmail());
    expect(known.answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(unknown).toEqual(known);
    expect(known.verifications).toBe(5);
  });

  it('checks the password exactly five times under 30 parallel wrong attempts, known email or not', async () => {
    const user = await createTestUser(getDatabase());
    for (const email of [user.email, unknownEmail()]) {
      const from = newAddress();
      const before = argon2.verifications;
      const responses = await Promise.all(Array.from({ length: 30 }, () => signIn(email, 'wrong password', { from })));
      const statuses = responses.map((r) => r.status);
      expect(argon2.verifications - before).toBe(5);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    }
  });

  it('limits one address spraying many accounts, without blocking other addresses', async () => {
    const sprayer = newAddress();
    const emails = Array.from({ length: 10 }, unknownEmail);
    for (let round = 0; round < 3; round++) {
      for (const email of emails) expect((await signIn(email, 'Spring2024!', { from: sprayer })).status).toBe(401);
    }
    const user = await createTestUser(getDatabase());
    expect((await signIn(unknownEmail(), 'Spring2024!', { from: sprayer })).status).toBe(429);
    expect((await signIn(user.email, user.password, { from: sprayer })).status).toBe(429);
    expect((await signIn(user.email, user.password, { from: newAddress() })).status).toBe(200);
  });

  it('slows guessing from many addresses to one attempt per block, and never blocks a browser that signed in before', async () => {
    const user = await createTestUser(getDatabase());
    const trusted = await signIn(user.email, user.password, { from: newAddress() });
    expect(trusted.status).toBe(200);
    const device = deviceCookieOf(trusted);
    expect(trusted.headers.getSetCookie().find((c) => c.startsWith('lt_device='))).toMatch(/HttpOnly.*Path=\/api\/auth\/login.*SameSite=Strict/);

    for (let i = 0; i < 30; i++) expect((await signIn(user.email, 'wrong password', { from: newAddress() })).status).toBe(401);
    const slowed = await signIn(user.email, user.password, { from: newAddress() });
    expect(slowed.status).toBe(429);
    const retryAfter = Number(slowed.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // The browser that signed in before is not affected, from any address.
    expect((await signIn(user.email, user.password, { from: newAddress(), cookie: device })).status).toBe(200);
    // A device cookie trusted for one account does not help against another.
    const other = await createTestUser(getDatabase());
    for (let i = 0; i < 5; i++) await signIn(other.email, 'wrong password', { from: '203.0.113.200', cookie: device });
    expect((await signIn(other.email, other.password, { from: '203.0.113.200', cookie: device })).status).toBe(429);

    // When the block ends, a new browser with the right password gets in.
    await getDatabase().query("UPDATE login_throttle SET blocked_until = now() - interval '1 second' WHERE blocked_until IS NOT NULL");
    expect((await signIn(user.email, user.password, { from: newAddress() })).status).toBe(200);
  });

  it('limits a trusted browser on its own after five wrong passwords', async () => {
    const user = await createTestUser(getDatabase());
    const device = deviceCookieOf(await signIn(user.email, user.password, { from: newAddress() }));
    const from = newAddress();
    for (let i = 0; i < 5; i++) expect((await signIn(user.email, 'wrong password', { from, cookie: device })).status).toBe(401);
    expect((await signIn(user.email, user.password, { from, cookie: device })).status).toBe(429);
    expect((await signIn(user.email, user.password, { from: newAddress() })).status).toBe(200);
  });

  it('stores no attempted email or address', async () => {
    await signIn('secret.person@example.test', 'wrong password', { from: '203.0.113.77' });
    const rows = await getDatabase().query<{ bucket: string }>('SELECT bucket FROM login_throttle');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/secret\.person|203\.0\.113\.77/);
  });
});

describeEachDatabase('sign-in client address', (getDatabase) => {
  it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot rotate it to escape the limit', async () => {
    expect(process.env.TRUST_PROXY ?? '').toBe('');
    const user = await createTestUser(getDatabase());
    await withPeerAddress('203.0.113.10', async () => {
      for (let i = 0; i < 5; i++) expect((await signIn(user.email, 'wrong password', { from: `10.0.0.${i}` })).status).toBe(401);
      expect((await signIn(user.email, user.password, { from: '10.0.0.99' })).status).toBe(429);
    });
    // …nor forge the owner's address to lock them out: the owner's own socket is a different client.
    await withPeerAddress('203.0.113.11', async () => {
      expect((await signIn(user.email, user.password, { from: '203.0.113.10' })).status).toBe(200);
    });
  });

  it('treats the addresses of one IPv6 /64 as one client', async () => {
    const user = await createTestUser(getDatabase());
    for (let i = 1; i <= 5; i++) {
      await withPeerAddress(`2001:db8:1:2::${i}`, async () => expect((await signIn(user.email, 'wrong password')).status).toBe(401));
    }
    await withPeerAddress('2001:db8:1:2:ffff::1', async () => expect((await signIn(user.email, user.password)).status).toBe(429));
    await withPeerAddress('2001:db8:1:3::1', async () => expect((await signIn(user.email, user.password)).status).toBe(200));
  });
});

describeEachDatabase('sign-in with an HTML form (no JavaScript)', (getDatabase) => {
  const origin = 'http://127.0.0.1:3000';
  const formPost = (fields: Record<string, string>, headers: Record<string, string> = { origin, 'sec-fetch-site': 'same-origin' }) =>
    withPeerAddress(newAddress(), () =>
      call(login, { method: 'POST', path: '/api/auth/login', rawBody: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', host: '127.0.0.1:3000', ...headers } }),
    );

  it('signs in and redirects to next with the session cookies', async () => {
    const user = await createTestUser(getDatabase());
    const response = await formPost({ email: user.email, password: user.password, next: '/analytics/traces?status=failed' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/analytics/traces?status=failed');
    const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/lt_session=/);
    expect((await call(listKeys, { path: '/api/keys', headers: { cookie } })).status).toBe(200);
  });

  it('redirects back to /login with the reason when the password is wrong, and never off-site', async () => {
    const user = await createTestUser(getDatabase());
    const wrong = await formPost({ email: user.email, password: 'wrong password', next: '/analytics/quality' });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toBe('/login?error=invalid&next=%2Fanalytics%2Fquality');
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const malformed = await formPost({ email: 'not an email', password: 'x' });
    expect(malformed.headers.get('location')).toBe('/login?error=invalid');
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const response = await formPost({ email: user.email, password: user.password, next });
      expect(response.headers.get('location')).toBe('/analytics');
    }
  });

  it('refuses a form post from another site, or one that does not say where it came from', async () => {
    const user = await createTestUser(getDatabase());
    const fields = { email: user.email, password: user.password };
    const cases: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, {}, { origin: 'null' }];
    for (const headers of cases) {
      const response = await formPost(fields, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await response.json()).error.code).toBe('csrf_failed');
    }
  });
});
