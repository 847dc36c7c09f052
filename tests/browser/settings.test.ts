import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  await browser?.close();
});

it('creates an API key, shown once, that works; then revokes it', async () => {
  await page.goto(`${inject('baseUrl')}/settings`);
  await page.getByTestId('key-row').first().waitFor(); // the owner's first key
  const before = await page.getByTestId('key-row').count();
  await expect(page.getByTestId('account-email').innerText()).resolves.toBe(inject('ownerEmail'));

  const name = `browser key ${Date.now()}`;
  await page.getByTestId('key-name').fill(name);
  await page.getByTestId('key-scope').selectOption('full');
  await page.getByTestId('create-key').click();
  await page.getByTestId('new-key-value').waitFor();
  const apiKey = await page.getByTestId('new-key-value').inputValue();
  expect(apiKey).toMatch(/^lt_[0-9A-Za-z]{40}$/);
  await page.locator('[data-testid="key-row"]', { hasText: name }).waitFor();
  await expect(page.getByTestId('key-row').count()).resolves.toBe(before + 1);
  // The list shows only the prefix.
  const row = page.locator('[data-testid="key-row"]', { hasText: name });
  await expect(row.innerText()).resolves.toContain(`${apiKey.slice(0, 10)}…`);
  await expect(row.innerText()).resolves.not.toContain(apiKey);
  await screenshot(page, 'settings-new-key');

  const works = await fetch(`${inject('baseUrl')}/api/analytics/traces`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(works.status).toBe(200);

  // Shown once: after a reload only the prefix is left.
  await page.reload();
  await page.getByTestId('key-row').first().waitFor();
  await expect(page.getByTestId('new-key-value').count()).resolves.toBe(0);
  await expect(page.content()).resolves.not.toContain(apiKey);

  const fresh = page.locator('[data-testid="key-row"]', { hasText: name });
  await fresh.getByTestId('revoke-key').click();
  await fresh.getByTestId('confirm-revoke').click();
  await page.locator('[data-testid="key-row"][data-revoked="true"]', { hasText: name }).waitFor();
  await expect(fresh.getByTestId('key-revoked').isVisible()).resolves.toBe(true);
  await screenshot(page, 'settings-revoked');

  const rejected = await fetch(`${inject('baseUrl')}/api/analytics/traces`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(rejected.status).toBe(401);
});

it('signs out from the account card', async () => {
  await page.goto(`${inject('baseUrl')}/settings`);
  await page.getByTestId('settings-sign-out').click();
  await page.waitForURL(/\/login/);
  await page.goto(`${inject('baseUrl')}/settings`);
  await page.waitForURL(/\/login/);
});
