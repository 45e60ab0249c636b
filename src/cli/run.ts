// Runs a command of the command line (src/main.ts has read the arguments). `serve` runs the
// server (serve.ts). The other commands are operations of the GraphQL API (commands.ts,
// seed.ts), sent to any server with --url and --token; else, on the embedded database, to
// the running server that holds it (through its admin socket); else run in this process on
// the database (local.ts). Modules that bring Prisma, PGlite or the server load only when
// needed: a command that goes through a server starts quickly.
import { adminSocketPath } from '../admin-socket.ts';
import { type Config, loadConfig } from '../config.ts';
import { DataDirLockedError, describeHolder, type LockHolder, liveHolder } from '../db/lock.ts';
import { Scope } from '../generated/prisma/enums.ts';
import { type GraphQLClient, httpClient } from './client.ts';
import * as commands from './commands.ts';
import { checkPortFree } from './port.ts';
import { seed } from './seed.ts';
import { type CommandName, fail, usageError, type Values } from './usage.ts';

export async function run(command: CommandName, argument: string | undefined, values: Values) {
  const config = loadConfig(process.env, {
    PORT: values.port,
    HOST: values.host,
    CONVENE_DATA_DIR: values['data-dir'],
    DATABASE_URL: values['database-url'],
    MIGRATE_ON_START: values['no-migrate'] ? 'false' : undefined,
  });
  switch (command) {
    case 'serve':
      await checkPortFree(config);
      return (await import('./serve.ts')).serve(config);
    case 'migrate':
      try {
        return await (await import('./local.ts')).migrate(config);
      } catch (error) {
        if (error instanceof DataDirLockedError) fail(`${error.message}: a server migrates when it starts; to migrate here, stop it first`);
        throw error;
      }
    case 'user create': {
      if (!argument || !values.email) usageError('a username and --email are required', command);
      const input = { username: argument, email: values.email, name: values.name, isAdmin: values.admin ?? false };
      return withClient(config, values, (client) => commands.createUser(client, input));
    }
    case 'token create': {
      if (!argument) usageError('a username is required', command);
      const scopes = parseScopes(values.scopes);
      const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
      if (days !== undefined && !(days > 0)) usageError('--expires-in-days must be a positive number', command);
      const expiresAt = days === undefined ? undefined : new Date(Date.now() + days * 86_400_000).toISOString();
      const input = { username: argument, scopes, name: values.name, expiresAt };
      return withClient(config, values, (client) => commands.createToken(client, input));
    }
    case 'token list':
      return withClient(config, values, (client) => commands.listTokens(client, argument));
    case 'token revoke': {
      if (!argument) usageError('a token id or token is required', command);
      return withClient(config, values, (client) => commands.revokeToken(client, argument));
    }
    case 'seed':
      return withClient(config, values, seed);
    case 'help':
      return; // answered by main.ts
  }
}

function parseScopes(list: string | undefined): Scope[] {
  if (!list) usageError('--scopes is required, e.g. --scopes sync,meetings,calendar', 'token create');
  const scopes = Object.values(Scope);
  return list.split(',').map((raw) => {
    const scope = raw.trim().toUpperCase() as Scope;
    if (!scopes.includes(scope)) usageError(`unknown scope ${raw}: one of ${scopes.join(', ').toLowerCase()}`, 'token create');
    return scope;
  });
}

async function withClient(config: Config, values: Values, command: (client: GraphQLClient) => Promise<void>) {
  const client = await connect(config, values);
  try {
    await command(client);
  } finally {
    await client.close();
  }
}

async function connect(config: Config, values: Values): Promise<GraphQLClient> {
  const url = values.url ?? process.env.CONVENE_URL;
  if (url) {
    const adminToken = values.token ?? process.env.CONVENE_TOKEN;
    if (!adminToken) usageError('--url needs --token <admin token> (or CONVENE_TOKEN)');
    return httpClient(url, { adminToken });
  }
  const dataDir = config.database.kind === 'pglite' ? config.database.dataDir : null;
  const holder = dataDir && liveHolder(dataDir);
  if (holder) return throughServer(config, dataDir, holder);
  try {
    return await (await import('./local.ts')).openLocalClient(config);
  } catch (error) {
    if (error instanceof DataDirLockedError) return throughServer(config, error.dataDir, error.holder); // a server started meanwhile
    throw error;
  }
}

/** The admin socket of the server that holds the embedded database, if it answers. */
async function throughServer(config: Config, dataDir: string, holder: LockHolder | null): Promise<GraphQLClient> {
  const server = httpClient(`http://localhost${config.graphqlPath}`, { socketPath: adminSocketPath(dataDir) });
  // A server answers at once; one that does not may be starting, stopped or hung.
  if (await server.answers(3000)) return server;
  fail(
    `the server holds this database (${dataDir}, ${describeHolder(holder)}) but does not answer: ` +
      'stop it, or use the admin mutations / pass --url and --token to go through the running server',
  );
}
