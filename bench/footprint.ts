/**
 * The footprint of `npm start` (issue 14: ≤ 300 MB idle and ≤ 600 MB under load, every process
 * together; `/api/health` p95 ≤ 100 ms while ingest saturates): resident memory summed over the
 * whole process tree `npm start` makes (npm, its shell, and the server: on PGlite the start script
 * itself, serving in place, with PGlite inside), sampled idle after start and during
 * a minute of load: HTTP ingest from 4 clients as fast as the server takes it (the 503s it answers are retried after their Retry-After, as OTLP
 * exporters do), a trace-list read every second, and a health probe every 100 ms. The probe's
 * and the reads' latencies are what someone using the dashboard meanwhile would wait; they are
 * timed from a thread of their own, so that the load generator's busy event loop is not counted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { makeSpans } from './ingest';

export interface FootprintResult {
  /** Each process of the group at the last idle sample: its command and MB. */
  processes: Array<{ name: string; mb: number }>;
  idleMb: number[];
  loadMb: number[];
  loadSeconds: number;
  spansPerSec: number;
  refused: number;
  health: Latency;
  /** `GET /api/analytics/traces?limit=50` during the load: a dashboard page's main read. */
  reads: Latency;
}

export interface Latency {
  p50: number;
  p95: number;
  max: number;
  count: number;
}

/**
 * A process and all its descendants (with a Postgres server the supervisor runs the Next server
 * in a process group of its own, so the tree, not the group, is what `npm start` holds), with
 * their resident memory in MB.
 */
function treeMemory(rootPid: number): Array<{ name: string; mb: number }> {
  const info = new Map<number, { ppid: number; name: string; mb: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command (which may hold spaces) is in parentheses; then state, ppid, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      // The kernel keeps 15 characters of a name: `next-server (v16…)` arrives as `next-server (v1`.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/ \(v\d*$/, '');
      info.set(Number(entry), { ppid: Number(fields[1]), name, mb: rssKb / 1024 });
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ name: string; mb: number }> = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const node = info.get(pid);
    if (node && node.mb > 0) found.push({ name: node.name, mb: node.mb });
    for (const [childPid, child] of info) if (child.ppid === pid) queue.push(childPid);
  }
  return found;
}

/**
 * The trace-list reader and the health prober, on a thread of their own: in this process, whose
 * event loop is busy making and sending the load, a reply would wait for that loop too, and the
 * figures would be the load generator's as much as the server's.
 */
const WATCHER = `
const { parentPort, workerData } = require('node:worker_threads');
const { baseUrl, headers, end } = workerData;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timed = async (times, url, init, pause) => {
  while (Date.now() < end) {
    const start = performance.now();
    await (await fetch(url, init)).arrayBuffer();
    times.push(performance.now() - start);
    await wait(pause);
  }
};
const health = [];
const reads = [];
Promise.all([timed(reads, baseUrl + '/api/analytics/traces?limit=50', { headers }, 1000), timed(health, baseUrl + '/api/health', {}, 100)])
  .then(() => parentPort.postMessage({ health, reads }));
`;

function watch(baseUrl: string, headers: Record<string, string>, end: number): Promise<{ health: number[]; reads: number[] }> {
  const worker = new Worker(WATCHER, { eval: true, workerData: { baseUrl, headers, end } });
  return new Promise((resolve, reject) => {
    worker.once('message', (result) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const total = (processes: Array<{ mb: number }>) => processes.reduce((sum, p) => sum + p.mb, 0);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

export async function benchFootprint({ loadSeconds = 60, onProgress }: { loadSeconds?: number; onProgress?: (message: string) => void } = {}): Promise<FootprintResult> {
  const { startAppServer } = await import('../tests/browser/support/app-server');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-bench-footprint-'));
  const server = await startAppServer({ DATA_DIR: dataDir, ADMIN_EMAIL: 'bench-owner@example.test', ADMIN_PASSWORD: 'bench-footprint-password', DEFAULT_PROVIDER: 'demo' }, { viaNpm: true });
  try {
    const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(server.output())?.[1];
    if (!apiKey) throw new Error('the first start printed no API key');
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    // Idle: a few samples a couple of seconds apart, once start-up work (migrations, the first compile of a route) has settled.
    onProgress?.('footprint: idle');
    await fetch(`${server.baseUrl}/api/analytics/traces?limit=1`, { headers });
    await wait(10_000);
    const idleMb: number[] = [];
    let processes: Array<{ name: string; mb: number }> = [];
    for (let i = 0; i < 5; i++) {
      processes = treeMemory(server.pid);
      idleMb.push(total(processes));
      await wait(2_000);
    }

    onProgress?.(`footprint: ${loadSeconds} s of load`);
    const end = Date.now() + loadSeconds * 1000;
    let stored = 0;
    let refused = 0;
    const loadMb: number[] = [];
    const ingestClient = async () => {
      while (Date.now() < end) {
        const response = await fetch(`${server.baseUrl}/api/analytics/traces`, { method: 'POST', headers, body: JSON.stringify({ traces: makeSpans(500) }) });
        await response.arrayBuffer();
        if (response.ok) stored += 500;
        else {
          refused++;
          await wait(Math.min(1000, Number(response.headers.get('retry-after') ?? 1) * 1000));
        }
      }
    };
    const sampler = async () => {
      while (Date.now() < end) {
        await wait(2_000);
        loadMb.push(total(treeMemory(server.pid)));
      }
    };
    const started = Date.now();
    const watched = watch(server.baseUrl, headers, end);
    await Promise.all([ingestClient(), ingestClient(), ingestClient(), ingestClient(), sampler()]);
    const { health, reads } = await watched;
    const seconds = (Date.now() - started) / 1000;
    const latency = (times: number[]): Latency => {
      const sorted = [...times].sort((a, b) => a - b);
      return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted[sorted.length - 1] ?? Number.NaN, count: sorted.length };
    };
    return {
      processes,
      idleMb,
      loadMb,
      loadSeconds: seconds,
      spansPerSec: stored / seconds,
      refused,
      health: latency(health),
      reads: latency(reads),
    };
  } finally {
    await server.stop(15_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
