// A fresh PostgreSQL database per benchmark run, and set-based seeding of users, tokens, tasks
// and their change feed straight through `pg`, in the app's own tables and respecting the feed
// model (src/sync/feed.ts): one Change row per task (kind TASK, objectId = the task's id,
// revisions 1..n per user, not deleted), and each user's SyncCounter at their highest revision.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** A connection to the new database (seeding and raw reads). */
  client: pg.Client;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates `convene_bench_<random>`; `drop` removes it (also on SIGINT/SIGTERM meanwhile). */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `convene_bench_${randomBytes(6).toString('hex')}`;
  try {
    await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    throw new Error(`PostgreSQL at ${redactUrl(adminUrl)}: ${(error as Error).message} (set BENCH_POSTGRES_URL)`);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= (async () => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await client.end().catch(() => {});
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: dropping ${name}`);
    void drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    await client.connect();
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: url.toString(), client, drop };
}

export interface SeededUser {
  id: string;
  username: string;
  /** A bearer token with the scopes SYNC, MEETINGS, CALENDAR. */
  token: string;
  tasks: number;
}

/**
 * Creates `count` users `<prefix>-<n>` (with a LOCAL main account and an access token each)
 * and `tasksPerUser` tasks for each, with their feed rows, in one transaction of set-based
 * statements. Then VACUUM ANALYZE, so that the planner knows the new sizes and autovacuum does
 * not start on the new rows in the middle of a measurement.
 */
export async function seedUsers(client: pg.Client, prefix: string, count: number, tasksPerUser: number): Promise<SeededUser[]> {
  const tokens = Array.from({ length: count }, () => `cvn_${randomBytes(32).toString('base64url')}`);
  const hashes = tokens.map((token) => createHash('sha256').update(token).digest('hex'));
  let users: Array<{ id: string; n: number; username: string }>;
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL synchronous_commit = off');
    await client.query(
      `CREATE TEMP TABLE seed_users ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, g AS n, $1::text || '-' || g AS username FROM generate_series(1, $2::int) g`,
      [prefix, count],
    );
    await client.query(`
      INSERT INTO "User" (id, username, email, name, "isAdmin", "createdAt", "updatedAt")
      SELECT id, username, username || '@bench.example', 'Bench user ' || n, false, now(), now() FROM seed_users`);
    await client.query(`
      WITH account AS (
        INSERT INTO "Account" (id, provider, identifier, name, "mainUserId")
        SELECT gen_random_uuid(), 'LOCAL', username || '@bench.example', 'Bench user ' || n, id FROM seed_users
        RETURNING id, "mainUserId")
      INSERT INTO "UserAccount" ("userId", "accountId") SELECT "mainUserId", id FROM account`);
    await client.query(
      `INSERT INTO "AccessToken" (id, "userId", "tokenHash", name, scopes)
       SELECT gen_random_uuid(), s.id, h.hash, 'bench', '{SYNC,MEETINGS,CALENDAR}'
       FROM seed_users s JOIN unnest($1::text[]) WITH ORDINALITY AS h(hash, n) ON h.n = s.n`,
      [hashes],
    );
    if (tasksPerUser > 0) {
      // Ids drawn first, so that a task and its feed row share them; revision = n per user.
      await client.query(
        `CREATE TEMP TABLE seed_tasks ON COMMIT DROP AS
         SELECT s.id AS user_id, g AS n, gen_random_uuid() AS id,
                now() - ($1::int - g) * interval '1 second' AS at
         FROM seed_users s CROSS JOIN generate_series(1, $1::int) g`,
        [tasksPerUser],
      );
      // A mix like real data: notes on half, dates on a third, client ids on half, all statuses.
      await client.query(`
        INSERT INTO "Task" (id, "userId", title, notes, start, due, status, priority, "percentComplete",
                            "clientSyncId", "createdAt", "updatedAt")
        SELECT id, user_id, 'Task ' || n || ': review the quarterly plan',
               CASE WHEN n % 2 = 0 THEN 'Check the figures with the team, then send the summary to everyone on the list.' END,
               CASE WHEN n % 3 = 0 THEN date_trunc('hour', at) + interval '2 days' END,
               CASE WHEN n % 3 = 0 THEN date_trunc('hour', at) + interval '3 days' END,
               (enum_range(NULL::"TaskStatus"))[1 + n % 5],
               (enum_range(NULL::"TaskPriority"))[1 + n % 3],
               CASE WHEN (enum_range(NULL::"TaskStatus"))[1 + n % 5] = 'COMPLETED' THEN 100
                    WHEN (enum_range(NULL::"TaskStatus"))[1 + n % 5] = 'NOT_STARTED' THEN 0 ELSE n % 100 END,
               CASE WHEN n % 2 = 1 THEN 'device-' || n END,
               at, at
        FROM seed_tasks`);
      await client.query(`
        INSERT INTO "Change" ("userId", kind, "objectId", revision, deleted, "clientSyncId", "originSyncId", "changedAt")
        SELECT user_id, 'TASK', id, n, false, CASE WHEN n % 2 = 1 THEN 'device-' || n END, NULL, at FROM seed_tasks`);
      await client.query(`INSERT INTO "SyncCounter" ("userId", revision, floor) SELECT id, $1::int, 0 FROM seed_users`, [tasksPerUser]);
    }
    users = (await client.query('SELECT id, n, username FROM seed_users ORDER BY n')).rows;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  await client.query('VACUUM ANALYZE "User", "AccessToken", "Account", "UserAccount", "Task", "Change", "SyncCounter"');
  return users.map((user) => ({ id: user.id, username: user.username, token: tokens[user.n - 1]!, tasks: tasksPerUser }));
}

/** Checks the feed model over the whole database; throws if a seed (or the app) broke it. */
export async function checkFeed(client: pg.Client): Promise<{ tasks: number; feedRows: number }> {
  const { rows } = await client.query<{ tasks: number; live: number; feed: number; orphans: number; counters: number }>(`
    SELECT (SELECT count(*)::int FROM "Task") AS tasks,
           (SELECT count(*)::int FROM "Change" WHERE kind = 'TASK' AND NOT deleted) AS live,
           (SELECT count(*)::int FROM "Change") AS feed,
           (SELECT count(*)::int FROM "Change" c WHERE kind = 'TASK' AND NOT deleted
              AND NOT EXISTS (SELECT 1 FROM "Task" t WHERE t.id = c."objectId" AND t."userId" = c."userId")) AS orphans,
           (SELECT count(*)::int FROM "SyncCounter" s
              WHERE s.revision <> (SELECT COALESCE(MAX(revision), 0) FROM "Change" c WHERE c."userId" = s."userId")) AS counters`);
  const check = rows[0]!;
  if (check.tasks !== check.live || check.orphans || check.counters) {
    throw new Error(`the feed does not match the tasks: ${JSON.stringify(check)}`);
  }
  return { tasks: check.tasks, feedRows: check.feed };
}
