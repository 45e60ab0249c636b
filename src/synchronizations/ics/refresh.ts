// Refreshing ICS synchronizations: fetch the feed, parse it, mirror it, record the outcome.
//
// One refresh of a feed at a time, whatever the number of instances: a refresh first claims
// the feed's IcsFeedState row in one statement, setting its lease (claimedUntil) where no
// unexpired lease is set; a second claimant, on this instance or another, finds the lease and
// leaves the feed alone. The lease outlasts the fetch's timeout; a process that dies holding
// one leaves the feed to the first run after it ran out. No transaction is open while fetching
// (on the embedded database, that would stop every other write).
//
// What a refresh writes:
// - nothing but the outcome when the feed is unchanged: a 304 to the conditional GET, or a
//   body whose hash, with what shaped the last import (URL, account, horizon), is the same;
// - otherwise, in one transaction: the mirrored appointments (mirror.ts), the validators and
//   the hash, and the success;
// - on any failure (fetch, refused address, too large, not iCalendar, the account gone, the
//   provisioning unreadable), only the failure: the mirrored appointments stay as they are,
//   and the next success recovers.
// The horizon (the window in which unexpressible rules are expanded) moves once a day, and a
// new day changes the shape: the first refresh of a day fetches unconditionally and imports.
import { createHash } from 'node:crypto';
import type { YogaLogger } from 'graphql-yoga';
import { connectedAccounts } from '../../accounts/connections.ts';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/database.ts';
import { badInput, conflict, notFound } from '../../errors.ts';
import type { Synchronization } from '../../generated/prisma/client.ts';
import { type Horizon, parseFeed } from '../../ical/events.ts';
import type { Job } from '../../jobs.ts';
import { type SecretBox, SecretUnreadable } from '../../secrets.ts';
import { runWrite, type WriteServices } from '../../write.ts';
import { readProvisioning, recordSyncOutcome } from '../synchronizations.ts';
import { FeedFetchError, fetchFeed } from './fetch-feed.ts';
import { mirrorFeed } from './mirror.ts';

export type IcsOptions = Config['ics'];

export interface IcsServices extends WriteServices {
  secretBox: SecretBox;
}

/** A failure that is the feed's (or the provisioning's), recorded as the synchronization's lastError. */
class FeedInvalid extends Error {}

const DAY_MS = 86_400_000;

/** The window for expanded rules: whole UTC days around today, so that it moves once a day. */
export function horizonOf(now: Date, options: Pick<IcsOptions, 'expandPastDays' | 'expandFutureDays'>): Horizon {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(today - options.expandPastDays * DAY_MS), to: new Date(today + options.expandFutureDays * DAY_MS) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Claims a feed for one refresh: `synchronizationId`'s whatever its schedule, or else the ICS
 * synchronization due first. Its id, or null when there is none (or it is claimed already).
 */
async function claim(prisma: PrismaClient, options: IcsOptions, synchronizationId: string | null): Promise<string | null> {
  const leaseMs = options.timeoutMs + 60_000;
  const [row] = await prisma.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "IcsFeedState" ("synchronizationId", "dueAt", "claimedUntil")
    SELECT s.id, now(), now() + ${leaseMs}::float8 * interval '1 millisecond'
    FROM "Synchronization" s LEFT JOIN "IcsFeedState" f ON f."synchronizationId" = s.id
    WHERE s.type = 'ICS'
      AND (${synchronizationId}::uuid IS NULL OR s.id = ${synchronizationId}::uuid)
      AND (f."synchronizationId" IS NULL
        OR ((${synchronizationId}::uuid IS NOT NULL OR f."dueAt" <= now()) AND (f."claimedUntil" IS NULL OR f."claimedUntil" < now())))
    ORDER BY f."dueAt" NULLS FIRST LIMIT 1
    ON CONFLICT ("synchronizationId") DO UPDATE SET "claimedUntil" = excluded."claimedUntil"
      WHERE "IcsFeedState"."claimedUntil" IS NULL OR "IcsFeedState"."claimedUntil" < now()
    RETURNING "synchronizationId"::text AS id`;
  return row?.id ?? null;
}

/** Ends a claim: the next refresh is due in an interval and up to a tenth of one more. */
async function release(prisma: PrismaClient, options: IcsOptions, synchronizationId: string) {
  const waitMs = options.refreshMs * (1 + Math.random() / 10);
  await prisma.$executeRaw`
    UPDATE "IcsFeedState" SET "claimedUntil" = NULL, "dueAt" = now() + ${waitMs}::float8 * interval '1 millisecond'
    WHERE "synchronizationId" = ${synchronizationId}::uuid`;
}

/** What one refresh did. */
export type RefreshResult =
  | { status: 'unchanged' }
  | { status: 'imported'; created: number; updated: number; removed: number; skipped: number }
  | { status: 'failed'; error: string };

/** Refreshes a claimed feed and records the outcome; errors of the feed's own are results, anything else is thrown. */
async function refreshClaimed(services: IcsServices, options: IcsOptions, synchronization: Synchronization): Promise<RefreshResult> {
  const { prisma } = services;
  const actor = { userId: synchronization.userId, origin: { synchronizationId: synchronization.id } };
  try {
    const provisioning = readProvisioning(services.secretBox, { ...synchronization, type: 'ICS' });
    const state = await prisma.icsFeedState.findUniqueOrThrow({ where: { synchronizationId: synchronization.id } });
    const horizon = horizonOf(new Date(), options);
    const shape = sha256(JSON.stringify([provisioning.url, provisioning.accountId, horizon.from]));
    const sameShape = state.importHash?.startsWith(`${shape}:`) ?? false;
    const fetched = await fetchFeed(provisioning.url, sameShape ? state : null, options);
    if (fetched.status === 'unchanged') {
      await runWrite(services, actor, (w) => recordSyncOutcome(w, synchronization.id, { ok: true }));
      return { status: 'unchanged' };
    }
    const importHash = `${shape}:${sha256(fetched.body)}`;
    const validators = { etag: fetched.etag, lastModified: fetched.lastModified, importHash };
    if (importHash === state.importHash) {
      await runWrite(services, actor, async (w) => {
        await w.tx.icsFeedState.update({ where: { synchronizationId: synchronization.id }, data: validators });
        await recordSyncOutcome(w, synchronization.id, { ok: true });
      });
      return { status: 'unchanged' };
    }
    const parsed = parseFeed(fetched.body, horizon);
    if (!parsed.ok) throw new FeedInvalid(parsed.message);
    return await runWrite(services, actor, async (w) => {
      const connected = await connectedAccounts(w.tx, w.userId, [provisioning.accountId]);
      if (!connected.has(provisioning.accountId)) throw new FeedInvalid('the account the feed goes on is no longer one of yours');
      const mirrored = await mirrorFeed(w, provisioning.accountId, parsed.data.events);
      await w.tx.icsFeedState.update({ where: { synchronizationId: synchronization.id }, data: validators });
      await recordSyncOutcome(w, synchronization.id, { ok: true });
      const { created, updated, removed } = mirrored;
      return { status: 'imported', created, updated, removed, skipped: parsed.data.skipped.length + mirrored.invalid.length } as const;
    });
  } catch (error) {
    if (!(error instanceof FeedFetchError || error instanceof FeedInvalid || error instanceof SecretUnreadable)) throw error;
    await runWrite(services, actor, (w) => recordSyncOutcome(w, synchronization.id, { ok: false, error: error.message }));
    return { status: 'failed', error: error.message };
  }
}

/** Claims, refreshes and releases one feed. */
async function refreshOne(services: IcsServices, options: IcsOptions, synchronizationId: string): Promise<RefreshResult | null> {
  try {
    const synchronization = await services.prisma.synchronization.findUnique({ where: { id: synchronizationId } });
    return synchronization ? await refreshClaimed(services, options, synchronization) : null;
  } finally {
    await release(services.prisma, options, synchronizationId);
  }
}

/**
 * refreshSynchronization: fetches the feed now, whatever its schedule, and returns the
 * synchronization with the outcome recorded. `userId` null: an admin's, any user's.
 */
export async function refreshSynchronization(
  services: IcsServices,
  options: IcsOptions,
  synchronizationId: string,
  userId: string | null,
): Promise<Synchronization> {
  const synchronization = await services.prisma.synchronization.findFirst({
    where: { id: synchronizationId, ...(userId ? { userId } : {}) },
  });
  if (!synchronization) throw notFound('synchronization');
  if (synchronization.type !== 'ICS') throw badInput(`id: a ${synchronization.type} synchronization is not refreshed by convene`);
  if (!(await claim(services.prisma, options, synchronizationId))) throw conflict('a refresh of this synchronization is running');
  await refreshOne(services, options, synchronizationId);
  return (await services.prisma.synchronization.findUnique({ where: { id: synchronizationId } })) ?? synchronization;
}

/** The job: refreshes every due feed, one after the other, until none is due (or the server stops). */
export function icsRefreshJob(services: IcsServices, options: IcsOptions, logger: YogaLogger): Job {
  return {
    name: 'ics refresh',
    intervalMs: options.pollMs,
    jitterMs: options.pollMs / 10,
    async run(signal) {
      const counts = { unchanged: 0, imported: 0, failed: 0 };
      while (!signal.aborted) {
        const id = await claim(services.prisma, options, null);
        if (!id) break;
        const result = await refreshOne(services, options, id).catch((error: unknown) => {
          logger.error(`ics refresh of synchronization ${id} failed`, error);
          return { status: 'failed' } as const;
        });
        if (result) counts[result.status]++;
      }
      return counts;
    },
  };
}
