import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const SERVICE = `share-compare-${hex(4)}`;
const PROMPT = 'Where is my order #4411? I am Jane Roe.';
const ANSWER_A = 'Your order #4411 shipped on Monday.';
const ANSWER_B = 'Your order #4411 is delayed until Friday.';
const XSS = '<img src=x onerror="window.__xss=1">';

/** One run of a support agent: the root, `steps` × (llm.call, tool.lookup), then llm.answer. */
function agentRun({ steps, answer, agoMs }: { steps: number; answer: string; agoMs: number }) {
  const traceId = hex(16);
  const rootId = hex(8);
  const start = Date.now() - agoMs;
  const at = (ms: number) => new Date(start + ms).toISOString();
  const spans: Array<Record<string, unknown>> = [
    {
      trace_id: traceId, span_id: rootId, span_name: 'support.agent', operation_type: 'agent', start_time: at(0), end_time: at(4000),
      service_name: SERVICE, input_data: { messages: [{ role: 'user', content: PROMPT }] }, output_data: answer,
    },
  ];
  let t = 50;
  for (let i = 0; i < steps; i++) {
    spans.push({
      trace_id: traceId, span_id: hex(8), parent_trace_id: rootId, span_name: 'llm.call', operation_type: 'llm_call', start_time: at(t), end_time: at(t + 400),
      model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 200 + i, output_tokens: 30, input_data: { prompt: `${PROMPT} (step ${i})` }, output_data: `lookup order 4411, attempt ${i}`,
    });
    spans.push({
      trace_id: traceId, span_id: hex(8), parent_trace_id: rootId, span_name: 'tool.lookup', operation_type: 'tool_call', start_time: at(t + 400), end_time: at(t + 600),
      input_data: { order: 4411 }, output_data: i === 0 ? XSS : { status: 'in transit' },
    });
    t += 600;
  }
  spans.push({
    trace_id: traceId, span_id: hex(8), parent_trace_id: rootId, span_name: 'llm.answer', operation_type: 'llm_call', start_time: at(t), end_time: at(t + 500),
    model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 400, output_tokens: 40, output_data: answer,
  });
  return { traceId, spans };
}

const runA = agentRun({ steps: 2, answer: ANSWER_A, agoMs: 90_000 });
const runB = agentRun({ steps: 3, answer: ANSWER_B, agoMs: 80_000 });

let browser: Browser;
let page: Page;
const anonymous: BrowserContext[] = [];

beforeAll(async () => {
  const response = await fetch(`${inject('baseUrl')}/api/analytics/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('ownerApiKey')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traces: [...runA.spans, ...runB.spans] }),
  });
  const result = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect(response.status).toBe(200);
  expect(result.rejected).toEqual([]);

  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  for (const context of anonymous) await context.close().catch(() => {});
  await browser?.close();
});

/** Clicks until `done` shows: a click that lands before React has hydrated the page does nothing. */
async function clickUntil(target: Locator, done: Locator): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await target.click();
    try {
      await done.waitFor({ timeout: 1500 });
      return;
    } catch {
      // Not hydrated yet (or the click toggled something back): click again.
    }
  }
  await done.waitFor({ timeout: 1000 });
}

/** A page in a fresh browser context: no cookies, no session, nobody signed in. */
async function strangerPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  anonymous.push(context);
  expect(await context.cookies()).toEqual([]);
  return context.newPage();
}

/** Creates a link from the trace page's Share button; returns its absolute URL. */
async function shareFromTracePage(traceId: string, { redact }: { redact: boolean }): Promise<string> {
  await page.goto(`${inject('baseUrl')}/analytics/traces/${traceId}`);
  await page.getByTestId('waterfall-row').first().waitFor();
  await clickUntil(page.getByTestId('share-trace'), page.getByTestId('share-panel'));
  if (redact) await page.getByTestId('share-redact').check();
  await page.getByTestId('create-share').click();
  await page.getByTestId('share-url').waitFor();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(new RegExp(`^${inject('baseUrl')}/share/[A-Za-z0-9_-]{32}$`));
  return url;
}

const links: { full?: string; redacted?: string } = {};

it('the owner shares a trace from its page, and a stranger without a login sees that trace alone', async () => {
  links.full = await shareFromTracePage(runA.traceId, { redact: false });
  await screenshot(page, 'share-create');

  const stranger = await strangerPage();
  const response = await stranger.goto(links.full);
  expect(response?.status()).toBe(200);
  await stranger.getByTestId('share-page').waitFor();
  await stranger.getByTestId('waterfall-row').first().waitFor();
  await expect(stranger.getByTestId('waterfall-row').count()).resolves.toBe(runA.spans.length);
  await expect(stranger.getByTestId('share-page').getAttribute('data-redacted')).resolves.toBe('false');
  // The trace alone: no sidebar, no dashboard, no link anywhere into the account, no key, no email.
  await expect(stranger.getByTestId('sidebar').count()).resolves.toBe(0);
  await expect(stranger.getByTestId('dashboard-shell').count()).resolves.toBe(0);
  await expect(stranger.getByTestId('export-trace').count()).resolves.toBe(0);
  await expect(stranger.getByTestId('share-trace').count()).resolves.toBe(0);
  await expect(stranger.locator('a[href]').count()).resolves.toBe(0);
  const html = await stranger.content();
  expect(html).not.toContain(inject('ownerApiKey'));
  expect(html).not.toContain(inject('ownerEmail'));
  expect(html).not.toContain(runB.traceId);
  // The root is selected: its input and output are there, as text.
  await expect(stranger.getByTestId('span-output').innerText()).resolves.toContain(ANSWER_A);
  await expect(stranger.getByTestId('span-input').innerText()).resolves.toContain(PROMPT);

  // Model output is untrusted: shown as text, never run.
  await stranger.locator('[data-testid="waterfall-row"]', { hasText: 'tool.lookup' }).first().click();
  await expect(stranger.getByTestId('span-output').innerText()).resolves.toContain('onerror');
  await expect(stranger.locator('img[src="x"]').count()).resolves.toBe(0);
  await expect(stranger.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  await screenshot(stranger, 'share-page');

  // Still nobody signed in: the dashboard sends this browser to the login page.
  await stranger.goto(`${inject('baseUrl')}/analytics/traces`);
  await stranger.waitForURL(/\/login/);
});

it('a redacted link shows the trace without its inputs and outputs', async () => {
  links.redacted = await shareFromTracePage(runA.traceId, { redact: true });
  const stranger = await strangerPage();
  await stranger.goto(links.redacted);
  await stranger.getByTestId('share-redacted').waitFor();
  await stranger.getByTestId('waterfall-row').first().waitFor();
  await expect(stranger.getByTestId('waterfall-row').count()).resolves.toBe(runA.spans.length);
  await expect(stranger.getByTestId('span-output').innerText()).resolves.toMatch(/No output recorded/);
  const html = await stranger.content();
  for (const secret of [ANSWER_A, 'Jane Roe', 'lookup order 4411']) expect(html).not.toContain(secret);
  const api = await stranger.request.get(`${inject('baseUrl')}/api/share/${links.redacted.split('/share/')[1]}`);
  expect(api.status()).toBe(200);
  const text = await api.text();
  expect(text).not.toContain(ANSWER_A);
  expect(text).not.toContain(PROMPT);
  await screenshot(stranger, 'share-page-redacted');
});

it('Settings lists the links; revoking one makes it answer 404', async () => {
  const token = links.full!.split('/share/')[1]!;
  await page.goto(`${inject('baseUrl')}/settings`);
  await page.getByTestId('shared-links').waitFor();
  const rows = page.locator(`[data-testid="shared-link-row"][data-trace-id="${runA.traceId}"]`);
  await expect(rows.count()).resolves.toBe(2);
  await expect(page.getByTestId('shared-links').innerText()).resolves.toContain('support.agent');
  // Only a prefix of the token is known to the server.
  await expect(page.content()).resolves.not.toContain(token);
  const row = page.locator('[data-testid="shared-link-row"]', { hasText: `/share/${token.slice(0, 6)}` });
  await clickUntil(row.getByTestId('revoke-share'), row.getByTestId('confirm-revoke-share'));
  await row.getByTestId('confirm-revoke-share').click();
  await row.waitFor({ state: 'detached' });
  await expect(rows.count()).resolves.toBe(1);
  await screenshot(page, 'settings-shared-links');

  const stranger = await strangerPage();
  const gone = await stranger.goto(links.full!);
  expect(gone?.status()).toBe(404);
  const api = await stranger.request.get(`${inject('baseUrl')}/api/share/${token}`);
  expect(api.status()).toBe(404);
  // The other link still works.
  expect((await stranger.goto(links.redacted!))?.status()).toBe(200);
});

it('picks two traces on the list and compares them side by side', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces?service_name=${SERVICE}`);
  const rowFor = (traceId: string) => page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
  await rowFor(runA.traceId).waitFor();
  await clickUntil(rowFor(runA.traceId).getByTestId('compare-select'), page.locator('[data-testid="compare-bar"][data-picked="1"]'));
  await clickUntil(rowFor(runB.traceId).getByTestId('compare-select'), page.locator('[data-testid="compare-bar"][data-picked="2"]'));
  await expect(rowFor(runA.traceId).getByTestId('compare-select').isChecked()).resolves.toBe(true);
  await expect(rowFor(runB.traceId).getByTestId('compare-select').isChecked()).resolves.toBe(true);
  await page.getByTestId('compare-selected').click();
  await page.waitForURL(new RegExp(`/analytics/compare\\?a=${runA.traceId}&b=${runB.traceId}`));

  const cardA = page.getByTestId('compare-trace-a');
  const cardB = page.getByTestId('compare-trace-b');
  await cardA.waitFor();
  await expect(cardA.getAttribute('data-trace-id')).resolves.toBe(runA.traceId);
  await expect(cardB.getAttribute('data-trace-id')).resolves.toBe(runB.traceId);
  const [boxA, boxB] = [await cardA.boundingBox(), await cardB.boundingBox()];
  expect(boxA && boxB && boxA.x + boxA.width <= boxB.x + 1 && Math.abs(boxA.y - boxB.y) < 2).toBe(true);

  // B's agent took one more step: its llm.call and tool.lookup are added, the rest pairs up.
  await expect(page.getByTestId('compare-row').count()).resolves.toBe(runB.spans.length);
  await expect(page.locator('[data-testid="compare-row"][data-kind="added"]').count()).resolves.toBe(2);
  await expect(page.locator('[data-testid="compare-row"][data-kind="removed"]').count()).resolves.toBe(0);
  await expect(page.getByTestId('compare-summary-spans').innerText()).resolves.toMatch(/6\s+8\s+\+2/);

  // The answers differ: the selected pair's output diff marks the words.
  await clickUntil(page.locator('[data-testid="compare-row"]', { hasText: 'llm.answer' }), page.locator('[data-testid="compare-details"]', { hasText: 'Selected pair: llm.answer' }));
  await page.getByTestId('compare-output-diff').waitFor();
  await expect(page.getByTestId('compare-output-diff').locator('del').allInnerTexts()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('shipped')]));
  await expect(page.getByTestId('compare-output-diff').locator('ins').allInnerTexts()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('delayed')]));
  await screenshot(page, 'compare');

  // A trace that is not there is named in a clear message.
  const missing = hex(16);
  await page.goto(`${inject('baseUrl')}/analytics/compare?a=${runA.traceId}&b=${missing}`);
  await expect(page.getByTestId('compare-error').innerText()).resolves.toContain(`Trace B (${missing}) was not found`);
});
