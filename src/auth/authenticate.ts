// Resolves a bearer token to the user and scopes it grants. Lookups are cached for a few
// seconds (tokens are checked on every request) and concurrent lookups of one token share a
// query; revoking a token evicts it at once here and, through the pub/sub, on every instance.
import type { PrismaClient } from '../db/database.ts';
import { Scope, type User } from '../generated/prisma/client.ts';
import type { AuthEviction } from '../pubsub.ts';
import { hashSecret } from './tokens.ts';

export interface Principal {
  user: User;
  tokenId: string;
  scopes: ReadonlySet<Scope>;
}

export type AuthResult =
  | { principal: Principal; failure?: undefined; operator?: undefined }
  | { principal: null; failure: 'invalid' | 'expired' | 'revoked' | null; operator?: true };

/**
 * The local operator: the command line on its own database, or through a server's admin
 * socket (src/admin-socket.ts). It may do what the ADMIN scope allows and has no user of its
 * own, so nothing that acts as "the signed-in user" is open to it.
 */
export const operatorAuth: AuthResult = { principal: null, failure: null, operator: true };

export function hasScope(auth: AuthResult, scope: Scope): boolean {
  return auth.operator ? scope === Scope.ADMIN : (auth.principal?.scopes.has(scope) ?? false);
}

interface StoredToken {
  principal: Principal;
  expiresAt: number | null;
  revoked: boolean;
}

interface CacheEntry {
  lookup: Promise<StoredToken | null>;
  /** The lookup's outcome once it has settled. */
  found?: StoredToken | null;
  cachedUntil: number;
}

const maxCachedTokens = 10_000;

export function createAuthenticator(prisma: PrismaClient, cacheMs: number) {
  // Keyed by the token itself (memory only), which spares a SHA-256 per request.
  const cache = new Map<string, CacheEntry>();

  async function load(token: string): Promise<StoredToken | null> {
    const found = await prisma.accessToken.findUnique({
      where: { tokenHash: hashSecret(token) },
      select: { id: true, user: true, scopes: true, expiresAt: true, revokedAt: true },
    });
    if (!found) return null;
    return {
      principal: { user: found.user, tokenId: found.id, scopes: new Set(found.scopes) },
      expiresAt: found.expiresAt?.getTime() ?? null,
      revoked: found.revokedAt !== null,
    };
  }

  function lookup(token: string, now: number): Promise<StoredToken | null> {
    const cached = cache.get(token);
    if (cached && cached.cachedUntil > now) return cached.lookup;
    const entry: CacheEntry = { lookup: load(token), cachedUntil: now + cacheMs };
    if (cache.size >= maxCachedTokens) cache.clear();
    cache.set(token, entry);
    entry.lookup.then(
      (found) => (entry.found = found),
      () => cache.delete(token),
    );
    return entry.lookup;
  }

  return {
    async authenticate(token: string | null): Promise<AuthResult> {
      if (!token) return { principal: null, failure: null };
      const now = Date.now();
      const found = await lookup(token, now);
      if (!found) return { principal: null, failure: 'invalid' };
      if (found.revoked) return { principal: null, failure: 'revoked' };
      if (found.expiresAt !== null && found.expiresAt <= now) return { principal: null, failure: 'expired' };
      return { principal: found.principal };
    },
    /** Drops cached lookups of these tokens. */
    evict({ tokenIds }: AuthEviction) {
      for (const [token, { found }] of cache) {
        const inFlight = found === undefined; // it may have read the old state
        if (inFlight || (found && tokenIds.includes(found.principal.tokenId))) cache.delete(token);
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
