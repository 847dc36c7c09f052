/**
 * Starts LLMTrace the way a user does (`npm start`: build if needed, migrate, create the owner)
 * on a free port with a fresh data directory, for the browser tests.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startAppServer } from './app-server';
import { CHROMIUM_PATH } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    ownerEmail: string;
    ownerPassword: string;
    ownerApiKey: string;
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM_PATH)) {
    // Never skipped, in CI or not: the browser tests are part of `npm test`.
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install chromium\` (or set CHROMIUM_PATH).`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmtrace-browser-'));
  const ownerEmail = 'owner@example.test';
  const ownerPassword = 'browser-test-password';
  const server = await startAppServer({ DATA_DIR: dataDir, ADMIN_EMAIL: ownerEmail, ADMIN_PASSWORD: ownerPassword, DEFAULT_PROVIDER: 'demo', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' });
  const output = server.output();
  const baseUrl = server.baseUrl;
  const apiKey = /API key\s+(lt_[0-9A-Za-z]+)/.exec(output)?.[1];
  if (!apiKey) throw new Error(`The first start did not print an API key.\n${output.slice(-3000)}`);
  project.provide('baseUrl', baseUrl);
  project.provide('ownerEmail', ownerEmail);
  project.provide('ownerPassword', ownerPassword);
  project.provide('ownerApiKey', apiKey);

  return async () => {
    await server.stop(5_000);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
