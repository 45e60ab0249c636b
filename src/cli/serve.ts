// `convene serve`: the server, with its signal handlers in place before it can announce
// itself, and the first-run admin token.
import { GraphQLError } from 'graphql';
import { createLogger } from 'graphql-yoga';
import { allScopes, createAccessToken, createUser } from '../auth/users.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/database.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { ErrorCode } from '../errors.ts';
import { createServer } from '../server.ts';
import { portError } from './port.ts';
import { fail } from './usage.ts';

export async function serve(config: Config) {
  const logger = createLogger(config.logLevel);
  const server = createServer(config, { logger });
  const started = server.start();
  // The handlers go in before anything can be announced: a test (or a person) that sees the
  // "serving" line may signal at once, and a signal with no handler kills the process
  // without the clean shutdown. A signal during start-up waits for it, then stops.
  let signals = 0;
  const shutdown = async (signal: string) => {
    if (signals++) process.exit(1); // a second signal: stop waiting
    logger.info(`${signal}: shutting down`);
    try {
      await started;
    } catch {
      return; // start-up failed: its error ends the process
    }
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  let url: string;
  try {
    url = await started;
  } catch (error) {
    await server.stop();
    if (error instanceof DataDirLockedError) {
      fail(`${error.message}: only one process can open an embedded database. Stop it, or use another --data-dir`);
    }
    throw portError(error, config) ?? error;
  }
  await ensureFirstAdmin(server.db.prisma);
  logger.info(`convene is serving GraphQL (HTTP and WebSocket) and GraphiQL at ${url}`);
}

/** On first run there is no admin: create one and print its token, once. */
async function ensureFirstAdmin(prisma: PrismaClient) {
  const hasAdmin = async () => !!(await prisma.user.findFirst({ where: { isAdmin: true } }));
  if (await hasAdmin()) return;
  try {
    await createUser({ prisma }, { username: 'admin', email: 'admin@convene.local', name: 'Administrator', isAdmin: true });
  } catch (error) {
    // Instances started together on a new database race here: the one that created the admin
    // prints its token, the others go on serving.
    if (error instanceof GraphQLError && error.extensions.code === ErrorCode.CONFLICT && (await hasAdmin())) return;
    throw error;
  }
  const { token } = await createAccessToken(prisma, { username: 'admin', scopes: allScopes, name: 'first-run' });
  console.log(
    [
      '',
      'First run: created the admin user "admin". Its access token (shown only now):',
      `  ${token}`,
      'Send it as "Authorization: Bearer <token>" (in GraphiQL: the Headers tab).',
      '',
    ].join('\n'),
  );
}
