// The HTTP side of the server: one table of routes (method + path -> handler), served by one
// listener that applies the body-size limit and one CORS policy to every route, answers
// unknown paths (404) and methods (405), and turns a handler's crash into a logged 500.
// Handlers are fetch-style (Request in, Response out, through @whatwg-node/server, which
// graphql-yoga is built on) and get the server's dependencies. Every answer the listener makes
// itself is JSON shaped like a GraphQL error, `{ errors: [{ message, extensions: { code } }] }`,
// so clients parse one format.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { Transform } from 'node:stream';
import { createServerAdapter, useCORS } from '@whatwg-node/server';
import type { YogaLogger } from 'graphql-yoga';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ErrorCode } from '../errors.ts';
import type { PubSub } from '../pubsub.ts';
import type { WriteServices } from '../write.ts';

/** What a route handler may use. */
export interface RouteDeps {
  db: Database;
  config: Config;
  logger: YogaLogger;
  pubsub: PubSub;
  authenticator: Authenticator;
}

/** What a route's writes need (runWrite in src/write.ts), from its dependencies. */
export const writeServices = (deps: RouteDeps): WriteServices => ({ prisma: deps.db.prisma, pubsub: deps.pubsub, config: deps.config });

/** Where a request came from, for handlers that care (the admin socket, src/admin-socket.ts). */
export interface RouteContext {
  req: IncomingMessage;
}

export interface Route {
  /**
   * 'GET' (which answers HEAD too), a list of methods, or '*' for any (the handler then answers
   * 405 itself). OPTIONS, the CORS preflight, is answered on every path without a handler; an
   * OPTIONS that is not a preflight (WebDAV's capability discovery) reaches the handler of a
   * route that lists 'OPTIONS' itself ('*' does not count), and is answered 204 elsewhere.
   */
  method: string | readonly string[];
  /**
   * An exact path, which matches with a trailing slash too ('/graphql/' is '/graphql', as
   * graphql-yoga has it), or a prefix ending in '/*' ('/vote/*' matches '/vote/abc', not '/vote').
   */
  path: string;
  handler: (request: Request, deps: RouteDeps, context: RouteContext) => Response | Promise<Response>;
  /** This route's body limit instead of MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

/** A JSON error answer for a route handler, in the shape of the listener's own. */
export function errorResponse(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): Response {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  return new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A JSON answer for a route handler. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The Node request listener serving `routes`.
 *
 * CORS, for every answer alike (a browser app on another origin may call GraphQL and check
 * /ready, and must be able to read a 404, 405 or 413 too): graphql-yoga's default policy,
 * applied here instead of by yoga. An answer to a request with an Origin allows that origin,
 * with credentials; a preflight (OPTIONS) is answered 204 on any path and allows the method
 * and headers it asks for, so that the answer to the request itself is read even when it is a
 * 404 (a mistyped endpoint). Access is decided by the bearer token, which a browser never
 * sends on its own, so any origin may ask.
 */
export function createRouter(routes: readonly Route[], deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const match = createMatcher(routes);
  async function answer(request: Request, handler: Route['handler'], req: IncomingMessage, body: BodyLimit): Promise<Response> {
    if (body.exceeded) return tooLarge(body.maxBytes); // declared so: not read
    try {
      const response = await handler(request, deps, { req });
      return body.exceeded ? tooLarge(body.maxBytes) : response; // its answer to a body cut short is dropped
    } catch (error) {
      if (body.exceeded) return tooLarge(body.maxBytes); // its read failed
      deps.logger.error(`${request.method} ${new URL(request.url).pathname} failed`, error);
      return errorResponse(500, ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.');
    }
  }
  type ServerContext = { handler: Route['handler']; body: BodyLimit; takesOptions: boolean } & RouteContext;
  const cors = useCORS<ServerContext>();
  const adapter = createServerAdapter<ServerContext>(
    async (request, { handler, req, body }) => {
      const response = await answer(request, handler, req, body);
      if (response.statusText) return response;
      // A Response made without one would go out as "HTTP/1.1 200 " with no reason phrase.
      const { status, headers, body: content } = response;
      return new Response(content, { status, statusText: STATUS_CODES[status], headers });
    },
    {
      plugins: [
        {
          ...cors,
          onRequest: (payload) =>
            payload.serverContext.takesOptions && !isPreflight(payload.request) ? undefined : cors.onRequest?.(payload),
        },
      ],
    },
  );
  return (req, res) => {
    const method = req.method ?? 'GET';
    const pathname = pathnameOf(req.url);
    const { route, allowed } = match(method, pathname);
    const handler = route?.handler ?? refusal(method, pathname, allowed!, deps.config.graphqlPath);
    const body = limitBody(req, route?.maxBodyBytes ?? deps.config.limits.maxBodyBytes);
    const takesOptions = method === 'OPTIONS' && methodsOf(route).includes('OPTIONS');
    void adapter.handle(req, res, { handler, body, req, takesOptions });
  };
}

/** A CORS preflight: the browser asks whether it may send a request (Fetch standard, "CORS-preflight request"). */
const isPreflight = (request: Request) => request.headers.has('origin') && request.headers.has('access-control-request-method');

const methodsOf = (route: Route | undefined) =>
  route === undefined ? [] : typeof route.method === 'string' ? [route.method] : route.method;

/** The answer for a path without a route (404), or without one for this method (405). */
function refusal(method: string, pathname: string, allowed: string[], graphqlPath: string): Route['handler'] {
  if (!allowed.length) return () => errorResponse(404, ErrorCode.NOT_FOUND, `nothing at ${pathname}: GraphQL is at ${graphqlPath}`);
  // Allow lists what is answered: HEAD where GET is, and OPTIONS (the preflight) everywhere.
  const allow = [...new Set([...allowed.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])), 'OPTIONS'])].join(', ');
  return () => errorResponse(405, ErrorCode.BAD_REQUEST, `${method} is not allowed on ${pathname}: use ${allowed.join(', ')}`, { allow });
}

/** The path a request's URL names, without its query string. */
export function pathnameOf(url: string | undefined): string {
  return (url ?? '/').split('?', 1)[0]!;
}

/** '/graphql/' is '/graphql' (as graphql-yoga has it): an exact route path matches either way. */
export function withoutTrailingSlash(pathname: string): string {
  return pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
}

type Match = { route: Route; allowed?: undefined } | { route?: undefined; allowed: string[] };

function createMatcher(routes: readonly Route[]) {
  const accepts = (route: Route, method: string) =>
    methodsOf(route).some((m) => m === '*' || m === method || (m === 'GET' && method === 'HEAD'));
  const exact = new Map<string, Route[]>();
  const prefixed: Array<{ prefix: string; route: Route }> = [];
  for (const route of routes) {
    if (route.path.endsWith('/*')) prefixed.push({ prefix: route.path.slice(0, -1), route });
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }
  prefixed.sort((a, b) => b.prefix.length - a.prefix.length); // the longest prefix wins
  return (method: string, pathname: string): Match => {
    const candidates =
      exact.get(pathname) ??
      exact.get(withoutTrailingSlash(pathname)) ??
      prefixed.filter((p) => pathname.startsWith(p.prefix)).map((p) => p.route);
    const route = candidates.find((r) => accepts(r, method));
    return route ? { route } : { allowed: [...new Set(candidates.flatMap(methodsOf))] };
  };
}

/** A request body's limit, and whether the body went over it. */
interface BodyLimit {
  maxBytes: number;
  exceeded: boolean;
}

/**
 * Holds a request body to `maxBytes`. A declared Content-Length over the limit is refused
 * before anything reads the body. A chunked body is counted as the handler reads it
 * (whatwg-node reads `req.body` when one is set, as body parsers do) and cut off as soon as it
 * passes the limit: the handler's read fails, and the request is answered 413 whatever the
 * handler makes of that.
 *
 * The client may still be sending when the 413 goes out, so the socket is not destroyed: that
 * could reset the connection before the client read the answer. The rest of the body is read
 * and dropped, and Node closes the connection once the answer is flushed (Connection: close).
 */
function limitBody(req: IncomingMessage, maxBytes: number): BodyLimit {
  const limit = { maxBytes, exceeded: Number(req.headers['content-length']) > maxBytes };
  // Without Transfer-Encoding, Node's parser holds the body to its Content-Length. GET and HEAD
  // bodies are never read.
  if (limit.exceeded || req.headers['transfer-encoding'] === undefined || req.method === 'GET' || req.method === 'HEAD') return limit;
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received <= maxBytes) return callback(null, chunk);
      limit.exceeded = true;
      req.unpipe(counted);
      req.resume(); // drop the rest
      callback(new Error(tooLargeMessage(maxBytes)));
    },
  });
  counted.on('error', () => {}); // the handler's read gets the error; a handler that reads nothing must not crash the process
  (req as { body?: unknown }).body = req.pipe(counted);
  return limit;
}

const tooLargeMessage = (maxBytes: number) => `the request body exceeds ${maxBytes} bytes`;

function tooLarge(maxBytes: number): Response {
  return errorResponse(413, ErrorCode.PAYLOAD_TOO_LARGE, tooLargeMessage(maxBytes), { connection: 'close' });
}
