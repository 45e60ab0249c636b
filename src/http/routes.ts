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

/** What a route handler may use. */
export interface RouteDeps {
  db: Database;
  config: Config;
  logger: YogaLogger;
  pubsub: PubSub;
  authenticator: Authenticator;
}

/** Where a request came from, for handlers that care (the admin socket, src/admin-socket.ts). */
export interface RouteContext {
  req: IncomingMessage;
}

export interface Route {
  /**
   * 'GET' (which answers HEAD too), a list of methods, or '*' for any (the handler then answers
   * 405 itself). OPTIONS, the CORS preflight, is answered for every route without its handler.
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
  return new Response(errorBody(code, message), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A JSON answer for a route handler. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The Node request listener serving `routes`.
 *
 * CORS, for every route alike (a browser app on another origin may call GraphQL and check
 * /ready): graphql-yoga's default policy, applied here instead of by yoga. An answer to a
 * request with an Origin allows that origin, with credentials; a preflight (OPTIONS) is
 * answered 204 and allows the method and headers it asks for. Access is decided by the
 * bearer token, which a browser never sends on its own, so any origin may ask.
 */
export function createRouter(routes: readonly Route[], deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const match = createMatcher(routes);
  const adapter = createServerAdapter<{ route: Route } & RouteContext>(
    async (request, { route, req }) => {
      try {
        const response = await route.handler(request, deps, { req });
        if (response.statusText) return response;
        // A Response made without one would go out as "HTTP/1.1 200 " with no reason phrase.
        const { status, headers, body } = response;
        return new Response(body, { status, statusText: STATUS_CODES[status], headers });
      } catch (error) {
        if (error instanceof BodyTooLargeError) return errorResponse(413, ErrorCode.PAYLOAD_TOO_LARGE, error.message);
        deps.logger.error(`${request.method} ${new URL(request.url).pathname} failed`, error);
        return errorResponse(500, ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.');
      }
    },
    { plugins: [useCORS()] },
  );
  return (req, res) => {
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    const found = match(method, pathname);
    if (!found.route) {
      if (found.allowed.length) {
        const allowed = found.allowed.join(', ');
        writeError(res, 405, ErrorCode.BAD_REQUEST, `${method} is not allowed on ${pathname}: use ${allowed}`, { allow: allowed });
      } else {
        writeError(res, 404, ErrorCode.NOT_FOUND, `nothing at ${pathname}: GraphQL is at ${deps.config.graphqlPath}`);
      }
      return;
    }
    if (limitBody(req, res, found.route.maxBodyBytes ?? deps.config.limits.maxBodyBytes)) return;
    void adapter.handle(req, res, { route: found.route, req });
  };
}

type Match = { route: Route; allowed?: undefined } | { route?: undefined; allowed: string[] };

function createMatcher(routes: readonly Route[]) {
  const methodsOf = (route: Route) => (typeof route.method === 'string' ? [route.method] : route.method);
  const accepts = (route: Route, method: string) =>
    method === 'OPTIONS' || methodsOf(route).some((m) => m === '*' || m === method || (m === 'GET' && method === 'HEAD'));
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
      (pathname.length > 1 && pathname.endsWith('/') ? exact.get(pathname.slice(0, -1)) : undefined) ??
      prefixed.filter((p) => pathname.startsWith(p.prefix)).map((p) => p.route);
    const route = candidates.find((r) => accepts(r, method));
    return route ? { route } : { allowed: [...new Set(candidates.flatMap(methodsOf))] };
  };
}

class BodyTooLargeError extends Error {}

/**
 * Holds a request body to `maxBytes`; returns true when it answered 413 instead. A declared
 * Content-Length over the limit is refused before anything reads the body. A chunked body is
 * counted as the handler reads it (whatwg-node reads `req.body` when one is set, as body
 * parsers do) and refused as soon as it passes the limit; the handler's read then fails and
 * its late answer is dropped.
 *
 * The client is still sending when the 413 goes out, so the socket is not destroyed: that
 * could reset the connection before the client read the answer. The rest of the body is read
 * and dropped, and Node closes the connection once the answer is flushed (Connection: close).
 */
function limitBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  const message = `the request body exceeds ${maxBytes} bytes`;
  const tooLarge = () => writeError(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, message, { connection: 'close' });
  if (Number(req.headers['content-length']) > maxBytes) {
    tooLarge(); // Node drops the unread body while it closes the connection
    return true;
  }
  // Without Transfer-Encoding, Node's parser holds the body to its Content-Length. GET and HEAD
  // bodies are never read.
  if (req.headers['transfer-encoding'] === undefined || req.method === 'GET' || req.method === 'HEAD') return false;
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received <= maxBytes) return callback(null, chunk);
      tooLarge();
      req.unpipe(counted);
      req.resume(); // drop the rest
      callback(new BodyTooLargeError(message));
    },
  });
  counted.on('error', () => {}); // the handler's read gets the error; a handler that reads nothing must not crash the process
  (req as { body?: unknown }).body = req.pipe(counted);
  return false;
}

function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

function writeError(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(errorBody(code, message));
}
