import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Browser tests: a real `npm start` server and Debian's Chromium through playwright-core. Also the
 * tests that run several `npm start` processes (tests/multiprocess): the global setup's start builds
 * the app once, and they reuse that build.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${root}/` },
      { find: /^@llmtrace\/sdk\/span$/, replacement: `${root}/packages/sdk/src/span/index.ts` },
      { find: /^@llmtrace\/sdk\/providers$/, replacement: `${root}/packages/sdk/src/providers/index.ts` },
      { find: /^@llmtrace\/sdk\/mask$/, replacement: `${root}/packages/sdk/src/mask/index.ts` },
      { find: /^@llmtrace\/sdk$/, replacement: `${root}/packages/sdk/src/index.ts` },
      { find: /^server-only$/, replacement: `${root}/tests/support/server-only-stub.ts` },
    ],
  },
  test: {
    include: ['tests/browser/**/*.test.ts', 'tests/multiprocess/**/*.test.ts'],
    globalSetup: ['tests/browser/support/server.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
