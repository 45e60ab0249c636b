// Users, tokens, scopes and accounts through the GraphQL API.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { codes, describeEachDatabase } from './support/server.ts';

const CREATE_USER = /* GraphQL */ `
  mutation ($input: CreateUserInput!) {
    createUser(input: $input) { id username email isAdmin mainAccount { provider identifier isMain } }
  }
`;
const CREATE_TOKEN = /* GraphQL */ `
  mutation ($input: CreateAccessTokenInput!) {
    createAccessToken(input: $input) { token accessToken { id scopes expiresAt user { username } } }
  }
`;
const ME = '{ me { id username accounts { id identifier provider isMain shared } } }';
const CONNECT = /* GraphQL */ `
  mutation ($input: ConnectAccountInput!) {
    connectAccount(input: $input) { id provider identifier name isMain shared }
  }
`;

describeEachDatabase('auth and accounts', (server) => {
  it('lets an admin create a user and a token that authenticates as that user', async () => {
    const created = await server().gql(CREATE_USER, {
      input: { username: 'alice', email: 'Alice@Example.com', name: 'Alice' },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      isAdmin: false,
      mainAccount: { provider: 'LOCAL', identifier: 'alice@example.com', isMain: false },
    });

    const token = await server().gql(CREATE_TOKEN, { input: { username: 'alice', scopes: ['SYNC', 'MEETINGS'] } });
    expect(token.errors).toBeUndefined();
    expect(token.data.createAccessToken.token).toMatch(/^cvn_/);
    expect(token.data.createAccessToken.accessToken.scopes).toEqual(['SYNC', 'MEETINGS']);

    const me = await server().gql(ME, {}, token.data.createAccessToken.token);
    expect(me.data.me).toMatchObject({
      id: created.data.createUser.id,
      username: 'alice',
      accounts: [{ identifier: 'alice@example.com', provider: 'LOCAL', isMain: true, shared: false }],
    });
  });

  it('refuses duplicate users and invalid input with clear codes', async () => {
    await server().newUser('bob');
    const duplicate = await server().gql(CREATE_USER, { input: { username: 'bob', email: 'other@example.com' } });
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    const badEmail = await server().gql(CREATE_USER, { input: { username: 'carol', email: 'not-an-email' } });
    expect(codes(badEmail)).toEqual(['BAD_USER_INPUT']);
    expect(badEmail.errors![0]!.message).toMatch(/email/);
    const noScopes = await server().gql(CREATE_TOKEN, { input: { username: 'bob', scopes: [] } });
    expect(codes(noScopes)).toEqual(['BAD_USER_INPUT']);
    const unknownUser = await server().gql(CREATE_TOKEN, { input: { username: 'nobody', scopes: ['SYNC'] } });
    expect(codes(unknownUser)).toEqual(['NOT_FOUND']);
  });

  it('grants ADMIN only to admins', async () => {
    await server().newUser('dave');
    const refused = await server().gql(CREATE_TOKEN, { input: { username: 'dave', scopes: ['ADMIN'] } });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
  });

  it('refuses requests without a token, with a bad token, and with the wrong scope', async () => {
    expect(codes(await server().gql(ME, {}, null))).toEqual(['UNAUTHENTICATED']);
    const bad = await server().gql(ME, {}, 'cvn_not-a-real-token');
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
    expect(bad.errors![0]!.message).toMatch(/not valid/);

    const { token } = await server().newUser('erin', ['SYNC']);
    expect(codes(await server().gql(ME, {}, token))).toEqual([]);
    const adminOnly = await server().gql(CREATE_USER, { input: { username: 'frank', email: 'f@example.com' } }, token);
    expect(codes(adminOnly)).toEqual(['FORBIDDEN']);
    expect(adminOnly.errors![0]!.message).toBe('this token lacks the ADMIN scope');
    // Nothing was written by the refused call.
    const retry = await server().gql(CREATE_USER, { input: { username: 'frank', email: 'f@example.com' } });
    expect(retry.errors).toBeUndefined();
  });

  it('refuses a revoked token at once, and lets users revoke only their own', async () => {
    const created = await server().gql(CREATE_USER, { input: { username: 'gina', email: 'gina@example.com' } });
    expect(created.errors).toBeUndefined();
    const issued = await server().gql(CREATE_TOKEN, { input: { username: 'gina', scopes: ['CALENDAR'] } });
    const { token, accessToken } = issued.data.createAccessToken;
    expect(codes(await server().gql(ME, {}, token))).toEqual([]); // now cached as valid

    const other = await server().newUser('hank');
    const REVOKE = 'mutation ($id: ID!) { revokeAccessToken(id: $id) { id revokedAt } }';
    expect(codes(await server().gql(REVOKE, { id: accessToken.id }, other.token))).toEqual(['NOT_FOUND']);
    expect(codes(await server().gql(ME, {}, token))).toEqual([]);

    const revoked = await server().gql(REVOKE, { id: accessToken.id }, token);
    expect(revoked.data.revokeAccessToken.revokedAt).toBeTruthy();
    const after = await server().gql(ME, {}, token);
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    expect(after.errors![0]!.message).toMatch(/revoked/);
  });

  it('revokes a token named by the token itself, and needs exactly one of id and token', async () => {
    const { token } = await server().newUser('lena');
    const REVOKE = 'mutation ($id: ID, $token: String) { revokeAccessToken(id: $id, token: $token) { revokedAt user { username } } }';
    expect(codes(await server().gql(REVOKE, {}))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await server().gql(REVOKE, { token: 'cvn_nothing-like-it' }))).toEqual(['NOT_FOUND']);
    const revoked = await server().gql(REVOKE, { token });
    expect(revoked.data.revokeAccessToken).toMatchObject({ revokedAt: expect.any(String), user: { username: 'lena' } });
    expect(codes(await server().gql(ME, {}, token))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets admins, and only them, look users up by username and list them all', async () => {
    const mona = await server().newUser('mona');
    const USER = 'query ($username: String!) { user(username: $username) { id username tokens { scopes } } }';
    const found = await server().gql(USER, { username: 'mona' });
    expect(found.data.user).toEqual({ id: expect.any(String), username: 'mona', tokens: [{ scopes: ['SYNC', 'MEETINGS', 'CALENDAR'] }] });
    expect((await server().gql(USER, { username: 'nobody' })).data).toEqual({ user: null });
    expect(codes(await server().gql(USER, { username: 'mona' }, mona.token))).toEqual(['FORBIDDEN']);

    const USERS =
      'query ($after: String) { users(first: 2, after: $after) { edges { node { username } } pageInfo { hasNextPage endCursor } } }';
    const usernames: string[] = [];
    let after: string | null = null;
    do {
      const { data }: { data?: any } = await server().gql(USERS, { after });
      usernames.push(...data.users.edges.map((edge: { node: { username: string } }) => edge.node.username));
      after = data.users.pageInfo.hasNextPage ? data.users.pageInfo.endCursor : null;
    } while (after);
    expect(usernames).toContain('mona');
    expect(usernames).toEqual([...usernames].sort());
    expect(codes(await server().gql(USERS, {}, mona.token))).toEqual(['FORBIDDEN']);
  });

  it('refuses an expired token', async () => {
    await server().newUser('ivan');
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const issued = await server().gql(CREATE_TOKEN, { input: { username: 'ivan', scopes: ['SYNC'], expiresAt } });
    const { token } = issued.data.createAccessToken;
    expect(codes(await server().gql(ME, {}, token))).toEqual([]);
    await sleep(1700);
    const expired = await server().gql(ME, {}, token);
    expect(codes(expired)).toEqual(['UNAUTHENTICATED']);
    expect(expired.errors![0]!.message).toMatch(/expired/);
    const past = await server().gql(CREATE_TOKEN, {
      input: { username: 'ivan', scopes: ['SYNC'], expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(codes(past)).toEqual(['BAD_USER_INPUT']);
  });

  it('connects, links, shares, looks up and disconnects accounts', async () => {
    const jane = await server().newUser('jane');
    const kim = await server().newUser('kim');
    const room = { provider: 'EXCHANGE', identifier: 'Room-1@Example.com', name: 'Room 1' };

    const first = await server().gql(CONNECT, { input: room }, jane.token);
    expect(first.errors).toBeUndefined();
    expect(first.data.connectAccount).toMatchObject({ identifier: 'room-1@example.com', shared: false, isMain: false });
    const linked = await server().gql(CONNECT, { input: { ...room, name: null } }, kim.token);
    expect(linked.data.connectAccount.id).toBe(first.data.connectAccount.id);
    expect(linked.data.connectAccount.shared).toBe(true);

    const LOOKUP = 'query ($ids: [String!]!) { accountsByIdentifier(identifiers: $ids) { id identifier provider } }';
    const found = await server().gql(LOOKUP, { ids: ['ROOM-1@example.com', 'jane@example.com', 'missing@example.com'] }, kim.token);
    expect(found.data.accountsByIdentifier.map((a: { identifier: string }) => a.identifier)).toEqual([
      'jane@example.com',
      'room-1@example.com',
    ]);

    // Making the room Jane's main account moves her main account there.
    const main = await server().gql(CONNECT, { input: { ...room, main: true } }, jane.token);
    expect(main.data.connectAccount.isMain).toBe(true);
    const janeMe = await server().gql(ME, {}, jane.token);
    expect(janeMe.data.me.accounts.filter((a: { isMain: boolean }) => a.isMain)).toHaveLength(1);

    // Another user's main account is personal: it cannot be linked.
    const hijack = await server().gql(CONNECT, { input: { provider: 'LOCAL', identifier: 'kim@example.com' } }, jane.token);
    expect(codes(hijack)).toEqual(['FORBIDDEN']);

    const DELETE = 'mutation ($id: ID!) { deleteAccount(id: $id) { id } }';
    const kimAccount = found.data.accountsByIdentifier.find((a: { identifier: string }) => a.identifier === 'jane@example.com');
    expect(codes(await server().gql(DELETE, { id: kimAccount.id }, kim.token))).toEqual(['NOT_FOUND']);
    const left = await server().gql(DELETE, { id: first.data.connectAccount.id }, kim.token);
    expect(left.data.deleteAccount.id).toBe(first.data.connectAccount.id);
    const stillShared = await server().gql(LOOKUP, { ids: ['room-1@example.com'] }, jane.token);
    expect(stillShared.data.accountsByIdentifier).toHaveLength(1);
    await server().gql(DELETE, { id: first.data.connectAccount.id }, jane.token);
    const gone = await server().gql(LOOKUP, { ids: ['room-1@example.com'] }, jane.token);
    expect(gone.data.accountsByIdentifier).toEqual([]);
  });

  it('hides other users from each other but lets an admin see them', async () => {
    const lee = await server().newUser('lee');
    const mo = await server().newUser('mo');
    const leeId = (await server().gql(ME, {}, lee.token)).data.me.id;
    const NODE = 'query ($id: ID!) { node(id: $id) { id ... on User { username } } }';
    // null, as for an id that names nothing: the answer does not tell that the id exists.
    expect(await server().gql(NODE, { id: leeId }, mo.token)).toMatchObject({ data: { node: null } });
    expect((await server().gql(NODE, { id: leeId }, lee.token)).data.node.username).toBe('lee');
    expect((await server().gql(NODE, { id: leeId })).data.node.username).toBe('lee');
  });

  it('keeps one main user per account when users race to connect it', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => server().newUser(`racer${i}`)));
    const input = { provider: 'GOOGLE_CALENDAR', identifier: 'contested@example.com', main: true };
    const results = await Promise.all(users.map((u) => server().gql(CONNECT, { input }, u.token)));
    for (const result of results) expect(codes(result).filter((c) => c !== 'FORBIDDEN')).toEqual([]);
    const winners = results.filter((r) => r.data?.connectAccount.isMain);
    expect(winners).toHaveLength(1);
    const mains = await Promise.all(
      users.map(async (u) =>
        (await server().gql(ME, {}, u.token)).data.me.accounts.filter(
          (a: { identifier: string; isMain: boolean }) => a.identifier === 'contested@example.com' && a.isMain,
        ),
      ),
    );
    expect(mains.flat()).toHaveLength(1);
  });

  it('never loses a link when the last user leaves while another joins', async () => {
    const leaver = await server().newUser('leaver');
    const joiner = await server().newUser('joiner');
    const DELETE = 'mutation ($id: ID!) { deleteAccount(id: $id) { id } }';
    for (let round = 0; round < 10; round++) {
      const input = { provider: 'CALDAV', identifier: `team-${round}@example.com` };
      const created = await server().gql(CONNECT, { input }, leaver.token);
      const [left, joined] = await Promise.all([
        server().gql(DELETE, { id: created.data.connectAccount.id }, leaver.token),
        server().gql(CONNECT, { input }, joiner.token),
      ]);
      expect(codes(left)).toEqual([]);
      expect(codes(joined)).toEqual([]);
      const mine = (await server().gql(ME, {}, joiner.token)).data.me.accounts;
      expect(mine.map((a: { identifier: string }) => a.identifier)).toContain(input.identifier);
    }
  });

  it('validates account input', async () => {
    const { token } = await server().newUser('ned');
    const empty = await server().gql(CONNECT, { input: { provider: 'ICS', identifier: '   ' } }, token);
    expect(codes(empty)).toEqual(['BAD_USER_INPUT']);
    const badProvider = await server().gql(CONNECT, { input: { provider: 'MYSPACE', identifier: 'x' } }, token);
    expect(codes(badProvider)).toEqual(['BAD_USER_INPUT']);
  });
});
