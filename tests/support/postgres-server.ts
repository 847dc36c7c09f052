/**
 * Starts a throwaway Postgres server from the machine's binaries for the test run, in a temporary
 * directory, as the `postgres` user when we are root (Postgres refuses to run as root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

export function findPostgresBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(path.join(base, version, 'bin'));
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) ?? null;
}

/**
 * `--locale=C.UTF-8` when the machine has that locale, so that the server classifies and
 * lowercases non-Latin letters (trace search: trigrams of Cyrillic or Arabic text, ILIKE-style
 * case folding) the same wherever the tests run, instead of following the environment's LANG.
 */
function utf8Locale(): string[] {
  try {
    const locales = execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^c\.utf-?8$/im.test(locales) ? ['--locale=C.UTF-8'] : [];
  } catch {
    return [];
  }
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited early with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postgres did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * The port opens before the server accepts connections ("the database system is starting up"):
 * wait until pg_isready says it does.
 */
async function waitUntilReady(binDir: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const isReady = path.join(binDir, 'pg_isready');
  if (!existsSync(isReady)) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited early with code ${child.exitCode}`);
    try {
      execFileSync(isReady, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-t', '2'], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections on ${port} within ${timeoutMs} ms`);
}

export async function startPostgres(binDir: string): Promise<PostgresServer> {
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

  const [initCmd, initArgs] = asPostgres(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', ...utf8Locale(), '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });

  const port = await freePort();
  const [pgCmd, pgArgs] = asPostgres(path.join(binDir, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const child = spawn(pgCmd, pgArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, 20_000);
    await waitUntilReady(binDir, port, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        const [stopCmd, stopArgs] = asPostgres(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        try {
          execFileSync(stopCmd, stopArgs, { stdio: 'pipe', timeout: 10_000 });
        } catch {
          child.kill('SIGKILL');
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      child.stderr?.destroy();
      child.unref();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
