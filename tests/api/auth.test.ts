import { expect, it } from 'vitest';
import { POST as login } from '@/app/api/auth/login/route';
import { POST as logout } from '@/app/api/auth/logout/route';
import { GET as health } from '@/app/api/health/route';
import { DELETE as revokeKey } from '@/app/api/keys/[id]/route';
import { GET as listKeys, POST as createKey } from '@/app/api/keys/route';
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

  it('rejects a wrong password and locks the account after repeated failures', async () => {
    const user = await createTestUser(getDatabase());
    const attempt = (password: string) => call(login, { path: '/api/auth/login', body: { email: user.email, password } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt('wrong password')).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    const lockedOut = await attempt(user.password);
    expect(lockedOut.status).toBe(429);
    expect(Number(lockedOut.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt('x')).status).toBe(429);
    expect((await call(login, { path: '/api/auth/login', body: { email: 'nobody@example.test', password: 'whatever1' } })).status).toBe(401);
  });

  it('stores passwords as argon2id hashes', async () => {
    const user = await createTestUser(getDatabase());
    const [row] = await getDatabase().query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.userId]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });
});
