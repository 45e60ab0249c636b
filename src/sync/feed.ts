// The change feed, write side. Every change a user must see becomes one row per (user, kind,
// object) holding its latest revision, upserted in the transaction that makes the change.
//
// Revisions follow commit order per user: they come from the user's SyncCounter row, updated in
// the writing transaction at its end. The row lock is held until commit, so a transaction that
// takes revision n+1 waits until the one holding n has committed. A reader that sees head
// revision h therefore sees every change up to h, and a cursor never skips a late commit.
//
// Lock order, to rule out deadlocks: feed rows of the objects being changed (by object id),
// then counters (by user id), both through this module.

import type { Tx } from '../db/database.ts';
import type { SyncKind } from '../generated/prisma/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { ChangeNotice } from '../pubsub.ts';
import type { Origin } from '../write.ts';

export interface FeedRow {
  kind: SyncKind;
  objectId: string;
  revision: number;
  deleted: boolean;
  clientSyncId: string | null;
  originSyncId: string | null;
}

/** The columns of a FeedRow, for the statements that read them. */
export const feedRowColumns = Prisma.sql`kind, "objectId", revision, deleted, "clientSyncId", "originSyncId"`;

export interface Change {
  userId: string;
  kind: SyncKind;
  objectId: string;
  deleted: boolean;
  clientSyncId: string | null;
  /** The synchronization whose commit made the change, so it is not echoed back to it. */
  originSyncId: string | null;
  /** Its CalDAV resource name when not `<id>.ics`: a tombstone must name the resource as the client does. */
  davName?: string | null;
}

/** Collects a transaction's changes; runWrite (src/write.ts) flushes them to the feed as its last step. */
export class ChangeRecorder {
  private readonly changes = new Map<string, Change>();
  /** After flush: per user and kind, the highest revision a live (not deleted) object was given. */
  private readonly latest = new Map<string, number>();

  record(change: Change) {
    this.changes.set(`${change.userId}/${change.kind}/${change.objectId}`, change);
  }

  /** A change to this object of the feed, made by `origin`'s commit (or by none). */
  recordObject(
    kind: SyncKind,
    object: { id: string; userId: string; clientSyncId: string | null; davName?: string | null },
    deleted: boolean,
    origin: Origin,
  ) {
    this.record({
      userId: object.userId,
      kind,
      objectId: object.id,
      deleted,
      clientSyncId: object.clientSyncId,
      originSyncId: origin.synchronizationId,
      davName: object.davName ?? null,
    });
  }

  /**
   * Takes the revisions and writes the feed rows in one statement, the write's last: each
   * user's counter row stays locked from here until the commit, and every round trip in that
   * span holds up the user's other writers (bench/README.md, "Writes of one user": the span is
   * this statement, the wait for the server's event loop to see its answer, and the COMMIT).
   * Counters are taken in user id order.
   */
  async flush(tx: Tx): Promise<ChangeNotice[]> {
    if (!this.changes.size) return [];
    const changes = [...this.changes.values()].sort((a, b) => a.userId.localeCompare(b.userId));
    // Each change's place among its user's changes: revision = the user's new head - count + place.
    const places = new Map<string, number>();
    const place = changes.map((c) => {
      const n = (places.get(c.userId) ?? 0) + 1;
      places.set(c.userId, n);
      return n;
    });
    const heads = await tx.$queryRaw<Array<{ userId: string; revision: number }>>`
      WITH change AS (
        SELECT * FROM unnest(
          ${changes.map((c) => c.userId)}::uuid[], ${changes.map((c) => c.kind)}::text[], ${changes.map((c) => c.objectId)}::uuid[],
          ${place}::int[], ${changes.map((c) => c.deleted)}::boolean[], ${changes.map((c) => c.clientSyncId)}::text[],
          ${changes.map((c) => c.originSyncId)}::uuid[], ${changes.map((c) => c.davName ?? null)}::text[]
        ) AS c("userId", kind, "objectId", place, deleted, "clientSyncId", "originSyncId", "davName")
      ), count AS (
        SELECT "userId", COUNT(*)::int AS n FROM change GROUP BY "userId"
      ), head AS (
        INSERT INTO "SyncCounter" ("userId", revision) SELECT "userId", n FROM count ORDER BY "userId"
        ON CONFLICT ("userId") DO UPDATE SET revision = "SyncCounter".revision + EXCLUDED.revision
        RETURNING "userId", revision
      ), feed AS (
        INSERT INTO "Change" ("userId", kind, "objectId", revision, deleted, "clientSyncId", "originSyncId", "davName", "changedAt")
        SELECT c."userId", c.kind::"SyncKind", c."objectId", head.revision - count.n + c.place, c.deleted, c."clientSyncId", c."originSyncId",
          c."davName", now()
        FROM change c JOIN head USING ("userId") JOIN count USING ("userId")
        ON CONFLICT ("userId", kind, "objectId") DO UPDATE SET
          revision = EXCLUDED.revision, deleted = EXCLUDED.deleted, "clientSyncId" = EXCLUDED."clientSyncId",
          "originSyncId" = EXCLUDED."originSyncId", "davName" = EXCLUDED."davName", "changedAt" = EXCLUDED."changedAt"
      )
      SELECT "userId"::text AS "userId", revision FROM head`;
    const headOf = new Map(heads.map((h) => [h.userId, h.revision]));
    changes.forEach((c, i) => {
      const key = `${c.userId}/${c.kind}`;
      const revision = headOf.get(c.userId)! - places.get(c.userId)! + place[i]!;
      if (!c.deleted && revision > (this.latest.get(key) ?? 0)) this.latest.set(key, revision);
    });
    const notices = heads.map(({ userId, revision }) => ({
      userId,
      revision,
      kinds: [...new Set(changes.filter((c) => c.userId === userId).map((c) => c.kind))].sort(),
    }));
    this.changes.clear();
    return notices;
  }

  /**
   * Once the write committed: the highest revision its changes gave a live object of this user
   * and kind (null: none), what the write knows of its objects' new revisions without reading
   * them again (a CalDAV PUT's ETag, src/caldav/put.ts).
   */
  latestLive(userId: string, kind: SyncKind): number | null {
    return this.latest.get(`${userId}/${kind}`) ?? null;
  }
}

/**
 * Locks the feed rows of these objects, and of those with these clientSyncIds, (in id order)
 * and returns them: every writer of an object goes through its feed row, so what is read here
 * stays true until commit.
 */
export async function lockFeedRows(tx: Tx, userId: string, kind: SyncKind, objectIds: string[], clientSyncIds: string[] = []) {
  if (!objectIds.length && !clientSyncIds.length) return new Map<string, FeedRow>();
  const rows = await tx.$queryRaw<FeedRow[]>`
    SELECT ${feedRowColumns} FROM "Change"
    WHERE "userId" = ${userId}::uuid AND kind = ${kind}::"SyncKind"
      AND ("objectId" = ANY(${objectIds}::uuid[]) OR "clientSyncId" = ANY(${clientSyncIds}::text[]))
    ORDER BY "objectId" FOR UPDATE`;
  return new Map(rows.map((row) => [row.objectId, row]));
}
