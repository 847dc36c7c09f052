import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startAppServer } from './support/app-server';

/** `npm start` twice on one data directory, with a graceful stop between (DESIGN §5, §8). */
it('keeps data and the API key across a restart, and a graceful stop writes every queued span', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-lifecycle-'));
  // Spans stay queued: nothing is written until the server is asked to stop.
  const env = { DATA_DIR: dataDir, DEFAULT_PROVIDER: 'demo', DEMO_DELAY_SCALE: '0', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', TRACE_BATCH_INTERVAL_MS: '600000', TRACE_BATCH_SIZE: '1000' };
  try {
    const first = await startAppServer(env);
    const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(first.output())?.[1];
    expect(apiKey).toBeDefined();
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const chat = await (
      await fetch(`${first.baseUrl}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'What is 3*3?' }], tools: ['calculator'] }) })
    ).json();
    expect(chat.traceId).toMatch(/^[0-9a-f]{32}$/);
    const health = await (await fetch(`${first.baseUrl}/api/health`)).json();
    expect(health.tracing.queued).toBe(4);
    await first.stop();

    const second = await startAppServer(env);
    try {
      expect(second.output()).not.toMatch(/shown ONCE/);
      const response = await fetch(`${second.baseUrl}/api/analytics/traces?trace_id=${chat.traceId}`, { headers });
      expect(response.status).toBe(200);
      const { traces } = await response.json();
      expect(traces.map((s: { span_name: string }) => s.span_name).sort()).toEqual(['llm.call', 'llm.call', 'llm.completion', 'tool.calculator']);
      expect(traces.find((s: { span_name: string }) => s.span_name === 'llm.completion').message_id).toBe(chat.messageId);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
