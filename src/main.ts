// The convene command line:
//   convene [serve] [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--no-migrate]
//   convene migrate
//   convene user create <username> --email <email> [--name <name>] [--admin]
//   convene token create <username> --scopes sync,meetings,calendar[,admin] [--name N] [--expires-in-days D]
//   convene token revoke <token id | token>
// Every command uses the same database selection as the server.
import { parseArgs } from 'node:util';
import { createLogger } from 'graphql-yoga';
import { allScopes, createAccessToken, createUser, revokeAccessToken } from './auth/users.ts';
import { loadConfig } from './config.ts';
import { openDatabase, type PrismaClient } from './db/database.ts';
import { applyMigrations } from './db/migrations.ts';
import { Scope } from './generated/prisma/client.ts';
import { createServer } from './server.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    'no-migrate': { type: 'boolean' },
    email: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
    scopes: { type: 'string' },
    'expires-in-days': { type: 'string' },
  },
});

const config = loadConfig(process.env, {
  PORT: values.port,
  HOST: values.host,
  CONVENE_DATA_DIR: values['data-dir'],
  DATABASE_URL: values['database-url'],
  MIGRATE_ON_START: values['no-migrate'] ? 'false' : undefined,
});
const [command = 'serve', subcommand, argument] = positionals;

function usage(message: string): never {
  console.error(`convene: ${message}`);
  process.exit(2);
}

async function withDatabase(run: (prisma: PrismaClient) => Promise<void>) {
  const db = await openDatabase(config.database);
  try {
    await applyMigrations(db.migrationAdapter);
    await run(db.prisma);
  } finally {
    await db.close();
  }
}

async function serve() {
  const logger = createLogger(config.logLevel);
  const server = createServer(config, logger);
  const url = await server.start();
  await ensureFirstAdmin(server.db.prisma);
  logger.info(`convene is serving GraphQL (HTTP and WebSocket) and GraphiQL at ${url}`);
  let signals = 0;
  const shutdown = async (signal: string) => {
    if (signals++) process.exit(1); // a second signal: stop waiting
    logger.info(`${signal}: shutting down`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** On first run there is no admin: create one and print its token, once. */
async function ensureFirstAdmin(prisma: PrismaClient) {
  if (await prisma.user.findFirst({ where: { isAdmin: true } })) return;
  await createUser({ prisma }, { username: 'admin', email: 'admin@convene.local', name: 'Administrator', isAdmin: true });
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

function parseScopes(list: string | undefined): Scope[] {
  if (!list) usage('--scopes is required, e.g. --scopes sync,meetings,calendar');
  return list.split(',').map((raw) => {
    const scope = raw.trim().toUpperCase();
    if (!(scope in Scope)) usage(`unknown scope ${raw}: one of ${allScopes.join(', ').toLowerCase()}`);
    return scope as Scope;
  });
}

try {
  if (command === 'serve') {
    await serve();
  } else if (command === 'migrate') {
    await withDatabase(async () => {});
    console.error('migrations are up to date');
  } else if (command === 'user' && subcommand === 'create') {
    if (!argument || !values.email) usage('usage: convene user create <username> --email <email> [--name <name>] [--admin]');
    await withDatabase(async (prisma) => {
      const user = await createUser(
        { prisma },
        {
          username: argument,
          email: values.email!,
          name: values.name,
          isAdmin: values.admin ?? false,
        },
      );
      console.log(user.id);
    });
  } else if (command === 'token' && subcommand === 'create') {
    if (!argument) usage('usage: convene token create <username> --scopes <list> [--name <name>] [--expires-in-days <days>]');
    const scopes = parseScopes(values.scopes);
    const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
    if (days !== undefined && !(days > 0)) usage('--expires-in-days must be a positive number');
    await withDatabase(async (prisma) => {
      const { token } = await createAccessToken(prisma, {
        username: argument,
        scopes,
        name: values.name,
        expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000),
      });
      console.log(token);
    });
  } else if (command === 'token' && subcommand === 'revoke') {
    if (!argument) usage('usage: convene token revoke <token id | token>');
    await withDatabase(async (prisma) => {
      const token = await revokeAccessToken({ prisma }, argument);
      console.error(`revoked token ${token.id}`);
    });
  } else {
    usage(`unknown command "${positionals.join(' ')}": serve, migrate, user create, token create, token revoke`);
  }
} catch (error) {
  console.error(`convene: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
