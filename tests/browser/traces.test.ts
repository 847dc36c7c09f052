import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { chooseFilter, launchBrowser, screenshot, signIn } from './support/browser';

const IMG_PAYLOAD = '<img src=x onerror="window.__xss=1">';
const SCRIPT_PAYLOAD = '<script>window.__xss=1</script>';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface SeedSpan {
  trace_id: string;
  span_id: string;
  parent_trace_id?: string;
  span_name: string;
  operation_type?: string;
  status?: string;
  start_time: string;
  end_time?: string;
  model_name?: string;
  model_provider?: string;
  input_tokens?: number;
  output_tokens?: number;
  error_message?: string;
  service_name?: string;
  input_data?: unknown;
  output_data?: unknown;
}

/** A root with `children` child spans, starting `agoMs` ago. */
function makeTrace(options: { name: string; agoMs: number; children: Array<Partial<SeedSpan>>; root?: Partial<SeedSpan> }): SeedSpan[] {
  const traceId = hex(16);
  const rootId = hex(8);
  const start = Date.now() - options.agoMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  const root: SeedSpan = {
    trace_id: traceId,
    span_id: rootId,
    span_name: options.name,
    operation_type: 'llm_call',
    start_time: iso(start),
    end_time: iso(start + 1200),
    model_name: 'gpt-4o-mini',
    model_provider: 'openai',
    input_tokens: 120,
    output_tokens: 40,
    service_name: 'browser-test',
    ...options.root,
  };
  const children = options.children.map((child, index) => ({
    trace_id: traceId,
    span_id: hex(8),
    parent_trace_id: rootId,
    span_name: `child-${index}`,
    operation_type: 'llm_call',
    start_time: iso(start + 100 + index * 300),
    end_time: iso(start + 350 + index * 300),
    ...child,
  }));
  return [root, ...children];
}

const completed = makeTrace({
  name: 'browser.completed',
  agoMs: 60_000,
  children: [{ span_name: 'llm.call', model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 120, output_tokens: 40 }, { span_name: 'tool.calculator', operation_type: 'tool_call', input_data: { expression: '2+2' }, output_data: { result: 4 } }],
});
const failed = makeTrace({
  name: 'browser.failed',
  agoMs: 50_000,
  root: { status: 'failed', error_message: 'The model provider failed: upstream timed out after 30 s', model_name: 'claude-sonnet-4-6', model_provider: 'anthropic' },
  children: [{ span_name: 'llm.call', status: 'failed', error_message: 'upstream timed out', model_name: 'claude-sonnet-4-6', model_provider: 'anthropic' }],
});
const xss = makeTrace({
  name: IMG_PAYLOAD,
  agoMs: 40_000,
  root: { input_data: { messages: [{ role: 'user', content: SCRIPT_PAYLOAD }] }, output_data: `${IMG_PAYLOAD} ${SCRIPT_PAYLOAD}` },
  children: [
    { span_name: SCRIPT_PAYLOAD, output_data: { html: IMG_PAYLOAD, script: SCRIPT_PAYLOAD } },
    { span_name: 'tool.web_search', operation_type: 'tool_call', output_data: `${SCRIPT_PAYLOAD}` },
  ],
});
const traceIds = { completed: completed[0].trace_id, failed: failed[0].trace_id, xss: xss[0].trace_id };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const response = await fetch(`${inject('baseUrl')}/api/analytics/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('ownerApiKey')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traces: [...completed, ...failed, ...xss] }),
  });
  const result = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect(response.status).toBe(200);
  expect(result.rejected).toEqual([]);
  expect(result.accepted).toBe(completed.length + failed.length + xss.length);

  browser = await launchBrowser();
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  await browser?.close();
});

const rowFor = (traceId: string) => page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);

it('lists the seeded traces, newest first, with status, model, tokens and cost', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces`);
  await page.getByTestId('trace-list').waitFor();
  for (const id of Object.values(traceIds)) await rowFor(id).waitFor();
  const ids = await page.getByTestId('trace-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-trace-id')));
  expect(ids.indexOf(traceIds.xss)).toBeLessThan(ids.indexOf(traceIds.failed));
  expect(ids.indexOf(traceIds.failed)).toBeLessThan(ids.indexOf(traceIds.completed));

  await expect(rowFor(traceIds.failed).getAttribute('data-status')).resolves.toBe('failed');
  await expect(rowFor(traceIds.completed).getAttribute('data-status')).resolves.toBe('completed');
  const completedText = await rowFor(traceIds.completed).innerText();
  expect(completedText).toContain('gpt-4o-mini');
  expect(completedText).toContain('160'); // tokens
  expect(completedText).toMatch(/\$0\.\d+/); // priced model
  expect(completedText).toMatch(/\b3\b/); // span count
  const failedText = await rowFor(traceIds.failed).innerText();
  expect(failedText).toContain('upstream timed out');
  // The payload in span_name shows as text and runs nothing.
  await expect(rowFor(traceIds.xss).innerText()).resolves.toContain(IMG_PAYLOAD);
  await expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  await screenshot(page, 'traces-list');
});

it('prefetches a trace when its row is pointed at, not every trace and page a load shows', async () => {
  // Each prefetch is a render on the server: a list load prefetched every row's trace and every sidebar page.
  const prefetched: string[] = [];
  const onRequest = (request: { url(): string; headers(): Record<string, string> }) => {
    if (request.headers()['next-router-prefetch']) prefetched.push(new URL(request.url()).pathname);
  };
  page.on('request', onRequest);
  try {
    await page.goto(`${inject('baseUrl')}/analytics/traces`);
    await rowFor(traceIds.completed).waitFor();
    await page.waitForLoadState('networkidle');
    expect(prefetched).toEqual([]);
    await rowFor(traceIds.completed).hover();
    await expect.poll(() => prefetched, { timeout: 15_000 }).toContain(`/analytics/traces/${traceIds.completed}`);
    await page.getByTestId('sidebar').getByRole('link', { name: 'Sessions' }).hover();
    await expect.poll(() => prefetched, { timeout: 15_000 }).toContain('/analytics/sessions');
  } finally {
    page.off('request', onRequest);
  }
});

it('prefetches nothing on loading the other pages with links', async () => {
  // Every in-app link is an IntentLink: the overview, sessions, quality and compare pages (and their
  // empty states) prefetched each link they showed. A prefetch counts for the page that asked for
  // it (its Referer): the test before may leave one of its own still on its way.
  const prefetched: Array<{ page: string; path: string }> = [];
  const onRequest = (request: { url(): string; headers(): Record<string, string> }) => {
    const headers = request.headers();
    if (headers['next-router-prefetch']) prefetched.push({ page: headers.referer ? new URL(headers.referer).pathname : '', path: new URL(request.url()).pathname });
  };
  // The pointer stays where the test before left it, on a sidebar link: move it off every link.
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(viewport.width - 2, viewport.height - 2);
  page.on('request', onRequest);
  try {
    for (const path of ['/', '/analytics/sessions', '/analytics/quality', '/analytics/compare']) {
      await page.goto(`${inject('baseUrl')}${path}`);
      await page.waitForLoadState('networkidle');
      const links = (await page.evaluate(
        `[...document.querySelectorAll('a[href^="/"]')].filter((a) => !a.closest('[data-testid="sidebar"]')).length`,
      )) as number;
      const fromThisPage = prefetched.filter((request) => request.page === path).map((request) => request.path);
      expect({ path, prefetched: fromThisPage, links: links > 0 }).toEqual({ path, prefetched: [], links: true });
    }
  } finally {
    page.off('request', onRequest);
  }
});

it('narrows the list with the status filter, kept in the URL', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces`);
  await chooseFilter(page, 'filter-status', 'failed', /status=failed/);
  await rowFor(traceIds.failed).waitFor();
  await rowFor(traceIds.completed).waitFor({ state: 'detached' });
  const statuses = await page.getByTestId('trace-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')));
  expect(statuses.length).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set(['failed']));
  await screenshot(page, 'traces-filtered');

  // Reloading keeps the filter; clearing it brings everything back.
  await page.reload();
  await expect(page.getByTestId('filter-status').inputValue()).resolves.toBe('failed');
  await page.getByTestId('clear-filters').click();
  await page.waitForURL((url) => !url.search.includes('status='));
  await rowFor(traceIds.completed).waitFor();
});

it('finds a trace with the search box', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces`);
  await page.getByTestId('filter-q').fill('browser.completed');
  await page.getByTestId('filter-q').press('Enter');
  await page.waitForURL(/q=browser\.completed/);
  await rowFor(traceIds.failed).waitFor({ state: 'detached' });
  await expect(page.getByTestId('trace-row').count()).resolves.toBe(1);
  await expect(rowFor(traceIds.completed).isVisible()).resolves.toBe(true);
});

it('exports the filtered list as CSV and JSON downloads', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces?status=failed`);
  await rowFor(traceIds.failed).waitFor();

  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(csvDownload.suggestedFilename()).toMatch(/^traces-.*\.csv$/);
  const csv = await readFile((await csvDownload.path())!, 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toMatch(/^trace_id,span_name,service_name,session_id,end_user_id,status,error_message,/);
  expect(csv).toContain(traceIds.failed);
  expect(csv).not.toContain(traceIds.completed);
  expect(lines.slice(1).every((line) => line.includes(',failed,'))).toBe(true);

  const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  expect(jsonDownload.suggestedFilename()).toMatch(/^traces-.*\.json$/);
  const json = JSON.parse(await readFile((await jsonDownload.path())!, 'utf8')) as { traces: Array<{ trace_id: string; status: string; span_count: number }>; count: number };
  expect(json.count).toBe(json.traces.length);
  const exported = json.traces.find((t) => t.trace_id === traceIds.failed);
  expect(exported).toMatchObject({ status: 'failed', span_count: 2 });
  expect(json.traces.every((t) => t.status === 'failed')).toBe(true);

  // CSV quoting: the payload's quotes are doubled inside a quoted field.
  const all = await page.request.get(`${inject('baseUrl')}/api/analytics/traces/export?format=csv&q=${encodeURIComponent('onerror')}`);
  expect(all.headers()['content-disposition']).toMatch(/^attachment;/);
  const text = await all.text();
  expect(text).toContain(`"<img src=x onerror=""window.__xss=1"">"`);
});

it('opens a trace from the list: the waterfall has every posted span', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces`);
  await rowFor(traceIds.completed).getByRole('link').click();
  await page.waitForURL(new RegExp(`/analytics/traces/${traceIds.completed}`));
  await page.getByTestId('waterfall-row').first().waitFor();
  await expect(page.getByTestId('waterfall-row').count()).resolves.toBe(completed.length);
  const names = await page.getByTestId('waterfall-row').allInnerTexts();
  expect(names.join('\n')).toContain('tool.calculator');

  // Selecting a span keeps it in the URL (?span=), and a reload restores the selection.
  const toolRow = page.locator(`[data-testid="waterfall-row"][data-span-id]`, { hasText: 'tool.calculator' });
  await toolRow.click();
  await page.waitForURL(/span=/);
  const spanId = new URL(page.url()).searchParams.get('span');
  expect(spanId).toBeTruthy();
  await page.reload();
  await expect(page.getByTestId('span-details').getAttribute('data-span-id')).resolves.toBe(spanId);
  await screenshot(page, 'trace-detail');

  await page.getByTestId('breadcrumb-traces').click();
  await page.waitForURL(/\/analytics\/traces$/);
});

it('shows script-like span content as text and never runs it', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces/${traceIds.xss}`);
  await page.getByTestId('waterfall-row').first().waitFor();
  await expect(page.getByTestId('waterfall-row').count()).resolves.toBe(xss.length);
  const rows = (await page.getByTestId('waterfall-row').allInnerTexts()).join('\n');
  expect(rows).toContain(IMG_PAYLOAD);
  expect(rows).toContain(SCRIPT_PAYLOAD);

  await page.locator('[data-testid="waterfall-row"]', { hasText: SCRIPT_PAYLOAD }).first().click();
  await page.getByTestId('span-details').waitFor();
  await expect(page.getByTestId('span-details').innerText()).resolves.toContain('window.__xss=1');
  await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
  await expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  await screenshot(page, 'trace-xss');
});

it('answers an unknown trace with a 404 page and a bad filter with a message', async () => {
  const missing = await page.goto(`${inject('baseUrl')}/analytics/traces/${hex(16)}`);
  expect(missing?.status()).toBe(404);
  await page.goto(`${inject('baseUrl')}/analytics/traces?status=bogus&min_duration_ms=abc`);
  await page.getByTestId('trace-query-error').waitFor();
  await expect(page.getByTestId('trace-query-error').innerText()).resolves.toContain('status');
});
