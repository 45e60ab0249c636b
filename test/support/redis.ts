// Redis suites use the local server (127.0.0.1:6379, or TEST_REDIS_URL); skipped with a reason
// when it is not reachable, mandatory when CONVENE_REQUIRE_REDIS=1 (CI).
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
