// GraphQL over WebSocket (graphql-transport-ws): the client library end to end, and the
// protocol's close codes checked on a raw socket.
import { once } from 'node:events';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer, wsClient } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('pglite', { WS_CONNECTION_INIT_TIMEOUT_MS: '500' });
});
afterAll(() => server.stop());

/** The first `count` results of an operation. */
function take(c: Client, query: string, count: number): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const results: any[] = [];
    const dispose = c.subscribe(
      { query },
      {
        next: (value) => {
          results.push(value);
          if (results.length === count) {
            dispose();
            resolve(results);
          }
        },
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
}

describe('graphql-ws client', () => {
  it('runs queries with the token from connectionParams', async () => {
    const { token } = await server.newUser('wsquery');
    const c = wsClient(server, token);
    const [result] = await take(c, '{ me { username } }', 1);
    expect(result).toEqual({ data: { me: { username: 'wsquery' } } });
    await c.dispose();
  });

  it('subscribes and receives an event after a write over HTTP', async () => {
    const { token } = await server.newUser('wssub');
    const c = wsClient(server, token);
    const received = take(c, 'subscription { accountsChanged { identifier } }', 1);
    // Wait until the subscription is registered on the server.
    await new Promise<void>((resolve) => c.on('connected', () => setTimeout(resolve, 100)));
    const connected = await server.gql(
      'mutation { connectAccount(input: { provider: ICS, identifier: "https://example.com/cal.ics" }) { id } }',
      {},
      token,
    );
    expect(connected.errors).toBeUndefined();
    const [event] = await received;
    expect(event.data.accountsChanged.map((a: { identifier: string }) => a.identifier)).toEqual([
      'wssub@example.com',
      'https://example.com/cal.ics',
    ]);
    await c.dispose();
  });

  it('gives WebSocket errors the same codes as HTTP', async () => {
    const anonymous = wsClient(server, null);
    const [unauthenticated] = await take(anonymous, '{ me { id } }', 1);
    expect(unauthenticated.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await anonymous.dispose();

    const { token } = await server.newUser('wserr');
    const c = wsClient(server, token);
    await expect(take(c, '{ me { id ', 1)).rejects.toMatchObject([{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }]);
    await expect(take(c, '{ me { nope } }', 1)).rejects.toMatchObject([{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    await c.dispose();
  });
});

describe('graphql-transport-ws protocol', () => {
  async function open(protocol: string | string[] = 'graphql-transport-ws') {
    const socket = new WebSocket(server.wsUrl, protocol);
    await once(socket, 'open');
    return socket;
  }
  async function closeCode(socket: WebSocket): Promise<number> {
    const [code] = await once(socket, 'close');
    return code as number;
  }
  const send = (socket: WebSocket, message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  async function acknowledged(token?: string) {
    const socket = await open();
    send(socket, { type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
    const [data] = await once(socket, 'message');
    expect(JSON.parse(String(data))).toMatchObject({ type: 'connection_ack' });
    return socket;
  }

  it('speaks the graphql-transport-ws subprotocol and refuses others', async () => {
    const socket = await open();
    expect(socket.protocol).toBe('graphql-transport-ws');
    socket.close();
    // The legacy subscriptions-transport-ws protocol is not offered in the handshake...
    const legacy = new WebSocket(server.wsUrl, 'graphql-ws');
    const [error] = await once(legacy, 'error').catch((e) => [e]);
    expect(String(error)).toMatch(/no subprotocol/);
    // ...and a socket without a subprotocol is closed with 4406.
    expect(await closeCode(new WebSocket(server.wsUrl))).toBe(4406);
  });

  it('closes with 4408 when connection_init does not arrive in time', async () => {
    expect(await closeCode(await open())).toBe(4408);
  });

  it('closes with 4401 on a subscribe before connection_ack', async () => {
    const socket = await open();
    send(socket, { type: 'subscribe', id: '1', payload: { query: '{ __typename }' } });
    expect(await closeCode(socket)).toBe(4401);
  });

  it('closes with 4429 on a second connection_init', async () => {
    const socket = await acknowledged();
    send(socket, { type: 'connection_init' });
    expect(await closeCode(socket)).toBe(4429);
  });

  it('closes with 4400 on a message that is not the protocol', async () => {
    const socket = await acknowledged();
    send(socket, 'this is not json');
    expect(await closeCode(socket)).toBe(4400);
    const other = await acknowledged();
    send(other, { type: 'subscribe', id: '1' }); // no payload
    expect(await closeCode(other)).toBe(4400);
  });

  it('closes with 4409 when a subscription id is reused while active', async () => {
    const { token } = await server.newUser('wsdup');
    const socket = await acknowledged(token);
    const subscribe = { type: 'subscribe', id: 'same', payload: { query: 'subscription { accountsChanged { id } }' } };
    send(socket, subscribe);
    send(socket, subscribe);
    expect(await closeCode(socket)).toBe(4409);
  });

  it('closes with 4403 when connection_init carries a bad token', async () => {
    const socket = await open();
    send(socket, { type: 'connection_init', payload: { authorization: 'Bearer cvn_forged' } });
    expect(await closeCode(socket)).toBe(4403);
  });

  it('closes a socket with 4403 when its token is revoked', async () => {
    const { token } = await server.newUser('wsrevoked');
    const socket = await acknowledged(token);
    send(socket, { type: 'subscribe', id: 's', payload: { query: 'subscription { accountsChanged { id } }' } });
    const me = await server.gql('{ me { tokens { id } } }', {}, token);
    const closed = closeCode(socket);
    await server.gql('mutation ($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: me.data.me.tokens[0].id }, token);
    expect(await closed).toBe(4403);
  });

  it('answers ping with pong and completes a finished operation', async () => {
    const socket = await acknowledged();
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    send(socket, { type: 'ping' });
    send(socket, { type: 'subscribe', id: 'q', payload: { query: '{ __typename }' } });
    await expect.poll(() => messages.length).toBe(3);
    expect(messages).toEqual([
      { type: 'pong' },
      { type: 'next', id: 'q', payload: { data: { __typename: 'Query' } } },
      { type: 'complete', id: 'q' },
    ]);
    socket.close();
  });
});
