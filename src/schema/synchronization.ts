// Synchronizations as resources (MyTimetable): a user's sync partners, listed, created for
// connectors and deleted with an unlink mode. An admin manages any user's, a user their own.
// The domain is src/synchronizations/; sync itself (tokens, commits, queues) is ./sync.ts.
import { hasScope } from '../auth/authenticate.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import { Scope, SynchronizationType } from '../generated/prisma/client.ts';
import { createSynchronization, synchronizationsOf } from '../synchronizations/synchronizations.ts';
import { deleteSynchronizations, type UnlinkResult } from '../synchronizations/unlink.ts';
import { runWrite } from '../write.ts';
import { builder, type Context } from './builder.ts';
import { viewerId } from './common.ts';
import { isAdmin, UserRef } from './user.ts';

const SynchronizationTypeEnum = builder.enumType(SynchronizationType, {
  name: 'SynchronizationType',
  description:
    'DEVICE: a device or app syncing through syncCommit or queue sessions. ICS: an iCalendar feed convene reads. The others are not supported by this server yet.',
});

export const SynchronizationRef = builder.prismaNode('Synchronization', {
  id: { field: 'id' },
  nullable: true,
  description: 'A sync partner of a user: a device or app (DEVICE), or a connector. Its provisioning secrets are never shown.',
  findUnique: (id, ctx) => (isAdmin(ctx) ? { id } : { id, userId: viewerId(ctx) }),
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (s, _args, ctx) => ctx.loaders.user.load(s.userId) }),
    type: t.expose('type', { type: SynchronizationTypeEnum }),
    name: t.exposeString('name', { nullable: true }),
    deviceUuid: t.exposeString('deviceUuid', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastSyncAt: t.expose('lastSyncAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The last commit (DEVICE) or the last attempt to sync (connectors).',
    }),
    lastSuccessAt: t.expose('lastSuccessAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Connectors: the last sync that succeeded.',
    }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Connectors: why the last sync failed; null once one succeeds.',
    }),
    lastErrorAt: t.expose('lastErrorAt', { type: 'DateTime', nullable: true }),
    settings: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Connectors: the non-secret settings of the provisioning. ICS: { host, accountId }.',
      resolve: (s) => s.settings,
    }),
  }),
});

/**
 * The id of the user whose synchronizations `username` names, for the caller: their own by
 * default; another user's only for an admin. An unknown user is NOT_FOUND for an admin and
 * FORBIDDEN for anyone else, who may not learn which usernames exist.
 */
async function subjectUserId(ctx: Context, username: string | null | undefined): Promise<string> {
  const me = ctx.auth.principal?.user;
  if (!username || username === me?.username) {
    if (!me) throw badInput('username: required for the local operator');
    return me.id;
  }
  if (!hasScope(ctx.auth, Scope.ADMIN)) throw forbidden("only an admin manages another user's synchronizations");
  const user = await ctx.prisma.user.findUnique({ where: { username }, select: { id: true } });
  if (!user) throw notFound('user');
  return user.id;
}

const usernameArg = 'The user whose synchronizations these are; default: the signed-in user. Another user’s: admins only.';

builder.queryField('synchronizations', (t) =>
  t.field({
    type: [SynchronizationRef],
    description: "A user's synchronizations, oldest first, optionally of one type.",
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: {
      username: t.arg.string({ required: false, description: usernameArg }),
      type: t.arg({ type: SynchronizationTypeEnum, required: false }),
    },
    resolve: async (_root, args, ctx) => synchronizationsOf(ctx.prisma, await subjectUserId(ctx, args.username), args.type ?? null),
  }),
);

const CreateSynchronizationInput = builder.inputType('CreateSynchronizationInput', {
  fields: (t) => ({
    username: t.string({ required: false, description: usernameArg }),
    type: t.field({ type: SynchronizationTypeEnum, description: 'A connector type: ICS.' }),
    provisioning: t.field({
      type: 'JSON',
      description:
        'What the connector needs, stored encrypted and never returned. ICS: { url: the http(s) feed URL, accountId: the id of one of your accounts the events go on }.',
    }),
  }),
});

builder.mutationField('createSynchronization', (t) =>
  t.field({
    type: SynchronizationRef,
    description: 'Creates a connector synchronization. DEVICE synchronizations are created by a client’s first syncCommit.',
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: { input: t.arg({ type: CreateSynchronizationInput }) },
    resolve: async (_root, { input }, ctx) => {
      const userId = await subjectUserId(ctx, input.username);
      return runWrite(ctx, { userId }, (w) => createSynchronization(w, ctx.secretBox, input));
    },
  }),
);

const UnlinkModeEnum = builder.enumType('UnlinkMode', {
  description:
    'What becomes of the appointments and calendar entries a deleted synchronization pushed (created). Change exceptions follow their series; tasks and meetings are always kept. What is kept stays as the user’s own.',
  values: {
    UNLINK_ONLY: { description: 'Keep everything.' },
    DELETE_FUTURE_EVENTS: {
      description:
        'Remove what it pushed that starts after now; a series that started before is cut to end with its last occurrence started by now (its later exceptions go).',
    },
    DELETE_ALL_EVENTS: { description: 'Remove everything it pushed.' },
    CLEANUP: { description: 'Remove everything any synchronization of the user pushed, leaving only what the user made directly.' },
  } as const,
});

const UnlinkResultRef = builder.objectRef<UnlinkResult>('DeleteSynchronizationsResult').implement({
  description: 'What a deletion removed.',
  fields: (t) => ({
    synchronizations: t.exposeInt('synchronizations'),
    appointments: t.exposeInt('appointments', { description: 'Appointments removed, change exceptions included.' }),
    calendarEntries: t.exposeInt('calendarEntries'),
    cutSeries: t.exposeInt('cutSeries', { description: 'DELETE_FUTURE_EVENTS: series that started before now, cut to end by now.' }),
  }),
});

builder.mutationFields((t) => ({
  deleteSynchronization: t.field({
    type: UnlinkResultRef,
    description:
      'Deletes one synchronization (an admin any, a user their own; NOT_FOUND otherwise), in one transaction with what the mode removes.',
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: { id: t.arg.globalID({ for: [SynchronizationRef] }), unlinkMode: t.arg({ type: UnlinkModeEnum }) },
    resolve: async (_root, { id, unlinkMode }, ctx) => {
      const found = await ctx.prisma.synchronization.findUnique({ where: { id: id.id }, select: { userId: true } });
      if (!found || !(isAdmin(ctx) || found.userId === viewerId(ctx))) throw notFound('synchronization');
      return runWrite(ctx, { userId: found.userId }, (w) => deleteSynchronizations(w, { id: id.id }, unlinkMode));
    },
  }),
  deleteSynchronizations: t.field({
    type: UnlinkResultRef,
    description:
      "Deletes a user's synchronizations, all or of one type (NOT_FOUND when none is of it), in one transaction with what the mode removes.",
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: {
      username: t.arg.string({ required: false, description: usernameArg }),
      type: t.arg({ type: SynchronizationTypeEnum, required: false }),
      unlinkMode: t.arg({ type: UnlinkModeEnum }),
    },
    resolve: async (_root, { username, type, unlinkMode }, ctx) => {
      const userId = await subjectUserId(ctx, username);
      return runWrite(ctx, { userId }, (w) => deleteSynchronizations(w, { type: type ?? null }, unlinkMode));
    },
  }),
}));

// Reached through `me` (or a user an admin reads).
builder.objectField(UserRef, 'synchronizations', (t) =>
  t.field({ type: [SynchronizationRef], resolve: (user, _args, ctx) => ctx.loaders.synchronizationsOf.load(user.id) }),
);
