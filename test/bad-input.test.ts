// Bad input gets a clear error with a code, never a crash or a hang; the server stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type GraphQLResponse, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('pglite', { MAX_BODY_BYTES: '65536' });
});
afterAll(async () => {
  // Still serving after everything below.
  expect((await server.gql('{ me { username } }')).data).toEqual({ me: { username: 'root' } });
  await server.stop();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}`, ...headers },
    body,
  });
  return { status: response.status, ...((await response.json()) as { errors?: any[]; data?: unknown }) };
}

describe('malformed requests', () => {
  it('answers malformed JSON with BAD_REQUEST', async () => {
    const response = await post('{"query": "{ me { id } }"', { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_REQUEST']);
  });

  it('answers a body without a query with BAD_REQUEST', async () => {
    const response = await post('{"variables": {}}', { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_REQUEST']);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const padding = 'x'.repeat(70_000);
    const response = await post(JSON.stringify({ query: `{ me { id } } # ${padding}` }));
    expect(response.status).toBe(413);
    expect(codes(response)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('answers a chunked body over the limit with 413 too', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(8192)));
        controller.close();
      },
    });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    // Answered while the client still sends: it reads the 413, not a reset (src/http/routes.ts).
    expect(response.status).toBe(413);
    expect(codes((await response.json()) as GraphQLResponse)).toEqual(['PAYLOAD_TOO_LARGE']);
  });
});

describe('invalid operations', () => {
  it('answers a syntax error with GRAPHQL_PARSE_FAILED', async () => {
    expect(codes(await server.gql('{ me { id '))).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers unknown fields and arguments with GRAPHQL_VALIDATION_FAILED', async () => {
    expect(codes(await server.gql('{ me { password } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes(await server.gql('{ me(id: 1) { id } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers wrong literal and variable types', async () => {
    const literal = await server.gql('{ accountsByIdentifier(identifiers: 42) { id } }');
    expect(codes(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const variable = await server.gql('query ($ids: [String!]!) { accountsByIdentifier(identifiers: $ids) { id } }', {
      ids: [1, { nested: true }],
    });
    expect(new Set(codes(variable))).toEqual(new Set(['BAD_USER_INPUT']));
    const missing = await server.gql('query ($ids: [String!]!) { accountsByIdentifier(identifiers: $ids) { id } }');
    expect(codes(missing)).toEqual(['BAD_USER_INPUT']);
    const date = await server.gql('mutation ($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }', {
      input: { username: 'root', scopes: ['SYNC'], expiresAt: 'next tuesday' },
    });
    expect(codes(date)).toEqual(['BAD_USER_INPUT']);
    expect(date.errors![0]!.message).toMatch(/ISO 8601/);
    const enumValue = await server.gql('mutation ($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }', {
      input: { username: 'root', scopes: ['ROOT'] },
    });
    expect(codes(enumValue)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers malformed global ids, and ids of another type, with BAD_USER_INPUT', async () => {
    const taskId = (await server.gql<any>('mutation { createTask(input: { title: "t" }) { id } }')).data.createTask.id;
    for (const [query, id] of [
      ['mutation ($id: ID!) { deleteTask(id: $id) { id } }', 'not base64!'],
      ['mutation ($id: ID!) { deleteTask(id: $id) { id } }', '0'],
      ['mutation ($id: ID!) { updateTask(id: $id, input: { title: "x" }) { id } }', ''],
      ['mutation ($id: ID!) { deleteAppointment(id: $id) { id } }', taskId],
    ]) {
      const response = await server.gql(query!, { id });
      expect(codes(response), `${query} with ${id}`).toEqual(['BAD_USER_INPUT']);
    }
    const NODE = 'query ($id: ID!) { node(id: $id) { id } }';
    const globalId = (text: string) => Buffer.from(text).toString('base64');
    expect(codes(await server.gql(NODE, { id: globalId('Task:not-a-uuid') }))).toEqual(['BAD_USER_INPUT']);
    // Well-formed ids that name nothing: null, like a node that does not exist.
    for (const typename of ['Task', 'Appointment', 'NoSuchType']) {
      expect(await server.gql(NODE, { id: globalId(`${typename}:00000000-0000-4000-8000-000000000000`) })).toMatchObject({
        data: { node: null },
      });
    }
    const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const both = await server.gql<any>(NODES, { ids: [taskId, globalId('NoSuchType:00000000-0000-4000-8000-000000000000')] });
    expect(both.data).toEqual({ nodes: [{ id: taskId }, null] });
  });

  it('refuses deep queries with QUERY_TOO_COMPLEX', async () => {
    const deep = `{ me { ${'tokens { user { '.repeat(7)}id${' } }'.repeat(7)} } }`;
    const response = await server.gql(deep);
    expect(codes(response)).toContain('QUERY_TOO_COMPLEX');
    expect(response.errors![0]!.message).toMatch(/depth/i);
  });

  it('refuses alias bombs with QUERY_TOO_COMPLEX', async () => {
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await server.gql(`{ ${aliases} }`);
    expect(codes(response)[0]).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses token floods with QUERY_TOO_COMPLEX', async () => {
    const response = await server.gql(`{ me { ${'id '.repeat(5000)} } }`);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.errors![0]!.message).toMatch(/token/i);
  });

  it('refuses directive floods with QUERY_TOO_COMPLEX', async () => {
    const response = await server.gql(`{ me { id ${'@skip(if: false) '.repeat(60)} } }`);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('gives every error a code under a burst of mixed bad requests', async () => {
    const bad = [
      '{',
      '{ nope }',
      'query { me { id } } query { me { id } }',
      'mutation { me { id } }',
      '{ me { id } } fragment F on X { y }',
    ];
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => server.gql(bad[i % bad.length]!)));
    for (const response of responses) {
      expect(response.errors?.length).toBeGreaterThan(0);
      for (const code of codes(response)) expect(code).toMatch(/^[A-Z_]+$/);
    }
  });
});
