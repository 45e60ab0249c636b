// The user and token commands. Each is an operation of the public GraphQL API (the admin
// queries and mutations), so it works the same in process, through a running server's admin
// socket or over HTTP (client.ts). Ids printed and accepted are the API's global ids; raw
// UUIDs are accepted too. stdout carries only what a script captures; notes go to stderr.
import type { Scope } from '../generated/prisma/enums.ts';
import { globalId, isUuid } from '../ids.ts';
import type { GraphQLClient } from './client.ts';

export async function createUser(client: GraphQLClient, input: { username: string; email: string; name?: string; isAdmin: boolean }) {
  const { createUser } = await client.run<{ createUser: { id: string } }>(
    'mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input },
  );
  console.log(createUser.id);
}

export async function createToken(client: GraphQLClient, input: { username: string; scopes: Scope[]; name?: string; expiresAt?: string }) {
  const { createAccessToken } = await client.run<{ createAccessToken: { token: string; accessToken: { id: string } } }>(
    'mutation CreateAccessToken($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token accessToken { id } } }',
    { input },
  );
  console.log(createAccessToken.token);
  console.error(`created token ${createAccessToken.accessToken.id} for ${input.username} (shown only now)`);
}

/** Revokes by global id, raw UUID or the token itself. */
export async function revokeToken(client: GraphQLClient, reference: string) {
  const args = reference.startsWith('cvn_')
    ? { token: reference }
    : { id: isUuid(reference) ? globalId('AccessToken', reference) : reference };
  const { revokeAccessToken } = await client.run<{ revokeAccessToken: { id: string } }>(
    'mutation RevokeAccessToken($id: ID, $token: String) { revokeAccessToken(id: $id, token: $token) { id } }',
    args,
  );
  console.error(`revoked token ${revokeAccessToken.id}`);
}

interface TokenRow {
  id: string;
  name: string | null;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const tokenFields = 'id name scopes createdAt expiresAt revokedAt';

/** The tokens of one user, or of every user: never their secrets (only hashes are kept). */
export async function listTokens(client: GraphQLClient, username: string | undefined) {
  const users: Array<{ username: string; tokens: TokenRow[] }> = [];
  if (username) {
    const { user } = await client.run<{ user: { username: string; tokens: TokenRow[] } | null }>(
      `query UserTokens($username: String!) { user(username: $username) { username tokens { ${tokenFields} } } }`,
      { username },
    );
    if (!user) throw new Error(`user ${username} not found`);
    users.push(user);
  } else {
    // Pages of 25: a larger page would exceed the server's query cost limit (MAX_QUERY_COST).
    let after: string | null = null;
    do {
      const page: { users: { edges: Array<{ node: (typeof users)[number] }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } =
        await client.run(
          `query AllTokens($after: String) { users(first: 25, after: $after) {
            edges { node { username tokens { ${tokenFields} } } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
      users.push(...page.users.edges.map((edge) => edge.node));
      after = page.users.pageInfo.hasNextPage ? page.users.pageInfo.endCursor : null;
    } while (after);
  }
  const rows = users.flatMap((user) =>
    user.tokens.map((token) => [
      token.id,
      user.username,
      token.name ?? '-',
      token.scopes.join(',').toLowerCase(),
      token.createdAt,
      token.expiresAt ?? '-',
      token.revokedAt ?? '-',
    ]),
  );
  if (!rows.length) {
    console.error(username ? `${username} has no tokens` : 'no tokens');
    return;
  }
  printTable(['ID', 'USER', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'REVOKED'], rows);
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}
