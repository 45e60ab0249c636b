// Plain HTTP routes: the route table (src/http/routes.ts) on a real HTTP server with routes
// made for the test, then convene's own routes on a real convene server.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from 'graphql-yoga';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { createRouter, jsonResponse, type Route, type RouteDeps } from '../src/http/routes.ts';
import { createEventBus } from '../src/pubsub.ts';
import { postgresAdminUrl, postgresAvailable } from './support/postgres.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('the route table', () => {
  const logged: unknown[][] = [];
  let db: Database;
  let http: Server;
  let base: string;
  beforeAll(async () => {
    const config = loadConfig({ MAX_BODY_BYTES: '100', LOG_LEVEL: 'silent' });
    db = await openDatabase({ kind: 'pglite', dataDir: null });
    const logger = { ...createLogger('silent'), error: (...args: unknown[]) => logged.push(args) };
    const deps: RouteDeps = {
      db,
      config,
      logger,
      pubsub: (await createEventBus(undefined, logger)).pubsub,
      authenticator: createAuthenticator(db.prisma, 0),
    };
    const echo = (name: string) => async (request: Request) =>
      jsonResponse({ name, method: request.method, path: new URL(request.url).pathname, body: await request.text() });
    const routes: Route[] = [
      { method: 'GET', path: '/exact', handler: echo('exact') },
      { method: ['PUT', 'DELETE'], path: '/exact', handler: echo('exact, written') },
      { method: 'GET', path: '/files/*', handler: echo('files') },
      { method: 'GET', path: '/files/special/*', handler: echo('special files') },
      { method: '*', path: '/any', handler: echo('any') },
      { method: ['OPTIONS', 'GET'], path: '/capabilities', handler: echo('capabilities') },
      { method: 'POST', path: '/small', maxBodyBytes: 10, handler: echo('small') },
      { method: 'POST', path: '/echo', handler: echo('echo') },
      { method: 'GET', path: '/deps', handler: async (_request, d) => jsonResponse(await d.db.prisma.$queryRaw`SELECT 1 AS one`) },
      {
        method: 'GET',
        path: '/crash',
        handler: () => {
          throw new Error('handler bug');
        },
      },
    ];
    http = createServer(createRouter(routes, deps));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http.close();
    await db.close();
  });

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(base + path, init);
    return { status: response.status, statusText: response.statusText, headers: response.headers, body: await response.text() };
  };
  const json = async (path: string, init?: RequestInit) => {
    const { body, ...rest } = await get(path, init);
    return { ...rest, body: body ? JSON.parse(body) : null };
  };

  it('matches exact paths (with a trailing slash too), and prefixes with the longest first, ignoring the query string', async () => {
    expect((await json('/exact?x=1')).body).toMatchObject({ name: 'exact', path: '/exact' });
    expect((await json('/exact/?x=1')).body).toMatchObject({ name: 'exact', path: '/exact/' });
    expect((await json('/echo/', { method: 'POST', body: 'z' })).body).toMatchObject({ name: 'echo', body: 'z' });
    expect((await json('/files/a/b.txt')).body).toMatchObject({ name: 'files', path: '/files/a/b.txt' });
    expect((await json('/files/special/x')).body).toMatchObject({ name: 'special files' });
    expect((await json('/exact', { method: 'PUT' })).body).toMatchObject({ name: 'exact, written', method: 'PUT' });
  });

  it('answers HEAD on GET routes, any method on * routes, 405 with Allow otherwise', async () => {
    const head = await get('/exact', { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([200, '']);
    expect((await json('/any', { method: 'PATCH', body: 'x' })).body).toMatchObject({ name: 'any', method: 'PATCH', body: 'x' });
    const refused = await json('/exact', { method: 'POST' });
    expect([refused.status, refused.statusText]).toEqual([405, 'Method Not Allowed']);
    // Allow: what is answered, HEAD with GET and the CORS preflight too.
    expect(refused.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE, OPTIONS');
    expect(refused.body.errors[0]).toMatchObject({
      message: 'POST is not allowed on /exact: use GET, PUT, DELETE',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect((await get('/files/a', { method: 'DELETE' })).headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('passes an OPTIONS that is not a CORS preflight to a route that lists OPTIONS, and answers it 204 elsewhere', async () => {
    const plain = await json('/capabilities', { method: 'OPTIONS' });
    expect([plain.status, plain.body]).toEqual([200, expect.objectContaining({ name: 'capabilities', method: 'OPTIONS' })]);
    // A preflight is still the table's, and '*' does not take OPTIONS.
    const origin = 'https://app.example';
    const preflight = await get('/capabilities', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    expect([preflight.status, preflight.body, preflight.headers.get('access-control-allow-origin')]).toEqual([204, '', origin]);
    for (const path of ['/any', '/exact', '/nope']) {
      const answer = await get(path, { method: 'OPTIONS' });
      expect([path, answer.status, answer.body]).toEqual([path, 204, '']);
    }
  });

  it('answers unknown paths with 404 in JSON', async () => {
    for (const path of ['/', '/nope', '/files', '/exact/more', '/exact//', '/nope/']) {
      const response = await json(path);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 404, 'application/json']);
      expect(response.body.errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  it('answers CORS on every route: the Origin allowed, a preflight answered without the handler', async () => {
    const origin = 'https://app.example';
    for (const path of ['/exact', '/files/a', '/any']) {
      const answer = await get(path, { headers: { origin } });
      expect([path, answer.status, cors(answer.headers)]).toEqual([
        path,
        200,
        { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' },
      ]);
      const preflight = await get(path, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect([path, preflight.status, preflight.body, cors(preflight.headers)]).toEqual([
        path,
        204,
        '', // not the echo handler's answer
        {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-allow-methods': 'PUT',
          'access-control-allow-headers': 'authorization, content-type',
          vary: 'Origin, Access-Control-Request-Headers',
        },
      ]);
      // Without an Origin (not a browser's cross-origin request): no CORS headers.
      expect(cors((await get(path)).headers)).toEqual({});
    }
  });

  it('answers its own refusals (404, 405, 413) through the same CORS policy, so a browser on another origin can read them', async () => {
    const origin = 'https://app.example';
    const allowed = { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    const chunked = {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('z'.repeat(101)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit;
    for (const [path, init, status, code] of [
      ['/nope', {}, 404, 'NOT_FOUND'],
      ['/exact', { method: 'POST' }, 405, 'BAD_REQUEST'],
      ['/echo', { method: 'POST', body: 'x'.repeat(101) }, 413, 'PAYLOAD_TOO_LARGE'],
      ['/echo', chunked, 413, 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      const response = await json(path, { ...init, headers: { origin } });
      expect([path, response.status, cors(response.headers), response.body.errors[0].extensions.code]).toEqual([
        path,
        status,
        allowed,
        code,
      ]);
    }
    // A browser app that sends a token (or JSON) asks first: on a path without a route too, so
    // that it reads the 404 after.
    const preflight = await get('/nope', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, origin]);
  });

  it('gives handlers the server dependencies, and a reason phrase to their answers', async () => {
    const response = await json('/deps');
    expect(response.body).toEqual([{ one: 1 }]);
    expect(response.statusText).toBe('OK');
  });

  it('logs a crashing handler and answers 500, then serves on', async () => {
    const response = await json('/crash');
    expect(response.status).toBe(500);
    expect(response.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(response.body)).not.toContain('handler bug');
    expect(logged).toEqual([['GET /crash failed', expect.objectContaining({ message: 'handler bug' })]]);
    expect((await json('/exact')).status).toBe(200);
  });

  it('holds bodies to MAX_BODY_BYTES or the route limit, declared or chunked', async () => {
    const chunked = (text: string) => ({
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (const c of text) controller.enqueue(new TextEncoder().encode(c));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect((await json('/echo', { method: 'POST', body: 'x'.repeat(100) })).body.body).toHaveLength(100);
    expect((await json('/echo', chunked('y'.repeat(100)) as RequestInit)).body.body).toHaveLength(100);
    expect((await json('/small', { method: 'POST', body: '0123456789' })).body.body).toBe('0123456789');
    for (const [path, init] of [
      ['/echo', { method: 'POST', body: 'x'.repeat(101) }],
      ['/echo', chunked('y'.repeat(101))],
      ['/small', { method: 'POST', body: '0123456789!' }],
      ['/small', chunked('0123456789!')],
    ] as const) {
      const response = await json(path, init as RequestInit);
      expect([path, response.status, response.body.errors[0].extensions.code]).toEqual([path, 413, 'PAYLOAD_TOO_LARGE']);
    }
  });
});

describe("convene's routes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server.stop());

  it('redirects / to GraphQL', async () => {
    const response = await fetch(`${server.origin}/`, { redirect: 'manual' });
    expect([response.status, response.headers.get('location')]).toEqual([302, '/graphql']);
  });

  it('answers /health and /ready with a small JSON body', async () => {
    for (const [path, body] of [
      ['/health', { status: 'ok' }],
      ['/ready', { status: 'ready' }],
    ] as const) {
      const response = await fetch(server.origin + path);
      expect([path, response.status, response.headers.get('content-type'), await response.json()]).toEqual([
        path,
        200,
        'application/json',
        body,
      ]);
    }
  });

  it('serves GraphQL at the path with a trailing slash too', async () => {
    const query = { query: '{ me { username } }' };
    for (const path of ['/graphql', '/graphql/']) {
      const response = await fetch(server.origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
        body: JSON.stringify(query),
      });
      expect([path, response.status, await response.json()]).toEqual([path, 200, { data: { me: { username: 'root' } } }]);
    }
  });

  it('answers CORS alike on GraphQL, /health and /ready', async () => {
    const origin = 'https://app.example';
    for (const path of ['/graphql', '/health', '/ready']) {
      const preflight = await fetch(server.origin + path, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect([path, preflight.status, cors(preflight.headers)]).toEqual([
        path,
        204,
        {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-allow-methods': 'GET',
          'access-control-allow-headers': 'authorization',
          vary: 'Origin, Access-Control-Request-Headers',
        },
      ]);
      const response = await fetch(`${server.origin + path}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { origin, authorization: `Bearer ${server.adminToken}` },
      });
      expect([path, response.status, cors(response.headers)]).toEqual([
        path,
        200,
        { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' },
      ]);
    }
  });

  it('answers other paths with 404, readable from another origin', async () => {
    const origin = 'https://app.example';
    const response = await fetch(`${server.origin}/graphql/nope`, { headers: { origin } });
    expect([response.status, response.headers.get('access-control-allow-origin')]).toEqual([404, origin]);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });
});

describe.skipIf(!postgresAvailable)(
  `/ready while the database is away${postgresAvailable ? '' : ': skipped, PostgreSQL not reachable'}`,
  () => {
    it('answers 503 with the reason, and 200 again once the database is back', async () => {
      const server = await startTestServer('postgres');
      const name = new URL(server.databaseUrl).pathname.slice(1);
      const admin = new pg.Client({ connectionString: postgresAdminUrl });
      await admin.connect();
      const ready = async () => {
        const response = await fetch(`${server.origin}/ready`);
        return { status: response.status, body: await response.json() };
      };
      try {
        expect(await ready()).toEqual({ status: 200, body: { status: 'ready' } });
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
        expect(await ready()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'the database does not answer' } });
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
        await expect.poll(ready, { timeout: 10_000 }).toEqual({ status: 200, body: { status: 'ready' } });
      } finally {
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
        await admin.end();
        await server.stop();
      }
    });
  },
);

/** The CORS headers of an answer (and Vary, which says they depend on the request). */
function cors(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
}
