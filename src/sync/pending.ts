// Redelivery: what a synchronization was sent and has not acknowledged (its SyncPending rows),
// and the rules that keep token sync moving whatever a client fails to process:
// - redelivered objects take at most half of a batch while newer changes wait (`splitBatch`),
//   so every batch advances through the feed;
// - an object delivered in `maxDeliveries` commits without being acknowledged is skipped: it is
//   no longer redelivered and the batch after that commit reports it once. A reference in a
//   later commit acknowledges it; a later change to it delivers it afresh, counting from one;
// - a tombstone is acknowledged by any commit of its batch, referenced or not: a delete cannot
//   fail to apply, and a client with nothing left to send back must not get it again for ever.
//
// Which redelivered objects a batch carried is named by its token (`committed`, `pendingUpto`):
// those pending at revisions up to `pendingUpto`, which never exceeds the last commit's
// position. Newer changes to them are above it, in the feed part, so the two parts never overlap.
import type { Tx } from '../db/database.ts';
import { Prisma, type SyncKind } from '../generated/prisma/client.ts';
import type { FeedRow } from './feed.ts';
import type { SyncPosition } from './tokens.ts';

/**
 * How many of the waiting redelivered objects and feed rows a batch of `limit` takes (each
 * count may exceed `limit`: it says whether more is waiting). Redelivery gets at most half of
 * the batch while the feed has more than the other half, and the feed at least one row while
 * it has any: a batch with more waiting always carries something new.
 */
export function splitBatch(limit: number, pendingWaiting: number, feedWaiting: number): { pending: number; feed: number } {
  const feed = Math.min(feedWaiting, limit - Math.min(pendingWaiting, Math.floor(limit / 2)));
  return { pending: Math.min(pendingWaiting, limit - feed), feed };
}

/** Objects this synchronization has pending that a batch after `position` redelivers next, in revision order. */
export function redeliverySql(
  synchronizationId: string,
  userId: string,
  position: Pick<SyncPosition, 'kinds' | 'committed' | 'pendingUpto'>,
  limit: number,
) {
  return Prisma.sql`
    SELECT c.kind, c."objectId", c.revision, c.deleted, c."clientSyncId", c."originSyncId"
    FROM "SyncPending" p
    JOIN "Change" c ON c."userId" = ${userId}::uuid AND c.kind = p.kind AND c."objectId" = p."objectId"
    WHERE p."synchronizationId" = ${synchronizationId}::uuid AND p.kind = ANY(${position.kinds}::text[]::"SyncKind"[])
      AND p."skippedAt" IS NULL AND c.revision > ${position.pendingUpto} AND c.revision <= ${position.committed}
    ORDER BY c.revision LIMIT ${limit}`;
}

export interface SkippedObject {
  kind: SyncKind;
  id: string;
  clientSyncId: string | null;
  deliveries: number;
}

/** What the commit numbered `skippedBy` stopped redelivering (still skipped: not acknowledged or changed since). */
export function skippedSql(synchronizationId: string, userId: string, kinds: SyncKind[], skippedBy: number) {
  return Prisma.sql`
    SELECT p.kind, p."objectId" AS id, c."clientSyncId", p.deliveries
    FROM "SyncPending" p
    JOIN "Change" c ON c."userId" = ${userId}::uuid AND c.kind = p.kind AND c."objectId" = p."objectId"
    WHERE p."synchronizationId" = ${synchronizationId}::uuid AND p.kind = ANY(${kinds}::text[]::"SyncKind"[])
      AND p."skippedAt" = ${skippedBy}
    ORDER BY c.revision`;
}

interface Settlement {
  userId: string;
  synchronizationId: string;
  /** The token being committed. */
  position: SyncPosition;
  /** The number of this commit (the synchronization's commits, this one included). */
  commit: number;
  maxDeliveries: number;
  /** The feed part of the committed batch, as it is now (src/sync/commit.ts). */
  batch: FeedRow[];
  /** What the commit referenced, by kind. */
  referenced: Map<SyncKind, Set<string>>;
}

/**
 * Updates what the synchronization has pending after a commit: referenced objects and the
 * batch's tombstones are acknowledged, redelivered objects left out count one more delivery
 * (and are skipped at `maxDeliveries`), objects of the feed part left out become pending.
 * Returns how many objects this commit skipped.
 */
export async function settlePending(tx: Tx, s: Settlement): Promise<number> {
  const referencedKeys = [...s.referenced].flatMap(([kind, ids]) => [...ids].map((id) => ({ kind, id })));
  const tombstones = s.batch.filter((row) => row.deleted).map((row) => ({ kind: row.kind, id: row.objectId }));
  const acknowledged = [...referencedKeys, ...tombstones];
  if (acknowledged.length) {
    await tx.$executeRaw`
      DELETE FROM "SyncPending" p
      USING unnest(${acknowledged.map((a) => a.kind)}::text[], ${acknowledged.map((a) => a.id)}::uuid[]) AS a(kind, "objectId")
      WHERE p."synchronizationId" = ${s.synchronizationId}::uuid AND p.kind = a.kind::"SyncKind" AND p."objectId" = a."objectId"`;
  }
  let skipped = 0;
  if (s.position.pendingUpto > 0) {
    // Redelivered in this batch (the token names up to where) and neither referenced nor a tombstone.
    await tx.$executeRaw`
      DELETE FROM "SyncPending" p USING "Change" c
      WHERE p."synchronizationId" = ${s.synchronizationId}::uuid AND p.kind = ANY(${s.position.kinds}::text[]::"SyncKind"[])
        AND c."userId" = ${s.userId}::uuid AND c.kind = p.kind AND c."objectId" = p."objectId"
        AND c.deleted AND c.revision <= ${s.position.pendingUpto}`;
    const [counted] = await tx.$queryRaw<Array<{ skipped: number }>>`
      WITH redelivered AS (
        UPDATE "SyncPending" p SET
          deliveries = p.deliveries + 1,
          "skippedAt" = CASE WHEN p.deliveries + 1 >= ${s.maxDeliveries} THEN ${s.commit}::int END
        FROM "Change" c
        WHERE p."synchronizationId" = ${s.synchronizationId}::uuid AND p."skippedAt" IS NULL
          AND p.kind = ANY(${s.position.kinds}::text[]::"SyncKind"[])
          AND c."userId" = ${s.userId}::uuid AND c.kind = p.kind AND c."objectId" = p."objectId"
          AND c.revision <= ${s.position.pendingUpto}
        RETURNING p."skippedAt"
      )
      SELECT COUNT(*) FILTER (WHERE "skippedAt" IS NOT NULL)::int AS skipped FROM redelivered`;
    skipped = counted!.skipped;
  }
  const unreferenced = s.batch.filter((row) => !row.deleted && !s.referenced.get(row.kind)?.has(row.objectId));
  if (unreferenced.length) {
    // Delivered for the first time since it last changed: counting starts over.
    const skippedAt = s.maxDeliveries <= 1 ? s.commit : null;
    await tx.$executeRaw`
      INSERT INTO "SyncPending" ("synchronizationId", kind, "objectId", deliveries, "skippedAt")
      SELECT ${s.synchronizationId}::uuid, u.kind::"SyncKind", u."objectId", 1, ${skippedAt}::int
      FROM unnest(${unreferenced.map((row) => row.kind)}::text[], ${unreferenced.map((row) => row.objectId)}::uuid[]) AS u(kind, "objectId")
      ON CONFLICT ("synchronizationId", kind, "objectId") DO UPDATE SET deliveries = 1, "skippedAt" = EXCLUDED."skippedAt"`;
    if (skippedAt) skipped += unreferenced.length;
  }
  return skipped;
}
