// One HTTP server: GraphQL over HTTP/SSE (graphql-yoga, with GraphiQL) and over WebSocket
// (graphql-ws) on the same port and path. WebSocket operations go through the same envelop
// plugins and context as HTTP requests.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { DocumentNode, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createLogger, createYoga, maskError, type Plugin, type YogaLogger } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { createAuthenticator } from './auth/authenticate.ts';
import { bearerToken } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { applyMigrations } from './db/migrations.ts';
import { ErrorCode, markQueryTooComplex, useErrorCodes } from './errors.ts';
import { createEventBus } from './pubsub.ts';
import type { Context } from './schema/builder.ts';
import { schema } from './schema/index.ts';
import { createLoaders } from './schema/loaders.ts';
import { purgeSyncState, syncTokenSecret } from './sync/maintenance.ts';

export interface ConveneServer {
  start(): Promise<string>;
  stop(): Promise<void>;
  /** The GraphQL endpoint, once started. */
  readonly url: string;
  readonly db: Database;
  readonly logger: YogaLogger;
}

export function createServer(config: Config, logger: YogaLogger = createLogger(config.logLevel)): ConveneServer {
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
  let stopMaintenance: (() => Promise<void>) | undefined;

  async function start(): Promise<string> {
    db = await openDatabase(config.database);
    if (config.migrateOnStart) {
      const applied = await applyMigrations(db.migrationAdapter);
      if (applied.length) logger.info(`applied migrations: ${applied.join(', ')}`);
    }
    const database = db;
    const syncSecret = await syncTokenSecret(database.prisma, config.sync.tokenSecret);
    stopMaintenance = scheduleMaintenance(
      () => purgeSyncState(database.prisma, config.sync.retentionMs),
      config.maintenanceIntervalMs,
      logger,
    );
    const events = createEventBus(config.redisUrl);
    const authenticator = createAuthenticator(database.prisma, config.authCacheMs);
    // Sockets that authenticated with a token are closed (4403) when it is revoked, on any instance.
    const socketsByToken = new Map<string, Set<WebSocket>>();
    const evictions = events.pubsub.subscribe('auth:evict');
    void (async () => {
      for await (const event of evictions) {
        authenticator.evict(event);
        for (const tokenId of event.tokenIds) {
          for (const socket of socketsByToken.get(tokenId) ?? []) socket.close(CloseCode.Forbidden, 'access token revoked');
        }
      }
    })();

    const yoga = createYoga<{ connectionParams?: Record<string, unknown> }, Context>({
      schema,
      graphqlEndpoint: config.graphqlPath,
      healthCheckEndpoint: '/health',
      logging: logger,
      landingPage: false,
      graphiql: { subscriptionsProtocol: 'WS', title: 'convene' },
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
        useReadiness('/ready', async () => {
          await database.prisma.$queryRaw`SELECT 1`;
        }),
      ],
      context: async ({ request, connectionParams }) => {
        const authorization = request?.headers.get('authorization') ?? connectionParams?.authorization;
        return {
          prisma: database.prisma,
          auth: await authenticator.authenticate(bearerToken(typeof authorization === 'string' ? authorization : null)),
          pubsub: events.pubsub,
          authenticator,
          config,
          syncSecret,
          loaders: createLoaders(database.prisma),
        };
      },
    });

    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (rejectOversizedBody(req, res, config.limits.maxBodyBytes)) return;
      void yoga.requestListener(req, res);
    });

    const wss = new WebSocketServer({ server: httpServer, path: config.graphqlPath, maxPayload: config.limits.maxBodyBytes });
    const wsServer = useServer<Record<string, unknown>>(
      {
        connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
        // A token that is sent must be valid (4403); without one, only public operations work.
        onConnect: async (ctx) => {
          const authorization = ctx.connectionParams?.authorization;
          if (authorization === undefined) return true;
          const { principal } = await authenticator.authenticate(bearerToken(typeof authorization === 'string' ? authorization : null));
          if (!principal) return false;
          const socket = ctx.extra.socket;
          const sockets = socketsByToken.get(principal.tokenId) ?? new Set();
          socketsByToken.set(principal.tokenId, sockets.add(socket));
          socket.once('close', () => {
            sockets.delete(socket);
            if (!sockets.size) socketsByToken.delete(principal.tokenId);
          });
          return true;
        },
        // graphql-ws's envelop recipe: onSubscribe below puts the enveloped execute/subscribe in the args.
        // biome-ignore lint/suspicious/noExplicitAny: graphql-ws types these args without the enveloped functions
        execute: (args: any) => args.execute(args),
        // biome-ignore lint/suspicious/noExplicitAny: as above
        subscribe: (args: any) => args.subscribe(args),
        onSubscribe: async (ctx, _id, params) => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
            connectionParams: ctx.connectionParams,
          });
          let document: DocumentNode;
          try {
            document = parse(params.query);
          } catch (error) {
            return [error as GraphQLError];
          }
          const errors = validate(schema, document);
          if (errors.length) return errors;
          return {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue: await contextFactory(),
            execute,
            subscribe,
          };
        },
      },
      wss,
    );
    closeWs = async () => {
      await wsServer.dispose(); // closes every socket with 1001 Going Away
      await evictions.return?.();
      await events.close();
    };

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    url = `http://${host}:${port}${config.graphqlPath}`;
    return url;
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      await closeWs?.();
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const forced = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 5000);
      await closed;
      clearTimeout(forced);
      await stopMaintenance?.();
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

/** Runs `job` every `intervalMs` (never two at once); the returned stop waits for a running one. */
function scheduleMaintenance(job: () => Promise<unknown>, intervalMs: number, logger: YogaLogger) {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(job).catch((error) => logger.error('maintenance failed', error));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Answers 413 for a body over the limit: by Content-Length at once, or while it streams in. */
function rejectOversizedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  const reject = () => {
    if (!res.headersSent) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(
        JSON.stringify({
          errors: [{ message: `request body exceeds ${maxBytes} bytes`, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }],
        }),
      );
    }
    req.destroy();
  };
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    reject();
    return true;
  }
  if (req.headers['transfer-encoding']) {
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) reject();
    });
  }
  return false;
}

/**
 * `/ready` answers 200 once the database answers. (yoga's useReadinessCheck matches every
 * request's URL with a URLPattern polyfill on Node 20, a measurable cost per request.)
 */
function useReadiness(path: string, check: () => Promise<void>): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      try {
        await check();
        endResponse(new fetchAPI.Response(null, { status: 200 }));
      } catch {
        endResponse(new fetchAPI.Response(null, { status: 503 }));
      }
    },
  };
}
