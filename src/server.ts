// createServer(config) -> { start, stop }: one HTTP server for GraphQL over HTTP/SSE
// (graphql-yoga, with GraphiQL), GraphQL over WebSocket (graphql-ws, same port and path) and
// plain HTTP routes, plus the background jobs. The route table and the job list below are
// where later features plug in.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createLogger, createYoga, maskError, type Plugin, type YogaLogger } from 'graphql-yoga';
import { isAdminSocketRequest, listenOnAdminSocket } from './admin-socket.ts';
import { createAuthenticator, operatorAuth } from './auth/authenticate.ts';
import { bearerToken } from './auth/tokens.ts';
import { davHandler, wellKnownCaldav } from './caldav/handler.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { applyMigrations } from './db/migrations.ts';
import { createMailer, type Mailer } from './email/mailer.ts';
import { outboxRelayJob } from './email/relay.ts';
import { ErrorCode, markQueryTooComplex, useErrorCodes } from './errors.ts';
import { calendarFeedRoutes } from './http/calendar-feed.ts';
import { graphiql, renderGraphiQL } from './http/graphiql.ts';
import { health, ready } from './http/health.ts';
import { createRouter, errorResponse, type Route, type RouteContext, type RouteDeps } from './http/routes.ts';
import { voteRoutes } from './http/vote-page.ts';
import { serveWebSocket, type WebSocketContext } from './http/websocket.ts';
import { type RunningJobs, startJobs } from './jobs.ts';
import { pollNoticesJob } from './meetings/poll-notices.ts';
import { createEventBus } from './pubsub.ts';
import { type Context, operationContext, type Services, systemClock } from './schema/builder.ts';
import { schema } from './schema/index.ts';
import { serverSecrets } from './secrets.ts';
import { purgeSyncState } from './sync/maintenance.ts';
import { icsRefreshJob } from './synchronizations/ics/refresh.ts';

export interface ConveneServer {
  start(): Promise<string>;
  stop(): Promise<void>;
  /** The GraphQL endpoint, once started. */
  readonly url: string;
  readonly db: Database;
  readonly logger: YogaLogger;
}

export interface ServerOptions {
  logger?: YogaLogger;
  /** The time polls are judged by (deadlines, reminders; src/meetings/poll-notices.ts). Tests move it; default the system's. */
  clock?: () => Date;
}

export function createServer(config: Config, options: ServerOptions = {}): ConveneServer {
  const { logger = createLogger(config.logLevel), clock = systemClock } = options;
  let db: Database | undefined;
  let url = '';
  let stopping: Promise<void> | undefined;
  const httpServer = createHttpServer();
  const sockets = new Set<Socket>();
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let closeWs: (() => Promise<void>) | undefined;
  let jobs: RunningJobs | undefined;
  let mailer: Mailer | undefined;
  let closeAdminSocket: (() => void) | undefined;

  async function start(): Promise<string> {
    db = await openDatabase(config.database);
    if (config.migrateOnStart) {
      const applied = await applyMigrations(db.migrationAdapter);
      if (applied.length) logger.info(`applied migrations: ${applied.join(', ')}`);
    }
    const database = db;
    const secrets = await serverSecrets(database.prisma, config);
    const events = await createEventBus(config.redisUrl, logger);
    const authenticator = createAuthenticator(database.prisma, config.authCacheMs);

    const services: Services = { prisma: database.prisma, pubsub: events.pubsub, authenticator, config, ...secrets, clock };
    const yoga = createYoga<WebSocketContext & RouteContext, Context>({
      schema,
      graphqlEndpoint: config.graphqlPath,
      logging: logger,
      landingPage: false,
      graphiql,
      renderGraphiQL,
      maxRequestBodySize: false, // the route table holds bodies to MAX_BODY_BYTES
      cors: false, // the route table answers CORS for every route (src/http/routes.ts)
      maskedErrors: {
        maskError(error, message, isDev) {
          const masked = maskError(error, message, isDev); // code INTERNAL_SERVER_ERROR
          if (masked !== error) logger.error(error);
          return masked;
        },
      },
      plugins: [
        EnvelopArmorPlugin({
          blockFieldSuggestion: { enabled: false },
          maxDepth: { n: config.limits.maxDepth, onReject: [markQueryTooComplex] },
          maxAliases: { n: config.limits.maxAliases, onReject: [markQueryTooComplex] },
          maxTokens: { n: config.limits.maxTokens, onReject: [markQueryTooComplex] },
          maxDirectives: { n: 50, onReject: [markQueryTooComplex] },
          costLimit: { maxCost: config.limits.maxCost, onReject: [markQueryTooComplex] },
        }),
        useErrorCodes(),
        useJsonPosts(),
      ],
      context: async ({ request, webSocketAuth, req }) =>
        operationContext(services, webSocketAuth ?? (await httpAuth(request.headers.get('authorization'), req))),
    });
    /** Over the admin socket without a token: the local operator (src/admin-socket.ts); else the bearer token's. */
    const httpAuth = (authorization: string | null, req: RouteContext['req']) =>
      authorization == null && isAdminSocketRequest(req) ? operatorAuth : authenticator.authenticate(bearerToken(authorization));

    // Every HTTP route. Adding one is one line here: method, path (a prefix ends in '/*'), and
    // a handler (src/http/routes.ts) that gets the request and `deps`, and returns a Response.
    // Bodies are held to MAX_BODY_BYTES (or the route's maxBodyBytes), CORS is answered for
    // every route alike; other paths get 404.
    const deps: RouteDeps = { db: database, config, logger, pubsub: events.pubsub, authenticator };
    const routes: Route[] = [
      { method: '*', path: config.graphqlPath, handler: (request, _deps, context) => yoga.fetch(request, context) },
      { method: 'GET', path: '/', handler: () => new Response(null, { status: 302, headers: { location: config.graphqlPath } }) },
      { method: 'GET', path: '/health', handler: health },
      { method: 'GET', path: '/ready', handler: ready },
      ...voteRoutes,
      // A client's calendar-multiget names every object it fetches (tsdav: all of them in one
      // request, ~110 bytes an href): 8 MiB is ~75,000 hrefs, where MAX_BODY_BYTES is ~9,000.
      { method: ['OPTIONS', '*'], path: '/dav/*', handler: davHandler, maxBodyBytes: Math.max(config.limits.maxBodyBytes, 8 * 2 ** 20) },
      { method: '*', path: '/.well-known/caldav', handler: wellKnownCaldav },
      ...calendarFeedRoutes(),
    ];
    httpServer.on('request', createRouter(routes, deps));

    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
    } catch (error) {
      // E.g. the port is taken: nothing of this start may keep running.
      await events.close();
      await database.close();
      db = undefined;
      throw error;
    }
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    url = `http://${host}:${port}${config.graphqlPath}`;
    // Set before any request is read (that needs a turn of the event loop), so every write sees it.
    if (!config.publicUrl) services.config = { ...config, publicUrl: `http://${host}:${port}` };

    // Attached once listening: a WebSocket server on a server that failed to listen reports
    // the failure again, as an internal error with a stack trace.
    const webSocket = serveWebSocket(httpServer, yoga, { config, authenticator, pubsub: events.pubsub });
    closeWs = async () => {
      await webSocket.close();
      await events.close();
    };

    // Every background job. Adding one is one entry here: a name, how often (plus a random
    // jitter so instances spread out), and what one run does (src/jobs.ts). Runs of a job never
    // overlap, a failed run is logged, and stop() waits for a running one.
    mailer = createMailer(config.mail, logger);
    jobs = startJobs(
      [
        {
          name: 'sync maintenance',
          intervalMs: config.maintenanceIntervalMs,
          jitterMs: config.maintenanceIntervalMs / 10,
          run: () => purgeSyncState(database.prisma, config.sync.retentionMs),
        },
        icsRefreshJob(services, config.ics, logger),
        outboxRelayJob(database.prisma, mailer, config.mail),
        pollNoticesJob(services, clock, config.pollNoticeIntervalMs),
      ],
      logger,
    );

    closeAdminSocket = await listenOnAdminSocket(httpServer, config.database, logger);
    return url;
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      closeAdminSocket?.();
      await closeWs?.();
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const forced = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 5000);
      await closed;
      clearTimeout(forced);
      await jobs?.stop();
      mailer?.close();
      await db?.close();
    })();
    return stopping;
  }

  return {
    start,
    stop,
    get url() {
      return url;
    },
    get db() {
      if (!db) throw new Error('server not started');
      return db;
    },
    logger,
  };
}

/**
 * A GraphQL POST must say it is JSON (GraphQL over HTTP: 415 otherwise). yoga would parse
 * curl's default, a form (`curl --data '{"query": ...}'`), and answer "Must provide query
 * string"; this says what to send instead.
 */
function useJsonPosts(): Plugin {
  return {
    onRequest({ request, endResponse }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (type === 'application/json' || type.endsWith('+json') || type === 'application/graphql') return;
      const sent = type ? `Content-Type: ${type}` : 'no Content-Type';
      endResponse(
        errorResponse(415, ErrorCode.BAD_REQUEST, `send the query as JSON with Content-Type: application/json (this request has ${sent})`),
      );
    },
  };
}
