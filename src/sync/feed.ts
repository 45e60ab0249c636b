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
}

/** Collects a transaction's changes; runWrite (src/write.ts) flushes them to the feed as its last step. */
export class ChangeRecorder {
  private readonly changes = new Map<string, Change>();

  record(change: Change) {
    this.changes.set(`${change.userId}/${change.kind}/${change.objectId}`, change);
  }

  /** A change to this object of the feed, made by `origin`'s commit (or by none). */
  recordObject(kind: SyncKind, object: { id: string; userId: string; clientSyncId: string | null }, deleted: boolean, origin: Origin) {
    this.record({
      userId: object.userId,
      kind,
      objectId: object.id,
      deleted,
      clientSyncId: object.clientSyncId,
      originSyncId: origin.synchronizationId,
    });
  }

  async flush(tx: Tx): Promise<ChangeNotice[]> {
    const byUser = new Map<string, Change[]>();
    for (const change of this.changes.values()) {
      const changes = byUser.get(change.userId);
      if (changes) changes.push(change);
      else byUser.set(change.userId, [change]);
    }
    const notices: ChangeNotice[] = [];
    for (const userId of [...byUser.keys()].sort()) {
      const changes = byUser.get(userId)!;
      const head = await advanceCounter(tx, userId, changes.length);
      const first = head - changes.length + 1;
      await tx.$executeRaw`
        INSERT INTO "Change" ("userId", kind, "objectId", revision, deleted, "clientSyncId", "originSyncId", "changedAt")
        SELECT ${userId}::uuid, c.kind::"SyncKind", c.id::uuid, c.revision, c.deleted, c.csid, c.origin::uuid, now()
        FROM unnest(
          ${changes.map((c) => c.kind)}::text[], ${changes.map((c) => c.objectId)}::text[],
          ${changes.map((_, i) => first + i)}::int[], ${changes.map((c) => c.deleted)}::boolean[],
          ${changes.map((c) => c.clientSyncId)}::text[], ${changes.map((c) => c.originSyncId)}::text[]
        ) AS c(kind, id, revision, deleted, csid, origin)
        ON CONFLICT ("userId", kind, "objectId") DO UPDATE SET
          revision = EXCLUDED.revision, deleted = EXCLUDED.deleted, "clientSyncId" = EXCLUDED."clientSyncId",
          "originSyncId" = EXCLUDED."originSyncId", "changedAt" = EXCLUDED."changedAt"`;
      notices.push({ userId, revision: head, kinds: [...new Set(changes.map((c) => c.kind))].sort() });
    }
    this.changes.clear();
    return notices;
  }
}

/** Takes `count` revisions for the user, locking the counter row until the transaction ends. */
async function advanceCounter(tx: Tx, userId: string, count: number): Promise<number> {
  const [row] = await tx.$queryRaw<Array<{ revision: number }>>`
    INSERT INTO "SyncCounter" ("userId", revision) VALUES (${userId}::uuid, ${count})
    ON CONFLICT ("userId") DO UPDATE SET revision = "SyncCounter".revision + EXCLUDED.revision
    RETURNING revision`;
  return row!.revision;
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
