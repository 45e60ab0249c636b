// Users and their access tokens: shared by the admin mutations and the CLI.
import { z } from 'zod';
import { connectAccount } from '../accounts/accounts.ts';
import type { PrismaClient } from '../db/database.ts';
import { badInput, conflict, forbidden, notFound } from '../errors.ts';
import { Prisma, Provider, Scope } from '../generated/prisma/client.ts';
import { generateAccessToken, hashAccessToken } from './tokens.ts';

export const newUserSchema = z.object({
  username: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,63}$/i, 'username: 2-64 letters, digits, ".", "_" or "-"'),
  email: z.email('email: not a valid address').transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(200).nullish(),
  isAdmin: z.boolean().default(false),
});

/** Creates a user with a LOCAL main account on their email, so they can schedule at once. */
export async function createUser(prisma: PrismaClient, input: z.input<typeof newUserSchema>) {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw badInput(z.prettifyError(parsed.error));
  const { username, email, name, isAdmin } = parsed.data;
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { username, email, name: name ?? null, isAdmin } });
      await connectAccount(tx, user.id, { provider: Provider.LOCAL, identifier: email, name, main: true });
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
      tokenHash: hashAccessToken(token),
      scopes: [...new Set(input.scopes)],
      name: input.name ?? null,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { token, accessToken };
}

/** Revokes by token id or by the token itself. Revoking twice keeps the first time. */
export async function revokeAccessToken(prisma: PrismaClient, idOrToken: string) {
  const where = z.uuid().safeParse(idOrToken).success ? { id: idOrToken } : { tokenHash: hashAccessToken(idOrToken) };
  const existing = await prisma.accessToken.findUnique({ where });
  if (!existing) throw notFound('access token');
  if (existing.revokedAt) return existing;
  return prisma.accessToken.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
}

export const allScopes = Object.values(Scope);
