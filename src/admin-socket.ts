// The local operator's way into a server on an embedded database. Only one process may open
// a PGlite directory (src/db/lock.ts), so while a server runs, the command line sends its
// admin commands to that server instead, through a Unix socket in the data directory.
//
// The socket carries the server's own HTTP traffic (same routes, same GraphQL schema). Its
// mode is 0600: whoever may connect is the user who owns the server process, and so may read
// and write the database files anyway. File-system permission is the credential, as in
// PostgreSQL's peer authentication, and no secret is stored. A request over it without a
// bearer token acts as the local operator (operatorAuth); one with a token, as that token.
import { rmSync } from 'node:fs';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import type { DatabaseConfig } from './config.ts';

export const adminSocketPath = (dataDir: string) => join(dataDir, 'convene.sock');

const operatorSockets = new WeakSet<Socket>();

/** Whether an HTTP request came in through an admin socket. */
export const isAdminSocketRequest = (req: IncomingMessage | undefined) => !!req && operatorSockets.has(req.socket);

/**
 * Serves `httpServer`'s requests on the data directory's admin socket too, for a server on a
 * PGlite directory (which it holds the lock of). Returns the function that stops listening;
 * open connections are the HTTP server's to close.
 */
export async function listenOnAdminSocket(httpServer: HttpServer, database: DatabaseConfig, logger: YogaLogger) {
  if (database.kind !== 'pglite' || !database.dataDir) return undefined;
  const path = adminSocketPath(database.dataDir);
  rmSync(path, { force: true }); // left by a killed server: this process holds the lock now
  const server = createNetServer((socket) => {
    operatorSockets.add(socket);
    httpServer.emit('connection', socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The socket file is created by the (synchronous) bind inside listen(): with this umask
      // it is 0600 from the first instant, with no window for another user to connect.
      const umask = process.umask(0o177);
      try {
        server.listen(path, resolve);
      } finally {
        process.umask(umask);
      }
    });
  } catch (error) {
    // E.g. a path longer than a socket address allows. The server still works; the command
    // line then refuses and names --url as the way in.
    logger.warn(`the command line cannot reach this server: no admin socket at ${path} (${(error as Error).message})`);
    return undefined;
  }
  return () => {
    server.close();
    rmSync(path, { force: true });
  };
}
