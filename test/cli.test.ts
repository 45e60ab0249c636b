// The `convene` command line: serve (first-run admin, clean shutdown), user and token commands,
// on the embedded database and on PostgreSQL.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { codes, startTestServer } from './support/server.ts';

const bin = new URL('../bin/convene.js', import.meta.url).pathname;
const run = promisify(execFile);

function convene(args: string[], env: Record<string, string>) {
  return run('node', [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } });
}

async function conveneFails(args: string[], env: Record<string, string>) {
  try {
    await convene(args, env);
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error(`convene ${args.join(' ')} succeeded`);
}

const ME = '{ me { username } }';
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'convene-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('convene serve', { timeout: 90_000 }, () => {
  it('creates and prints a first admin token once, serves, and shuts down cleanly on SIGTERM', async () => {
    const env = { ...process.env, CONVENE_DATA_DIR: tempDir(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const serve = async () => {
      const child = spawn('node', [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      // The first-run token is printed before this line.
      while (!/serving GraphQL.* at (\S+)/.test(output)) {
        if (child.exitCode !== null) throw new Error(output);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /serving GraphQL.* at (\S+)/.exec(output)![1]!;
      return { child, url, output: () => output };
    };

    const first = await serve();
    const token = /^\s+(cvn_\S+)$/m.exec(first.output())?.[1];
    expect(token).toBeDefined();
    const response = await fetch(first.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { username isAdmin } }' }),
    });
    expect(await response.json()).toEqual({ data: { me: { username: 'admin', isAdmin: true } } });
    first.child.kill('SIGTERM');
    const [exitCode] = await once(first.child, 'exit');
    expect(exitCode).toBe(0);

    const second = await serve();
    expect(second.output()).not.toMatch(/cvn_/);
    second.child.kill('SIGINT');
    const [code, signal] = await once(second.child, 'exit');
    expect(code, `exit by ${signal}; output:\n${second.output()}`).toBe(0);
  });
});

describe('convene user and token commands [pglite]', { timeout: 90_000 }, () => {
  it('creates a user and a token the server accepts, and revokes it', async () => {
    const dir = tempDir();
    const env = { CONVENE_DATA_DIR: dir };
    const userId = (await convene(['user', 'create', 'zed', '--email', 'zed@example.com', '--name', 'Zed'], env)).stdout.trim();
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    const { stdout } = await convene(['token', 'create', 'zed', '--scopes', 'sync,calendar', '--name', 'laptop'], env);
    const token = stdout.trim();
    expect(token).toMatch(/^cvn_[A-Za-z0-9_-]+$/); // stdout holds only the token

    let server = await startTestServer('pglite', {}, `pglite:${dir}`);
    expect((await server.gql(ME, {}, token)).data).toEqual({ me: { username: 'zed' } });
    await server.stop(); // PGlite allows one process at a time

    await convene(['token', 'revoke', token], env);
    server = await startTestServer('pglite', {}, `pglite:${dir}`);
    expect(codes(await server.gql(ME, {}, token))).toEqual(['UNAUTHENTICATED']);
    await server.stop();
  });

  it('explains bad usage and refuses bad input with a non-zero exit', async () => {
    const env = { CONVENE_DATA_DIR: tempDir() };
    expect((await conveneFails(['user', 'create', 'x'], env)).code).toBe(2);
    expect((await conveneFails(['token', 'create', 'x', '--scopes', 'everything'], env)).stderr).toMatch(/unknown scope/);
    expect((await conveneFails(['token', 'create', 'nobody', '--scopes', 'sync'], env)).stderr).toMatch(/not found/);
    expect((await conveneFails(['frobnicate'], env)).stderr).toMatch(/unknown command/);
    expect((await conveneFails(['serve'], { ...env, DATABASE_URL: 'mysql://x' })).stderr).toMatch(/DATABASE_URL/);
  });
});

describe.skipIf(!postgresAvailable)(
  `convene user and token commands [postgres${postgresAvailable ? '' : ': skipped, PostgreSQL not reachable'}]`,
  { timeout: 90_000 },
  () => {
    it('works against the database of a running server', async () => {
      const database = await createTestDatabase();
      // No auth cache: the CLI's revocation must be seen by the next request.
      const server = await startTestServer('postgres', { AUTH_CACHE_MS: '0' }, database.url);
      try {
        const env = { DATABASE_URL: database.url };
        await convene(['user', 'create', 'yan', '--email', 'yan@example.com'], env);
        const token = (await convene(['token', 'create', 'yan', '--scopes', 'meetings'], env)).stdout.trim();
        expect((await server.gql(ME, {}, token)).data).toEqual({ me: { username: 'yan' } });
        await convene(['token', 'revoke', token], env);
        expect(codes(await server.gql(ME, {}, token))).toEqual(['UNAUTHENTICATED']);
      } finally {
        await server.stop();
        await database.drop();
      }
    });
  },
);
