import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

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
    include: ['tests/**/*.test.ts'],
    // tests/multiprocess runs `npm start` processes: with the browser tests (vitest.browser.config.ts).
    exclude: ['tests/browser/**', 'tests/multiprocess/**', 'node_modules/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
