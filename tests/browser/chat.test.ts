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

it('chats with the demo model: the answer streams in, with tokens, cost and a trace link', async () => {
  await page.goto(`${inject('baseUrl')}/chat`);
  await page.getByTestId('chat-input').waitFor();
  await expect(page.getByTestId('provider-select').inputValue()).resolves.toBe('demo');
  await expect(page.getByTestId('provider-select').locator('option[value="demo"]').innerText()).resolves.toContain('demo · offline');
  // web_search needs WEB_SEARCH_URL, which the test server does not set.
  await expect(page.getByTestId('tool-toggle-web_search').isDisabled()).resolves.toBe(true);
  await expect(page.getByTestId('tool-toggle-calculator').isChecked()).resolves.toBe(true);

  // Record every length the answer's text goes through, to see it grow in steps.
  await page.evaluate(() => {
    const w = window as unknown as { __lengths: number[] };
    w.__lengths = [];
    new MutationObserver(() => {
      const el = document.querySelector('[data-role="assistant"] [data-testid="chat-message-content"]');
      const length = el?.textContent?.length ?? 0;
      if (length && w.__lengths[w.__lengths.length - 1] !== length) w.__lengths.push(length);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('chat-input').fill('Tell me about tracing <b>bold</b> in a few words.');
  await page.getByTestId('chat-send').click();
  await page.locator('[data-testid="chat-message"][data-role="user"]').waitFor();
  const assistant = page.locator('[data-testid="chat-message"][data-role="assistant"]');
  await assistant.locator('[data-testid="view-trace-link"]').waitFor({ timeout: 30_000 });
  await expect(assistant.getAttribute('data-status')).resolves.toBe('done');
  const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
  expect(lengths.length).toBeGreaterThan(2); // arrived in pieces, not at once
  const answer = await assistant.getByTestId('chat-message-content').innerText();
  expect(answer.length).toBeGreaterThan(10);
  // The user's text shows literally (no HTML rendering).
  await expect(page.locator('[data-testid="chat-message"][data-role="user"]').innerText()).resolves.toContain('<b>bold</b>');
  const stats = await assistant.getByTestId('chat-stats').innerText();
  expect(stats).toMatch(/tokens/);
  expect(stats).toMatch(/\$|unpriced/);
  await expect(page.getByTestId('conversation-id').innerText()).resolves.toMatch(/Conversation [0-9a-f-]{36}/);
  await screenshot(page, 'chat-answer');
});

it('evaluates the answer with a failure tag', async () => {
  const assistant = page.locator('[data-testid="chat-message"][data-role="assistant"]').first();
  await assistant.getByTestId('evaluate-fail').click();
  await assistant.getByTestId('evaluation-rating-2').click();
  await assistant.getByTestId('evaluation-tags').fill('hallucination');
  await assistant.getByTestId('evaluation-tags').press('Enter');
  await assistant.getByTestId('evaluation-suggest-too_slow').click();
  await assistant.getByTestId('evaluation-notes').fill('Made things up.');
  await screenshot(page, 'chat-evaluation-form');
  await assistant.getByTestId('evaluation-submit').click();
  await assistant.getByTestId('evaluation-saved').waitFor();
  const saved = await assistant.getByTestId('evaluation-saved').innerText();
  expect(saved).toContain('hallucination');
  expect(saved).toContain('too_slow');

  // The tag shows up on the quality endpoint.
  const issues = await page.request.get(`${inject('baseUrl')}/api/analytics/quality-issues`);
  expect(issues.status()).toBe(200);
  expect(JSON.stringify(await issues.json())).toContain('hallucination');
});

it('continues the conversation, then "View trace" opens the waterfall', async () => {
  const conversation = await page.getByTestId('conversation-id').innerText();
  await page.getByTestId('chat-input').fill('What is 12 * 7?');
  await page.getByTestId('chat-input').press('Enter');
  const second = page.locator('[data-testid="chat-message"][data-role="assistant"]').nth(1);
  await second.locator('[data-testid="view-trace-link"]').waitFor({ timeout: 30_000 });
  await expect(page.getByTestId('conversation-id').innerText()).resolves.toBe(conversation);
  // The demo model uses the calculator for arithmetic: a tool card appears.
  await second.getByTestId('chat-tool').first().waitFor();
  await expect(second.getByTestId('chat-tool').first().innerText()).resolves.toContain('calculator');
  await screenshot(page, 'chat-conversation');

  await second.getByTestId('view-trace-link').click();
  await page.waitForURL(/\/analytics\/traces\/[0-9a-f]{32}/);
  await page.getByTestId('waterfall-row').first().waitFor();
  const rows = page.getByTestId('waterfall-row');
  const root = rows.first();
  await expect(root.getAttribute('data-depth')).resolves.toBe('0');
  await expect(root.innerText()).resolves.toContain('llm.completion');
  const names = (await rows.allInnerTexts()).join('\n');
  expect(names).toContain('llm.call');
  expect(names).toContain('tool.calculator');
  await screenshot(page, 'chat-trace');
});

it('"New chat" starts a new conversation', async () => {
  await page.goto(`${inject('baseUrl')}/chat`);
  await page.getByTestId('chat-input').fill('hello');
  await page.getByTestId('chat-send').click();
  await page.locator('[data-testid="view-trace-link"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('new-chat').click();
  await expect(page.getByTestId('chat-message').count()).resolves.toBe(0);
  await expect(page.getByTestId('conversation-id').innerText()).resolves.toBe('New conversation');
});
