// Resolves a bearer token to the user and scopes it grants. Lookups are cached for a few
// seconds (tokens are checked on every request); revoking a token evicts it at once here and,
// through the pub/sub, on every other instance.
import type { PrismaClient } from '../db/database.ts';
import type { Scope, User } from '../generated/prisma/client.ts';
import { hashAccessToken } from './tokens.ts';

export interface Principal {
  user: User;
  tokenId: string;
  scopes: ReadonlySet<Scope>;
}

export type AuthResult =
  | { principal: Principal; failure?: undefined }
  | { principal: null; failure: 'invalid' | 'expired' | 'revoked' | null };

interface CacheEntry {
  token: { id: string; user: User; scopes: Scope[]; expiresAt: Date | null; revokedAt: Date | null } | null;
  cachedUntil: number;
}

export function createAuthenticator(prisma: PrismaClient, cacheMs: number) {
  const cache = new Map<string, CacheEntry>();

  async function lookup(tokenHash: string, now: number): Promise<CacheEntry['token']> {
    const cached = cache.get(tokenHash);
    if (cached && cached.cachedUntil > now) return cached.token;
    const token = await prisma.accessToken.findUnique({
      where: { tokenHash },
      select: { id: true, user: true, scopes: true, expiresAt: true, revokedAt: true },
    });
    if (cacheMs > 0) {
      if (cache.size > 10_000) cache.clear();
      cache.set(tokenHash, { token, cachedUntil: now + cacheMs });
    }
    return token;
  }

  return {
    async authenticate(token: string | null): Promise<AuthResult> {
      if (!token) return { principal: null, failure: null };
      const now = Date.now();
      const found = await lookup(hashAccessToken(token), now);
      if (!found) return { principal: null, failure: 'invalid' };
      if (found.revokedAt) return { principal: null, failure: 'revoked' };
      if (found.expiresAt && found.expiresAt.getTime() <= now) return { principal: null, failure: 'expired' };
      return { principal: { user: found.user, tokenId: found.id, scopes: new Set(found.scopes) } };
    },
    /** Drops cached lookups of these tokens, or of every token of these users. */
    evict({ tokenIds = [], userIds = [] }: { tokenIds?: string[]; userIds?: string[] }) {
      for (const [hash, entry] of cache) {
        if (entry.token && (tokenIds.includes(entry.token.id) || userIds.includes(entry.token.user.id))) {
          cache.delete(hash);
        }
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
