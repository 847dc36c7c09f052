import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { deleteSpansOlderThan } from '@/lib/trace-store/retention';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { threeLevelTrace } from '../support/spans';

describeEachDatabase('retention', (getDatabase) => {
  it('deletes spans older than the cutoff in batches and keeps the rest', async () => {
    const user = await createTestUser(getDatabase());
    const old = threeLevelTrace({ start: new Date(Date.now() - 40 * 86_400_000) });
    const recent = threeLevelTrace({ start: new Date(Date.now() - 86_400_000) });
    await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: [...old.spans, ...recent.spans] } });
    const progress: number[] = [];
    const deleted = await deleteSpansOlderThan(getDatabase(), { cutoff: new Date(Date.now() - 30 * 86_400_000), batchSize: 3, onProgress: (n) => progress.push(n) });
    expect(deleted).toBe(4);
    expect(progress).toEqual([3, 4]);
    const left = await getDatabase().query<{ trace_id: string }>('SELECT DISTINCT trace_id FROM llm_traces WHERE user_id = $1', [user.userId]);
    expect(left.map((r) => r.trace_id)).toEqual([recent.traceId]);
  });

  it('takes a cutoff before year 1 or after 9999 (a retention of a million days, or none) without failing', async () => {
    const user = await createTestUser(getDatabase());
    const ancient = threeLevelTrace({ start: new Date('0001-01-01T00:00:00Z') });
    await call(postTraces, { path: '/api/analytics/traces', apiKey: user.apiKey, body: { traces: ancient.spans } });
    for (const cutoff of [new Date(Date.now() - 1e6 * 86_400_000), new Date(-8640000000000000), new Date(NaN)]) {
      expect(await deleteSpansOlderThan(getDatabase(), { cutoff })).toBe(0);
    }
    expect(await deleteSpansOlderThan(getDatabase(), { cutoff: new Date(8640000000000000) })).toBeGreaterThanOrEqual(ancient.spans.length);
    expect(await getDatabase().query('SELECT 1 FROM llm_traces WHERE user_id = $1', [user.userId])).toEqual([]);
  });
});

function cli(args: string[], env: Record<string, string>): string {
  return execFileSync(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/cli.ts', ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8' });
}

describe('npm run cli', () => {
  it('creates a user and keys, runs retention, and prints one JSON line each', { timeout: 180_000 }, () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lt-cli-'));
    try {
      const created = cli(['user:create', '--email', 'cli@example.test', '--password', 'cli-password'], { DATA_DIR: dataDir });
      expect(created.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(created)).toMatchObject({ userId: expect.any(String), email: 'cli@example.test', apiKey: expect.stringMatching(/^lt_/) });
      const key = JSON.parse(cli(['key:create', '--email', 'cli@example.test', '--name', 'widget', '--scope', 'chat'], { DATA_DIR: dataDir }));
      expect(key.apiKey).toMatch(/^lt_[0-9A-Za-z]{40}$/);
      expect(JSON.parse(cli(['retention', '--days', '7'], { DATA_DIR: dataDir }))).toEqual({ deleted: 0, daysDropped: 0, dropMs: 0 });
      expect(() => cli(['key:create', '--email', 'nobody@example.test'], { DATA_DIR: dataDir })).toThrow(/No user with the email/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
