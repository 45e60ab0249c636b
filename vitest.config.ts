import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite would pick graphql's ESM build for our files while Node loads the CommonJS one for
  // the libraries: two graphql instances. Use the one Node uses.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    // One migrated PGlite directory, copied for each PGlite test server (test/support/pglite-template.ts).
    globalSetup: ['test/support/pglite-template.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own servers and databases; two workers match the two cores.
    maxWorkers: 2,
  },
});
