import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'llmtrace-shutdown-'));

type Ending =
  /** Waits for a signal; nothing but the hooks handles it. */
  | 'signal'
  /** Ends on its own: the event loop runs dry. */
  | 'natural-exit'
  /** Like Next.js: its own handler finishes a request 100 ms later, then calls process.exit(143) at 600 ms. */
  | 'app-handler'
  /** An app handler that calls process.exit at once. */
  | 'abrupt-handler';

/**
 * A child process that ends 25 spans into a queue that would not write them for a minute, with a
 * sink that prints each span it receives (after `writeMs`). `ending` decides how the process ends.
 */
function childScript(ending: Ending, writeMs = 5): string {
  const library = JSON.stringify(join(repoRoot, 'packages/sdk/src/index.ts'));
  const appHandler =
    ending === 'app-handler'
      ? "process.on('SIGTERM', () => setTimeout(() => process.exit(143), 600));"
      : ending === 'abrupt-handler'
        ? "process.on('SIGTERM', () => process.exit(143));"
        : '';
  return `
import { writeSync } from 'node:fs';
import { TraceService, registerShutdownHooks } from ${library};

${appHandler}
const sink = {
  async write(spans) {
    await new Promise((resolve) => setTimeout(resolve, ${writeMs}));
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
${
  ending === 'app-handler'
    ? `const inFlight = await service.startTrace({ spanName: 'in-flight', operationType: 'other', userId: 'u1' });
process.on('SIGTERM', () => setTimeout(() => void service.endTrace(inFlight), 100));`
    : ''
}
${ending === 'natural-exit' ? '' : "setInterval(() => {}, 1000);\nwriteSync(1, 'ready\\n');"}
`;
}

/** `again`: the signal is sent a second time this many ms after the first. */
function runChild(ending: Ending, signal?: NodeJS.Signals, { writeMs, again }: { writeMs?: number; again?: number } = {}) {
  const script = join(workDir, `${ending}-${signal ?? 'none'}-${writeMs ?? 5}-${again ?? 'once'}.mts`);
  writeFileSync(script, childScript(ending, writeMs));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (signal !== undefined && !signalled && stdout.includes('ready\n')) {
      signalled = true;
      child.kill(signal);
      if (again !== undefined) setTimeout(() => child.kill(signal), again);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ spans: string[]; stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => {
      child.on('close', (code, exitSignal) =>
        resolve({ spans: stdout.split('\n').filter((line) => line.startsWith('span ')), stdout, stderr, code, signal: exitSignal }),
      );
    },
  );
}

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('registerShutdownHooks', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}, writes every queued span, closes the sink once, then exits by the signal`, async () => {
      const result = await runChild('signal', signal);
      expect(result.stderr).toBe('');
      expect(result.spans).toHaveLength(25);
      expect(new Set(result.spans).size).toBe(25);
      expect(result.stdout.match(/^closed$/gm)).toHaveLength(1);
      expect(result.stdout).not.toContain('registered twice');
      expect(result.signal).toBe(signal);
    });
  }

  it('takes a signal repeated at once (a Ctrl-C that npm forwards too) as one, and still writes every span', async () => {
    const result = await runChild('signal', 'SIGINT', { writeMs: 1_000, again: 20 });
    expect(result.stderr).toBe('');
    expect(result.spans).toHaveLength(25);
    expect(result.signal).toBe('SIGINT');
  });

  it('exits at once on a second signal that comes later (asked twice to stop), without waiting for the writes', async () => {
    const started = Date.now();
    const result = await runChild('signal', 'SIGINT', { writeMs: 10_000, again: 800 });
    expect(result.spans).toHaveLength(0);
    expect(result.signal).toBe('SIGINT');
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('when the process ends on its own, writes every queued span before exiting normally', async () => {
    const result = await runChild('natural-exit');
    expect(result.stderr).toBe('');
    expect(result.spans).toHaveLength(25);
    expect(result.stdout.match(/^closed$/gm)).toHaveLength(1);
    expect(result.code).toBe(0);
  });

  it('when the app handles the signal itself, keeps writing spans (also of requests still finishing) until it exits', async () => {
    const result = await runChild('app-handler', 'SIGTERM');
    expect(result.stderr).toBe('');
    expect(result.spans).toHaveLength(26);
    expect(result.spans).toContain('span in-flight completed');
    expect(result.code).toBe(143);
  });

  it('says how many spans were lost when the app exits before they could be written', async () => {
    const result = await runChild('abrupt-handler', 'SIGTERM');
    expect(result.spans).toHaveLength(0);
    expect(result.stderr).toContain('[llmtrace] process exiting with 25 spans not yet written');
    expect(result.code).toBe(143);
  });
});
