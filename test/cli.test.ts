// The `convene` command line as child processes: help; the user and token commands on their
// own, through the running server that holds the embedded database (its admin socket) and
// through --url; bad usage; seed; migrations next to a running server; and directly on
// PostgreSQL.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { convene, conveneFails, ME, npmRun, tempDir } from './support/cli.ts';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { redisAvailable, redisUrl } from './support/redis.ts';
import { codes, startTestServer, type TestServer } from './support/server.ts';

describe('convene help', { timeout: 60_000 }, () => {
  it('prints usage on stdout for --help, help and <command> --help, and on stderr with exit 2 for mistakes', async () => {
    const [all, helpCommand, tokenCreate, helpToken, unknown, group, badOption] = await Promise.all([
      convene(['--help']),
      convene(['help']),
      convene(['token', 'create', '--help']),
      convene(['help', 'token']),
      conveneFails(['frobnicate']),
      conveneFails(['token']),
      conveneFails(['token', 'list', '--frobnicate']),
    ]);
    for (const command of ['serve', 'migrate', 'user create', 'token create', 'token list', 'token revoke', 'seed']) {
      expect(all.stdout).toContain(`convene ${command === 'serve' ? '[serve]' : command}`);
    }
    expect(helpCommand.stdout).toBe(all.stdout);
    expect(tokenCreate.stdout).toMatch(/convene token create <username> --scopes/);
    expect(tokenCreate.stdout).not.toMatch(/user create/);
    expect(helpToken.stdout).toMatch(/token create[\s\S]*token list[\s\S]*token revoke/);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^convene: unknown command "frobnicate"\n\nUsage:/);
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/token create[\s\S]*token list/);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--frobnicate'[\s\S]*convene token list/);
    for (const { stderr } of [unknown, group, badOption]) expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('convene user and token commands [pglite]', { timeout: 300_000 }, () => {
  it('work alone, through the server that holds the database (at once, kept after a restart) and through --url', async () => {
    const dir = tempDir();
    const env = { CONVENE_DATA_DIR: dir };
    // Alone: this process opens the database.
    const userId = (await convene(['user', 'create', 'zed', '--email', 'zed@example.com', '--name', 'Zed'], env)).stdout.trim();
    expect(userId).toMatch(/^[A-Za-z0-9+/]+=*$/); // a global id
    const created = await convene(
      ['token', 'create', 'zed', '--scopes', 'sync,calendar', '--name', 'laptop', '--expires-in-days', '30'],
      env,
    );
    const laptop = created.stdout.trim();
    expect(laptop).toMatch(/^cvn_[A-Za-z0-9_-]+$/); // stdout holds only the token

    // A (real, in-process) server holds the database now; the commands go through it.
    let server: TestServer = await startTestServer('pglite', {}, `pglite:${dir}`);
    try {
      const { data } = await server.gql('query ($id: ID!) { node(id: $id) { ... on User { username tokens { id name } } } }', {
        id: userId,
      });
      expect(data.node.username).toBe('zed');
      const laptopId: string = data.node.tokens[0].id;
      expect(created.stderr).toContain(laptopId);
      expect((await server.gql(ME, {}, laptop)).data).toEqual({ me: { username: 'zed' } }); // cached for AUTH_CACHE_MS from now on

      const [phoneCreated, annaCreated, nobody] = await Promise.all([
        convene(['token', 'create', 'zed', '--scopes', 'meetings', '--name', 'phone'], env),
        convene(['user', 'create', 'anna', '--email', 'anna@example.com'], env),
        conveneFails(['token', 'create', 'nobody', '--scopes', 'sync'], env),
      ]);
      expect((await server.gql(ME, {}, phoneCreated.stdout.trim())).data).toEqual({ me: { username: 'zed' } });
      const anna = await server.server.db.prisma.user.findUniqueOrThrow({ where: { username: 'anna' } });
      expect(annaCreated.stdout.trim()).toBe(encodeGlobalID('User', anna.id));
      expect(nobody).toMatchObject({ code: 1, stdout: '', stderr: 'convene: user nobody not found\n' });

      // --url and --token: any server, here the same one over HTTP.
      const [listed, viaUrl, noToken] = await Promise.all([
        convene(['token', 'list', 'zed'], env),
        convene(['token', 'list', 'zed', '--url', server.url, '--token', server.adminToken]),
        conveneFails(['token', 'list', '--url', server.url]),
      ]);
      const laptopRow = listed.stdout.split('\n').find((line) => line.startsWith(laptopId));
      const [, , , , createdAt, expiresAt, revokedAt] = laptopRow!.split(/\s+/);
      expect(laptopRow!.split(/\s+/).slice(0, 4)).toEqual([laptopId, 'zed', 'laptop', 'sync,calendar']);
      expect(Math.round((Date.parse(expiresAt!) - Date.parse(createdAt!)) / 86_400_000)).toBe(30);
      expect(revokedAt).toBe('-');
      expect(listed.stdout).toMatch(/\bphone\s+meetings\b/);
      expect(listed.stdout).not.toMatch(/cvn_/);
      expect(viaUrl.stdout).toBe(listed.stdout);
      expect(noToken).toMatchObject({ code: 2, stderr: expect.stringMatching(/^convene: --url needs --token/) });

      // Revoked by its raw UUID: refused at once, though the server had cached it.
      const rawId = Buffer.from(laptopId, 'base64').toString().split(':')[1]!;
      const revoked = await convene(['token', 'revoke', rawId], env);
      expect(revoked.stderr.trim()).toBe(`revoked token ${laptopId}`);
      expect(codes(await server.gql(ME, {}, laptop))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await server.stop();
    }

    // Nothing was lost: a new server sees every change.
    server = await startTestServer('pglite', {}, `pglite:${dir}`);
    try {
      expect(codes(await server.gql(ME, {}, laptop))).toEqual(['UNAUTHENTICATED']);
      const { data } = await server.gql('{ users { edges { node { username } } } }');
      expect(data.users.edges.map((edge: { node: { username: string } }) => edge.node.username)).toEqual(['anna', 'root', 'zed']);
    } finally {
      await server.stop();
    }
  });

  it('list every token of every user, past a page of users', async () => {
    const server = await startTestServer('pglite');
    try {
      const usernames = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(2, '0')}`);
      for (const username of usernames) await server.newUser(username);
      await server.newUser('user07'); // a second token
      const listed = await convene(['token', 'list', '--url', server.url, '--token', server.adminToken]);
      const users = listed.stdout
        .trim()
        .split('\n')
        .slice(1) // the header
        .map((line) => line.split(/\s+/)[1]);
      expect(users).toEqual(['root', ...usernames.flatMap((name) => (name === 'user07' ? [name, name] : [name]))]);
    } finally {
      await server.stop();
    }
  });

  it('explains bad usage with exit code 2, and a bad configuration with 1', async () => {
    const env = { CONVENE_DATA_DIR: tempDir() };
    const [noEmail, badScope, badDays, badDatabase] = await Promise.all([
      conveneFails(['user', 'create', 'x'], env),
      conveneFails(['token', 'create', 'x', '--scopes', 'everything'], env),
      conveneFails(['token', 'create', 'x', '--scopes', 'sync', '--expires-in-days', 'soon'], env),
      conveneFails(['serve'], { ...env, DATABASE_URL: 'mysql://x' }),
    ]);
    expect(noEmail.code).toBe(2);
    expect(badScope).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown scope everything/) });
    expect(badDays).toMatchObject({ code: 2, stderr: expect.stringMatching(/--expires-in-days must be a positive number/) });
    expect(badDatabase).toMatchObject({ code: 1, stderr: expect.stringMatching(/^convene: invalid configuration: DATABASE_URL/) });
  });
});

describe('migrations while a server runs', { timeout: 120_000 }, () => {
  it('are refused on its embedded database with one line, exit code 1', async () => {
    const dir = tempDir();
    const server = await startTestServer('pglite', {}, `pglite:${dir}`); // holds the lock in this process
    try {
      const refusal = `convene: the database in ${dir} is in use by another process (pid ${process.pid}): `;
      const [deploy, migrate] = await Promise.all([
        npmRun('db:deploy', { CONVENE_DATA_DIR: dir }),
        conveneFails(['migrate'], { CONVENE_DATA_DIR: dir }),
      ]);
      expect(deploy).toEqual({
        code: 1,
        stdout: '',
        stderr: `${refusal}stop it and run this again, or restart it (a server applies pending migrations when it starts)\n`,
      });
      expect(migrate).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `${refusal}a server migrates when it starts; to migrate here, stop it first\n`,
      });
    } finally {
      await server.stop();
    }
    expect(await npmRun('db:deploy', { CONVENE_DATA_DIR: dir })).toEqual({ code: 0, stdout: 'no pending migrations\n', stderr: '' });
  });

  it.skipIf(!postgresAvailable)(
    `run on its PostgreSQL database${postgresAvailable ? '' : ': skipped, PostgreSQL not reachable'}`,
    async () => {
      const server = await startTestServer('postgres');
      try {
        expect(await npmRun('db:deploy', { DATABASE_URL: server.databaseUrl })).toEqual({
          code: 0,
          stdout: 'no pending migrations\n',
          stderr: '',
        });
        expect((await server.gql(ME)).data).toEqual({ me: { username: 'root' } }); // still serving
      } finally {
        await server.stop();
      }
    },
  );
});

describe('convene seed', { timeout: 300_000 }, () => {
  it('creates demo data through a running server, and running it again (alone) changes nothing but the tokens', async () => {
    const dir = tempDir();
    const env = { CONVENE_DATA_DIR: dir };
    const tokensOf = (stdout: string) =>
      Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          .map((line) => line.split(/\s+/)),
      );
    const DEMO = `{ me { username accounts { identifier shared } }
      tasks { edges { node { title clientSyncId } } }
      sync(kinds: [APPOINTMENT]) { appointments { title clientSyncId timezone recurrence { type days occurrences } } } }`;

    let server = await startTestServer('pglite', {}, `pglite:${dir}`);
    let first: Record<string, string>;
    type Demo = { me: { accounts: unknown[] }; tasks: { edges: unknown[] }; sync: { appointments: unknown[] } };
    let aliceBefore: Demo;
    let bobBefore: Demo;
    try {
      first = tokensOf((await convene(['seed'], env)).stdout);
      expect(Object.keys(first)).toEqual(['alice', 'bob']);
      aliceBefore = (await server.gql(DEMO, {}, first.alice)).data;
      bobBefore = (await server.gql(DEMO, {}, first.bob)).data;
      expect(aliceBefore.me.accounts).toContainEqual({ identifier: 'room-1@example.com', shared: true });
      expect(aliceBefore.tasks.edges).toHaveLength(3);
      expect(bobBefore.tasks.edges).toHaveLength(1);
      expect(aliceBefore.sync.appointments).toEqual([
        {
          title: 'Team sync',
          clientSyncId: 'seed-team-sync',
          timezone: 'Europe/Berlin',
          recurrence: { type: 'WEEKLY', days: ['MONDAY'], occurrences: 6 },
        },
      ]);
      // The series crosses a daylight-saving change: 10:00 in Berlin throughout, at two UTC times.
      const occurrences = await seriesOccurrences(server, first.alice);
      expect(occurrences.map((start) => start.toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' }))).toEqual(
        Array(6).fill('10:00:00'),
      );
      expect(new Set(occurrences.map((start) => start.getUTCHours())).size).toBe(2);
    } finally {
      await server.stop();
    }

    const second = tokensOf((await convene(['seed'], env)).stdout);
    server = await startTestServer('pglite', {}, `pglite:${dir}`);
    try {
      expect((await server.gql(DEMO, {}, second.alice)).data).toEqual(aliceBefore);
      expect((await server.gql(DEMO, {}, second.bob)).data).toEqual(bobBefore);
      expect(codes(await server.gql(ME, {}, first.alice))).toEqual(['UNAUTHENTICATED']); // the previous seed token
    } finally {
      await server.stop();
    }
  });
});

/** The starts of the seeded series' occurrences. */
async function seriesOccurrences(server: TestServer, token: string): Promise<Date[]> {
  const from = new Date();
  from.setUTCDate(from.getUTCDate() - 30);
  const to = new Date(from.getTime() + 365 * 86_400_000);
  const { data } = await server.gql(
    'query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) { start appointment { title } } }',
    { from: from.toISOString(), to: to.toISOString() },
    token,
  );
  return data.appointments
    .filter((o: { appointment: { title: string } }) => o.appointment.title === 'Team sync')
    .map((o: { start: string }) => new Date(o.start));
}

describe.skipIf(!postgresAvailable)(
  `convene user and token commands [postgres${postgresAvailable ? '' : ': skipped, PostgreSQL not reachable'}]`,
  { timeout: 300_000 },
  () => {
    it('work directly on the database of a running server', async () => {
      const database = await createTestDatabase();
      // No auth cache: the CLI's revocation must be seen by the next request.
      const server = await startTestServer('postgres', { AUTH_CACHE_MS: '0' }, database.url);
      try {
        const env = { DATABASE_URL: database.url };
        const userId = (await convene(['user', 'create', 'yan', '--email', 'yan@example.com'], env)).stdout.trim();
        expect((await server.gql('query ($id: ID!) { node(id: $id) { ... on User { username } } }', { id: userId })).data).toEqual({
          node: { username: 'yan' },
        });
        const token = (await convene(['token', 'create', 'yan', '--scopes', 'meetings'], env)).stdout.trim();
        expect((await server.gql(ME, {}, token)).data).toEqual({ me: { username: 'yan' } });
        await convene(['token', 'revoke', token], env);
        expect(codes(await server.gql(ME, {}, token))).toEqual(['UNAUTHENTICATED']);
      } finally {
        await server.stop();
        await database.drop();
      }
    });

    it.skipIf(!redisAvailable)('revoke at once on every server when REDIS_URL is set', async () => {
      const database = await createTestDatabase();
      const server = await startTestServer('postgres', { REDIS_URL: redisUrl }, database.url); // tokens cached for 5 s
      try {
        const { token } = await server.newUser('zoe');
        expect((await server.gql(ME, {}, token)).data).toEqual({ me: { username: 'zoe' } });
        await convene(['token', 'revoke', token], { DATABASE_URL: database.url, REDIS_URL: redisUrl });
        expect(codes(await server.gql(ME, {}, token))).toEqual(['UNAUTHENTICATED']);
      } finally {
        await server.stop();
        await database.drop();
      }
    });
  },
);
