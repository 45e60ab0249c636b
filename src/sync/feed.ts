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

import type { PrismaClient } from '../db/database.ts';
import type { SyncKind } from '../generated/prisma/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { ChangeNotice, PubSub } from '../pubsub.ts';

export type Tx = Prisma.TransactionClient;

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

/** Collects a transaction's changes; `flush` writes them to the feed as its last step. */
export class ChangeRecorder {
  private readonly changes = new Map<string, Change>();

  record(change: Change) {
    this.changes.set(`${change.userId}/${change.kind}/${change.objectId}`, change);
  }

  /** A change to this object of the feed, made by `origin`'s commit (or by none). */
  recordObject(
    kind: SyncKind,
    object: { id: string; userId: string; clientSyncId: string | null },
    deleted: boolean,
    origin: { synchronizationId: string | null },
  ) {
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

/** How often a write that PostgreSQL rolled back as a deadlock victim or serialization failure is run again. */
const maxAttempts = 5;

/**
 * Runs `work` in one transaction whose changes reach the feed before it commits; once it has
 * committed, each affected user's `changesAvailable` subscribers are told. Writers lock feed
 * rows before the objects (a series' before its exceptions'), but some paths cannot know every
 * row up front (a commit deleting a series, a disconnect): when PostgreSQL breaks a deadlock by
 * rolling this transaction back, it runs again from the start, which is safe because nothing
 * of it was kept.
 */
export async function writeWithChanges<T>(
  prisma: PrismaClient,
  pubsub: PubSub,
  work: (tx: Tx, changes: ChangeRecorder) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [result, notices] = await prisma.$transaction(
        async (tx) => {
          const changes = new ChangeRecorder();
          const result = await work(tx, changes);
          return [result, await changes.flush(tx)] as const;
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
      // After the response is on its way: with thousands of subscribers the fan-out takes a while.
      setImmediate(() => {
        for (const notice of notices) pubsub.publish('changes', notice.userId, notice);
      });
      return result;
    } catch (error) {
      if (attempt >= maxAttempts || !isWriteConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** A deadlock or serialization failure (SQLSTATE 40P01 / 40001), as Prisma reports it for model and raw queries. */
function isWriteConflict(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
  return e?.code === 'P2034' || e?.meta?.driverAdapterError?.cause?.kind === 'TransactionWriteConflict';
}
