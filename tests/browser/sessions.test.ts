/**
 * The Sessions and End users pages in a real browser against `npm start`: the session list, a
 * session read as one conversation (turns in order, links into each trace), and the end-user list
 * sorted by clicking its column headers. Data is seeded through the HTTP API with the owner's key;
 * ids carry a random suffix, since other test files share the server.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const run = hex(4);

const XSS = '<img src=x onerror="window.__xss=1">';
/** A session id with a space and non-Latin text, as an application may send it. */
const SESSION = `browser session ü ${run}`;
/** One with a slash, which must stay one path segment. */
const SLASHED_SESSION = `conv/${run}`;
const USER_A = `browser-user-a-${run}`;
const USER_B = `browser-user-b-${run}`;

interface Turn {
  traceId: string;
  question: string;
  answer: string;
  failed?: boolean;
}

const turns: Turn[] = [
  { traceId: hex(16), question: 'What is your refund window?', answer: 'Refunds are accepted within 30 days.' },
  { traceId: hex(16), question: 'And for opened items?', answer: '', failed: true },
  { traceId: hex(16), question: `Show me ${XSS} please`, answer: `Here it is: ${XSS}` },
];

/** A chat-like trace: the root holds the conversation so far and the answer; one model call below it carries the usage. */
function chatTrace(turn: Turn, index: number, { session, user, startMs, tokens, cost }: { session: string; user: string; startMs: number; tokens: [number, number]; cost: number }) {
  const rootId = hex(8);
  const iso = (ms: number) => new Date(startMs + ms).toISOString();
  // The conversation so far (the earlier turns of the main session), then this turn's question.
  const history = [
    ...turns.slice(0, index).flatMap((t) => [{ role: 'user', content: t.question }, { role: 'assistant', content: t.answer }]),
    { role: 'user', content: turn.question },
  ];
  const common = { trace_id: turn.traceId, session_id: session, end_user_id: user };
  return [
    {
      ...common, span_id: rootId, span_name: 'llm.completion', operation_type: 'llm_call', status: turn.failed ? 'failed' : 'completed',
      error_message: turn.failed ? 'The model provider failed: upstream timed out' : undefined, start_time: iso(0), end_time: iso(1500),
      model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: tokens[0], output_tokens: tokens[1], cost_usd: cost,
      input_data: { messages: [{ role: 'system', content: 'You are a support bot.' }, ...history] },
      output_data: turn.failed ? undefined : { content: turn.answer, toolCalls: [] },
    },
    {
      ...common, span_id: hex(8), parent_trace_id: rootId, span_name: 'llm.call', operation_type: 'llm_call', status: turn.failed ? 'failed' : 'completed',
      start_time: iso(100), end_time: iso(1400), model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: tokens[0], output_tokens: tokens[1], cost_usd: cost,
    },
  ];
}

async function post(spans: unknown[]): Promise<void> {
  const response = await fetch(`${inject('baseUrl')}/api/analytics/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('ownerApiKey')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traces: spans }),
  });
  const result = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect(response.status).toBe(200);
  expect(result.rejected).toEqual([]);
}

const expensive = { traceId: hex(16), question: 'Summarise this 300-page contract.', answer: 'It is long.' };
const slashed = { traceId: hex(16), question: 'Slash?', answer: 'Slash.' };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const now = Date.now();
  // Three turns of user A, a minute apart, ending 30 s ago: 3 traces, cheap.
  await post(turns.flatMap((turn, i) => chatTrace(turn, i, { session: SESSION, user: USER_A, startMs: now - 150_000 + i * 60_000, tokens: [100, 20], cost: 0.001 })));
  // One expensive trace of user B, in a session of its own.
  await post(chatTrace(expensive, 0, { session: `other-${run}`, user: USER_B, startMs: now - 200_000, tokens: [90_000, 2_000], cost: 2.5 }));
  await post(chatTrace(slashed, 0, { session: SLASHED_SESSION, user: USER_B, startMs: now - 250_000, tokens: [10, 1], cost: 0.0001 }));

  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  await browser?.close();
});

const sessionRow = (sessionId: string) => page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
const userRow = (endUserId: string) => page.locator(`[data-testid="end-user-row"][data-end-user-id="${endUserId}"]`);
/** The end-user table once it shows this sort (the URL can change before the new rows render). */
const sortedBy = (sort: string, order: string) => page.locator(`[data-testid="end-user-list"][data-sort="${sort}"][data-order="${order}"]`).waitFor();

it('lists the session with its end user, trace count, errors, tokens and cost, reached from the sidebar', async () => {
  await page.goto(`${inject('baseUrl')}/analytics`);
  await page.getByTestId('sidebar').getByRole('link', { name: 'Sessions', exact: true }).click();
  await page.waitForURL(/\/analytics\/sessions$/);
  await page.getByTestId('session-list').waitFor();
  const row = sessionRow(SESSION);
  await row.waitFor();
  await expect(row.getByTestId('session-traces').innerText()).resolves.toBe('3');
  await expect(row.getByTestId('session-errors').innerText()).resolves.toBe('1');
  const text = await row.innerText();
  expect(text).toContain(USER_A);
  expect(text).toContain('360'); // 3 × 120 tokens: each model call once, not again on its root
  expect(text).toContain('$0.003');
  // Newest activity first: A's session (last turn 30 s ago) above B's (200 s ago).
  const ids = await page.getByTestId('session-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')));
  expect(ids.indexOf(SESSION)).toBeGreaterThanOrEqual(0);
  expect(ids.indexOf(SESSION)).toBeLessThan(ids.indexOf(`other-${run}`));
  await screenshot(page, 'sessions-list');
});

it('opens the session as one conversation: every turn in order, as text, with a link into each trace', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/sessions`);
  await sessionRow(SESSION).getByTestId('session-link').click();
  await page.waitForURL(/\/analytics\/sessions\/[^/]+$/);
  await page.getByTestId('session-turns').waitFor();
  await expect(page.getByTestId('session-page').getAttribute('data-session-id')).resolves.toBe(SESSION);

  const turnIds = await page.getByTestId('session-turn').evaluateAll((items) => items.map((item) => item.getAttribute('data-trace-id')));
  expect(turnIds).toEqual(turns.map((t) => t.traceId));
  // Each turn shows the user's last message (not the whole history) and the final answer.
  const inputs = await page.getByTestId('turn-input').allInnerTexts();
  expect(inputs.map((s) => s.trim())).toEqual(turns.map((t) => t.question));
  const outputs = await page.getByTestId('turn-output').allInnerTexts();
  expect(outputs[0]).toContain(turns[0].answer);
  expect(outputs[1]).toContain('upstream timed out');
  expect(outputs[2]).toContain(turns[2].answer);
  await expect(page.locator('[data-testid="session-turn"][data-status="failed"]').count()).resolves.toBe(1);
  // Model output is shown as text and runs nothing.
  await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
  await expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  await expect(page.getByTestId('session-stat-traces').innerText()).resolves.toContain('3');
  await screenshot(page, 'session-conversation');

  // Into the second turn's trace, and back.
  await page.getByTestId('session-turn').nth(1).getByTestId('turn-trace-link').click();
  await page.waitForURL(new RegExp(`/analytics/traces/${turns[1].traceId}`));
  await page.getByTestId('waterfall-row').first().waitFor();
  await expect(page.getByTestId('waterfall-row').count()).resolves.toBe(2);
  await page.goBack();
  await page.getByTestId('session-turns').waitFor();
});

it('opens a session whose id holds a slash, and answers an unknown one with a 404', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/sessions`);
  // A full page load of the link's address: the server must route an encoded slash to the session.
  const href = await sessionRow(SLASHED_SESSION).getByTestId('session-link').getAttribute('href');
  expect(href).toBe(`/analytics/sessions/${encodeURIComponent(SLASHED_SESSION)}`);
  await page.goto(`${inject('baseUrl')}${href}`);
  await page.locator(`[data-testid="session-page"][data-session-id="${SLASHED_SESSION}"]`).waitFor();
  // The turns of the new page (the client-side navigation replaces the previous session's).
  await expect.poll(() => page.getByTestId('turn-input').allInnerTexts(), { timeout: 10_000 }).toEqual([slashed.question]);

  const missing = await page.goto(`${inject('baseUrl')}/analytics/sessions/${encodeURIComponent(`no-such-session-${run}`)}`);
  expect(missing?.status()).toBe(404);
});

it('lists end users and sorts them by clicking the column headers, the sort kept in the URL', async () => {
  await page.goto(`${inject('baseUrl')}/analytics`);
  await page.getByTestId('sidebar').getByRole('link', { name: 'Users', exact: true }).click();
  await page.waitForURL(/\/analytics\/users/);
  await page.getByTestId('end-user-list').waitFor();
  await userRow(USER_A).waitFor();
  await expect(userRow(USER_A).getByTestId('end-user-traces').innerText()).resolves.toBe('3');
  await expect(userRow(USER_A).getByTestId('end-user-error-rate').innerText()).resolves.toBe('33%');
  await expect(userRow(USER_B).getByTestId('end-user-traces').innerText()).resolves.toBe('2');
  await expect(userRow(USER_B).getByTestId('end-user-cost').innerText()).resolves.toBe('$2.50');

  const order = () => page.getByTestId('end-user-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-end-user-id')));
  const aBeforeB = async () => {
    const ids = await order();
    expect(ids).toContain(USER_A);
    expect(ids).toContain(USER_B);
    return ids.indexOf(USER_A) < ids.indexOf(USER_B);
  };

  // Cost, highest first: B (one $2.50 trace) above A.
  await sortedBy('last_seen', 'desc');
  await page.getByTestId('sort-cost_usd').click();
  await page.waitForURL(/sort=cost_usd&order=desc/);
  await sortedBy('cost_usd', 'desc');
  // textContent: the header's CSS upper-cases what innerText reports.
  await expect(page.locator('th[aria-sort="descending"]').textContent()).resolves.toContain('Cost');
  await expect(aBeforeB()).resolves.toBe(false);
  await screenshot(page, 'end-users-by-cost');
  // Clicking again flips the order.
  await page.getByTestId('sort-cost_usd').click();
  await page.waitForURL(/sort=cost_usd&order=asc/);
  await sortedBy('cost_usd', 'asc');
  await expect(aBeforeB()).resolves.toBe(true);
  // Traces, most first: A (3) above B (2).
  await page.getByTestId('sort-traces').click();
  await page.waitForURL(/sort=traces&order=desc/);
  await sortedBy('traces', 'desc');
  await expect(aBeforeB()).resolves.toBe(true);
  // Error rate, highest first: A (1 of 3 failed) above B (none).
  await page.getByTestId('sort-error_rate').click();
  await page.waitForURL(/sort=error_rate&order=desc/);
  await sortedBy('error_rate', 'desc');
  await expect(aBeforeB()).resolves.toBe(true);
  // A reload keeps the sort.
  await page.reload();
  await sortedBy('error_rate', 'desc');
});

it("opens an end user's traces from the list", async () => {
  await page.goto(`${inject('baseUrl')}/analytics/users`);
  await userRow(USER_A).getByTestId('end-user-traces-link').click();
  await page.waitForURL(/\/analytics\/traces\?.*end_user_id=/);
  await page.getByTestId('trace-list').waitFor();
  const ids = await page.getByTestId('trace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')));
  expect(new Set(ids)).toEqual(new Set(turns.map((t) => t.traceId)));
});
