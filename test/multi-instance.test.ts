// Two server instances on one PostgreSQL database, notifying each other through Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { redisAvailable, redisUrl } from './support/redis.ts';
import { codes, startTestServer, type TestServer, wsClient } from './support/server.ts';

const skip = !postgresAvailable || !redisAvailable;

describe.skipIf(skip)(
  `two instances behind a load balancer [postgres + redis${skip ? ': skipped, PostgreSQL or Redis not reachable' : ''}]`,
  () => {
    let a: TestServer;
    let b: TestServer;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const database = await createTestDatabase();
      drop = database.drop;
      a = await startTestServer('postgres', { REDIS_URL: redisUrl }, database.url);
      b = await startTestServer('postgres', { REDIS_URL: redisUrl, MIGRATE_ON_START: 'false' }, database.url);
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await drop?.();
    });

    /** The first event of a subscription on `server`, once the subscription is registered. */
    async function firstEvent(server: TestServer, token: string, query: string) {
      const client = wsClient(server, token);
      const event = new Promise<any>((resolve, reject) => {
        client.subscribe({ query }, { next: resolve, error: reject, complete: () => {} });
      });
      await new Promise<void>((resolve) => client.on('connected', () => setTimeout(resolve, 200)));
      return { event, client };
    }

    it('delivers an event from a write on one instance to a subscriber on the other', async () => {
      const { token } = await a.newUser('roamer');
      const { event, client } = await firstEvent(b, token, 'subscription { accountsChanged { identifier } }');
      const write = await a.gql(
        'mutation { connectAccount(input: { provider: CALDAV, identifier: "roamer@dav.example.com" }) { id } }',
        {},
        token,
      );
      expect(write.errors).toBeUndefined();
      expect((await event).data.accountsChanged.map((x: { identifier: string }) => x.identifier)).toContain('roamer@dav.example.com');
      await client.dispose();
    });

    it('tells a changesAvailable subscriber on one instance about a commit on the other', async () => {
      const { token } = await a.newUser('commuter');
      const { event: notice, client } = await firstEvent(b, token, 'subscription { changesAvailable { revision kinds } }');
      const sync = await a.gql<any>('{ sync { token } }', {}, token);
      const commit = await a.gql(
        'mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { results { status } } }',
        { input: { token: sync.data.sync.token, tasks: [{ clientSyncId: 'far', changes: { title: 'from a' } }] } },
        token,
      );
      expect(commit.errors).toBeUndefined();
      expect(await notice).toEqual({ data: { changesAvailable: { revision: 1, kinds: ['TASK'] } } });
      // And b serves what a wrote, with a token a signed.
      const next = await b.gql<any>('query ($t: String) { sync(token: $t) { tasks { title } } }', { t: sync.data.sync.token }, token);
      expect(next.data.sync.tasks).toEqual([{ title: 'from a' }]);
      await client.dispose();
    });

    it('tells a meetingChanged subscriber (an invitee) on one instance about a change on the other', async () => {
      const organizer = await a.newUser('host');
      const invitee = await a.newUser('guest');
      const account = (await a.gql<any>('{ me { mainAccount { id } } }', {}, organizer.token)).data.me.mainAccount.id;
      const created = await a.gql<any>(
        'mutation ($input: CreateMeetingInput!) { createMeeting(input: $input) { ... on Meeting { id } } }',
        { input: { accountId: account, name: 'Across', duration: 30, invitees: [{ email: 'guest@example.com' }] } },
        organizer.token,
      );
      const id = created.data.createMeeting.id;
      const { event, client } = await firstEvent(b, invitee.token, `subscription { meetingChanged(id: "${id}") { name } }`);
      const update = await a.gql(
        'mutation ($id: ID!) { updateMeeting(id: $id, input: { name: "Across, renamed" }) { __typename } }',
        { id },
        organizer.token,
      );
      expect(update.errors).toBeUndefined();
      expect(await event).toEqual({ data: { meetingChanged: { name: 'Across, renamed' } } });
      await client.dispose();
    });

    it('tells a pollChanged subscriber (a vote page, by vote token) on one instance about a vote on the other', async () => {
      const organizer = await a.newUser('pollster');
      const account = (await a.gql<any>('{ me { mainAccount { id } } }', {}, organizer.token)).data.me.mainAccount.id;
      const created = await a.gql<any>(
        'mutation ($input: CreateMeetingInput!) { createMeeting(input: $input) { ... on Meeting { id invitees { id } } } }',
        {
          input: {
            accountId: account,
            name: 'Across polls',
            duration: 30,
            options: ['2031-05-05T09:00:00Z', '2031-05-05T10:00:00Z'],
            invitees: [{ email: 'voter@example.org' }],
          },
        },
        organizer.token,
      );
      const { id, invitees } = created.data.createMeeting;
      const rotated = await a.gql<any>(
        'mutation ($m: ID!, $v: ID!) { rotateVoteToken(meetingId: $m, voterId: $v) { voteToken } }',
        { m: id, v: invitees[0].id },
        organizer.token,
      );
      const token = rotated.data.rotateVoteToken.voteToken;
      const { event, client } = await firstEvent(
        b,
        '',
        `subscription { pollChanged(meetingId: "${id}", voterId: "${invitees[0].id}", voteToken: "${token}") { tallies { yes } } }`,
      );
      const vote = await a.gql(
        'mutation ($m: ID!, $v: ID!, $t: String) { vote(meetingId: $m, voterId: $v, voteToken: $t, response: ALWAYS) { closed } }',
        { m: id, v: invitees[0].id, t: token },
        null,
      );
      expect(vote.errors).toBeUndefined();
      expect(await event).toEqual({ data: { pollChanged: { tallies: [{ yes: 1 }, { yes: 1 }] } } });
      await client.dispose();
    });

    it('revokes a token on every instance at once', async () => {
      const { token } = await a.newUser('leaver');
      const me = '{ me { id tokens { id } } }';
      const before = await b.gql(me, {}, token); // cached as valid on b
      expect(before.errors).toBeUndefined();
      const tokenId = before.data.me.tokens[0].id;
      await a.gql('mutation ($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: tokenId }, token);
      await expect.poll(async () => codes(await b.gql(me, {}, token)), { timeout: 2000 }).toEqual(['UNAUTHENTICATED']);
    });
  },
);
