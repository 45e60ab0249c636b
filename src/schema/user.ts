// Users, access tokens and the admin operations that manage them.
import { hasScope } from '../auth/authenticate.ts';
import { createAccessToken, createUser, revokeAccessToken } from '../auth/users.ts';
import { badInput } from '../errors.ts';
import { Scope } from '../generated/prisma/client.ts';
import { AccountRef } from './account.ts';
import { builder, type Context } from './builder.ts';
import { viewerId } from './common.ts';

export const ScopeEnum = builder.enumType(Scope, {
  name: 'Scope',
  description: 'What an access token may do. ADMIN manages users, tokens and synchronizations.',
});

export const isAdmin = (ctx: Context) => hasScope(ctx.auth, Scope.ADMIN);
const isSelfOrAdmin = (userId: string, ctx: Context) => viewerId(ctx) === userId || isAdmin(ctx);

// node(id) finds another user, or their token, only for an admin: for anyone else it is null,
// as for an id that names nothing, so that the answer does not tell that the id exists.
export const UserRef = builder.prismaNode('User', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => (isAdmin(ctx) ? { id } : { id, AND: [{ id: viewerId(ctx) }] }),
  authScopes: (user, ctx) => isSelfOrAdmin(user.id, ctx),
  fields: (t) => ({
    username: t.exposeString('username'),
    email: t.exposeString('email'),
    name: t.exposeString('name', { nullable: true }),
    isAdmin: t.exposeBoolean('isAdmin'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    mainAccount: t.field({ type: AccountRef, nullable: true, resolve: (user, _args, ctx) => ctx.loaders.mainAccount.load(user.id) }),
    accounts: t.field({ type: [AccountRef], resolve: (user, _args, ctx) => ctx.loaders.accountsOf.load(user.id) }),
    tokens: t.field({
      type: [AccessTokenRef],
      description: 'The access tokens of this user (never their secrets).',
      resolve: (user, _args, ctx) => ctx.loaders.tokensOf.load(user.id),
    }),
  }),
});

const AccessTokenRef = builder.prismaNode('AccessToken', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => (isAdmin(ctx) ? { id } : { id, userId: viewerId(ctx) }),
  authScopes: (token, ctx) => isSelfOrAdmin(token.userId, ctx),
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    scopes: t.expose('scopes', { type: [ScopeEnum] }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// Declared apart: the two types refer to each other.
builder.objectField(AccessTokenRef, 'user', (t) =>
  t.field({ type: UserRef, resolve: (token, _args, ctx) => ctx.loaders.user.load(token.userId) }),
);

const CreatedAccessToken = builder.objectRef<Awaited<ReturnType<typeof createAccessToken>>>('CreatedAccessToken').implement({
  description: 'A new token. `token` is the secret: it is shown once and only its hash is kept.',
  fields: (t) => ({
    token: t.exposeString('token'),
    accessToken: t.field({ type: AccessTokenRef, resolve: (created) => created.accessToken }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: UserRef,
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.auth.principal!.user,
  }),
  user: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'Admin: the user with this username, or null.',
    authScopes: { scope: Scope.ADMIN },
    args: { username: t.arg.string() },
    resolve: (query, _root, { username }, ctx) => ctx.prisma.user.findUnique({ ...query, where: { username } }),
  }),
  users: t.prismaConnection({
    type: 'User',
    cursor: 'username',
    description: 'Admin: every user, by username.',
    authScopes: { scope: Scope.ADMIN },
    resolve: (query, _root, _args, ctx) => ctx.prisma.user.findMany({ ...query, orderBy: { username: 'asc' } }),
  }),
}));

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    username: t.string(),
    email: t.string(),
    name: t.string({ required: false }),
    isAdmin: t.boolean({ required: false, defaultValue: false }),
  }),
});

const CreateAccessTokenInput = builder.inputType('CreateAccessTokenInput', {
  fields: (t) => ({
    username: t.string(),
    scopes: t.field({ type: [ScopeEnum] }),
    name: t.string({ required: false }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.mutationFields((t) => ({
  createUser: t.field({
    type: UserRef,
    description: 'Admin: creates a user with a LOCAL main account on their email.',
    authScopes: { scope: Scope.ADMIN },
    args: { input: t.arg({ type: CreateUserInput }) },
    resolve: (_root, { input }, ctx) => createUser(ctx, { ...input, isAdmin: input.isAdmin ?? false }),
  }),
  createAccessToken: t.field({
    type: CreatedAccessToken,
    description: 'Admin: creates an access token for a user. ADMIN can only be granted to admins.',
    authScopes: { scope: Scope.ADMIN },
    args: { input: t.arg({ type: CreateAccessTokenInput }) },
    resolve: (_root, { input }, ctx) => createAccessToken(ctx.prisma, input),
  }),
  revokeAccessToken: t.field({
    type: AccessTokenRef,
    description: 'Revokes a token, named by its id or by the token itself: an admin any token, a user their own.',
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: {
      id: t.arg.globalID({ for: [AccessTokenRef], required: false }),
      token: t.arg.string({ required: false, description: 'The secret (cvn_...), e.g. of a leaked token whose id is not at hand.' }),
    },
    resolve: async (_root, { id, token }, ctx) => {
      if (!id === !token) throw badInput('give either id or token');
      const revoked = await revokeAccessToken(ctx, id ? id.id : token!, (found) => isSelfOrAdmin(found.userId, ctx));
      // Every instance hears of it through the event bus; this one drops it before answering,
      // even when the bus is Redis, so that the very next request is refused.
      ctx.authenticator.evict({ tokenIds: [revoked.id] });
      return revoked;
    },
  }),
}));
