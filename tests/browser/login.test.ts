import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it('sends a signed-out visitor to /login, and a wrong password shows an error', async () => {
  const page = await browser.newPage();
  await page.goto(`${inject('baseUrl')}/analytics`);
  await page.waitForURL(/\/login/);
  await screenshot(page, 'login');
  await page.getByLabel('Email').fill(inject('ownerEmail'));
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('login-error').waitFor();
  await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/Wrong email or password/);
  await page.close();
});

it('signs in through /login and sees the dashboard shell with the user', async () => {
  const page = await browser.newPage();
  await signIn(page);
  expect(page.url()).toMatch(/\/analytics$/);
  await expect(page.getByTestId('current-user').textContent()).resolves.toBe(inject('ownerEmail'));
  await expect(page.getByTestId('sidebar').getByRole('link', { name: 'Traces' }).isVisible()).resolves.toBe(true);
  await screenshot(page, 'dashboard-shell');
  const csp = (await page.request.get(`${inject('baseUrl')}/analytics`)).headers()['content-security-policy'];
  expect(csp).toContain("default-src 'self'");
  await page.close();
});

it('serves /login with the sign-in form already in the HTML, posting to the login endpoint', async () => {
  const response = await fetch(`${inject('baseUrl')}/login?next=%2Fanalytics%2Fquality`);
  expect(response.status).toBe(200);
  const html = await response.text();
  const form = /<form\b[^>]*data-testid="login-form"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  expect(form, 'no login form in the server HTML').not.toBeNull();
  const [formTag, inner] = [form![0].slice(0, form![0].indexOf('>') + 1), form![1]!];
  expect(formTag).toMatch(/method="post"/i);
  expect(formTag).toMatch(/action="\/api\/auth\/login"/);
  expect(inner).toMatch(/<input\b[^>]*name="email"[^>]*>/);
  expect(inner).toMatch(/<input\b[^>]*name="password"[^>]*type="password"|<input\b[^>]*type="password"[^>]*name="password"/);
  expect(inner).toMatch(/<input\b[^>]*type="hidden"[^>]*name="next"[^>]*value="\/analytics\/quality"|<input\b[^>]*name="next"[^>]*value="\/analytics\/quality"/);
  expect(inner).toMatch(/<button\b[^>]*type="submit"[^>]*>Sign in<\/button>/);
});

it('signs in with JavaScript disabled: a plain form post, then the dashboard', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${inject('baseUrl')}/login`);
    await page.getByLabel('Email').fill(inject('ownerEmail'));
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\?error=invalid/);
    await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/Wrong email or password/);

    await page.getByLabel('Email').fill(inject('ownerEmail'));
    await page.getByLabel('Password').fill(inject('ownerPassword'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/analytics$/);
    await page.getByTestId('dashboard-shell').waitFor();
    await expect(page.getByTestId('current-user').textContent()).resolves.toBe(inject('ownerEmail'));
    await screenshot(page, 'login-without-javascript');
  } finally {
    await context.close();
  }
});

/** A JSON sign-in sent from a chosen loopback source address (Linux routes all of 127/8 to lo). */
function signInFrom(localAddress: string, body: { email: string; password: string }, headers: Record<string, string> = {}): Promise<number> {
  const url = new URL('/api/auth/login', inject('baseUrl'));
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

it('counts sign-in attempts by the connecting socket: a forged X-Forwarded-For changes nothing, another socket address is another client', async () => {
  const owner = { email: inject('ownerEmail'), password: inject('ownerPassword') };
  const wrong = { ...owner, password: 'not the password' };
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push(await signInFrom('127.0.0.2', wrong, { 'x-forwarded-for': `10.9.8.${i}` }));
  statuses.push(await signInFrom('127.0.0.2', owner, { 'x-forwarded-for': '10.9.8.99' }));
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  // The owner, connecting from their own address, is not locked out by that.
  expect(await signInFrom('127.0.0.1', owner)).toBe(200);
});

it('answers an unknown API path and a wrong method in JSON from the real server', async () => {
  const missing = await fetch(`${inject('baseUrl')}/api/no/such/endpoint`);
  expect(missing.status).toBe(404);
  expect((await missing.json()).error.code).toBe('not_found');
  const wrongMethod = await fetch(`${inject('baseUrl')}/api/health`, { method: 'DELETE' });
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  expect((await wrongMethod.json()).error.code).toBe('method_not_allowed');
  expect((await fetch(`${inject('baseUrl')}/api/health`, { method: 'HEAD' })).status).toBe(200);
});
