// The command line's options and help (`convene --help`, `convene help [command]`,
// `convene <command> --help`), and its two ways to end: a usage error or a failure.
import type { parseArgs } from 'node:util';

export const options = {
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'no-migrate': { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  admin: { type: 'boolean' },
  scopes: { type: 'string' },
  'expires-in-days': { type: 'string' },
} as const;

export type ParsedArgs = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
export type Values = ParsedArgs['values'];

export const commands = {
  serve: {
    usage: 'convene [serve] [--port <n>] [--host <h>] [--no-migrate]',
    about: 'Serve GraphQL (HTTP, WebSocket) and GraphiQL; migrates first. The default command.',
  },
  migrate: { usage: 'convene migrate', about: 'Apply pending database migrations.' },
  'user create': {
    usage: 'convene user create <username> --email <email> [--name <name>] [--admin]',
    about: "Create a user (with a LOCAL main account on the email); prints the user's id.",
  },
  'token create': {
    usage: 'convene token create <username> --scopes sync,meetings,calendar[,admin] [--name <name>] [--expires-in-days <days>]',
    about: 'Create an access token; prints only the token (shown once).',
  },
  'token list': {
    usage: 'convene token list [<username>]',
    about: "List a user's tokens, or everyone's: id, user, name, scopes, created, expires, revoked.",
  },
  'token revoke': { usage: 'convene token revoke <token id | token>', about: 'Revoke a token, named by its id or by the token itself.' },
  seed: {
    usage: 'convene seed',
    about: 'Demo data: users alice and bob (tokens printed), a shared room, a weekly series, tasks. Safe to run again.',
  },
  help: { usage: 'convene help [<command>]', about: 'Show this help, or one command’s.' },
} as const;

export type CommandName = keyof typeof commands;

const footer = `Every command uses the server's database selection: --data-dir <dir> (CONVENE_DATA_DIR,
default ./.convene/data) or --database-url <url> (DATABASE_URL: postgres://..., pglite:<dir>).
While a server runs on the embedded database, commands go through it (its admin socket).
--url <graphql url> --token <admin token> (CONVENE_URL, CONVENE_TOKEN) send them to any server.
Ids printed and accepted are the API's global ids; raw UUIDs are accepted too.`;

/** Help for the commands whose names start with `prefix` (all of them for ''). */
export function help(prefix = ''): string {
  const matching = Object.entries(commands).filter(([name]) => name === prefix || name.startsWith(`${prefix} `) || !prefix);
  const lines = matching.flatMap(([, { usage, about }]) => [`  ${usage}`, `      ${about}`]);
  return [`Usage${prefix ? ` of ${prefix}` : ''}:`, ...lines, '', footer].join('\n');
}

/** The command named by `words` (the longest match), or the group it begins, or nothing. */
export function findCommand(words: string[]): { command?: CommandName; group?: string } {
  const two = words.slice(0, 2).join(' ');
  if (two in commands) return { command: two as CommandName };
  if (words[0] && words[0] in commands) return { command: words[0] as CommandName };
  if (words[0] && Object.keys(commands).some((name) => name.startsWith(`${words[0]} `))) return { group: words[0] };
  return {};
}

/** A mistake in how convene was called: the message and the command's usage, exit code 2. */
export function usageError(message: string, command = ''): never {
  console.error(`convene: ${message}\n\n${help(command)}`);
  process.exit(2);
}

/** The command failed: one line, exit code 1. */
export function fail(message: string): never {
  console.error(`convene: ${message}`);
  process.exit(1);
}
