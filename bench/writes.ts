// Writes of one user, on PostgreSQL (see bench/README.md, "Writes of one user"):
//   convene   createTask over GraphQL HTTP against a convene server in a child process
//   raw pg    the same statements in transactions through `pg` in this process: insert the
//             Task row, bump the user's SyncCounter, upsert the task's Change row, commit
// each with N connections writing for one user, and with N users writing on one connection
// each. A user's writes are serialized by their counter row (src/sync/feed.ts), so with one
// user the rate is set by how long each write holds that row. Every path and shape writes for
// its own users; the four targets take turns over the rounds, so that drift of the machine
// spreads over all of them. A watcher checks meanwhile that revision order is commit order:
// every snapshot of a user's feed holds revisions 1..head without a gap, and head is the
// counter; after the run, every user has exactly one feed row per write.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type GraphQLClient, graphqlClient } from './lib/graphql.ts';
import { type Cpu, cpuCells, cpuHeader, cpuMeter } from './lib/load.ts';
import { type SeededUser, seedUsers } from './lib/postgres.ts';
import { conveneOnFreshDatabase } from './lib/server.ts';
import { median, percentile } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface WritesOptions {
  /** A PostgreSQL URL whose user may create databases. */
  postgresUrl: string;
  /** Concurrent connections per target: all for one user, or one for each of as many users. */
  connections: number;
  /** Measured seconds per target, split over the rounds. */
  seconds: number;
  rounds: number;
  /** Warm-up seconds per target, before the first round. */
  warmup: number;
}

/** Issue 9: convene's rate for one user at least half the raw one. */
const TARGET_RATIO = 0.5;
/** Feed rows each user starts with (revisions 1..n), so that no table starts empty. */
const seededTasks = 100;
const watchIntervalMs = 100;

const CREATE = 'mutation Create($input: TaskInput!) { createTask(input: $input) { id } }';

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ms = (n: number) => fixed(n, n < 10 ? 2 : 1);

type Path = 'convene' | 'raw pg';

interface Target {
  path: Path;
  shape: 'one user' | 'users';
  users: SeededUser[];
  /** One per connection: each call makes one write and resolves, once committed, with its user's id. */
  writers: Array<() => Promise<string>>;
  samples: number[];
  /** Writes per user id, warm-up included (for the final count of feed rows). */
  writes: Map<string, number>;
  measured: number;
  seconds: number;
  cpu: Array<{ cpu: Cpu; seconds: number }>;
}

/** The raw path: the statements convene's createTask makes, without GraphQL, HTTP or Prisma. */
async function rawWrite(client: pg.Client, userId: string, n: number): Promise<void> {
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      `INSERT INTO "Task" (id, "userId", title, status, priority, "percentComplete", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, 'NOT_STARTED', 'NORMAL', 0, now(), now()) RETURNING *`,
      [id, userId, `raw write ${n}`],
    );
    const { rows } = await client.query<{ revision: number }>(
      `UPDATE "SyncCounter" SET revision = revision + 1 WHERE "userId" = $1 RETURNING revision`,
      [userId],
    );
    await client.query(
      `INSERT INTO "Change" ("userId", kind, "objectId", revision, deleted, "clientSyncId", "originSyncId", "changedAt")
       VALUES ($1, 'TASK', $2, $3, false, NULL, NULL, now())
       ON CONFLICT ("userId", kind, "objectId") DO UPDATE SET
         revision = EXCLUDED.revision, deleted = EXCLUDED.deleted, "clientSyncId" = EXCLUDED."clientSyncId",
         "originSyncId" = EXCLUDED."originSyncId", "changedAt" = EXCLUDED."changedAt"`,
      [userId, id, rows[0]!.revision],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Runs every writer of the target until `seconds` have passed; returns the latencies (ms). */
async function drive(target: Target, seconds: number): Promise<number[]> {
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    target.writers.map(async (write) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const userId = await write();
        samples.push(performance.now() - started);
        target.writes.set(userId, (target.writes.get(userId) ?? 0) + 1);
      }
    }),
  );
  return samples;
}

/**
 * Polls every user's feed while the writers run. Rows are only added here (one new task per
 * write), so a snapshot (one statement) must hold every revision from 1 to the head with the
 * counter at the head: a later revision committed before an earlier one would leave a gap.
 * Only the rows above the part already seen whole are counted, to keep each poll cheap.
 */
function watchRevisions(client: pg.Client, users: SeededUser[]) {
  const whole = new Map(users.map((user) => [user.id, seededTasks]));
  let polls = 0;
  let failure: Error | null = null;
  let stopped = false;
  const poll = async () => {
    const ids = [...whole.keys()];
    const { rows } = await client.query<{ userId: string; counter: number; head: number; above: number }>(
      `SELECT u.id::text AS "userId", s.revision AS counter,
              (SELECT COALESCE(MAX(revision), 0) FROM "Change" c WHERE c."userId" = u.id)::int AS head,
              (SELECT COUNT(*) FROM "Change" c WHERE c."userId" = u.id AND c.revision > u.whole)::int AS above
       FROM unnest($1::uuid[], $2::int[]) AS u(id, whole) JOIN "SyncCounter" s ON s."userId" = u.id`,
      [ids, ids.map((id) => whole.get(id)!)],
    );
    polls++;
    for (const row of rows) {
      const seen = whole.get(row.userId)!;
      if (row.counter !== row.head || row.above !== row.head - seen) {
        throw new Error(
          `revision order is not commit order: user ${row.userId} had counter ${row.counter}, head ${row.head} and ` +
            `${row.above} rows above revision ${seen} (expected ${row.head - seen}) in one snapshot`,
        );
      }
      whole.set(row.userId, row.head);
    }
  };
  const loop = (async () => {
    while (!stopped && !failure) {
      try {
        await poll();
      } catch (error) {
        failure = error as Error;
      }
      await new Promise((resolve) => setTimeout(resolve, watchIntervalMs));
    }
  })();
  return {
    /** Stops polling; throws what a poll found wrong. */
    async stop(): Promise<number> {
      stopped = true;
      await loop;
      if (failure) throw failure;
      return polls;
    },
  };
}

/** After the run: each user's counter, feed head and feed rows all equal to the seeded rows plus their writes. */
async function checkFinal(client: pg.Client, targets: Target[]) {
  const expected = new Map<string, number>();
  for (const target of targets) {
    for (const user of target.users) expected.set(user.id, seededTasks + (target.writes.get(user.id) ?? 0));
  }
  const ids = [...expected.keys()];
  const { rows } = await client.query<{ userId: string; counter: number; head: number; rows: number; tasks: number }>(
    `SELECT s."userId"::text AS "userId", s.revision AS counter,
            (SELECT COALESCE(MAX(revision), 0) FROM "Change" c WHERE c."userId" = s."userId")::int AS head,
            (SELECT COUNT(DISTINCT revision) FROM "Change" c WHERE c."userId" = s."userId")::int AS rows,
            (SELECT COUNT(*) FROM "Task" t WHERE t."userId" = s."userId")::int AS tasks
     FROM "SyncCounter" s WHERE s."userId" = ANY($1::uuid[])`,
    [ids],
  );
  if (rows.length !== ids.length) throw new Error(`${ids.length - rows.length} users have no SyncCounter row`);
  for (const row of rows) {
    const n = expected.get(row.userId)!;
    if (row.counter !== n || row.head !== n || row.rows !== n || row.tasks !== n) {
      throw new Error(
        `user ${row.userId}: ${n} writes in all, but counter ${row.counter}, head ${row.head}, ${row.rows} revisions, ${row.tasks} tasks`,
      );
    }
  }
}

export async function runWritesBenchmark(options: WritesOptions, print: (text: string) => void, progress: (message: string) => void) {
  const n = options.connections;
  progress('creating a database and starting convene on it (migrations at start)');
  const { db, server } = await conveneOnFreshDatabase(options.postgresUrl);
  const httpClients: GraphQLClient[] = [];
  const pgClients: pg.Client[] = [];
  try {
    const { rows: settings } = await db.client.query(
      `SELECT version() AS version, current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync`,
    );
    progress(
      `${String(settings[0].version).split(' on ')[0]}, synchronous_commit ${settings[0].synchronous_commit}, fsync ${settings[0].fsync}`,
    );
    // Users 1..n of a path: user 1 alone for "one user", users 2..n+1 for "users".
    const conveneUsers = await seedUsers(db.client, 'writes-convene', n + 1, seededTasks);
    const rawUsers = await seedUsers(db.client, 'writes-raw', n + 1, seededTasks);

    const convene = (user: SeededUser, connections: number) => {
      const client = graphqlClient(server.url, { authorization: `Bearer ${user.token}` }, connections);
      httpClients.push(client);
      let i = 0;
      return Array.from({ length: connections }, () => async () => {
        await client.request(CREATE, { input: { title: `convene write ${i++}` } });
        return user.id;
      });
    };
    const raw = async (user: SeededUser, connections: number) => {
      let i = 0;
      return Promise.all(
        Array.from({ length: connections }, async () => {
          const client = new pg.Client({ connectionString: db.url });
          await client.connect();
          pgClients.push(client);
          return async () => {
            await rawWrite(client, user.id, i++);
            return user.id;
          };
        }),
      );
    };
    const target = (path: Path, users: SeededUser[], writers: Array<() => Promise<string>>): Target => ({
      path,
      shape: users.length === 1 ? 'one user' : 'users',
      users,
      writers,
      samples: [],
      writes: new Map(),
      measured: 0,
      seconds: 0,
      cpu: [],
    });
    const targets = [
      target('convene', conveneUsers.slice(0, 1), convene(conveneUsers[0]!, n)),
      target('raw pg', rawUsers.slice(0, 1), await raw(rawUsers[0]!, n)),
      target(
        'convene',
        conveneUsers.slice(1),
        conveneUsers.slice(1).flatMap((user) => convene(user, 1)),
      ),
      target('raw pg', rawUsers.slice(1), (await Promise.all(rawUsers.slice(1).map((user) => raw(user, 1)))).flat()),
    ];

    const label = (t: Target) => `${t.path}, ${t.shape === 'one user' ? `1 user × ${n} connections` : `${n} users × 1 connection`}`;
    for (const t of targets) {
      progress(`warm-up ${options.warmup} s: ${label(t)}`);
      await drive(t, options.warmup);
    }
    const watchClient = new pg.Client({ connectionString: db.url });
    await watchClient.connect();
    pgClients.push(watchClient);
    const watcher = watchRevisions(watchClient, [...conveneUsers, ...rawUsers]);
    const slice = options.seconds / options.rounds;
    try {
      for (let round = 1; round <= options.rounds; round++) {
        for (const t of targets) {
          progress(`round ${round}/${options.rounds}, ${slice.toFixed(1)} s: ${label(t)}`);
          const meter = await cpuMeter(server);
          const started = performance.now();
          const samples = await drive(t, slice);
          const seconds = (performance.now() - started) / 1000;
          t.cpu.push({ cpu: await meter(), seconds });
          t.samples.push(...samples);
          t.measured += samples.length;
          t.seconds += seconds;
        }
      }
    } catch (error) {
      await watcher.stop().catch(() => {});
      throw error;
    }
    const polls = await watcher.stop();
    await checkFinal(db.client, targets);

    const rate = (t: Target) => t.measured / t.seconds;
    const cpu = (t: Target): Cpu => {
      const total = t.cpu.reduce((sum, s) => sum + s.seconds, 0);
      const weighted = (f: (c: Cpu) => number) => t.cpu.reduce((sum, s) => sum + f(s.cpu) * s.seconds, 0) / total;
      return {
        server: weighted((c) => c.server),
        client: weighted((c) => c.client),
        postgres: weighted((c) => c.postgres),
        other: weighted((c) => c.other),
        serverMicros: t.cpu.reduce((sum, s) => sum + s.cpu.serverMicros, 0),
        clientMicros: t.cpu.reduce((sum, s) => sum + s.cpu.clientMicros, 0),
      };
    };
    const rawOf = (t: Target) => targets.find((r) => r.path === 'raw pg' && r.shape === t.shape)!;
    print(
      [
        `\nWrites of one user: createTask over HTTP vs the same statements through raw pg, ${n} connections, ` +
          `${options.seconds} s measured per target (${options.rounds} rounds) after ${options.warmup} s warm-up\n`,
        formatTable([
          ['target', 'writes', 'writes/s', 'p50 ms', 'p99 ms', ...cpuHeader, 'vs raw'],
          ...targets.map((t) => [
            label(t),
            String(t.measured),
            fixed(rate(t)),
            ms(median(t.samples)),
            ms(percentile(t.samples, 99)),
            ...cpuCells(cpu(t)),
            t.path === 'raw pg' ? '' : `${fixed(rate(t) / rate(rawOf(t)), 2)}x`,
          ]),
        ]),
        '(raw pg: BEGIN; INSERT "Task"; UPDATE "SyncCounter" RETURNING; INSERT "Change" ON CONFLICT; COMMIT, from this',
        ' process. CPU: % of one core; server = the convene process (idle during raw pg), client = this process,',
        ' PG = every PostgreSQL process, other = the rest of the machine.)',
        `revision order = commit order: ${polls} snapshots of every user's feed without a gap; feed rows = counter = writes for all ${2 * (n + 1)} users`,
        ...targets
          .filter((t) => t.path === 'convene' && t.shape === 'one user')
          .map((t) => {
            const ratio = rate(t) / rate(rawOf(t));
            return `convene, one user: ${fixed(ratio, 2)}x the raw rate (target >= ${TARGET_RATIO}x): ${ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET'}`;
          }),
      ].join('\n'),
    );
  } finally {
    for (const client of httpClients) client.close();
    for (const client of pgClients) await client.end().catch(() => {});
    progress(`stopping convene, dropping ${db.name}`);
    try {
      await server.stop();
    } finally {
      await db.drop();
    }
  }
}
