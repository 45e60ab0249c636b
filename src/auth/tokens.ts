// Bearer access tokens: random secrets handed out once; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';

const prefix = 'cvn_';

export function generateAccessToken(): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token in an `Authorization` value ("Bearer <token>"), or null when there is none. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}
