/**
 * The trace list tells traces apart and finds them: row previews with session, end user and
 * tags; the session, end user and tag filters in the URL; full-text search from the list into a
 * trace whose span panel marks the text (Latin identifiers and Chinese), as text only.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** Unique to this run, so that the other test files' traces (same server) never match. */
const RUN = hex(3);
const ORDER = `order #${parseInt(RUN, 16) % 90000 + 10000}`;
const SESSION = `browser-session-${RUN}`;
const END_USER = `browser-user-${RUN}`;
const TAG = `vip-${RUN}`;
const OTHER_TAG = `beta-${RUN}`;
const PAYLOAD = '<img src=x onerror="window.__xss=1">';

function makeTrace(options: {
  name: string;
  agoMs: number;
  root?: Record<string, unknown>;
  children?: Array<Record<string, unknown>>;
  common?: Record<string, unknown>;
}) {
  const traceId = hex(16);
  const rootId = hex(8);
  const start = Date.now() - options.agoMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  const root = {
    trace_id: traceId, span_id: rootId, span_name: options.name, operation_type: 'agent', start_time: iso(start), end_time: iso(start + 2000),
    ...options.common, ...options.root,
  };
  const children = (options.children ?? []).map((child, index) => ({
    trace_id: traceId, span_id: hex(8), parent_trace_id: rootId, span_name: `llm.call-${index}`, operation_type: 'llm_call',
    start_time: iso(start + 100 + index * 400), end_time: iso(start + 400 + index * 400), ...options.common, ...child,
  }));
  return { traceId, rootId, spans: [root, ...children] };
}

// The answer with the order number is in the second model call's output, not in the root.
const support = makeTrace({
  name: `support.chat ${RUN}`,
  agoMs: 30_000,
  common: { session_id: SESSION, end_user_id: END_USER, tags: [TAG, OTHER_TAG] },
  root: { input_data: { messages: [{ role: 'system', content: 'You are a support agent.' }, { role: 'user', content: `Where is my parcel? (${RUN})` }] }, output_data: { content: 'It ships tomorrow.' } },
  children: [
    { input_data: { messages: [{ role: 'user', content: `Where is my parcel? (${RUN})` }] }, output_data: { role: 'assistant', content: 'Let me check.' } },
    { span_name: 'llm.answer', output_data: { role: 'assistant', content: `Your refund for ${ORDER.toUpperCase()} was approved. ${PAYLOAD}` } },
  ],
});
const chinese = makeTrace({
  name: `support.zh ${RUN}`,
  agoMs: 20_000,
  common: { end_user_id: END_USER },
  root: { input_data: [{ role: 'user', content: `我的订单呢？${RUN}` }] },
  children: [{ span_name: 'tool.refunds', operation_type: 'tool_call', output_data: { status: `订单已经退款 ${RUN}` } }],
});
const other = makeTrace({ name: `weather.chat ${RUN}`, agoMs: 10_000, root: { input_data: `What is the weather in Paris? ${RUN}`, output_data: 'Sunny.' } });
const childOf = (trace: { spans: Array<Record<string, unknown>> }, name: string) => trace.spans.find((span) => span.span_name === name)!.span_id as string;

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const response = await fetch(`${inject('baseUrl')}/api/analytics/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('ownerApiKey')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traces: [...support.spans, ...chinese.spans, ...other.spans] }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { rejected: unknown[] }).rejected).toEqual([]);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  await browser?.close();
});

const base = () => `${inject('baseUrl')}/analytics/traces`;
const rowFor = (traceId: string) => page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
const listedIds = () => page.getByTestId('trace-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-trace-id')));
const xssRan = () => page.evaluate(() => (window as unknown as { __xss?: number }).__xss);

it('shows on each row the first user input, the final output, the session, the end user and the tags', async () => {
  await page.goto(`${base()}?q=${encodeURIComponent(RUN)}`);
  await rowFor(support.traceId).waitFor();
  const row = rowFor(support.traceId);
  await expect(row.getByTestId('trace-input-preview').innerText()).resolves.toContain(`Where is my parcel? (${RUN})`);
  await expect(row.getByTestId('trace-output-preview').innerText()).resolves.toContain('It ships tomorrow.');
  await expect(row.getByTestId('trace-session').innerText()).resolves.toContain(SESSION);
  await expect(row.getByTestId('trace-end-user').innerText()).resolves.toContain(END_USER);
  await expect(row.getByTestId('trace-tag').allInnerTexts()).resolves.toEqual([`#${TAG}`, `#${OTHER_TAG}`]);
  // A message list and a plain string preview their user text too.
  await expect(rowFor(chinese.traceId).getByTestId('trace-input-preview').innerText()).resolves.toContain('我的订单呢？');
  await expect(rowFor(other.traceId).getByTestId('trace-input-preview').innerText()).resolves.toContain('What is the weather in Paris?');
  await screenshot(page, 'traces-previews');
});

it('filters by session, end user and tags from the row, each kept in the URL and restored on reload', async () => {
  await page.goto(`${base()}?q=${encodeURIComponent(RUN)}`);
  await rowFor(support.traceId).getByTestId('trace-session').click();
  await page.waitForURL((url) => url.searchParams.get('session_id') === SESSION && url.searchParams.get('q') === RUN);
  await rowFor(chinese.traceId).waitFor({ state: 'detached' });
  await expect(listedIds()).resolves.toEqual([support.traceId]);
  await page.reload();
  await expect(page.getByTestId('filter-session').inputValue()).resolves.toBe(SESSION);

  // The end user (typed in the filter), then two tags: a bookmarkable URL with ?tag=…&tag=….
  await page.goto(base());
  await page.getByTestId('filter-end-user').fill(END_USER);
  await page.getByTestId('filter-end-user').press('Enter');
  await page.waitForURL((url) => url.searchParams.get('end_user_id') === END_USER);
  await rowFor(chinese.traceId).waitFor();
  await expect(new Set(await listedIds())).toEqual(new Set([support.traceId, chinese.traceId]));
  await page.getByTestId('filter-tag').fill(TAG);
  await page.getByTestId('filter-tag').press('Enter');
  await page.waitForURL((url) => url.searchParams.getAll('tag').join(',') === TAG);
  await page.getByTestId('filter-tag').fill(OTHER_TAG);
  await page.getByTestId('filter-tag').press('Enter');
  await page.waitForURL((url) => url.searchParams.getAll('tag').join(',') === `${TAG},${OTHER_TAG}`);
  await rowFor(chinese.traceId).waitFor({ state: 'detached' });
  await expect(listedIds()).resolves.toEqual([support.traceId]);
  const bookmark = page.url();

  await page.goto(bookmark);
  await expect(page.getByTestId('filter-tag-chip').allInnerTexts()).resolves.toEqual([expect.stringContaining(TAG), expect.stringContaining(OTHER_TAG)]);
  await expect(page.getByTestId('filter-end-user').inputValue()).resolves.toBe(END_USER);
  await expect(listedIds()).resolves.toEqual([support.traceId]);
  await screenshot(page, 'traces-filters-in-url');
  await page.getByTestId('clear-filters').click();
  await page.waitForURL((url) => url.search === '');
});

it('searches from the list, opens the trace on the span that matches and marks the text', async () => {
  await page.goto(base());
  await page.getByTestId('filter-q').fill(ORDER);
  await page.getByTestId('filter-q').press('Enter');
  await page.waitForURL((url) => url.searchParams.get('q') === ORDER);
  await rowFor(other.traceId).waitFor({ state: 'detached' });
  await expect(listedIds()).resolves.toEqual([support.traceId]);

  await rowFor(support.traceId).getByRole('link', { name: `support.chat ${RUN}` }).click();
  await page.waitForURL((url) => url.pathname.endsWith(`/analytics/traces/${support.traceId}`) && url.searchParams.get('q') === ORDER);
  const details = page.getByTestId('span-details');
  await details.waitFor();
  await expect(details.getAttribute('data-span-id')).resolves.toBe(childOf(support, 'llm.answer'));
  const marks = details.getByTestId('search-highlight');
  await marks.first().waitFor();
  await expect(marks.allInnerTexts()).resolves.toEqual([ORDER.toUpperCase()]);
  await expect(marks.first().evaluate((element) => element.tagName)).resolves.toBe('MARK');
  // The output's markup is text next to the mark: no element is made of it, nothing runs.
  await expect(details.innerText()).resolves.toContain('onerror="window.__xss=1"');
  await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
  await expect(xssRan()).resolves.toBeUndefined();
  await screenshot(page, 'trace-search-highlight');

  // Back to the list keeps the search.
  await page.getByTestId('breadcrumb-traces').click();
  await page.waitForURL((url) => url.pathname.endsWith('/analytics/traces') && url.searchParams.get('q') === ORDER);
});

it('finds Chinese text and marks it in the tool output', async () => {
  await page.goto(`${base()}?q=${encodeURIComponent('退款')}`);
  await rowFor(chinese.traceId).waitFor();
  await expect(listedIds()).resolves.not.toContain(other.traceId);
  await rowFor(chinese.traceId).getByRole('link', { name: `support.zh ${RUN}` }).click();
  await page.waitForURL((url) => url.pathname.endsWith(`/analytics/traces/${chinese.traceId}`));
  const details = page.getByTestId('span-details');
  await details.waitFor();
  await expect(details.getAttribute('data-span-id')).resolves.toBe(childOf(chinese, 'tool.refunds'));
  await expect(details.getByTestId('search-highlight').allInnerTexts()).resolves.toEqual(['退款']);
});

it('marks only what was searched, and nothing without a search', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces/${support.traceId}?span=${childOf(support, 'llm.answer')}`);
  await page.getByTestId('span-details').waitFor();
  await expect(page.getByTestId('span-details').innerText()).resolves.toContain(ORDER.toUpperCase());
  await expect(page.getByTestId('search-highlight').count()).resolves.toBe(0);
  await expect(xssRan()).resolves.toBeUndefined();
});
