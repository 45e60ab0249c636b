// Runs the real `convene` command line as child processes, as a person or a script would.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

const bin = new URL('../../bin/convene.js', import.meta.url).pathname;
const run = promisify(execFile);

export function convene(args: string[], env: Record<string, string> = {}) {
  return run('node', [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } });
}

export async function conveneFails(args: string[], env: Record<string, string> = {}) {
  try {
    await convene(args, env);
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
  throw new Error(`convene ${args.join(' ')} succeeded`);
}

/** `npm run <script>` in the project (its own output only: --silent), whatever its exit code. */
export async function npmRun(script: string, env: Record<string, string> = {}) {
  const cwd = new URL('../..', import.meta.url).pathname;
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', script], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** `convene serve` as a child process, once it announces its URL (or has exited). */
export async function serve(dataDir: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, CONVENE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extraEnv };
  const child = spawn('node', [bin, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // The first-run token is printed before this line.
  while (!/serving GraphQL.* at (\S+)/.test(output)) {
    if (child.exitCode !== null) throw new Error(output);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /serving GraphQL.* at (\S+)/.exec(output)![1]!;
  return { child, url, exited, output: () => output };
}

export async function gql(url: string, query: string, token: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

export const ME = '{ me { username } }';
const dirs: string[] = [];
/** A temporary directory, removed after the file's tests. */
export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'convene-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
