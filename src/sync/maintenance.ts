// Periodic clean-up of sync state. Every instance runs it; each step is idempotent.
import type { PrismaClient } from '../db/database.ts';

interface PurgeResult {
  tombstones: number;
  sessions: number;
  commits: number;
  cancelledMeetings: number;
}

/**
 * Removes tombstones, commit records, idle sessions and cancelled meetings (kept so that
 * meetings(updatedSince) can report them, as long as tombstones) past their time. Purging a user's
 * tombstones raises their feed floor in the same statement: a token from below the floor
 * could miss a delete, so it gets SYNC_TOKEN_EXPIRED and the client syncs from scratch.
 */
export async function purgeSyncState(prisma: PrismaClient, retentionMs: number, now = new Date()): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - retentionMs);
  const [purged] = await prisma.$queryRaw<Array<{ tombstones: number }>>`
    WITH purged AS (
      DELETE FROM "Change" WHERE deleted AND "changedAt" < ${cutoff} RETURNING "userId", revision
    ), floors AS (
      UPDATE "SyncCounter" c SET floor = GREATEST(c.floor, p.top)
      FROM (SELECT "userId", MAX(revision) AS top FROM purged GROUP BY "userId") p
      WHERE c."userId" = p."userId"
    )
    SELECT COUNT(*)::int AS tombstones FROM purged`;
  // Pending deliveries and acknowledgements of objects whose tombstone is gone.
  await prisma.$executeRaw`
    DELETE FROM "SyncPending" p USING "Synchronization" s
    WHERE s.id = p."synchronizationId" AND NOT EXISTS (SELECT 1 FROM "Change" c
      WHERE c."userId" = s."userId" AND c.kind = p.kind AND c."objectId" = p."objectId")`;
  await prisma.$executeRaw`
    DELETE FROM "SyncAck" a USING "Synchronization" s
    WHERE s.id = a."synchronizationId" AND NOT EXISTS (SELECT 1 FROM "Change" c
      WHERE c."userId" = s."userId" AND c.kind = a.kind AND c."objectId" = a."objectId")`;
  const sessions = await prisma.syncSession.deleteMany({ where: { expiresAt: { lte: now } } });
  const commits = await prisma.syncCommit.deleteMany({ where: { createdAt: { lt: cutoff } } });
  const meetings = await prisma.meeting.deleteMany({ where: { status: 'CANCELLED', cancelledAt: { lt: cutoff } } });
  return { tombstones: purged!.tombstones, sessions: sessions.count, commits: commits.count, cancelledMeetings: meetings.count };
}
