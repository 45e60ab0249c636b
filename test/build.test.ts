// `npm start` runs a bundle of the sources (scripts/build.js): it must never run stale code
// after an edit, and must not rebuild when nothing changed.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../scripts/build.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'convene-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const src = join(root, 'src');
const bundle = { entry: join(src, 'main.ts'), outfile: join(root, 'dist/main.js'), sources: [src] };
mkdirSync(src);

/** Writes a source file as an edit made `ageSeconds` ago would (the bundle is older still at first). */
function write(name: string, text: string, ageSeconds = 0) {
  const path = join(src, name);
  writeFileSync(path, text);
  const time = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, time, time);
}

async function output() {
  const { stdout } = await run('node', [fileURLToPath(await ensureBuilt(bundle))]);
  return stdout.trim();
}

describe('the start-up bundle', () => {
  it('is built from the TypeScript sources when missing', async () => {
    write('greeting.ts', "export const greeting: string = 'one';\n", 60);
    write('main.ts', "import { greeting } from './greeting.ts';\nconsole.log(greeting);\n", 60);
    expect(await output()).toBe('one');
  });

  it('is not rebuilt when nothing changed', async () => {
    const built = statSync(bundle.outfile).mtimeMs;
    expect(await output()).toBe('one');
    expect(statSync(bundle.outfile).mtimeMs).toBe(built);
  });

  it('is rebuilt after an edit to an imported file', async () => {
    write('greeting.ts', "export const greeting: string = 'two';\n");
    expect(await output()).toBe('two');
  });

  it('is rebuilt when a file is added or removed', async () => {
    write('other.ts', "export const greeting = 'three';\n");
    write('main.ts', "import { greeting } from './other.ts';\nconsole.log(greeting);\n", 60);
    // main.ts carries an old time (as a checkout can): the new file alone must trigger it.
    expect(await output()).toBe('three');
    write('main.ts', "console.log('four');\n", 60);
    unlinkSync(join(src, 'other.ts'));
    expect(await output()).toBe('four');
  });
});
