// Users and their access tokens: shared by the admin mutations and the CLI.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectAccount } from '../accounts/accounts.ts';
import type { PrismaClient } from '../db/database.ts';
import { badInput, conflict, forbidden, notFound } from '../errors.ts';
import { type AccessToken, Prisma, Provider, Scope } from '../generated/prisma/client.ts';
import { runWrite, type WriteServices } from '../write.ts';
import { generateAccessToken, hashSecret } from './tokens.ts';

export const newUserSchema = z.object({
  username: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,63}$/i, 'username: 2-64 letters, digits, ".", "_" or "-"'),
  email: z.email('email: not a valid address').transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(200).nullish(),
  isAdmin: z.boolean().default(false),
});

/** Creates a user with a LOCAL main account on their email, so they can schedule at once. */
export async function createUser(services: WriteServices, input: z.input<typeof newUserSchema>) {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw badInput(z.prettifyError(parsed.error));
  const { username, email, name, isAdmin } = parsed.data;
  try {
    // The write acts for the new user, whose id is drawn here: the account is theirs.
    return await runWrite(services, { userId: randomUUID() }, async (w) => {
      const user = await w.tx.user.create({ data: { id: w.userId, username, email, name: name ?? null, isAdmin } });
      await connectAccount(w, { provider: Provider.LOCAL, identifier: email, name, main: true });
      return user;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw conflict(`a user with this username or email already exists`);
    }
    throw error;
  }
}

export interface NewAccessToken {
  username: string;
  scopes: Scope[];
  name?: string | null;
  expiresAt?: Date | null;
}

export async function createAccessToken(prisma: PrismaClient, input: NewAccessToken) {
  if (input.scopes.length === 0) throw badInput('a token needs at least one scope');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput('expiresAt must be in the future');
  const user = await prisma.user.findUnique({ where: { username: input.username } });
  if (!user) throw notFound(`user ${input.username}`);
  if (input.scopes.includes(Scope.ADMIN) && !user.isAdmin) {
    throw forbidden(`${user.username} is not an admin: the ADMIN scope cannot be granted`);
  }
  const token = generateAccessToken();
  const accessToken = await prisma.accessToken.create({
    data: {
      userId: user.id,
      tokenHash: hashSecret(token),
      scopes: [...new Set(input.scopes)],
      name: input.name ?? null,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { token, accessToken };
}

/**
 * Revokes by token id or by the token itself; `allowed` decides on the token found (who may
 * revoke it). Revoking twice keeps the first time. Once committed, every instance drops the
 * token from its auth cache (and closes its sockets).
 */
export async function revokeAccessToken(services: WriteServices, idOrToken: string, allowed: (token: AccessToken) => boolean = () => true) {
  const where = z.uuid().safeParse(idOrToken).success ? { id: idOrToken } : { tokenHash: hashSecret(idOrToken) };
  const existing = await services.prisma.accessToken.findUnique({ where });
  if (!existing || !allowed(existing)) throw notFound('access token');
  return runWrite(services, { userId: existing.userId }, async (w) => {
    await w.tx.accessToken.updateMany({ where: { id: existing.id, revokedAt: null }, data: { revokedAt: new Date() } });
    w.afterCommit.publish('auth:evict', { tokenIds: [existing.id] });
    return w.tx.accessToken.findUniqueOrThrow({ where: { id: existing.id } });
  });
}

export const allScopes = Object.values(Scope);
