// The outbox relay: sends the messages enqueueMessage wrote (outbox.ts), as a background job.
//
// How a message is sent once. Each of MAIL_CONNECTIONS workers repeats, until nothing is due:
//   1. claim: one statement takes the earliest due rows, `mailer.batch` of them (one over
//      SMTP; FOR UPDATE SKIP LOCKED, so instances on one PostgreSQL database never take the
//      same row), counts the attempt, and moves each row's next attempt MAIL_CLAIM_SECONDS
//      ahead: that is the claim's lease;
//   2. send them over SMTP, one after another;
//   3. as soon as the server has accepted them (its 250 answer to DATA), mark them sent: in the
//      statement of the next claim, which is the worker's next step (one statement per
//      message over SMTP instead of two: bench/README.md, Meetings), or with a claim of none when the
//      worker stops; on a failure, record the error and set the retry (MAIL_RETRY_SECONDS,
//      doubling per attempt, at most an hour apart) or, out of attempts or refused for good
//      (5xx), give up.
// No transaction is held open while sending (on the embedded database, that would stop every
// other write), so a process that dies between 1 and 3 leaves the row claimed; once the lease
// has run out, a run (of this instance after a restart, or of another) claims and sends it again.
//
// The guarantee: every enqueued message reaches the SMTP server at least once (until it is
// given up, with its last error recorded), and every send of a row carries the same
// Message-ID, Date and content (for an invitation, the same UID, SEQUENCE and DTSTAMP). A
// second send happens only when the process died (or lost the database) after the server had
// the message and before the sent mark was committed, a window of one statement after the 250
// answer, or when a send outlived its lease (the SMTP timeouts in mailer.ts keep it well
// inside); receivers that deduplicate by Message-ID (Gmail, Exchange) show it once, and a
// calendar applies an iTIP REQUEST with an unchanged UID and SEQUENCE as the same update.
// Without SMTP (mail to the log) nobody receives a message twice, so a claim takes many rows
// and a crash may log a batch again.
import type { PrismaClient } from '../db/database.ts';
import type { OutboxMessage } from '../generated/prisma/client.ts';
import type { Job } from '../jobs.ts';
import { isPermanentFailure, type Mailer } from './mailer.ts';
import { onMessagesEnqueued } from './outbox.ts';

export interface RelayOptions {
  /** Concurrent sends (workers). */
  connections: number;
  maxAttempts: number;
  /** The wait before the first retry; it doubles with each attempt, up to maxRetryMs. */
  retryMs: number;
  /** The lease of a claim. */
  claimMs: number;
}

export interface RelayResult {
  sent: number;
  retrying: number;
  failed: number;
}

export const maxRetryMs = 3_600_000;
/** Sent and given-up messages are kept this long (a key enqueued again meanwhile is not sent twice). */
const retentionMs = 30 * 86_400_000;

/** Sends every due message; returns when none is left, or early (each worker finishing its send) when `signal` aborts. */
export async function relayOutbox(prisma: PrismaClient, mailer: Mailer, options: RelayOptions, signal?: AbortSignal): Promise<RelayResult> {
  const result: RelayResult = { sent: 0, retrying: 0, failed: 0 };
  result.failed += await giveUpAbandoned(prisma, options.maxAttempts);
  const worker = async () => {
    let sent: string[] = [];
    for (;;) {
      // Stopped: the sent marks go out with a claim of none.
      const messages = await claim(prisma, options, signal?.aborted ? 0 : mailer.batch, sent);
      sent = [];
      if (!messages.length) return;
      for (const message of messages) {
        try {
          await mailer.send(message);
        } catch (error) {
          const permanent = isPermanentFailure(error);
          const giveUp = permanent || message.attempts >= options.maxAttempts;
          await recordFailure(prisma, message, (error as Error).message ?? String(error), giveUp, options.retryMs);
          result[giveUp ? 'failed' : 'retrying']++;
          continue;
        }
        sent.push(message.id);
        result.sent++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return result;
}

/** Marks `sent` sent and claims up to `batch` due rows, earliest first, in one statement. */
async function claim(prisma: PrismaClient, options: RelayOptions, batch: number, sent: string[]): Promise<OutboxMessage[]> {
  const rows = await prisma.$queryRaw<OutboxMessage[]>`
    WITH sent AS (UPDATE "OutboxMessage" SET "sentAt" = now(), "lastError" = NULL WHERE id = ANY(${sent}::uuid[]))
    UPDATE "OutboxMessage" SET attempts = attempts + 1, "nextAttemptAt" = now() + ${options.claimMs}::float8 * interval '1 millisecond'
    WHERE id IN (
      SELECT id FROM "OutboxMessage"
      WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND "nextAttemptAt" <= now() AND attempts < ${options.maxAttempts}
      ORDER BY "nextAttemptAt" LIMIT ${batch} FOR UPDATE SKIP LOCKED)
    RETURNING *`;
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

async function recordFailure(prisma: PrismaClient, message: OutboxMessage, error: string, giveUp: boolean, retryMs: number) {
  if (giveUp) {
    await prisma.$executeRaw`UPDATE "OutboxMessage" SET "failedAt" = now(), "lastError" = ${error} WHERE id = ${message.id}::uuid`;
    return;
  }
  const delay = Math.min(retryMs * 2 ** (message.attempts - 1), maxRetryMs);
  await prisma.$executeRaw`
    UPDATE "OutboxMessage" SET "nextAttemptAt" = now() + ${delay}::float8 * interval '1 millisecond', "lastError" = ${error}
    WHERE id = ${message.id}::uuid`;
}

/** Rows whose every attempt was claimed and never ended (the process died each time): given up. */
async function giveUpAbandoned(prisma: PrismaClient, maxAttempts: number): Promise<number> {
  return prisma.$executeRaw`
    UPDATE "OutboxMessage"
    SET "failedAt" = now(), "lastError" = concat_ws(': ', 'no result after the last attempt (the process stopped while sending?)', "lastError")
    WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND "nextAttemptAt" <= now() AND attempts >= ${maxAttempts}`;
}

/** Removes sent and given-up messages past the retention. */
export async function purgeOutbox(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs);
  const purged = await prisma.outboxMessage.deleteMany({ where: { OR: [{ sentAt: { lt: cutoff } }, { failedAt: { lt: cutoff } }] } });
  return purged.count;
}

/** The relay as a job: runs every `pollMs` for retries, and at once after a commit that enqueued mail in this process. */
export function outboxRelayJob(prisma: PrismaClient, mailer: Mailer, options: RelayOptions & { pollMs: number }): Job {
  let purgedAt = 0;
  return {
    name: 'outbox relay',
    intervalMs: options.pollMs,
    jitterMs: options.pollMs / 10,
    wakeOn: onMessagesEnqueued,
    async run(signal) {
      const result = await relayOutbox(prisma, mailer, options, signal);
      if (Date.now() - purgedAt > maxRetryMs) {
        purgedAt = Date.now();
        return { ...result, purged: await purgeOutbox(prisma) };
      }
      return result;
    },
  };
}
