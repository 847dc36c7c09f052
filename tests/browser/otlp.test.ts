import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeTraceRequest, type ExportSpan } from '@/lib/otlp/encode';
import { chooseFilter, launchBrowser, screenshot, signIn } from './support/browser';

/**
 * A trace from another app, sent over OTLP protobuf as an OpenTelemetry SDK would: it shows in
 * the list under its service with totals counted once, and its model calls read as a chat.
 */

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const traceId = hex(16);
const ids = { root: hex(8), plan: hex(8), tool: hex(8), answer: hex(8) };
const t0 = BigInt(Date.now() - 30_000) * 1_000_000n;
const at = (ms: number) => t0 + BigInt(ms) * 1_000_000n;
const SERVICE = 'refund-agent';

function span(spanId: string, parent: string | null, name: string, start: number, end: number, attributes: ExportSpan['attributes'], status: ExportSpan['status'] = { code: 0 }): ExportSpan {
  return { resource: { 'service.name': SERVICE }, scope: { name: 'browser-test' }, traceId, spanId, parentSpanId: parent, name, kind: 1, startTimeUnixNano: at(start), endTimeUnixNano: at(end), attributes, status };
}

const chat = (input: number, output: number, messages: unknown[], answer: string) => ({
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
  'gen_ai.input.messages': JSON.stringify(messages),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
});

const spans = [
  // The agent reports the sum of its two calls; the list must not count it again.
  span(ids.root, null, 'invoke_agent refunds', 0, 2000, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 1500, 'gen_ai.usage.output_tokens': 150, 'user.id': 'customer-42' }),
  span(ids.plan, ids.root, 'chat gpt-4o-mini', 50, 600, chat(1000, 100, [{ role: 'user', parts: [{ type: 'text', content: 'Refund order #4411 please' }] }], 'Checking order #4411.')),
  span(ids.tool, ids.root, 'execute_tool refund', 650, 900, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund', 'gen_ai.tool.call.arguments': '{"order":4411}' }, { code: 2, message: 'ERR_TIMEOUT from payments' }),
  span(ids.answer, ids.root, 'chat gpt-4o-mini', 950, 1900, chat(500, 50, [{ role: 'user', parts: [{ type: 'text', content: 'Refund order #4411 please' }] }], 'The refund could not be issued yet.')),
];

let browser: Browser;
let page: Page;

beforeAll(async () => {
  // Children first, the root last, in two requests: the order a BatchSpanProcessor produces.
  for (const batch of [spans.slice(1), spans.slice(0, 1)]) {
    const response = await fetch(`${inject('baseUrl')}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inject('ownerApiKey')}`, 'content-type': 'application/x-protobuf' },
      body: encodeTraceRequest(batch, 'protobuf') as BodyInit,
    });
    expect(response.status).toBe(200);
  }
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page);
});
afterAll(async () => {
  await browser?.close();
});

it('lists the OTLP trace under its service, with each model call counted once', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces`);
  await chooseFilter(page, 'filter-service', SERVICE, new RegExp(`service_name=${SERVICE}`));
  const rows = page.getByTestId('trace-row');
  await rows.first().waitFor();
  await expect(rows.count()).resolves.toBe(1);
  const row = rows.first();
  await expect(row.getAttribute('data-trace-id')).resolves.toBe(traceId);
  const text = await row.innerText();
  expect(text).toContain('invoke_agent refunds');
  expect(text).toContain(SERVICE);
  expect(text).toContain('gpt-4o-mini'); // the agent names no model; its calls do
  expect(text).toContain('1,650'); // 1,100 + 550 tokens, not 3,300
  expect(text).not.toContain('3,300');
  await screenshot(page, 'otlp-trace-list');
});

it('opens the trace: the tree is whole, the failed tool shows its error, and a model call reads as a chat', async () => {
  await page.goto(`${inject('baseUrl')}/analytics/traces/${traceId}`);
  await page.getByTestId('waterfall-row').first().waitFor();
  await expect(page.getByTestId('waterfall-row').count()).resolves.toBe(4);
  await expect(page.getByTestId('trace-header').innerText()).resolves.toContain('1,650');

  await page.locator('[data-testid="waterfall-row"]', { hasText: 'execute_tool refund' }).click();
  await expect(page.getByTestId('span-error').innerText()).resolves.toContain('ERR_TIMEOUT from payments');

  await page.locator(`[data-testid="waterfall-row"][data-span-id="${ids.plan}"]`).click();
  const messages = page.getByTestId('chat-messages');
  await messages.first().waitFor();
  const chatText = (await messages.allInnerTexts()).join('\n');
  expect(chatText).toContain('Refund order #4411 please');
  expect(chatText).toContain('Checking order #4411.');
  await screenshot(page, 'otlp-trace-detail');
});
