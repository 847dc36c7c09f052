/**
 * Quality Issues → View Trace (seed-plan Phase 4) and the Overview dashboard, in a real browser
 * against `npm start`. Data is seeded through the HTTP API with the owner's API key.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { formatDateTime } from '@/lib/format';
import { launchBrowser, screenshot, signIn } from './support/browser';

interface ChatResult {
  messageId: string;
  traceId: string;
}

interface Span {
  trace_id: string;
  parent_trace_id: string | null;
  span_name: string;
  status: string;
}

async function api(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
  return fetch(`${inject('baseUrl')}${path}`, {
    method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'),
    headers: { authorization: `Bearer ${inject('ownerApiKey')}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
}

async function chat(content: string): Promise<ChatResult> {
  const response = await api('/api/chat', { json: { messages: [{ role: 'user', content }] } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as ChatResult;
  expect(body.messageId).toBeTruthy();
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  return body;
}

/** Spans are written in batches: wait until the trace's root is stored and finished. */
async function waitForTrace(traceId: string): Promise<Span[]> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const response = await api(`/api/analytics/traces?trace_id=${traceId}`);
    if (response.ok) {
      const { traces } = (await response.json()) as { traces: Span[] };
      const root = traces.find((span) => span.parent_trace_id === null);
      if (root && root.status !== 'running' && root.status !== 'pending') return traces;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`trace ${traceId} was not stored in time`);
}

async function evaluate(messageId: string, failureTags: string[], notes?: string): Promise<void> {
  const response = await api('/api/evaluations', { json: { message_id: messageId, success: false, rating: 2, failure_tags: failureTags, notes } });
  expect(response.status).toBe(201);
}

let browser: Browser;
let traced: ChatResult;
let untraced: ChatResult & { createdAt: string };

beforeAll(async () => {
  browser = await launchBrowser();

  traced = await chat('What is your refund policy after 30 days?');
  await waitForTrace(traced.traceId);
  await evaluate(traced.messageId, ['hallucination'], 'Invented a 60-day refund window.');

  const second = await chat('How long does express shipping take?');
  await waitForTrace(second.traceId);
  await evaluate(second.messageId, ['hallucination', 'verbose']);

  // A message whose trace is gone: the modal must show the plan's empty state with its date.
  const third = await chat('When is support available?');
  await waitForTrace(third.traceId);
  expect((await api(`/api/analytics/traces/${third.traceId}`, { method: 'DELETE' })).status).toBe(204);
  await evaluate(third.messageId, ['no_trace']);
  const listed = (await (await api('/api/analytics/quality-issues?tag=no_trace')).json()) as { messages: Array<{ message_id: string; created_at: string }> };
  const entry = listed.messages.find((m) => m.message_id === third.messageId);
  expect(entry).toBeTruthy();
  untraced = { ...third, createdAt: entry!.created_at };
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function signedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
  return page;
}

it('lists failure tags with counts, opens a tag’s examples and the trace behind a message', async () => {
  const page = await signedInPage();
  await page.goto(`${inject('baseUrl')}/analytics/quality`);
  await page.getByTestId('quality-tags').waitFor();

  const tagCount = (tag: string) => page.locator(`[data-testid="tag-row"][data-tag="${tag}"]`).getByTestId('tag-count').textContent();
  await expect(tagCount('hallucination')).resolves.toBe('2');
  await expect(tagCount('verbose')).resolves.toBe('1');
  await expect(tagCount('no_trace')).resolves.toBe('1');
  // Most frequent first.
  await expect(page.getByTestId('tag-row').first().getAttribute('data-tag')).resolves.toBe('hallucination');
  await screenshot(page, 'quality-tags');

  await page.locator('[data-testid="tag-row"][data-tag="hallucination"]').getByTestId('view-examples').click();
  await page.waitForURL(/[?&]tag=hallucination/);
  const table = page.getByTestId('judgments-table');
  await table.waitFor();
  await expect(page.getByTestId('judgment-row').count()).resolves.toBe(2);
  const row = page.locator(`[data-testid="judgment-row"][data-message-id="${traced.messageId}"]`);
  await expect(row.textContent()).resolves.toContain('Invented a 60-day refund window.');
  await screenshot(page, 'quality-judgments');

  await row.getByTestId('view-trace').click();
  const modal = page.getByTestId('trace-modal');
  await modal.waitFor();
  const firstRow = modal.getByTestId('waterfall-row').first();
  await firstRow.waitFor();
  await expect(firstRow.getAttribute('data-depth')).resolves.toBe('0');
  await expect(firstRow.textContent()).resolves.toContain('llm.completion');
  await expect(modal.getByRole('link', { name: 'Open full page' }).getAttribute('href')).resolves.toBe(`/analytics/traces/${traced.traceId}`);
  await expect(modal.getByTestId('trace-empty-state').count()).resolves.toBe(0);
  await screenshot(page, 'quality-trace-modal');

  await page.keyboard.press('Escape');
  await modal.waitFor({ state: 'detached' });

  // The message whose trace was deleted: the plan's empty state, with the message's date.
  await page.locator('[data-testid="tag-row"][data-tag="no_trace"]').getByTestId('view-examples').click();
  await page.waitForURL(/[?&]tag=no_trace/);
  const untracedRow = page.locator(`[data-testid="judgment-row"][data-message-id="${untraced.messageId}"]`);
  await untracedRow.waitFor();
  await untracedRow.getByTestId('view-trace').click();
  const empty = page.getByTestId('trace-modal').getByTestId('trace-empty-state');
  await empty.waitFor();
  const text = (await empty.textContent()) ?? '';
  expect(text).toContain('No trace data available for this message.');
  expect(text).toContain(`This message was created before trace capture was enabled (Date: ${formatDateTime(untraced.createdAt)}).`);
  expect(text).toContain('Newer messages will have trace data automatically captured.');
  await expect(page.getByTestId('trace-modal').getByTestId('waterfall-row').count()).resolves.toBe(0);
  await screenshot(page, 'quality-trace-empty');

  await page.getByTestId('trace-modal-close').click();
  await page.getByTestId('trace-modal').waitFor({ state: 'detached' });
  await page.close();
});

it('shows the Overview KPIs and charts for the seeded requests', async () => {
  const page = await signedInPage();
  await page.goto(`${inject('baseUrl')}/analytics`);
  await page.getByTestId('overview').waitFor();
  const requests = Number(await page.getByTestId('kpi-requests').getAttribute('data-value'));
  expect(requests).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('kpi-error-rate').isVisible()).resolves.toBe(true);
  for (const chart of ['chart-requests', 'chart-latency', 'chart-cost-by-model', 'chart-tokens']) {
    await page.locator(`[data-testid="${chart}"] svg.recharts-surface`).first().waitFor();
  }
  // Hovering a bar shows the bucket's tooltip.
  await page.locator('[data-testid="chart-requests"] .recharts-bar-rectangle').last().hover();
  await page.locator('[data-testid="chart-requests"] .recharts-tooltip-wrapper').getByText('Requests').waitFor();
  await screenshot(page, 'overview');
  // A day is read from the quarter-hour roll-ups: the percentiles say they are within 2%.
  await expect(page.getByTestId('kpi-p50-value').textContent()).resolves.toMatch(/^≈ /);
  await expect(page.getByTestId('kpi-p50').textContent()).resolves.toContain('±2%');

  // The range lives in the URL. The last hour is read from the spans: exact percentiles.
  await page.getByTestId('range-1h').click();
  await page.waitForURL(/[?&]range=1h/);
  await expect(page.getByTestId('overview').getAttribute('data-range')).resolves.toBe('1h');
  await page.locator('[data-testid="chart-requests"] svg.recharts-surface').first().waitFor();
  expect(Number(await page.getByTestId('kpi-requests').getAttribute('data-value'))).toBeGreaterThanOrEqual(2);
  await expect.poll(() => page.getByTestId('kpi-p50-value').textContent(), { timeout: 10_000 }).not.toMatch(/≈/);

  await page.getByTestId('range-7d').click();
  await page.waitForURL(/[?&]range=7d/);
  await expect(page.getByTestId('overview').getAttribute('data-range')).resolves.toBe('7d');
  await page.locator('[data-testid="chart-requests"] svg.recharts-surface').first().waitFor();
  // A week is read from the hourly roll-ups too.
  await expect.poll(() => page.getByTestId('kpi-p50-value').textContent(), { timeout: 10_000 }).toMatch(/^≈ /);
  await expect(page.getByTestId('kpi-p50').textContent()).resolves.toContain('±2%');
  await screenshot(page, 'overview-7d');
  await page.close();
});
