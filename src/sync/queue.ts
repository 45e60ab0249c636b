// Queue sessions (Base's Sync API): a device starts a session, pages through the objects it
// has not acknowledged (only their freshest state), and acknowledges what it stored. What it
// does not acknowledge comes again in its next session; an acknowledgement names a revision, so
// acknowledging an older state does not acknowledge a newer change.
import type { PrismaClient, Tx } from '../db/database.ts';
import { appError, badInput, ErrorCode, notFound } from '../errors.ts';
import { SyncKind } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import { feedStores } from './kinds.ts';
import { loadObjects, type SyncedObject } from './store.ts';

const maxActiveSessions = 100;
export const mainQueue = 'main';

interface QueueSettings {
  sessionIdleMs: number;
  queuePageSize: number;
}

export interface SyncSession {
  id: string;
  queues: Array<{ name: string; pages: number; totalCount: number }>;
}

type EventType = 'CREATED' | 'UPDATED' | 'DELETED';

export interface QueueItem {
  kind: SyncKind;
  id: string;
  eventType: EventType;
  ackKey: string;
  revision: number;
  /** Null when deleted: the item is then an instruction to delete the object locally. */
  object: SyncedObject | null;
}

interface QueuePage {
  items: QueueItem[];
  count: number;
  countLeft: number;
  failedObjects: Array<{ kind: SyncKind; id: string }>;
}

function validateDeviceUuid(deviceUuid: string): string {
  const trimmed = deviceUuid.trim();
  if (!trimmed || trimmed.length > 200) throw badInput('deviceUuid: 1 to 200 characters');
  return trimmed;
}

/** The session of this device's unacknowledged objects, or null when there is nothing new. */
export async function startSession(
  prisma: PrismaClient,
  settings: QueueSettings,
  userId: string,
  deviceUuid: string,
): Promise<SyncSession | null> {
  const device = validateDeviceUuid(deviceUuid);
  return prisma.$transaction(
    async (tx) => {
      // Serializes session starts of one user (for the limit) without blocking their writers.
      await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${userId}::uuid FOR NO KEY UPDATE`;
      const synchronizationId = await deviceSynchronization(tx, userId, device);
      const now = new Date();
      // A device has one session at a time: a new one replaces its previous one.
      await tx.syncSession.deleteMany({ where: { synchronizationId } });
      const active = await tx.syncSession.count({ where: { userId, expiresAt: { gt: now } } });
      if (active >= maxActiveSessions) {
        throw appError(
          ErrorCode.TOO_MANY_SESSIONS,
          `at most ${maxActiveSessions} active sync sessions per user: finish or let others expire`,
        );
      }
      const session = await tx.syncSession.create({
        data: { userId, synchronizationId, totalCount: 0, expiresAt: new Date(now.getTime() + settings.sessionIdleMs) },
      });
      const totalCount = await tx.$executeRaw`
        INSERT INTO "SyncSessionItem" ("sessionId", position, kind, "objectId")
        SELECT ${session.id}::uuid, (row_number() OVER (ORDER BY c.revision))::int, c.kind, c."objectId"
        FROM "Change" c
        JOIN "Synchronization" s ON s.id = ${synchronizationId}::uuid
        LEFT JOIN "SyncAck" a ON a."synchronizationId" = s.id AND a.kind = c.kind AND a."objectId" = c."objectId"
        WHERE c."userId" = ${userId}::uuid AND (a.revision IS NULL OR a.revision < c.revision)
          AND (NOT c.deleted OR a.revision IS NOT NULL OR c.revision > s."createdRevision")`;
      if (!totalCount) {
        await tx.syncSession.delete({ where: { id: session.id } });
        return null;
      }
      await tx.syncSession.update({ where: { id: session.id }, data: { totalCount } });
      return {
        id: session.id,
        queues: [{ name: mainQueue, pages: Math.ceil(totalCount / settings.queuePageSize), totalCount }],
      };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

/** The user's DEVICE synchronization of this UUID, created on first use (named by the UUID unless told). */
export async function deviceSynchronization(tx: Tx, userId: string, deviceUuid: string, name = deviceUuid): Promise<string> {
  const counter = await tx.syncCounter.findUnique({ where: { userId } });
  await tx.synchronization.createMany({
    data: [{ userId, type: 'DEVICE', deviceUuid, name, createdRevision: counter?.revision ?? 0 }],
    skipDuplicates: true,
  });
  const device = await tx.synchronization.findUniqueOrThrow({ where: { userId_deviceUuid: { userId, deviceUuid } } });
  return device.id;
}

/** Page `page` (from 1) of the session's queue, the objects as they are now; null past the end. */
export async function readQueuePage(
  prisma: PrismaClient,
  settings: QueueSettings,
  userId: string,
  sessionId: string,
  queue: string,
  page: number,
): Promise<QueuePage | null> {
  if (queue !== mainQueue) throw badInput(`queue: the only queue is "${mainQueue}"`);
  if (!Number.isInteger(page) || page < 1) throw badInput('page: pages are numbered from 1');
  if (!isUuid(sessionId)) throw notFound('sync session');
  const now = new Date();
  const touched = await prisma.syncSession.updateManyAndReturn({
    where: { id: sessionId, userId, expiresAt: { gt: now } },
    data: { expiresAt: new Date(now.getTime() + settings.sessionIdleMs) },
  });
  const session = touched[0];
  if (!session) throw notFound('sync session (it may have expired)');
  const offset = (page - 1) * settings.queuePageSize;
  if (offset >= session.totalCount) return null;

  const rows = await prisma.$queryRaw<
    Array<{ kind: SyncKind; objectId: string; revision: number | null; deleted: boolean | null; acked: boolean }>
  >`
    SELECT i.kind, i."objectId", c.revision, c.deleted, a.revision IS NOT NULL AS acked
    FROM "SyncSessionItem" i
    LEFT JOIN "Change" c ON c."userId" = ${userId}::uuid AND c.kind = i.kind AND c."objectId" = i."objectId"
    LEFT JOIN "SyncAck" a ON a."synchronizationId" = ${session.synchronizationId}::uuid
      AND a.kind = i.kind AND a."objectId" = i."objectId"
    WHERE i."sessionId" = ${sessionId}::uuid AND i.position > ${offset} AND i.position <= ${offset + settings.queuePageSize}
    ORDER BY i.position`;

  const live = rows.filter((row) => row.deleted === false);
  const objects = await loadObjects(
    prisma,
    userId,
    feedStores,
    live.map((row) => ({ kind: row.kind, id: row.objectId })),
  );
  const items: QueueItem[] = [];
  const failedObjects: QueuePage['failedObjects'] = [];
  for (const row of rows) {
    // A purged tombstone has no feed row left: still a delete, at revision 0.
    const deleted = row.deleted !== false;
    const revision = row.revision ?? 0;
    const object = deleted ? null : (objects.get(`${row.kind}/${row.objectId}`) ?? null);
    if (!deleted && !object) {
      failedObjects.push({ kind: row.kind, id: row.objectId }); // deleted since the page's first read
      continue;
    }
    items.push({
      kind: row.kind,
      id: row.objectId,
      eventType: deleted ? 'DELETED' : row.acked ? 'UPDATED' : 'CREATED',
      ackKey: ackKey(row.kind, row.objectId, revision),
      revision,
      object,
    });
  }
  const seen = Math.min(offset + settings.queuePageSize, session.totalCount);
  return { items, count: items.length, countLeft: session.totalCount - seen, failedObjects };
}

export function ackKey(kind: SyncKind, objectId: string, revision: number): string {
  return `${kind}-${objectId}-${revision}`;
}

const ackKeyPattern = new RegExp(
  `^(${Object.values(SyncKind).join('|')})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\\d{1,10})$`,
);

export function parseAckKey(key: string): { kind: SyncKind; objectId: string; revision: number } | null {
  const match = ackKeyPattern.exec(key);
  if (!match) return null;
  const revision = Number(match[3]);
  return revision > 2 ** 31 - 1 ? null : { kind: match[1] as SyncKind, objectId: match[2]!, revision };
}

/** Records acknowledgements; returns how many named an object of this user. */
export async function acknowledge(prisma: PrismaClient, userId: string, deviceUuid: string, ackKeys: string[]) {
  const device = validateDeviceUuid(deviceUuid);
  const parsed = ackKeys.map((key) => ({ key, ack: parseAckKey(key) }));
  const malformed = parsed.filter((p) => !p.ack).map((p) => p.key);
  if (malformed.length) {
    throw badInput(`ackKeys: not acknowledgement keys: ${malformed.slice(0, 5).join(', ')}`, { ackKeys: malformed });
  }
  const acks = parsed.map((p) => p.ack!);
  const synchronization = await prisma.synchronization.findUnique({
    where: { userId_deviceUuid: { userId, deviceUuid: device } },
  });
  if (!synchronization) throw notFound('device (start a sync session first)');
  if (!acks.length) return 0;
  // An acknowledgement never reaches past the object's current revision: a key cannot
  // acknowledge a change that has not happened yet.
  return prisma.$executeRaw`
    INSERT INTO "SyncAck" ("synchronizationId", kind, "objectId", revision)
    SELECT ${synchronization.id}::uuid, c.kind, c."objectId", MAX(LEAST(k.revision, c.revision))
    FROM unnest(${acks.map((a) => a.kind)}::text[], ${acks.map((a) => a.objectId)}::text[], ${acks.map((a) => a.revision)}::int[])
      AS k(kind, id, revision)
    JOIN "Change" c ON c."userId" = ${userId}::uuid AND c.kind = k.kind::"SyncKind" AND c."objectId" = k.id::uuid
    GROUP BY c.kind, c."objectId"
    ON CONFLICT ("synchronizationId", kind, "objectId")
      DO UPDATE SET revision = GREATEST("SyncAck".revision, EXCLUDED.revision)`;
}
