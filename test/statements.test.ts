// Related rows (src/schema/loaders.ts). No N+1: a list query costs the same number of SQL
// statements for 10 items as for 100, related rows included (an account's `shared`, an
// appointment's account, a user's accounts and synchronizations). Two users alike but for how
// much they have are asked the same queries. And the batched rows go to the right parent,
// fresh on every event of a subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './support/postgres.ts';
import { describeEachDatabase, startTestServer, type TestServer, wsClient } from './support/server.ts';
import { type SmtpServer, startSmtpServer } from './support/smtp.ts';
import { countingEnv, statementsOf } from './support/statements.ts';
import { dataOf } from './support/sync.ts';

interface Owner {
  size: number;
  id: string;
  token: string;
  identifiers: string[];
  sessionId: string;
}

const sizes = [10, 100] as const;
const from = '2026-10-01T00:00:00Z';
const to = '2026-10-31T00:00:00Z';

/** Runs `field` (a mutation or query field with its selection) once per item, as aliases of a few requests. */
async function aliased<T>(
  server: TestServer,
  token: string | null,
  operation: 'query' | 'mutation',
  items: T[],
  field: (item: T) => string,
) {
  const results: any[] = [];
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25);
    const data = dataOf(await server.gql(`${operation} { ${chunk.map((item, j) => `a${j}: ${field(item)}`).join(' ')} }`, {}, token));
    results.push(...chunk.map((_, j) => data[`a${j}`]));
  }
  return results;
}

/** A user with `size` accounts (every other one shared with a neighbour), appointments, tasks and synchronizations. */
async function seedOwner(server: TestServer, size: number): Promise<Owner> {
  const owner = await server.newUser(`owner${size}`);
  const neighbour = await server.newUser(`neighbour${size}`);
  // The main account (made with the user) and size - 1 more.
  const rooms = Array.from({ length: size - 1 }, (_, i) => `room${i + 1}-of-${size}@example.com`);
  const connect = (identifier: string) => `connectAccount(input: { provider: CALDAV, identifier: "${identifier}" }) { id }`;
  await aliased(server, owner.token, 'mutation', rooms, connect);
  await aliased(
    server,
    neighbour.token,
    'mutation',
    rooms.filter((_, i) => i % 2 === 0),
    connect,
  );
  const { me } = dataOf(await server.gql('{ me { id accounts { id identifier } } }', {}, owner.token));
  const accounts = me.accounts as Array<{ id: string; identifier: string }>;

  // size - 1 synchronizations: each commit of a first sync's token makes one.
  const tokens = await aliased(server, owner.token, 'query', rooms, () => 'sync(limit: 1) { token }');
  await aliased(server, owner.token, 'mutation', tokens, ({ token }) => `syncCommit(input: { token: "${token}" }) { token }`);
  // One appointment on each account and as many tasks, in one more (the size-th) synchronization's commit.
  const batch = dataOf(await server.gql('{ sync { token } }', {}, owner.token)).sync;
  const hour = (i: number) => new Date(Date.parse(from) + i * 3_600_000).toISOString();
  const input = {
    token: batch.token,
    tasks: accounts.map((_, i) => ({ clientSyncId: `t${i}`, changes: { title: `task ${i}` } })),
    appointments: accounts.map((account, i) => ({
      clientSyncId: `a${i}`,
      changes: { accountId: account.id, title: `appointment ${i}`, timezone: 'UTC', start: hour(i), end: hour(i + 1) },
    })),
  };
  const commit = 'mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { results { status } } }';
  const { results } = dataOf(await server.gql(commit, { input }, owner.token)).syncCommit;
  expect(results.filter((r: { status: string }) => r.status === 'CREATED')).toHaveLength(2 * size);
  // size meetings: polls with two options, inviting the neighbour and a guest each.
  const option = (i: number, h: number) => `"${new Date(Date.parse('2031-01-01T00:00:00Z') + (i * 24 + h) * 3_600_000).toISOString()}"`;
  const meetings = await aliased(
    server,
    owner.token,
    'mutation',
    Array.from({ length: size }, (_, i) => i),
    (i) => `createMeeting(ignoreConflicts: true, input: { accountId: "${accounts[0]!.id}", name: "meeting ${i}", duration: 30,
      options: [${option(i, 9)}, ${option(i, 10)}], invitees: [{ email: "neighbour${size}@example.com" }, { email: "guest${i}@example.org" }] }) {
      ... on Meeting { id invitees { id } } }`,
  );
  // The neighbour votes (signed in) WHEN_AVAILABLE everywhere: the poll reads their busy time.
  await aliased(
    server,
    neighbour.token,
    'mutation',
    meetings,
    (m) => `vote(meetingId: "${m.id}", voterId: "${m.invitees[0].id}", response: WHEN_AVAILABLE) { meetingId }`,
  );
  const start = 'mutation { startSyncSession(deviceUuid: "phone") { id } }';
  const session = dataOf(await server.gql(start, {}, owner.token)).startSyncSession;
  return { size, id: me.id, token: owner.token, identifiers: accounts.map((a) => a.identifier), sessionId: session.id };
}

interface ListQuery {
  query: string;
  variables?: (owner: Owner) => Record<string, unknown>;
  /** The list the query returns, to check it holds at least `size` items. */
  items: (data: any) => unknown[];
}

const accountFields = 'id identifier name shared isMain';
const meetingFields = `id name options organizer { email } organizerAccount { ${accountFields} } invitees { id email account { ${accountFields} } }`;

const lists: Record<string, ListQuery> = {
  'me { accounts }': {
    query: `{ me { accounts { ${accountFields} } } }`,
    items: (data) => data.me.accounts,
  },
  accountsByIdentifier: {
    query: `query ($identifiers: [String!]!) { accountsByIdentifier(identifiers: $identifiers) { ${accountFields} } }`,
    variables: (owner) => ({ identifiers: owner.identifiers }),
    items: (data) => data.accountsByIdentifier,
  },
  appointments: {
    query: `query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) {
      start end appointment { id title account { ${accountFields} } } } }`,
    variables: () => ({ from, to }),
    items: (data) => data.appointments,
  },
  tasks: {
    query: '{ tasks(first: 100) { pageInfo { hasNextPage } edges { cursor node { id title status } } } }',
    items: (data) => data.tasks.edges,
  },
  'me { synchronizations }': {
    query: '{ me { synchronizations { id type deviceUuid lastSyncAt } } }',
    items: (data) => data.me.synchronizations,
  },
  'sync (a batch)': {
    query: `{ sync(limit: 500) { hasMore tasks { id title } appointments { id title account { ${accountFields} } } deleted { id } } }`,
    items: (data) => data.sync.appointments,
  },
  meetings: {
    // Lean: graphql-armor's cost limit multiplies a selection by its literal `first`.
    query: '{ meetings(first: 100) { edges { node { id options invitees { email account { id } } } } } }',
    items: (data) => data.meetings.edges,
  },
  'meetings with their polls': {
    // The whole poll is computed whatever is selected (the neighbour's busy time included): a lean selection suffices.
    query: '{ meetings(first: 100) { edges { node { poll { tallies { yes pending } } } } } }',
    items: (data) => data.meetings.edges,
  },
  'sync (a batch of meetings)': {
    query: `{ sync(limit: 500, kinds: [MEETING]) { hasMore meetings { ${meetingFields} } } }`,
    items: (data) => data.sync.meetings,
  },
  'syncQueue (a page)': {
    query: `query ($session: ID!) { syncQueue(sessionId: $session, page: 1) {
      count items { kind id task { id title } appointment { id title account { ${accountFields} } } } } }`,
    variables: (owner) => ({ session: owner.sessionId }),
    items: (data) => data.syncQueue.items.filter((item: { appointment: unknown }) => item.appointment),
  },
};

describeEachDatabase(
  'related rows',
  (server) => {
    const owners = new Map<number, Owner>();
    beforeAll(async () => {
      for (const size of sizes) owners.set(size, await seedOwner(server(), size));
    }, 180_000);

    it('counts every statement: raw ones, and a transaction with its BEGIN and its COMMIT or ROLLBACK', async () => {
      const { prisma, statements } = server().server.db;
      const counted = async (work: () => Promise<unknown>) => {
        const before = statements!.count;
        await work().catch(() => {});
        return statements!.count - before;
      };
      expect(await counted(() => prisma.$queryRaw`SELECT 1`)).toBe(1);
      expect(await counted(() => prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`))).toBe(3);
      const failing = () =>
        prisma.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1`;
          throw new Error('roll back');
        });
      expect(await counted(failing)).toBe(3);
    });

    describe.each(Object.keys(lists))('%s', (name) => {
      async function cost(owner: Owner) {
        const { query, variables, items } = lists[name]!;
        const { statements, response } = await statementsOf(server(), query, variables?.(owner), owner.token);
        expect(items(dataOf(response)).length).toBeGreaterThanOrEqual(owner.size);
        return statements;
      }

      it('costs as many SQL statements for 100 items as for 10', async () => {
        const few = await cost(owners.get(10)!);
        expect(await cost(owners.get(100)!)).toBe(few);
      });
    });

    it('shows `shared` as whether more than one user is connected', async () => {
      const owner = owners.get(10)!;
      const { me } = dataOf(await server().gql('{ me { accounts { identifier shared } } }', {}, owner.token));
      const shared = me.accounts.filter((a: { shared: boolean }) => a.shared).map((a: { identifier: string }) => a.identifier);
      expect(shared).toEqual(owner.identifiers.filter((identifier) => /^room\d*[13579]-/.test(identifier)));
    });

    it("gives each user of a list their own related rows, and only an admin another user's", async () => {
      const few = owners.get(10)!;
      const many = owners.get(100)!;
      const query = `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on User {
        username mainAccount { identifier } accounts { identifier } synchronizations { id } tokens { user { username } } } } }`;
      const { nodes } = dataOf(await server().gql(query, { ids: [few.id, many.id] }));
      expect(
        nodes.map((user: any) => ({
          username: user.username,
          mainAccount: user.mainAccount.identifier,
          accounts: user.accounts.map((a: { identifier: string }) => a.identifier),
          synchronizations: user.synchronizations.length,
          tokenOwners: [...new Set(user.tokens.map((t: any) => t.user.username))],
        })),
      ).toEqual(
        [few, many].map((owner) => ({
          username: `owner${owner.size}`,
          mainAccount: `owner${owner.size}@example.com`,
          accounts: owner.identifiers,
          synchronizations: owner.size + 1, // and the queue session's device
          tokenOwners: [`owner${owner.size}`],
        })),
      );
      // A user asking for both sees only themself.
      const own = dataOf(await server().gql(query, { ids: [few.id, many.id] }, few.token)).nodes;
      expect(own.map((user: any) => user?.username ?? null)).toEqual(['owner10', null]);
    });

    it('answers each event of a subscription from the database as it is then', async () => {
      const { token } = await server().newUser('listener');
      const { token: other } = await server().newUser('visitor');
      const room = 'mutation { connectAccount(input: { provider: CALDAV, identifier: "lobby@example.com" }) { id } }';
      const client = wsClient(server(), token);
      const events = client.iterate({ query: 'subscription { accountsChanged { identifier shared } }' });
      // Until an event arrives the subscription may not be listening yet: connect again (a no-op).
      let first: IteratorResult<any> | null = null;
      const next = events.next();
      while (!first) {
        dataOf(await server().gql(room, {}, token));
        first = await Promise.race([next, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
      }
      const lobby = (event: any) => event.data.accountsChanged.find((a: { identifier: string }) => a.identifier === 'lobby@example.com');
      expect(lobby(first.value)).toEqual({ identifier: 'lobby@example.com', shared: false });
      dataOf(await server().gql(room, {}, other));
      // Connecting again may have sent more events meanwhile: read on to the next one that follows a connect after the visitor's.
      dataOf(
        await server().gql(
          'mutation { connectAccount(input: { provider: ICS, identifier: "https://example.com/x.ics" }) { id } }',
          {},
          token,
        ),
      );
      let event = await events.next();
      while (!event.value.data.accountsChanged.some((a: { identifier: string }) => a.identifier === 'https://example.com/x.ics')) {
        event = await events.next();
      }
      expect(lobby(event.value)).toEqual({ identifier: 'lobby@example.com', shared: true });
      await events.return?.(undefined);
      await client.dispose();
    });
  },
  // AUTH_CACHE_MS=0: every request looks its token up, so that requests compare alike; one queue page holds all.
  { ...countingEnv, AUTH_CACHE_MS: '0', SYNC_QUEUE_PAGE_SIZE: '500' },
);

// What one meeting costs: createMeeting and Meeting.poll send as many statements for a big
// meeting as for a small one (rows go in sets, not one by one), and the figures below are the
// whole count, so that a statement added to either path shows here (bench/README.md, "Meetings").
// The mail relay shares the counter: one connection, held on a first message by the SMTP
// server until the counting is done, so that it sends no statement meanwhile.
for (const { kind, skip } of [
  { kind: 'pglite', skip: false },
  { kind: 'postgres', skip: !postgresAvailable },
] as const) {
  describe.skipIf(skip)(`a meeting [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, () => {
    interface Guest {
      token: string;
      account: string;
    }
    let smtp: SmtpServer;
    let testServer: TestServer;
    const server = () => testServer;
    const guests: Guest[] = [];
    let organizer: Guest;
    const option = (day: number) => new Date(Date.parse('2031-05-05T08:00:00Z') + day * 86_400_000).toISOString();
    const options = [option(0), option(1), option(2)];
    const me = async (token: string): Promise<Guest> => ({
      token,
      account: dataOf(await server().gql('{ me { mainAccount { id } } }', {}, token)).me.mainAccount.id,
    });

    beforeAll(async () => {
      smtp = await startSmtpServer(() => 250, false);
      testServer = await startTestServer(kind, { ...countingEnv, AUTH_CACHE_MS: '0', SMTP_URL: smtp.url, MAIL_CONNECTIONS: '1' });
      organizer = await me((await server().newUser('meeting-organizer')).token);
      for (let i = 0; i < 3; i++) {
        const guest = await me((await server().newUser(`meeting-guest${i}`)).token);
        // Busy on the second option's morning: their WHEN_AVAILABLE answers come from this.
        const input = { accountId: guest.account, title: 'busy', timezone: 'UTC', start: option(1), end: option(1.05) };
        const create = 'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }';
        dataOf(await server().gql(create, { input }, guest.token));
        guests.push(guest);
      }
    }, 60_000);
    afterAll(async () => {
      await testServer?.stop();
      await smtp?.close();
    });

    /** A poll of `size` invitees: `users` of the guests by account, the others by email. */
    const input = (name: string, size: number, users: number) => ({
      accountId: organizer.account,
      name,
      duration: 60,
      options,
      invitees: Array.from({ length: size }, (_, i) =>
        i < users ? { accountId: guests[i]!.account } : { email: `${name}-${i}@example.org` },
      ),
    });
    const CREATE = `mutation ($input: CreateMeetingInput!) { createMeeting(input: $input, ignoreConflicts: true) {
      ... on Meeting { id invitees { id } } } }`;

    /** `statementsOf` with the relay held on a message of its own meanwhile; all mail sent after. */
    async function counted(query: string, variables: Record<string, unknown>, token: string) {
      let release!: () => void;
      const held = new Promise<number>((resolve) => {
        release = () => resolve(250);
      });
      smtp.answer = () => held;
      const before = smtp.received.length;
      dataOf(await server().gql(CREATE, { input: input(`hold${before}`, 1, 0) }, organizer.token));
      await smtp.waitFor(() => smtp.received.length > before);
      const result = await statementsOf(server(), query, variables, token);
      smtp.answer = () => 250;
      release();
      await smtp.waitFor(() => smtp.received.every((mail) => mail.code !== null));
      return result;
    }

    it('createMeeting costs as many statements with 30 invitees (3 users) as with 3 (1 user)', async () => {
      const cost = async (size: number, users: number) => {
        const { statements, response } = await counted(CREATE, { input: input(`create${size}`, size, users) }, organizer.token);
        expect(dataOf(response).createMeeting.invitees).toHaveLength(size);
        return statements;
      };
      const few = await cost(3, 1);
      expect(await cost(30, 3)).toBe(few);
      expect(few).toBe(15);
    });

    it('Meeting.poll costs as many statements with 30 invitees (3 users) as with 5 (1 user), every response type given', async () => {
      const POLL = `query ($id: ID!) { meeting(id: $id) { poll {
        tallies { start yes no maybe pending } ranking { start } notAnswered { id } voters { id response answers { answer } } } } }`;
      const responses = ['ALWAYS', 'NO', 'MAYBE', 'CUSTOM', 'NOT_YET'];
      const cost = async (size: number, users: number) => {
        const meeting = dataOf(await server().gql(CREATE, { input: input(`poll${size}`, size, users) }, organizer.token)).createMeeting;
        const voters = meeting.invitees.map((i: { id: string }) => i.id) as string[];
        // The users vote WHEN_AVAILABLE signed in; the guests by email with their tokens, every other response.
        for (const [i, voterId] of voters.slice(0, users).entries()) {
          const vote = 'mutation ($m: ID!, $v: ID!) { vote(meetingId: $m, voterId: $v, response: WHEN_AVAILABLE) { meetingId } }';
          dataOf(await server().gql(vote, { m: meeting.id, v: voterId }, guests[i]!.token));
        }
        const tokens = await aliased(
          server(),
          organizer.token,
          'mutation',
          voters.slice(users),
          (v) => `rotateVoteToken(meetingId: "${meeting.id}", voterId: "${v}") { voteToken }`,
        );
        await aliased(server(), null, 'mutation', voters.slice(users), (v) => {
          const k = voters.indexOf(v);
          const response = responses[k % responses.length]!;
          const preferred = response === 'CUSTOM' ? `, preferred: ["${options[k % 3]}"]` : '';
          return `vote(meetingId: "${meeting.id}", voterId: "${v}", voteToken: "${tokens[k - users].voteToken}", response: ${response}${preferred}) { meetingId }`;
        });
        const { statements, response } = await counted(POLL, { id: meeting.id }, organizer.token);
        const poll = dataOf(response).meeting.poll;
        expect(poll.voters).toHaveLength(size);
        // The users are busy on the second option only.
        expect(poll.voters[0].answers.map((a: { answer: string }) => a.answer)).toEqual(['YES', 'NO', 'YES']);
        return statements;
      };
      const few = await cost(5, 1);
      expect(await cost(30, 3)).toBe(few);
      expect(few).toBe(9);
    }, 120_000);
  });
}
