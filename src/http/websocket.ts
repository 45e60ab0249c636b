// GraphQL over WebSocket (graphql-ws) on the HTTP server's port and GraphQL path. Operations go
// through the same envelop plugins and context as HTTP requests.
//
// Authentication: a token sent in connection_init (src/auth/tokens.ts says where clients put
// it) must be valid, or the socket is closed with 4403; the socket's operations then run as
// that token. A socket that sent none runs each operation as the token in its
// `extensions.headers` (GraphiQL's way), or anonymously without one; an authenticated socket
// refuses an operation carrying another token. A socket is closed with 4403 when a token it
// used is revoked, on any instance.
import type { Server } from 'node:http';
import { type DocumentNode, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Authenticator, AuthResult } from '../auth/authenticate.ts';
import { bearerToken, connectionAuthorization, operationAuthorization } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { forbidden } from '../errors.ts';
import type { PubSub } from '../pubsub.ts';
import type { Context } from '../schema/builder.ts';
import { pathnameOf, type RouteContext, withoutTrailingSlash } from './routes.ts';

/** What the WebSocket server adds to yoga's server context: the operation's authentication. */
export interface WebSocketContext {
  webSocketAuth?: AuthResult;
}

interface Deps {
  config: Config;
  authenticator: Authenticator;
  pubsub: PubSub;
}

export function serveWebSocket(
  httpServer: Server,
  yoga: YogaServerInstance<WebSocketContext & RouteContext, Context>,
  { config, authenticator, pubsub }: Deps,
): { close(): Promise<void> } {
  const socketsByToken = new Map<string, Set<WebSocket>>();
  function closeOnRevocation(socket: WebSocket, tokenId: string) {
    const sockets = socketsByToken.get(tokenId) ?? new Set();
    if (sockets.has(socket)) return;
    socketsByToken.set(tokenId, sockets.add(socket));
    socket.once('close', () => {
      sockets.delete(socket);
      if (!sockets.size) socketsByToken.delete(tokenId);
    });
  }
  const evictions = pubsub.subscribe('auth:evict');
  void (async () => {
    for await (const event of evictions) {
      authenticator.evict(event);
      for (const tokenId of event.tokenIds) {
        for (const socket of socketsByToken.get(tokenId) ?? []) socket.close(CloseCode.Forbidden, 'access token revoked');
      }
    }
  })();

  /** Who runs an operation: the socket's token, else the operation's own; an error refuses the operation. */
  async function authenticate(connectionParams: unknown, extensions: unknown, socket: WebSocket): Promise<AuthResult | GraphQLError> {
    const ofSocket = connectionAuthorization(connectionParams);
    const ofOperation = operationAuthorization(extensions);
    if (ofSocket !== undefined) {
      if (ofOperation !== undefined && bearerToken(ofOperation) !== bearerToken(ofSocket)) {
        return forbidden('this socket authenticated with another token in connection_init: open a new socket for this token');
      }
      return authenticator.authenticate(bearerToken(ofSocket));
    }
    const auth = await authenticator.authenticate(bearerToken(ofOperation));
    if (auth.principal) closeOnRevocation(socket, auth.principal.tokenId);
    return auth;
  }

  const wss = new WebSocketServer({ server: httpServer, maxPayload: config.limits.maxBodyBytes });
  // At the GraphQL path with a trailing slash too, as over HTTP: ws's own `path` option matches
  // only the exact path (and refuses '/graphql/' with 400). Other paths are refused with 400.
  wss.shouldHandle = (req) => withoutTrailingSlash(pathnameOf(req.url)) === config.graphqlPath;
  const wsServer = useServer<Record<string, unknown>>(
    {
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = connectionAuthorization(ctx.connectionParams);
        if (authorization === undefined) return true;
        const { principal } = await authenticator.authenticate(bearerToken(authorization));
        if (!principal) return false; // 4403
        closeOnRevocation(ctx.extra.socket, principal.tokenId);
        return true;
      },
      // graphql-ws's envelop recipe: onSubscribe below puts the enveloped execute/subscribe in the args.
      // biome-ignore lint/suspicious/noExplicitAny: graphql-ws types these args without the enveloped functions
      execute: (args: any) => args.execute(args),
      // biome-ignore lint/suspicious/noExplicitAny: as above
      subscribe: (args: any) => args.subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const webSocketAuth = await authenticate(ctx.connectionParams, params.extensions, ctx.extra.socket);
        if (webSocketAuth instanceof GraphQLError) return [webSocketAuth];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          webSocketAuth,
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
  return {
    async close() {
      await wsServer.dispose(); // closes every socket with 1001 Going Away
      await evictions.return?.();
    },
  };
}
