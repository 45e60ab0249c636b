// `convene serve` as a child process: the first-run admin token, one process per embedded
// database (a second server and a hung one refused, a killed one's lock taken over by the
// next server), a busy port, and a clean shutdown on SIGTERM and SIGINT.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conveneFails, gql, ME, serve, tempDir } from './support/cli.ts';
import { startTestServer } from './support/server.ts';

describe('convene serve', { timeout: 420_000 }, () => {
  it('holds its embedded database alone: a second server and a hung one are refused, a killed one recovered; shuts down cleanly', async () => {
    const dir = tempDir();
    const first = await serve(dir);
    const token = /^\s+(cvn_\S+)$/m.exec(first.output())?.[1];
    expect(token).toBeDefined();
    expect(await gql(first.url, '{ me { username isAdmin } }', token!)).toEqual({ data: { me: { username: 'admin', isAdmin: true } } });

    // A second server on the same directory refuses before touching it.
    const second = await conveneFails(['serve'], { CONVENE_DATA_DIR: dir, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(
      `convene: the database in ${dir} is in use by another process (pid ${first.child.pid}): only one process can open an embedded database. Stop it, or use another --data-dir`,
    );

    // A busy port: one line with the hint, before any database is opened or migrated.
    const port = new URL(first.url).port;
    const otherDir = tempDir();
    const busy = await conveneFails(['serve', '--port', port], { CONVENE_DATA_DIR: otherDir, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    expect(busy.code).toBe(1);
    expect(busy.stderr.trim()).toBe(
      `convene: port ${port} on 127.0.0.1 is in use: pick another with --port <n> (or PORT; 0 picks a free one)`,
    );
    expect(existsSync(join(otherDir, 'PG_VERSION'))).toBe(false);

    // A server that holds the database but does not answer (stopped here): the command line refuses.
    first.child.kill('SIGSTOP');
    const refused = await conveneFails(['token', 'list'], { CONVENE_DATA_DIR: dir }).finally(() => first.child.kill('SIGCONT'));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `convene: the server holds this database (${dir}, pid ${first.child.pid}) but does not answer: stop it, or use the admin mutations / pass --url and --token to go through the running server`,
    );

    first.child.kill('SIGTERM');
    expect((await first.exited)[0]).toBe(0);

    // Killed without a chance to release its lock: the next server waits until the lock goes
    // stale (the holder is dead) and takes it over.
    const killed = await serve(dir);
    expect(killed.output()).not.toMatch(/cvn_/); // the first-run token is printed once
    killed.child.kill('SIGKILL');
    await killed.exited;
    const recovered = await startTestServer('pglite', {}, `pglite:${dir}`);
    try {
      expect(await gql(recovered.url, ME, token!)).toEqual({ data: { me: { username: 'admin' } } });
    } finally {
      await recovered.stop();
    }

    // Signalled the moment it announces itself (this used to find no handler yet, now and then).
    const last = await serve(dir);
    last.child.kill('SIGINT');
    const [code, signal] = await last.exited;
    expect(code, `exit by ${signal}; output:\n${last.output()}`).toBe(0);
  });
});
