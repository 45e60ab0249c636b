// Sync: token sync (sync / syncCommit), queue sessions (startSyncSession / syncQueue / ackSync)
// and the changesAvailable hint. The mechanics live in src/sync; this file maps them to GraphQL.

import { filter, pipe } from 'graphql-yoga';
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { Scope, SyncKind } from '../generated/prisma/client.ts';
import { decodeId } from '../ids.ts';
import { type CommitOutcome, commitBatch, type SyncObjectResult, type SyncRef } from '../sync/commit.ts';
import { type SyncObjectKind, syncObjectKinds, syncStores } from '../sync/kinds.ts';
import type { SkippedObject } from '../sync/pending.ts';
import { acknowledge, mainQueue, type QueueItem, readQueuePage, startSession } from '../sync/queue.ts';
import { loadObjects, type SyncedObject } from '../sync/store.ts';
import { allSyncKinds, type DeletedObject, defaultSyncLimit, maxSyncLimit, readBatch } from '../sync/sync.ts';
import { builder, type Context } from './builder.ts';
import { viewerId } from './common.ts';
import { perItemInput } from './input-guard.ts';
import { kindGlobalId, kindTypename, syncedKinds } from './synced-kinds.ts';

const SyncKindEnum = builder.enumType(SyncKind, {
  name: 'SyncKind',
  description: 'Kinds of object in the change feed.',
});
const SyncObjectKindEnum = builder.enumType('SyncObjectKind', {
  values: syncObjectKinds,
  description: 'Kinds of object a commit can carry: the feed kinds and calendar entries.',
});
const SyncStatusEnum = builder.enumType('SyncStatus', {
  values: ['APPLIED', 'UNCHANGED', 'CREATED', 'DELETED', 'CONFLICT', 'NOT_FOUND', 'INVALID'] as const,
});
const SyncEventTypeEnum = builder.enumType('SyncEventType', {
  values: ['CREATED', 'UPDATED', 'DELETED'] as const,
  description: 'A hint: CREATED when this device has not acknowledged the object before.',
});

/** The raw id of a global id of this kind; anything else is passed on and reported INVALID. */
const rawId = (kind: SyncObjectKind, id: string | null | undefined) => (id ? (decodeId(id, kindTypename(kind)) ?? id) : null);

const DeletedObjectRef = builder.objectRef<DeletedObject>('DeletedObject').implement({
  description: 'A tombstone: delete this object locally.',
  fields: (t) => ({
    kind: t.expose('kind', { type: SyncKindEnum }),
    id: t.id({ resolve: (d) => kindGlobalId(d.kind, d.id) }),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
  }),
});

const SkippedObjectRef = builder.objectRef<SkippedObject>('SkippedObject').implement({
  description:
    'An object delivered in several commits (SYNC_MAX_DELIVERIES, default 3) that acknowledged none of them: it is no longer redelivered. Fetch it by id, or reference it in a commit to acknowledge it; a later change to it is delivered afresh.',
  fields: (t) => ({
    kind: t.expose('kind', { type: SyncKindEnum }),
    id: t.id({ resolve: (s) => kindGlobalId(s.kind, s.id) }),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
    deliveries: t.exposeInt('deliveries', { description: 'How many commits it was delivered in without being acknowledged.' }),
  }),
});

const SyncBatchRef = builder.objectRef<Awaited<ReturnType<typeof readBatch>>>('SyncBatch').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'Commit it with syncCommit after processing the batch; or sync with it to read on.',
    }),
    hasMore: t.exposeBoolean('hasMore', {
      description: 'More changes are waiting: sync again. Redelivered objects take at most half of a batch while newer changes wait.',
    }),
    full: t.exposeBoolean('full', { description: 'Part of a full sync: the client holds only what this sync delivers.' }),
    ...Object.fromEntries(
      allSyncKinds.map((kind) => [
        syncedKinds[kind].many,
        t.field({
          type: [syncedKinds[kind].type],
          description: syncedKinds[kind].batchDescription,
          resolve: (batch) => batch.objects[kind],
        }),
      ]),
    ),
    deleted: t.field({
      type: [DeletedObjectRef],
      description: 'Tombstones: delete these objects locally. Any commit of the batch acknowledges them; a reference is answered DELETED.',
      resolve: (batch) => batch.deleted,
    }),
    skipped: t.field({
      type: [SkippedObjectRef],
      description: 'Objects the last commit stopped redelivering (reported once, in the batch after that commit).',
      resolve: (batch) => batch.skipped,
    }),
  }),
});

builder.queryField('sync', (t) =>
  t.field({
    type: SyncBatchRef,
    description:
      'Without a token: every live object of the kinds. With one: what changed since, in revision order. Read-only: confirm with syncCommit.',
    authScopes: { scope: Scope.SYNC },
    args: {
      token: t.arg.string({ required: false }),
      kinds: t.arg({ type: [SyncKindEnum], required: false }),
      limit: t.arg.int({ required: false, defaultValue: defaultSyncLimit, description: `1 to ${maxSyncLimit}.` }),
    },
    resolve: (_root, args, ctx) =>
      readBatch(ctx.prisma, ctx.syncSecret, viewerId(ctx), {
        token: args.token ?? null,
        kinds: args.kinds ?? null,
        limit: args.limit ?? defaultSyncLimit,
      }),
  }),
);

/** `{ id | clientSyncId, delete?, changes? }`: one object of a commit, for each kind. */
const syncInputTypes = Object.fromEntries(
  syncObjectKinds.map((kind) => {
    const { type, input, commitItemDescription } = syncedKinds[kind];
    const ref = builder.inputType(`${type.name}SyncInput`, {
      description: commitItemDescription,
      fields: (t) => ({
        id: t.id({ required: false, description: 'The server id, when known.' }),
        clientSyncId: t.string({
          required: false,
          description: 'The client id: finds the object without its server id, or creates it.',
        }),
        delete: t.boolean({ required: false, description: 'Delete the object.' }),
        changes: t.field({ type: input, required: false, description: 'Fields to change; for an unknown clientSyncId, the new object.' }),
      }),
    });
    return [kind, ref];
  }),
) as Record<SyncObjectKind, ReturnType<typeof builder.inputType>>;

const maxCommitObjects = 1000;

const SyncCommitInput = builder.inputType('SyncCommitInput', {
  fields: (t) => ({
    token: t.string({ description: 'The token of the batch being confirmed.' }),
    ...Object.fromEntries(
      syncObjectKinds.map((kind) => [syncedKinds[kind].many, t.field({ type: [syncInputTypes[kind]], required: false })]),
    ),
  }),
});

type ResultWithObject = SyncObjectResult & { object: SyncedObject | null };

const SyncObjectResultRef = builder.objectRef<ResultWithObject>('SyncObjectResult').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: SyncObjectKindEnum }),
    id: t.id({ nullable: true, resolve: (r) => (r.id ? kindGlobalId(r.kind, r.id) : null) }),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
    status: t.expose('status', { type: SyncStatusEnum }),
    message: t.exposeString('message', { nullable: true }),
    ...Object.fromEntries(
      syncObjectKinds.map((kind) => [
        syncedKinds[kind].one,
        t.field({
          type: syncedKinds[kind].type,
          nullable: true,
          description: "The server's version: after the change, or the current one on CONFLICT; null for other kinds.",
          resolve: (r) => (r.kind === kind ? (r.object as never) : null),
        }),
      ]),
    ),
  }),
});

const SyncCommitResultRef = builder
  .objectRef<Omit<CommitOutcome, 'results'> & { results: ResultWithObject[] }>('SyncCommitResult')
  .implement({
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Sync with it next.' }),
      synchronization: t.prismaField({
        type: 'Synchronization',
        resolve: (query, r, _args, ctx) => ctx.prisma.synchronization.findUniqueOrThrow({ ...query, where: { id: r.synchronizationId } }),
      }),
      results: t.field({ type: [SyncObjectResultRef], resolve: (r) => r.results }),
    }),
  });

/** The current version of each object a result names (after the commit). */
async function withObjects(ctx: Context, results: SyncObjectResult[]): Promise<ResultWithObject[]> {
  const refs = results.flatMap((r) => (r.id && r.status !== 'DELETED' ? [{ kind: r.kind, id: r.id }] : []));
  const objects = await loadObjects(ctx.prisma, viewerId(ctx), syncStores, refs);
  return results.map((r) => ({ ...r, object: objects.get(`${r.kind}/${r.id}`) ?? null }));
}

builder.mutationField('syncCommit', (t) =>
  t.field({
    type: SyncCommitResultRef,
    description:
      'Confirms a batch: referenced objects are acknowledged and their changes saved (or reported as conflicts); omitted ones come again (at most SYNC_MAX_DELIVERIES commits, then they are reported as skipped); tombstones are acknowledged whether referenced or not. The same token twice acts once.',
    // Each object's input is checked on its own (src/sync/commit.ts): a bad one is INVALID, the rest apply.
    extensions: perItemInput,
    authScopes: { scope: Scope.SYNC },
    args: { input: t.arg({ type: SyncCommitInput }) },
    resolve: async (_root, { input }, ctx) => {
      const groups = syncObjectKinds.map((kind) => {
        const { many, storeInput } = syncedKinds[kind];
        const items = (input as unknown as Record<string, SyncRef[] | null | undefined>)[many] ?? [];
        const refs = items.map((ref) => ({
          ...ref,
          id: rawId(kind, ref.id),
          changes: ref.changes && storeInput ? storeInput(ref.changes as never) : ref.changes,
        }));
        return { kind, refs };
      });
      const count = groups.reduce((n, g) => n + g.refs.length, 0);
      if (count > maxCommitObjects) throw badInput(`a commit carries at most ${maxCommitObjects} objects`);
      const settings = { secret: ctx.syncSecret, maxDeliveries: ctx.config.sync.maxDeliveries };
      const outcome = await commitBatch(ctx, settings, viewerId(ctx), input.token, groups);
      return { ...outcome, results: await withObjects(ctx, outcome.results) };
    },
  }),
);

// ---- Queue sessions ----

const SyncQueueRef = builder.objectRef<{ name: string; pages: number; totalCount: number }>('SyncQueue').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    pages: t.exposeInt('pages'),
    totalCount: t.exposeInt('totalCount'),
  }),
});

const SyncSessionRef = builder.objectRef<NonNullable<Awaited<ReturnType<typeof startSession>>>>('SyncSession').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    queues: t.field({ type: [SyncQueueRef], resolve: (s) => s.queues }),
  }),
});

const SyncQueueItemRef = builder.objectRef<QueueItem>('SyncQueueItem').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: SyncKindEnum }),
    id: t.id({ resolve: (item) => kindGlobalId(item.kind, item.id) }),
    eventType: t.expose('eventType', { type: SyncEventTypeEnum }),
    ackKey: t.exposeString('ackKey', { description: 'Send it to ackSync once the item is stored.' }),
    revision: t.exposeInt('revision'),
    ...Object.fromEntries(
      allSyncKinds.map((kind) => [
        syncedKinds[kind].one,
        t.field({
          type: syncedKinds[kind].type,
          nullable: true,
          description: 'The object as it is now; null when deleted or another kind.',
          resolve: (item) => (item.kind === kind ? (item.object as never) : null),
        }),
      ]),
    ),
  }),
});

const FailedObjectRef = builder.objectRef<{ kind: SyncKind; id: string }>('FailedObject').implement({
  description: 'An item of the page that could not be fetched (deleted meanwhile): it comes again next session.',
  fields: (t) => ({
    kind: t.expose('kind', { type: SyncKindEnum }),
    id: t.id({ resolve: (o) => kindGlobalId(o.kind, o.id) }),
  }),
});

const SyncQueuePageRef = builder.objectRef<NonNullable<Awaited<ReturnType<typeof readQueuePage>>>>('SyncQueuePage').implement({
  fields: (t) => ({
    items: t.field({ type: [SyncQueueItemRef], resolve: (p) => p.items }),
    count: t.exposeInt('count'),
    countLeft: t.exposeInt('countLeft'),
    failedObjects: t.field({ type: [FailedObjectRef], resolve: (p) => p.failedObjects }),
  }),
});

const AckResultRef = builder.objectRef<{ acknowledged: number }>('AckResult').implement({
  fields: (t) => ({
    acknowledged: t.exposeInt('acknowledged', { description: "Keys that named one of the user's objects." }),
  }),
});

builder.queryField('syncQueue', (t) =>
  t.field({
    type: SyncQueuePageRef,
    nullable: true,
    description: 'A page (from 1) of a session queue, with each object as it is now; null past the last page.',
    authScopes: { scope: Scope.SYNC },
    args: {
      sessionId: t.arg.id(),
      queue: t.arg.string({ required: false, defaultValue: mainQueue }),
      page: t.arg.int(),
    },
    resolve: (_root, args, ctx) =>
      readQueuePage(ctx.prisma, ctx.config.sync, viewerId(ctx), args.sessionId, args.queue ?? mainQueue, args.page),
  }),
);

builder.mutationFields((t) => ({
  startSyncSession: t.field({
    type: SyncSessionRef,
    nullable: true,
    description: "Starts a queue session for this device; null when it has nothing new. Replaces the device's previous session.",
    authScopes: { scope: Scope.SYNC },
    args: { deviceUuid: t.arg.string() },
    resolve: (_root, { deviceUuid }, ctx) => startSession(ctx.prisma, ctx.config.sync, viewerId(ctx), deviceUuid),
  }),
  ackSync: t.field({
    type: AckResultRef,
    description: 'Acknowledges queue items by their ackKeys: they do not come again unless they change.',
    authScopes: { scope: Scope.SYNC },
    args: {
      deviceUuid: t.arg.string(),
      ackKeys: t.arg.stringList({ validate: z.array(z.string()).max(1000, 'ackKeys: at most 1000 per call') }),
    },
    resolve: async (_root, { deviceUuid, ackKeys }, ctx) => ({
      acknowledged: await acknowledge(ctx.prisma, viewerId(ctx), deviceUuid, ackKeys),
    }),
  }),
}));

// ---- Change notices ----

const ChangeNoticeRef = builder.objectRef<{ revision: number; kinds: SyncKind[] }>('ChangeNotice').implement({
  description: 'A hint that changes are waiting: pull them with sync or a queue session.',
  fields: (t) => ({
    revision: t.exposeInt('revision', { description: "The user's feed revision after the change." }),
    kinds: t.expose('kinds', { type: [SyncKindEnum] }),
  }),
});

builder.subscriptionField('changesAvailable', (t) =>
  t.field({
    type: ChangeNoticeRef,
    description: "Each time a transaction that changed the signed-in user's objects of these kinds (default: all) commits.",
    authScopes: { scope: Scope.SYNC },
    args: { kinds: t.arg({ type: [SyncKindEnum], required: false }) },
    subscribe: (_root, { kinds }, ctx) => {
      const notices = ctx.pubsub.subscribe('changes', viewerId(ctx));
      const wanted = new Set(kinds);
      if (!kinds?.length || allSyncKinds.every((kind) => wanted.has(kind))) return notices;
      return pipe(
        notices,
        filter((notice) => notice.kinds.some((kind) => wanted.has(kind))),
      );
    },
    resolve: (notice, { kinds }) => ({
      revision: notice.revision,
      kinds: kinds?.length ? notice.kinds.filter((kind) => kinds.includes(kind)) : notice.kinds,
    }),
  }),
);
