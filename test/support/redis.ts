// Redis suites use the local server (127.0.0.1:6379, or TEST_REDIS_URL); skipped with a reason
// when it is not reachable, mandatory when CONVENE_REQUIRE_REDIS=1 (CI). Suites that take Redis
// away start their own redis-server (ownRedis).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export const redisAvailable = await reachable();

if (!redisAvailable) {
  if (process.env.CONVENE_REQUIRE_REDIS === '1') {
    throw new Error(`Redis is required (CONVENE_REQUIRE_REDIS=1) but ${redisUrl} is not reachable`);
  }
  console.warn(`Redis not reachable at ${redisUrl}: the multi-instance suites are skipped`);
}

/** Whether `redis-server` is installed, for suites that stop and start a Redis of their own. */
export const redisServerInstalled = spawnSync('redis-server', ['--version']).status === 0;

if (!redisServerInstalled && process.env.CONVENE_REQUIRE_REDIS === '1') {
  throw new Error('redis-server is required (CONVENE_REQUIRE_REDIS=1) but is not installed');
}

export interface OwnRedis {
  url: string;
  /** Starts it (again, on the same port) and waits until it answers. */
  start(): Promise<void>;
  /** Kills it (SIGKILL: a crash, no goodbye to the clients) and waits until it is gone. */
  kill(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, without persistence, to kill and start
 * again: the shared one on 6379 is left alone. Not started yet; kill it after the tests.
 */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  return {
    url,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        {
          stdio: 'ignore',
        },
      );
      for (let attempt = 0; ; attempt++) {
        const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => {}); // refused until it listens
        try {
          await client.connect();
          await client.ping();
          return;
        } catch (error) {
          if (attempt === 100 || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${error}`);
          await setTimeout(50);
        } finally {
          client.disconnect();
        }
      }
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
