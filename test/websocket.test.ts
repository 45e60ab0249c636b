// GraphQL over WebSocket (graphql-transport-ws): the client library end to end, and the
// protocol's close codes checked on a raw socket.
import { once } from 'node:events';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { codes, startTestServer, type TestServer, wsClient } from './support/server.ts';

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

  it('connects at the GraphQL path with a trailing slash too, as over HTTP; other paths are refused', async () => {
    const { token } = await server.newUser('wsslash');
    const c = createClient({
      url: `${server.wsUrl}/?client=test`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const [result] = await take(c, '{ me { username } }', 1);
    expect(result).toEqual({ data: { me: { username: 'wsslash' } } });
    await c.dispose();
    for (const path of ['/graphql/x', '/graphqlx', '/']) {
      const refused = new WebSocket(new URL(path, server.wsUrl), 'graphql-transport-ws');
      const [, response] = await once(refused, 'unexpected-response');
      expect([path, response.statusCode]).toEqual([path, 400]);
      refused.on('error', () => {}); // "closed before the connection was established": it was refused
      refused.terminate();
    }
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

describe('where the token may be', () => {
  // The protocol's messages on a raw socket: connection_init's payload, then operations.
  async function connect(payload: unknown) {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    const messages: any[] = [];
    const closed = once(socket, 'close').then(([code]) => code as number);
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ type: 'connection_init', payload }));
    // connection_ack, or the close that refuses the socket.
    const acknowledged = await new Promise<boolean>((resolve) => {
      socket.once('message', () => resolve(true));
      socket.once('close', () => resolve(false));
    });
    let next = 0;
    return {
      acknowledged,
      closed,
      /** Runs `query` (with `extensions`) and returns its first result. */
      async run(query: string, extensions?: unknown) {
        const id = String(++next);
        socket.send(JSON.stringify({ type: 'subscribe', id, payload: { query, extensions } }));
        await expect.poll(() => messages.some((m) => m.id === id && m.type !== 'complete')).toBe(true);
        const message = messages.find((m) => m.id === id && m.type !== 'complete');
        return message.type === 'error' ? { errors: message.payload } : message.payload;
      },
      close: () => socket.close(),
    };
  }
  const ME = '{ me { username } }';

  it('takes it from connection_init as authorization, Authorization or inside headers, in any case', async () => {
    const { token } = await server.newUser('wskeys');
    const bearer = `Bearer ${token}`;
    for (const payload of [
      { authorization: bearer },
      { Authorization: bearer },
      { headers: { Authorization: bearer } },
      { headers: { authorization: bearer } },
      { Headers: { AUTHORIZATION: bearer } },
    ]) {
      const socket = await connect(payload);
      expect([payload, await socket.run(ME)]).toEqual([payload, { data: { me: { username: 'wskeys' } } }]);
      socket.close();
    }
  });

  it('closes with 4403 when connection_init carries a bad token, wherever it is', async () => {
    for (const payload of [
      { authorization: 'Bearer cvn_forged' },
      { Authorization: 'Bearer cvn_forged' },
      { headers: { authorization: 'Bearer cvn_forged' } },
      { authorization: 42 },
    ]) {
      const socket = await connect(payload);
      expect([payload, socket.acknowledged, await socket.closed]).toEqual([payload, false, 4403]);
    }
  });

  it("takes each operation's token from its extensions.headers on a socket that sent none", async () => {
    const ann = await server.newUser('wsann');
    const bob = await server.newUser('wsbob');
    const socket = await connect({});
    expect(await socket.run(ME, { headers: { Authorization: `Bearer ${ann.token}` } })).toEqual({ data: { me: { username: 'wsann' } } });
    expect(await socket.run(ME, { headers: { authorization: `Bearer ${bob.token}` } })).toEqual({ data: { me: { username: 'wsbob' } } });
    // Checked per operation: an earlier operation's token does not stay with the socket.
    expect(codes(await socket.run(ME))).toEqual(['UNAUTHENTICATED']);
    const forged = await socket.run(ME, { headers: { Authorization: 'Bearer cvn_forged' } });
    expect(codes(forged)).toEqual(['UNAUTHENTICATED']);
    expect(forged.errors[0].message).toMatch(/not valid/);
    expect(await socket.run(ME, { headers: { Authorization: `Bearer ${ann.token}` } })).toEqual({ data: { me: { username: 'wsann' } } });
    socket.close();
  });

  it('refuses an operation carrying another token than the socket authenticated with', async () => {
    const ann = await server.newUser('wsann2');
    const bob = await server.newUser('wsbob2');
    const socket = await connect({ authorization: `Bearer ${ann.token}` });
    const other = await socket.run(ME, { headers: { Authorization: `Bearer ${bob.token}` } });
    expect(codes(other)).toEqual(['FORBIDDEN']);
    expect(other.errors[0].message).toMatch(/another token/);
    expect(await socket.run(ME, { headers: { Authorization: `bearer ${ann.token}` } })).toEqual({ data: { me: { username: 'wsann2' } } });
    expect(await socket.run(ME)).toEqual({ data: { me: { username: 'wsann2' } } });
    socket.close();
  });

  it("closes the socket with 4403 when an operation's token is revoked", async () => {
    const { token } = await server.newUser('wsoprevoked');
    const socket = await connect({});
    expect(await socket.run(ME, { headers: { Authorization: `Bearer ${token}` } })).toEqual({ data: { me: { username: 'wsoprevoked' } } });
    const me = await server.gql('{ me { tokens { id } } }', {}, token);
    await server.gql('mutation ($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: me.data.me.tokens[0].id }, token);
    expect(await socket.closed).toBe(4403);
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
