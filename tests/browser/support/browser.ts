import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every page the tests visit; outside git (see .gitignore). */
export const SCREENSHOT_DIR = path.resolve('test-results', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

/** Page object for /login. */
export async function signIn(page: Page, email = inject('ownerEmail'), password = inject('ownerPassword')): Promise<void> {
  await page.goto(`${inject('baseUrl')}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('dashboard-shell').waitFor();
}

/**
 * Chooses `value` in the select `testId` of a page whose URL follows its filters, until the URL
 * matches `url`: until React has hydrated the page (slow on a busy machine), choosing an option
 * changes nothing, so it chooses again (through another option, so each try is a change). Each
 * try waits longer for the navigation (2 s, 4 s, 6 s…): a try that chose again while the server
 * was still rendering the last one would start that navigation over.
 */
export async function chooseFilter(page: Page, testId: string, value: string, url: RegExp): Promise<void> {
  let tries = 0;
  await expect
    .poll(
      async () => {
        tries++;
        await page.getByTestId(testId).selectOption('');
        await page.getByTestId(testId).selectOption(value);
        await page.waitForURL(url, { timeout: 2_000 * tries }).catch(() => {});
        return page.url();
      },
      { timeout: 45_000 },
    )
    .toMatch(url);
}
