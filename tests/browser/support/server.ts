/**
 * Starts LLMTrace the way a user does (`npm start`: build if needed, migrate, create the owner)
 * on a free port with a fresh data directory, for the browser tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_PATH } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    ownerEmail: string;
    ownerPassword: string;
    ownerApiKey: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM_PATH)) {
    const message = `Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install chromium\` (or set CHROMIUM_PATH).`;
    if (process.env.CI === 'true') throw new Error(message);
    throw new Error(`${message} The browser tests cannot run without it.`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-browser-'));
  const port = await freePort();
  const ownerEmail = 'owner@example.test';
  const ownerPassword = 'browser-test-password';
  const child: ChildProcess = spawn('npx', ['tsx', '--conditions=react-server', 'scripts/start.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', ADMIN_EMAIL: ownerEmail, ADMIN_PASSWORD: ownerPassword, DEFAULT_PROVIDER: 'demo', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.DEBUG_SERVER) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 600_000;
  let healthy = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) {
        healthy = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!healthy) {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    throw new Error(`The LLMTrace server did not become healthy.\n${output.slice(-5000)}`);
  }
  const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(output)?.[1];
  if (!apiKey) throw new Error(`The first start did not print an API key.\n${output.slice(-3000)}`);
  project.provide('baseUrl', baseUrl);
  project.provide('ownerEmail', ownerEmail);
  project.provide('ownerPassword', ownerPassword);
  project.provide('ownerApiKey', apiKey);

  return async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 1000));
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
