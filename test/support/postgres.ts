// The PostgreSQL suites run against a real server (127.0.0.1:5432 on the project's machines,
// or TEST_POSTGRES_URL). Without one they are skipped, and say so; CI sets
// CONVENE_REQUIRE_POSTGRES=1 to make them mandatory.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresAvailable = await reachable();

if (!postgresAvailable) {
  if (process.env.CONVENE_REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL is required (CONVENE_REQUIRE_POSTGRES=1) but ${postgresAdminUrl} is not reachable`);
  }
  console.warn(`PostgreSQL not reachable at ${postgresAdminUrl}: the PostgreSQL suites are skipped`);
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A new empty database; returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `convene_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}
