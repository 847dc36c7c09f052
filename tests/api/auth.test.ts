import { expect, it } from 'vitest';
import { POST as login } from '@/app/api/auth/login/route';
import { POST as logout } from '@/app/api/auth/logout/route';
import { GET as health } from '@/app/api/health/route';
import { DELETE as revokeKey } from '@/app/api/keys/[id]/route';
import { GET as listKeys, POST as createKey } from '@/app/api/keys/route';
import { createUserAccount } from '@/lib/auth/accounts';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';

function cookiesFrom(response: Response): { cookie: string; csrf: string } {
  const setCookies = response.headers.getSetCookie();
  const pairs = setCookies.map((c) => c.split(';')[0]);
  const csrf = pairs.find((p) => p.startsWith('lt_csrf='))?.split('=')[1] ?? '';
  return { cookie: pairs.join('; '), csrf };
}

describeEachDatabase('accounts and auth', (getDatabase, kind) => {
  it('reports health without auth, naming the database', async () => {
    const response = await health();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', database: kind, tracing: { enabled: expect.any(Boolean), queued: expect.any(Number), dropped: expect.any(Number) } });
  });

  it('answers 401 in the JSON error shape without credentials or with a bad key', async () => {
    for (const response of [await call(listKeys, { path: '/api/keys' }), await call(listKeys, { path: '/api/keys', apiKey: 'lt_nope' })]) {
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toMatch(/\w/);
    }
  });

  it('creates, lists and revokes keys; a revoked key stops working; only hashes are stored', async () => {
    const user = await createTestUser(getDatabase());
    const created = await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { name: 'ci', scope: 'full' } });
    expect(created.status).toBe(201);
    const { apiKey, key } = await created.json();
    expect(apiKey).toMatch(/^lt_[0-9A-Za-z]{40}$/);

    const stored = await getDatabase().query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [key.id]);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].key_hash).not.toContain(apiKey.slice(3));

    const listed = await (await call(listKeys, { path: '/api/keys', apiKey })).json();
    expect(listed.keys.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed)).not.toContain(apiKey);

    expect((await call(revokeKey, { method: 'DELETE', path: `/api/keys/${key.id}`, apiKey: user.apiKey, params: { id: key.id } })).status).toBe(204);
    expect((await call(listKeys, { path: '/api/keys', apiKey })).status).toBe(401);
  });

  it("never shows or revokes another user's keys", async () => {
    const alice = await createTestUser(getDatabase(), 'alice');
    const bob = await createTestUser(getDatabase(), 'bob');
    const aliceKeys = await (await call(listKeys, { path: '/api/keys', apiKey: alice.apiKey })).json();
    const bobKeys = await (await call(listKeys, { path: '/api/keys', apiKey: bob.apiKey })).json();
    const aliceIds = aliceKeys.keys.map((k: { id: string }) => k.id);
    expect(bobKeys.keys.some((k: { id: string }) => aliceIds.includes(k.id))).toBe(false);
    const response = await call(revokeKey, { method: 'DELETE', path: `/api/keys/${aliceIds[0]}`, apiKey: bob.apiKey, params: { id: aliceIds[0] } });
    expect(response.status).toBe(404);
    expect((await call(listKeys, { path: '/api/keys', apiKey: alice.apiKey })).status).toBe(200);
  });

  it('gives a chat-scope key 403 outside /api/chat', async () => {
    const user = await createTestUser(getDatabase());
    const { apiKey } = await (await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { scope: 'chat' } })).json();
    const response = await call(listKeys, { path: '/api/keys', apiKey });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('forbidden');
  });

  it('validates bodies: 400 malformed, 415 wrong type, 422 names the field, 413 too large', async () => {
    const user = await createTestUser(getDatabase());
    const malformed = await call(createKey, { path: '/api/keys', apiKey: user.apiKey, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('invalid_json');

    const wrongType = await call(createKey, { path: '/api/keys', apiKey: user.apiKey, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrongType.status).toBe(415);

    const invalid = await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { scope: 'root' } });
    expect(invalid.status).toBe(422);
    const body = await invalid.json();
    expect(body.error.details.map((d: { path: string }) => d.path)).toContain('scope');

    const huge = await call(createKey, { path: '/api/keys', apiKey: user.apiKey, body: { name: 'x'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('payload_too_large');
  });

  it('signs in with a session cookie (HttpOnly, SameSite=Lax) and requires the CSRF token for writes', async () => {
    const user = await createTestUser(getDatabase());
    const response = await call(login, { path: '/api/auth/login', body: { email: user.email, password: user.password } });
    expect(response.status).toBe(200);
    const sessionCookie = response.headers.getSetCookie().find((c) => c.startsWith('lt_session='))!;
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=Lax/);
    const { cookie, csrf } = cookiesFrom(response);

    expect((await call(listKeys, { path: '/api/keys', headers: { cookie } })).status).toBe(200);
    const noToken = await call(createKey, { path: '/api/keys', headers: { cookie }, body: { name: 'x' } });
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).error.code).toBe('csrf_failed');
    const crossSite = await call(createKey, { path: '/api/keys', headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' }, body: { name: 'x' } });
    expect(crossSite.status).toBe(403);
    const ok = await call(createKey, { path: '/api/keys', headers: { cookie, 'x-csrf-token': csrf }, body: { name: 'x' } });
    expect(ok.status).toBe(201);

    expect((await call(logout, { method: 'POST', path: '/api/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })).status).toBe(204);
    expect((await call(listKeys, { path: '/api/keys', headers: { cookie } })).status).toBe(401);
  });

  it('rejects a wrong password with 401, and the sixth in a row with 429 and Retry-After', async () => {
    const user = await createTestUser(getDatabase());
    const attempt = (password: string) => call(login, { path: '/api/auth/login', body: { email: user.email, password } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt('wrong password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const throttled = await attempt(user.password);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers a malformed session cookie with 401, never a 500', async () => {
    const user = await createTestUser(getDatabase());
    for (const cookie of ['lt_session=%', 'lt_session=%E0%A4%A', 'lt_session=%zz; lt_csrf=%', 'lt_csrf=%; lt_session=abc%', 'lt_session', '=; ;=%']) {
      const response = await call(listKeys, { path: '/api/keys', headers: { cookie } });
      expect(response.status, cookie).toBe(401);
      expect((await response.json()).error.code).toBe('unauthorized');
    }
    const logoutResponse = await call(logout, { method: 'POST', path: '/api/auth/logout', headers: { cookie: 'lt_session=%' } });
    expect(logoutResponse.status).toBe(401);
    // An API key still works beside a broken cookie.
    expect((await call(listKeys, { path: '/api/keys', apiKey: user.apiKey, headers: { cookie: 'lt_session=%' } })).status).toBe(200);
  });

  it('answers a malformed Origin or device cookie on sign-in with a 4xx, never a 500', async () => {
    const user = await createTestUser(getDatabase());
    for (const origin of ['not a url', 'http://', 'http://[::1', '%']) {
      const response = await call(login, { path: '/api/auth/login', body: { email: user.email, password: user.password }, headers: { origin } });
      expect(response.status, origin).toBe(403);
    }
    const withBrokenDevice = await call(login, { path: '/api/auth/login', body: { email: user.email, password: user.password }, headers: { cookie: 'lt_device=%' } });
    expect(withBrokenDevice.status).toBe(200);
  });

  it('does not trust X-Forwarded-Host for the origin check unless TRUST_PROXY says a proxy sets it', async () => {
    const user = await createTestUser(getDatabase());
    const { cookie, csrf } = cookiesFrom(await call(login, { path: '/api/auth/login', body: { email: user.email, password: user.password } }));
    const write = (headers: Record<string, string>) => call(createKey, { path: '/api/keys', headers: { cookie, 'x-csrf-token': csrf, host: 'llmtrace.internal:3000', ...headers }, body: { name: 'x' } });
    const forged = { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' };
    expect((await write(forged)).status).toBe(403);
    expect((await write({ origin: 'http://llmtrace.internal:3000' })).status).toBe(201);

    const previous = process.env.TRUST_PROXY;
    process.env.TRUST_PROXY = 'true';
    try {
      expect((await write({ origin: 'https://traces.example.com', 'x-forwarded-host': 'traces.example.com' })).status).toBe(201);
      // The proxy appends to what the client sent: only its own (last) entry counts.
      expect((await write({ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example, traces.example.com' })).status).toBe(403);
    } finally {
      if (previous === undefined) delete process.env.TRUST_PROXY;
      else process.env.TRUST_PROXY = previous;
    }
  });

  it('creates a user and their first key in one transaction: a failed key leaves no user behind', async () => {
    const database = getDatabase();
    const email = `atomic.${Date.now()}@example.test`;
    await database.exec(`
      CREATE FUNCTION refuse_key() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'key refused'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_key BEFORE INSERT ON api_keys FOR EACH ROW EXECUTE FUNCTION refuse_key();`);
    try {
      await expect(createUserAccount(database, { email, password: 'a long password' })).rejects.toThrow();
    } finally {
      await database.exec('DROP TRIGGER refuse_key ON api_keys; DROP FUNCTION refuse_key();');
    }
    expect(await database.query('SELECT id FROM users WHERE email = $1', [email])).toEqual([]);
    const { user, apiKey } = await createUserAccount(database, { email, password: 'a long password' });
    expect((await call(listKeys, { path: '/api/keys', apiKey })).status).toBe(200);
    expect(user.email).toBe(email);
  });

  it('gives one user and one conflict when the same email is created twice at once', async () => {
    const email = `twice.${Date.now()}@example.test`;
    const results = await Promise.allSettled([0, 1, 2].map(() => createUserAccount(getDatabase(), { email, password: 'a long password' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(result.reason).toMatchObject({ code: 'conflict', status: 409 });
    }
    expect(await getDatabase().query('SELECT id FROM users WHERE email = $1', [email])).toHaveLength(1);
  });

  it('stores passwords as argon2id hashes', async () => {
    const user = await createTestUser(getDatabase());
    const [row] = await getDatabase().query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.userId]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });
});
