import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'llmtrace-shutdown-'));

/**
 * A child process that ends 25 spans into a queue that would not write them for a minute, with a
 * sink that prints each span it receives. `mode` decides how the process ends.
 */
function childScript(mode: 'signal' | 'natural-exit'): string {
  const library = JSON.stringify(join(repoRoot, 'lib/tracing/index.ts'));
  return `
import { writeSync } from 'node:fs';
import { TraceService, registerShutdownHooks } from ${library};

const sink = {
  async write(spans) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const span of spans) writeSync(1, 'span ' + span.span_name + ' ' + span.status + '\\n');
  },
  async close() { writeSync(1, 'closed\\n'); },
};
const service = new TraceService({ sink, config: { batchSize: 100, batchIntervalMs: 60000 } });
const remove = registerShutdownHooks(service);
if (registerShutdownHooks(service) !== remove) writeSync(1, 'registered twice\\n');
for (let i = 0; i < 25; i++) {
  const span = await service.startTrace({ spanName: 'work.' + i, operationType: 'other', userId: 'u1' });
  await service.endTrace(span);
}
${mode === 'signal' ? "setInterval(() => {}, 1000);\nwriteSync(1, 'ready\\n');" : ''}
`;
}

function runChild(mode: 'signal' | 'natural-exit', signal?: NodeJS.Signals) {
  const script = join(workDir, `${mode}-${signal ?? 'none'}.mts`);
  writeFileSync(script, childScript(mode));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (signal !== undefined && stdout.includes('ready\n')) child.kill(signal);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, exitSignal) => resolve({ stdout, stderr, code, signal: exitSignal }));
  });
}

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('registerShutdownHooks', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}, writes every queued span, closes the sink once, then exits by the signal`, async () => {
      const result = await runChild('signal', signal);
      const spans = result.stdout.split('\n').filter((line) => line.startsWith('span '));
      expect(result.stderr).toBe('');
      expect(spans).toHaveLength(25);
      expect(new Set(spans).size).toBe(25);
      expect(result.stdout.match(/^closed$/gm)).toHaveLength(1);
      expect(result.stdout).not.toContain('registered twice');
      expect(result.signal).toBe(signal);
    });
  }

  it('when the process ends on its own, writes every queued span before exiting normally', async () => {
    const result = await runChild('natural-exit');
    const spans = result.stdout.split('\n').filter((line) => line.startsWith('span '));
    expect(result.stderr).toBe('');
    expect(spans).toHaveLength(25);
    expect(result.stdout.match(/^closed$/gm)).toHaveLength(1);
    expect(result.code).toBe(0);
  });
});
