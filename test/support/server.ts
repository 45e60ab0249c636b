// Starts a real convene server on a free port, on PGlite (in memory) or on a fresh PostgreSQL
// database, and talks to it over HTTP like a client would.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import WebSocket from 'ws';
import { createAccessToken, createUser } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/config.ts';
import { type ConveneServer, createServer, type ServerOptions } from '../../src/server.ts';
import { createTestDatabase, postgresAvailable } from './postgres.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }>;
}

export interface TestServer {
  kind: DatabaseKind;
  /** The GraphQL endpoint. */
  url: string;
  /** Scheme, host and port, for the other routes. */
  origin: string;
  wsUrl: string;
  databaseUrl: string;
  server: ConveneServer;
  adminToken: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** A new user and a token with these scopes (through the same functions as the CLI). */
  newUser(username: string, scopes?: Array<'SYNC' | 'MEETINGS' | 'CALENDAR' | 'ADMIN'>): Promise<{ id: string; token: string }>;
  stop(): Promise<void>;
}

/** A migrated PGlite database of its own (a copy of the run's template, test/support/pglite-template.ts), removed on drop. */
function copyOfPgliteTemplate() {
  const root = mkdtempSync(join(tmpdir(), 'convene-test-pglite-'));
  const dataDir = join(root, 'data');
  cpSync(inject('pgliteTemplate'), dataDir, { recursive: true });
  return { url: `pglite:${dataDir}`, drop: async () => rmSync(root, { recursive: true, force: true }) };
}

/** `options.clock`: the server's clock for polls (deadlines, reminders), for tests that move time. */
export async function startTestServer(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  databaseUrl?: string,
  options: Pick<ServerOptions, 'clock'> = {},
): Promise<TestServer> {
  const database = databaseUrl
    ? { url: databaseUrl, drop: async () => {} }
    : kind === 'postgres'
      ? await createTestDatabase()
      : copyOfPgliteTemplate();
  const server = createServer(
    loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }),
    options,
  );
  const url = await server.start();
  const prisma = server.db.prisma;

  const newUser: TestServer['newUser'] = async (username, scopes = ['SYNC', 'MEETINGS', 'CALENDAR']) => {
    const user =
      (await prisma.user.findUnique({ where: { username } })) ??
      (await createUser({ prisma }, { username, email: `${username}@example.com`, isAdmin: scopes.includes('ADMIN') }));
    const { token } = await createAccessToken(prisma, { username, scopes });
    return { id: user.id, token };
  };
  const admin = await newUser('root', ['ADMIN', 'SYNC', 'MEETINGS', 'CALENDAR']);

  return {
    kind,
    url,
    origin: new URL(url).origin,
    wsUrl: url.replace(/^http/, 'ws'),
    databaseUrl: database.url,
    server,
    adminToken: admin.token,
    newUser,
    async gql(query, variables, token = admin.token) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

/**
 * Runs a suite once per database: PGlite always, PostgreSQL when reachable (skipped with the
 * reason in its title otherwise).
 */
export function describeEachDatabase(title: string, body: (server: () => TestServer) => void, env: Record<string, string> = {}) {
  for (const kind of ['pglite', 'postgres'] as const) {
    const skip = kind === 'postgres' && !postgresAvailable;
    describe.skipIf(skip)(`${title} [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        server = await startTestServer(kind, env);
      });
      afterAll(async () => {
        await server?.stop();
      });
      body(() => server!);
    });
  }
}

/** The error codes of a response, for compact assertions. */
export function codes(response: GraphQLResponse): Array<string | undefined> {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

/** A graphql-ws client of `server`, authenticated with `token` (anonymous when null), never retrying. */
export function wsClient(server: TestServer, token: string | null): Client {
  return createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}
