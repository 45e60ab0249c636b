// Secrets handed out once (bearer access tokens, vote tokens, calendar feed URLs): 256 random
// bits behind a prefix that says what they are; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';

/** A new secret: `prefix` and 32 random bytes in base64url. */
export const newSecret = (prefix: string) => prefix + randomBytes(32).toString('base64url');

/** What is stored of a secret: its SHA-256, hex. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

const prefix = 'cvn_';

export const generateAccessToken = () => newSecret(prefix);

/** The token in an `Authorization` value ("Bearer <token>"), or null when there is none or it is not a string. */
export function bearerToken(authorization: unknown): string | null {
  const match = typeof authorization === 'string' ? /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}

// Over a WebSocket there are no HTTP headers per operation. graphql-ws clients put the
// Authorization value in the connection_init payload, spelled `authorization`, `Authorization`
// or inside `headers`; GraphiQL sends an empty payload and puts its Headers tab in each
// operation's `extensions.headers`. Header names are case-insensitive, so keys are matched
// without regard to case. Each returns undefined when none was sent (a null counts as none).

/** The Authorization value in a graphql-ws connection_init payload. */
export function connectionAuthorization(connectionParams: unknown): unknown {
  return field(connectionParams, 'authorization') ?? field(field(connectionParams, 'headers'), 'authorization');
}

/** The Authorization value in an operation's `extensions.headers`. */
export function operationAuthorization(extensions: unknown): unknown {
  return field(field(extensions, 'headers'), 'authorization');
}

function field(record: unknown, name: string): unknown {
  if (typeof record !== 'object' || record === null) return undefined;
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === name) return value ?? undefined;
  return undefined;
}
