// Vitest global setup: one migrated PGlite data directory for the whole run. Migrating a fresh
// embedded database costs 8-13 s of CPU on this 2-core machine (the schema engine's WASM
// applying every migration), and the suite starts some 70 PGlite servers: measured, a copy of
// the migrated directory (40 MB, under 1 s) and a start on it (~2 s, nothing left to apply)
// save most of that. Each PGlite test server gets a copy of its own (startTestServer), on
// disk as `npm start`'s embedded database is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { createServer } from '../../src/server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data directory to copy, never to open. */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'convene-pglite-template-'));
  const dataDir = join(root, 'data');
  const server = createServer(loadConfig({ DATABASE_URL: `pglite:${dataDir}`, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }));
  await server.start();
  await server.stop();
  project.provide('pgliteTemplate', dataDir);
  return () => rmSync(root, { recursive: true, force: true });
}
