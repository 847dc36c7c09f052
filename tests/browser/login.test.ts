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
