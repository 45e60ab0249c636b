// Redis going away and coming back under instances that share it (a redis-server of the test's
// own, killed and restarted): they keep serving GraphQL from the database, and the change
// notices between them resume without a restart.
import { setTimeout } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, tempDir } from './support/cli.ts';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { type OwnRedis, ownRedis, redisServerInstalled } from './support/redis.ts';
import { type GraphQLResponse, startTestServer, type TestServer, wsClient } from './support/server.ts';

const skip = !postgresAvailable || !redisServerInstalled;

/** A GraphQL endpoint as a client sees it: one instance, in this process or a child. */
type Gql = (query: string, variables: Record<string, unknown>, token: string) => Promise<GraphQLResponse>;

describe.skipIf(skip)(
  `Redis going away and coming back [postgres + redis-server${skip ? ': skipped, PostgreSQL not reachable or redis-server not installed' : ''}]`,
  { timeout: 120_000 },
  () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function redisServer() {
      const redis = await ownRedis();
      cleanups.push(() => redis.kill());
      return redis;
    }
    async function database() {
      const { url, drop } = await createTestDatabase();
      cleanups.push(drop);
      return url;
    }
    /** An instance on `databaseUrl` and `redis` (in this process), stopped after the test. */
    async function instance(databaseUrl: string, redis: OwnRedis, env: Record<string, string> = {}) {
      const server = await startTestServer('postgres', { REDIS_URL: redis.url, ...env }, databaseUrl);
      cleanups.push(() => server.stop());
      return server;
    }

    /** The revisions of the change notices `server` sends a subscriber of `token`'s user. */
    async function subscriber(server: TestServer, token: string) {
      const revisions: number[] = [];
      const client = wsClient(server, token);
      cleanups.push(async () => client.dispose());
      const connected = new Promise((resolve) => client.on('connected', resolve));
      client.subscribe<{ changesAvailable: { revision: number } }>(
        { query: 'subscription { changesAvailable { revision } }' },
        { next: ({ data }) => revisions.push(data!.changesAvailable.revision), error: () => {}, complete: () => {} },
      );
      await connected;
      return revisions;
    }

    /** Writes a task: the user's feed revision goes up by one. */
    async function writeTask(gql: Gql, token: string, title: string) {
      const sync = await gql('{ sync { token } }', {}, token);
      const commit = await gql(
        'mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { results { status } } }',
        { input: { token: sync.data.sync.token, tasks: [{ clientSyncId: title, changes: { title } }] } },
        token,
      );
      expect(commit.errors).toBeUndefined();
      expect(commit.data.syncCommit.results).toEqual([{ status: 'CREATED' }]);
    }

    /**
     * Writes tasks through `gql` until `revisions` (a subscriber's on another instance) has the
     * notice of the last one: both instances hear each other through Redis. `revision` is the
     * user's next one.
     */
    async function untilNoticed(gql: Gql, token: string, revisions: number[], revision: { next: number }) {
      for (let attempt = 0; attempt < 40; attempt++) {
        const wrote = revision.next++;
        await writeTask(gql, token, `task ${wrote}`);
        for (let wait = 0; wait < 10 && !revisions.includes(wrote); wait++) await setTimeout(50);
        if (revisions.includes(wrote)) return;
      }
      throw new Error(`no notice reached the other instance; it heard revisions ${revisions.join(', ')}`);
    }

    const ready = async (origin: string) => (await fetch(`${origin}/ready`)).status;

    it('keeps serving from the database while Redis is down; notices flow again once it is back', async () => {
      const redis = await redisServer();
      await redis.start();
      const url = await database();
      const a = await instance(url, redis);
      const b = await instance(url, redis, { MIGRATE_ON_START: 'false' });
      const early = await a.newUser('early');
      const late = await a.newUser('late');
      const earlyRevision = { next: 1 };
      const lateRevision = { next: 1 };

      const heardByEarly = await subscriber(b, early.token); // subscribed before the outage: renewed after it
      await untilNoticed(a.gql, early.token, heardByEarly, earlyRevision);

      await redis.kill();
      // ioredis used to give up on a waiting command after 20 attempts (about 10 s), and the
      // rejection nobody caught ended the process. For longer than that, both instances serve
      // writes and reads and say they are ready: the database is all they need.
      const heardByLate = await subscriber(b, late.token); // subscribed during the outage: waits for Redis
      const outageEnds = Date.now() + 12_000;
      while (Date.now() < outageEnds) {
        const started = Date.now();
        await writeTask(a.gql, early.token, `task ${earlyRevision.next++}`);
        expect(Date.now() - started).toBeLessThan(5000); // a write does not wait for Redis
        const read = await b.gql('{ tasks(first: 100) { edges { cursor } } }', {}, early.token);
        expect(read.data.tasks.edges).toHaveLength(earlyRevision.next - 1);
        expect([await ready(a.origin), await ready(b.origin)]).toEqual([200, 200]);
        await setTimeout(1000);
      }

      await redis.start();
      await untilNoticed(a.gql, early.token, heardByEarly, earlyRevision);
      await untilNoticed(a.gql, late.token, heardByLate, lateRevision);
    });

    it('starts while Redis is down, says so once, and connects when it comes up', async () => {
      const redis = await redisServer(); // not started yet
      const url = await database();
      const a = await serve(tempDir(), [], { DATABASE_URL: url, REDIS_URL: redis.url });
      cleanups.push(async () => {
        a.child.kill('SIGTERM');
        await a.exited;
      });
      const aGql: Gql = async (query, variables, token) => {
        const response = await fetch(a.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        return { status: response.status, ...((await response.json()) as object) };
      };
      const b = await instance(url, redis, { MIGRATE_ON_START: 'false' }); // started while Redis is down too
      const { token } = await b.newUser('early');
      await writeTask(aGql, token, 'task 1');
      expect(await ready(new URL(a.url).origin)).toBe(200);

      await setTimeout(3000); // ioredis tries again about ten times meanwhile
      const port = new URL(redis.url).port;
      const down =
        `Redis at ${redis.url} is not reachable (connect ECONNREFUSED 127.0.0.1:${port}): change notices and ` +
        'token revocations do not reach other instances until it is back; retrying';
      expect(linesAbout('Redis', a.output())).toEqual([down]);
      expect(a.output()).not.toContain('ioredis');

      await redis.start();
      const heard = await subscriber(b, token);
      await untilNoticed(aGql, token, heard, { next: 2 });
      const back = `Redis at ${redis.url} is reachable again: events between instances resume`;
      await expect.poll(() => linesAbout('Redis', a.output())).toEqual([down, back]);

      // Stopping while Redis is away again does not wait for it.
      await redis.kill();
      await setTimeout(500);
      const stopping = Date.now();
      a.child.kill('SIGTERM');
      expect((await a.exited)[0]).toBe(0);
      await b.stop();
      expect(Date.now() - stopping).toBeLessThan(5000);
    });
  },
);

/** The lines of a server's log that mention `word`, without the level's tag. */
function linesAbout(word: string, output: string): string[] {
  return stripVTControlCharacters(output)
    .split('\n')
    .filter((line) => line.includes(word))
    .map((line) => line.replace(/^[A-Z]+ /, ''));
}
