// Token sync, write side (MeetingBooster's SyncCommit). The client sends back the objects of a
// batch it processed, unchanged or changed, plus new objects and deletes:
// - referenced objects are acknowledged and their changes saved, unless the object changed on
//   the server after the batch: then it is reported as a CONFLICT with the server's version;
// - objects of the batch it leaves out come again on the next sync of that synchronization;
// - unknown clientSyncIds create objects, and a retried token acts once.
// The first commit of a token without a synchronization creates one (DEVICE).

import type { Tx } from '../db/database.ts';
import { appError, ErrorCode } from '../errors.ts';
import type { SyncKind } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import { hasNul, nulMessage, nulPath } from '../validation.ts';
import { runWrite, type WriteContext, type WriteServices } from '../write.ts';
import { type FeedRow, lockFeedRows } from './feed.ts';
import { type SyncObjectKind, syncStores } from './kinds.ts';
import { settlePending } from './pending.ts';
import type { SyncedObject, SyncStore } from './store.ts';
import { batchFilter, feedRange, keepFullUntil, maxSyncLimit } from './sync.ts';
import { decodeSyncToken, encodeSyncToken, type SyncPosition, syncTokenHash } from './tokens.ts';

export type SyncStatus = 'APPLIED' | 'UNCHANGED' | 'CREATED' | 'DELETED' | 'CONFLICT' | 'NOT_FOUND' | 'INVALID';

export interface SyncRef {
  id?: string | null;
  clientSyncId?: string | null;
  delete?: boolean | null;
  changes?: unknown;
}

export interface SyncObjectResult {
  kind: SyncObjectKind;
  id: string | null;
  clientSyncId: string | null;
  status: SyncStatus;
  message: string | null;
}

export interface CommitOutcome {
  token: string;
  synchronizationId: string;
  results: SyncObjectResult[];
}

/** What the server knows of the object a reference names. */
export type Known = { state: 'live'; changedSince: boolean } | { state: 'deleted' } | { state: 'unknown' };

export type Plan = { action: 'create' | 'update' | 'delete' } | { action: 'report'; status: SyncStatus; message: string | null };

const report = (status: SyncStatus, message: string | null = null): Plan => ({ action: 'report', status, message });

/** What is wrong with a reference as such, found before anything of it reaches the database; null when nothing is. */
export function refProblem(ref: SyncRef): string | null {
  const nul = nulPath({ id: ref.id, clientSyncId: ref.clientSyncId, changes: ref.changes }, '');
  if (nul) return nulMessage(nul);
  if (!ref.id && !ref.clientSyncId) return 'id or clientSyncId: one is required';
  if (ref.delete && ref.changes) return 'delete and changes: send one or the other';
  if (ref.id && !isUuid(ref.id)) return 'id: not an id of this kind of object';
  if (ref.clientSyncId && ref.clientSyncId.length > 200) return 'clientSyncId: at most 200 characters';
  return null;
}

/** What to do with one reference of a commit. Pure: the rules of the handshake in one place. */
export function planRef(ref: SyncRef, known: Known): Plan {
  const problem = refProblem(ref);
  if (problem) return report('INVALID', problem);
  switch (known.state) {
    case 'unknown':
      if (ref.changes && !ref.id) return { action: 'create' };
      return report('NOT_FOUND', ref.id ? 'no such object' : 'no object with this clientSyncId');
    case 'deleted':
      return ref.changes ? report('NOT_FOUND', 'deleted on the server') : report('DELETED');
    case 'live':
      if (!ref.changes && !ref.delete) return report('UNCHANGED');
      if (known.changedSince) return report('CONFLICT', 'changed on the server after this batch');
      return { action: ref.delete ? 'delete' : 'update' };
  }
}

class AlreadyCommitted extends Error {}

export interface CommitSettings {
  secret: string;
  /** Commits an object may be delivered in without being acknowledged before it is skipped. */
  maxDeliveries: number;
}

export async function commitBatch(
  services: WriteServices,
  { secret, maxDeliveries }: CommitSettings,
  userId: string,
  token: string,
  groups: Array<{ kind: SyncObjectKind; refs: SyncRef[] }>,
): Promise<CommitOutcome> {
  const position = decodeSyncToken(secret, token, userId);
  const tokenHash = syncTokenHash(token);
  try {
    return await runWrite(services, { userId }, async (write) => {
      const { tx } = write;
      const { synchronizationId, commit } = await synchronizationFor(tx, userId, position);
      // What this commit changes comes from the synchronization: it is not echoed back to it.
      const w: WriteContext = { ...write, origin: { synchronizationId } };
      // The first of two commits of one token inserts this row; the second waits for it and stops.
      const claimed = await tx.syncCommit.createMany({
        data: [{ userId, tokenHash, synchronizationId, result: {} }],
        skipDuplicates: true,
      });
      if (!claimed.count) throw new AlreadyCommitted();

      const results: SyncObjectResult[] = [];
      const referenced = new Map<SyncKind, Set<string>>();
      for (const { kind, refs } of groups) {
        const store: SyncStore<SyncedObject, unknown, unknown> = syncStores[kind];
        const outcome = await commitRefs(w, position, kind, store, refs);
        results.push(...outcome.results);
        if (store.feedKind) referenced.set(store.feedKind, new Set(outcome.referenced));
      }
      const batch = await feedRange(
        tx,
        userId,
        position.after,
        position.upto,
        batchFilter(position, position.fullUntil ?? 0),
        maxSyncLimit * 2,
      );
      const skipped = await settlePending(tx, { userId, synchronizationId, position, commit, maxDeliveries, batch, referenced });

      const outcome: CommitOutcome = {
        token: encodeSyncToken(secret, {
          ...position,
          synchronizationId,
          after: position.upto,
          fullUntil: keepFullUntil(position.upto, position.fullUntil),
          committed: position.upto,
          pendingUpto: 0,
          skippedBy: skipped ? commit : null,
        }),
        synchronizationId,
        results,
      };
      await tx.syncCommit.update({
        where: { userId_tokenHash: { userId, tokenHash } },
        data: { result: outcome as never },
      });
      await tx.synchronization.update({ where: { id: synchronizationId }, data: { lastSyncAt: new Date(), commitCount: commit } });
      return outcome;
    });
  } catch (error) {
    if (!(error instanceof AlreadyCommitted)) throw error;
    const earlier = await services.prisma.syncCommit.findUniqueOrThrow({ where: { userId_tokenHash: { userId, tokenHash } } });
    return earlier.result as unknown as CommitOutcome;
  }
}

/** The token's synchronization (created by its first commit) and the number this commit gets. */
async function synchronizationFor(tx: Tx, userId: string, position: SyncPosition): Promise<{ synchronizationId: string; commit: number }> {
  if (position.synchronizationId) {
    // Locked: commits of one synchronization run one at a time.
    const [row] = await tx.$queryRaw<Array<{ id: string; commitCount: number }>>`
      SELECT id, "commitCount" FROM "Synchronization" WHERE id = ${position.synchronizationId}::uuid AND "userId" = ${userId}::uuid
      FOR UPDATE`;
    if (!row) throw appError(ErrorCode.SYNC_TOKEN_INVALID, 'the synchronization of this sync token has been deleted');
    return { synchronizationId: row.id, commit: row.commitCount + 1 };
  }
  const counter = await tx.syncCounter.findUnique({ where: { userId } });
  const created = await tx.synchronization.create({
    data: { userId, type: 'DEVICE', createdRevision: counter?.revision ?? 0 },
  });
  return { synchronizationId: created.id, commit: 1 };
}

async function commitRefs(
  w: WriteContext,
  position: SyncPosition,
  kind: SyncObjectKind,
  store: SyncStore<SyncedObject, unknown, unknown>,
  refs: SyncRef[],
) {
  const wellFormed = refs.filter((ref) => !refProblem(ref));
  const ids = wellFormed.flatMap((ref) => (ref.id ? [ref.id] : []));
  const clientSyncIds = wellFormed.flatMap((ref) => (!ref.id && ref.clientSyncId ? [ref.clientSyncId] : []));
  const { feed, objects } = await resolveRefs(w, store, ids, clientSyncIds);
  const idOfClientSyncId = new Map<string, string>();
  for (const row of [...feed.values()].sort((a, b) => Number(b.deleted) - Number(a.deleted))) {
    if (row.clientSyncId) idOfClientSyncId.set(row.clientSyncId, row.objectId); // live rows win
  }
  for (const object of objects.values()) if (object.clientSyncId) idOfClientSyncId.set(object.clientSyncId, object.id);

  const results: SyncObjectResult[] = [];
  const referenced: string[] = [];
  const seen = new Set<string>();
  // Deletes, changes and new objects are saved after the loop (`at`: their place in `results`).
  const writes: Writes = { deletes: [], updates: [], creates: [] };
  for (const ref of refs) {
    const objectId = ref.id ? (isUuid(ref.id) ? ref.id : null) : ((ref.clientSyncId && idOfClientSyncId.get(ref.clientSyncId)) ?? null);
    const result = (status: SyncStatus, id: string | null, message: string | null = null): SyncObjectResult => ({
      kind,
      id,
      // Echoed so the client can match results; one that cannot be stored (the commit's result is) is left out.
      clientSyncId: ref.clientSyncId && !hasNul(ref.clientSyncId) ? ref.clientSyncId : null,
      status,
      message,
    });
    const key = objectId ?? (ref.clientSyncId ? `csid:${ref.clientSyncId}` : null);
    if (key && seen.has(key)) {
      results.push(result('INVALID', objectId, 'this object appears twice in the commit'));
      continue;
    }
    if (key) seen.add(key);
    if (objectId) referenced.push(objectId);
    const object = objectId ? objects.get(objectId) : undefined;
    const row = objectId ? feed.get(objectId) : undefined;
    const known: Known = object
      ? { state: 'live', changedSince: !!row && row.revision > position.upto && row.originSyncId !== w.origin.synchronizationId }
      : row?.deleted
        ? { state: 'deleted' }
        : { state: 'unknown' };
    const plan = planRef(ref, known);
    if (
      plan.action === 'report' &&
      plan.status === 'NOT_FOUND' &&
      ref.delete &&
      !ref.id &&
      ref.clientSyncId &&
      (await store.deleteFallback?.(w, ref.clientSyncId))
    ) {
      results.push(result('DELETED', null, 'deleted the object of another kind with this clientSyncId'));
    } else if (plan.action === 'report') {
      results.push(result(plan.status, known.state === 'unknown' ? null : objectId, plan.message));
    } else if (object && store.readOnly?.(object, w.userId)) {
      results.push(result('INVALID', objectId, store.readOnly(object, w.userId)));
    } else if (plan.action === 'delete') {
      writes.deletes.push(object!);
      results.push(result('DELETED', objectId));
    } else {
      const parsed = store.parse(ref.changes, object ?? null);
      if (!parsed.ok) {
        results.push(result('INVALID', object ? objectId : null, parsed.message));
      } else if (object) {
        writes.updates.push({ row: object, data: parsed.data, at: results.push(result('APPLIED', objectId)) - 1 });
      } else {
        writes.creates.push({ data: parsed.data, clientSyncId: ref.clientSyncId ?? null, at: results.push(result('CREATED', null)) - 1 });
      }
    }
  }
  await saveWrites(w, store, writes, results);
  return { results, referenced };
}

interface Writes {
  deletes: SyncedObject[];
  updates: Array<{ row: SyncedObject; data: unknown; at: number }>;
  creates: Array<{ data: unknown; clientSyncId: string | null; at: number }>;
}

/**
 * Saves a commit's writes of one kind together, one statement per kind rather than one per
 * object, and settles the results that were provisional: a refused check is INVALID, a change
 * to an object the deletes took with them (a series' exception) NOT_FOUND, a create that lost
 * a race for its clientSyncId CONFLICT.
 */
async function saveWrites(
  w: WriteContext,
  store: SyncStore<SyncedObject, unknown, unknown>,
  { deletes, updates, creates }: Writes,
  results: SyncObjectResult[],
) {
  if (deletes.length) await store.remove(w, deletes);
  const checked = [...updates, ...creates];
  const refusals = store.check
    ? await store.check(
        w,
        checked.map((write) => write.data),
      )
    : [];
  refusals.forEach((message, i) => {
    if (message) Object.assign(results[checked[i]!.at]!, { status: 'INVALID', message });
  });
  const accepted = (write: { at: number }) => results[write.at]!.status !== 'INVALID';
  const toUpdate = updates.filter(accepted);
  const toCreate = creates.filter(accepted);
  const updated = toUpdate.length ? await store.update(w, toUpdate) : [];
  updated.forEach((row, i) => {
    // Gone: deleted by this same commit (a series with its change exceptions).
    if (!row) Object.assign(results[toUpdate[i]!.at]!, { status: 'NOT_FOUND', message: 'deleted by this commit' });
  });
  const created = toCreate.length ? await store.create(w, toCreate) : [];
  created.forEach((row, i) => {
    // Null: a concurrent commit created this clientSyncId first; the client has not seen it.
    const at = results[toCreate[i]!.at]!;
    if (row) at.id = row.id;
    else Object.assign(at, { status: 'CONFLICT', message: 'an object with this clientSyncId was created meanwhile: sync to get it' });
  });
}

/** The feed rows (locked) and live objects the references name, by id or clientSyncId. */
async function resolveRefs(w: WriteContext, store: SyncStore<SyncedObject, unknown, unknown>, ids: string[], clientSyncIds: string[]) {
  const feed = store.feedKind ? await lockFeedRows(w.tx, w.userId, store.feedKind, ids, clientSyncIds) : new Map<string, FeedRow>();
  const live = [
    ...(ids.length ? await store.load(w.tx, w.userId, ids) : []),
    ...(clientSyncIds.length ? await store.findByClientSyncIds(w.tx, w.userId, clientSyncIds) : []),
  ];
  return { feed, objects: new Map(live.map((object) => [object.id, object])) };
}
