// Token sync, read side (MeetingBooster's Sync). Without a token: every live object of the
// kinds, paged. With one: what changed after its position, in revision order, plus objects an
// earlier batch delivered that the synchronization has not acknowledged (redelivery, bounded so
// that every batch makes progress: src/sync/pending.ts).
import type { Db, PrismaClient } from '../db/database.ts';
import { appError, badInput, ErrorCode } from '../errors.ts';
import { Prisma, SyncKind } from '../generated/prisma/client.ts';
import { type FeedRow, feedRowColumns } from './feed.ts';
import { feedStores, type SyncObject } from './kinds.ts';
import { redeliverySql, type SkippedObject, skippedSql, splitBatch } from './pending.ts';
import { loadObjects } from './store.ts';
import { decodeSyncToken, encodeSyncToken, isBelowFloor, type SyncPosition } from './tokens.ts';

export const allSyncKinds = Object.values(SyncKind);
export const defaultSyncLimit = 100;
export const maxSyncLimit = 500;

export interface DeletedObject {
  kind: SyncKind;
  id: string;
  clientSyncId: string | null;
}

export interface SyncBatch {
  token: string;
  hasMore: boolean;
  /** Part of a full sync: the client holds nothing older than this sync. */
  full: boolean;
  objects: { [K in SyncKind]: SyncObject<K>[] };
  deleted: DeletedObject[];
  /** Objects the last commit stopped redelivering (src/sync/pending.ts): reported once, in the batch after it. */
  skipped: SkippedObject[];
}

interface SyncRequest {
  token: string | null;
  kinds: SyncKind[] | null;
  limit: number;
}

/** A revision given as a number, or as SQL that computes it in the same statement. */
type RevisionSql = number | Prisma.Sql;

/** Which feed rows a position's batch consists of; the commit recomputes it with this too. */
export function batchFilter(position: Pick<SyncPosition, 'synchronizationId' | 'kinds'>, tombstonesAbove: RevisionSql) {
  return { kinds: position.kinds, tombstonesAbove, origin: position.synchronizationId };
}

/** Feed rows in (after, upto], matching the filter, in revision order. */
function feedRangeSql(userId: string, after: number, upto: RevisionSql, filter: ReturnType<typeof batchFilter>, limit: number) {
  return Prisma.sql`
    SELECT ${feedRowColumns} FROM "Change"
    WHERE "userId" = ${userId}::uuid AND revision > ${after} AND revision <= ${upto}
      AND kind = ANY(${filter.kinds}::text[]::"SyncKind"[])
      AND (NOT deleted OR revision > ${filter.tombstonesAbove})
      AND (${filter.origin}::uuid IS NULL OR "originSyncId" IS DISTINCT FROM ${filter.origin}::uuid)
    ORDER BY revision LIMIT ${limit}`;
}

export function feedRange(db: Db, userId: string, after: number, upto: number, filter: ReturnType<typeof batchFilter>, limit: number) {
  return db.$queryRaw<FeedRow[]>(feedRangeSql(userId, after, upto, filter, limit));
}

export async function readBatch(prisma: PrismaClient, secret: string, userId: string, request: SyncRequest): Promise<SyncBatch> {
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > maxSyncLimit) {
    throw badInput(`limit: 1 to ${maxSyncLimit}`);
  }
  const given = request.token ? decodeSyncToken(secret, request.token, userId) : null;
  if (given && request.kinds?.length && !sameKinds(given.kinds, request.kinds)) {
    throw badInput('kinds: a sync token is bound to the kinds it was issued for; omit kinds or start a new sync');
  }
  const kinds = given?.kinds ?? [...new Set(request.kinds?.length ? request.kinds : allSyncKinds)].sort();
  const synchronizationId = given?.synchronizationId ?? null;
  const from = given?.upto ?? 0;
  const committed = given?.committed ?? 0;
  const pendingUpto = given?.pendingUpto ?? 0;

  // One statement, so one snapshot: the head revision, the redelivered objects and the feed
  // agree. (The objects are read after it: one changed since comes again in the next batch,
  // as its feed row is above this batch's head, and one deleted since is missing here and
  // comes as a tombstone then.) Without a token, the head is also where tombstones start to count.
  const head = Prisma.sql`(SELECT head FROM counter)`;
  const filter = batchFilter({ synchronizationId, kinds }, given ? (given.fullUntil ?? 0) : head);
  const none = Prisma.sql`SELECT NULL::int AS revision LIMIT 0`;
  const [read] = await prisma.$queryRaw<
    Array<{ head: number; floor: number; synchronization: boolean; pending: FeedRow[]; delta: FeedRow[]; skipped: SkippedObject[] }>
  >`
    WITH counter AS (
      SELECT COALESCE(MAX(revision), 0)::int AS head, COALESCE(MAX(floor), 0)::int AS floor FROM "SyncCounter" WHERE "userId" = ${userId}::uuid
    ),
    pending AS (${synchronizationId ? redeliverySql(synchronizationId, userId, { kinds, committed, pendingUpto }, request.limit + 1) : none}),
    delta AS (${feedRangeSql(userId, from, head, filter, request.limit + 1)}),
    skipped AS (${synchronizationId && given?.skippedBy ? skippedSql(synchronizationId, userId, kinds, given.skippedBy) : none})
    SELECT counter.head, counter.floor,
           ${synchronizationId}::uuid IS NULL OR EXISTS (
             SELECT 1 FROM "Synchronization" WHERE id = ${synchronizationId}::uuid AND "userId" = ${userId}::uuid
           ) AS synchronization,
           COALESCE((SELECT json_agg(pending ORDER BY revision) FROM pending), '[]') AS pending,
           COALESCE((SELECT json_agg(delta ORDER BY revision) FROM delta), '[]') AS delta,
           COALESCE((SELECT json_agg(skipped) FROM skipped), '[]') AS skipped
    FROM counter`;
  const { head: headRevision, floor } = read!;
  if (given) {
    if (from > headRevision) throw appError(ErrorCode.SYNC_TOKEN_INVALID, 'the sync token is ahead of this server');
    if (isBelowFloor({ after: from, fullUntil: given.fullUntil }, floor)) {
      throw appError(ErrorCode.SYNC_TOKEN_EXPIRED, 'the sync token is older than the retention period: sync again without a token');
    }
  }
  if (!read!.synchronization) throw appError(ErrorCode.SYNC_TOKEN_INVALID, 'the synchronization of this sync token has been deleted');

  const take = splitBatch(request.limit, read!.pending.length, read!.delta.length);
  const pending = read!.pending.slice(0, take.pending);
  const delta = read!.delta.slice(0, take.feed);
  const feedTruncated = read!.delta.length > take.feed;
  const upto = feedTruncated ? delta.at(-1)!.revision : headRevision;
  const fullUntil = given ? given.fullUntil : headRevision;
  const stillFull = keepFullUntil(from, fullUntil);
  const token = encodeSyncToken(secret, {
    userId,
    synchronizationId,
    after: from,
    upto,
    fullUntil: stillFull,
    kinds,
    committed,
    pendingUpto: pending.at(-1)?.revision ?? pendingUpto,
    skippedBy: null,
  });
  const full = !given || stillFull !== null;
  return {
    token,
    hasMore: feedTruncated || read!.pending.length > take.pending,
    full,
    skipped: read!.skipped,
    ...(await loadRows(prisma, userId, [...pending, ...delta])),
  };
}

/** The live objects and the tombstones of these feed rows. */
async function loadRows(db: Db, userId: string, rows: FeedRow[]) {
  const live = rows.filter((row) => !row.deleted);
  const loaded = await loadObjects(
    db,
    userId,
    feedStores,
    live.map((row) => ({ kind: row.kind, id: row.objectId })),
  );
  const objects = Object.fromEntries(
    allSyncKinds.map((kind) => [kind, live.flatMap((row) => (row.kind === kind ? (loaded.get(`${kind}/${row.objectId}`) ?? []) : []))]),
  ) as SyncBatch['objects'];
  const deleted: DeletedObject[] = rows
    .filter((row) => row.deleted)
    .map((row) => ({ kind: row.kind, id: row.objectId, clientSyncId: row.clientSyncId }));
  return { objects, deleted };
}

/** A full sync's head matters while a batch starts below it (tombstones up to it are skipped). */
export function keepFullUntil(after: number, fullUntil: number | null): number | null {
  return fullUntil !== null && after < fullUntil ? fullUntil : null;
}

function sameKinds(a: SyncKind[], b: SyncKind[]) {
  const set = new Set(b);
  return a.length === set.size && a.every((kind) => set.has(kind));
}
