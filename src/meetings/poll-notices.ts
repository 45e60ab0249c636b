// When the poll notices go out (poll-mail.ts writes them). Beyond the invitations, the organizer
// hears when every invitee has answered (from the vote that completes the poll: votes.ts
// noteAnswer) and
// when the deadline has passed; invitees who have not answered are reminded a set time
// (Meeting.pollReminderMinutesBefore) before it.
//
// Each goes out once per occasion: a column on the meeting (everyoneAnsweredAt,
// pollClosedNoticeAt, pollReminderSentAt) records it, set in the transaction that queues the
// mail, and a change that makes a new occasion clears it (noticeResets: a new deadline or
// reminder time; a new invitee for "everyone has answered"). The deadline and the reminder
// have no write to ride on: the job below finds what is due at the server's clock, and takes
// each meeting in its own transaction with FOR UPDATE SKIP LOCKED, so instances sharing a
// database never queue one twice; a meeting being changed meanwhile is left to the next run.
//
// Due notices are read through the (status, pollDeadline) index; a run costs one statement
// when nothing is due.
import { enqueueMessage } from '../email/outbox.ts';
import type { Meeting } from '../generated/prisma/client.ts';
import type { Job } from '../jobs.ts';
import { runWrite, type WriteContext, type WriteServices } from '../write.ts';
import { organizersOf } from './invitations.ts';
import { dueNotices, hasAnswered, reminderTime } from './poll.ts';
import { pollClosedMessage, pollReminderMessage } from './poll-mail.ts';
import { newVoteToken, votePath } from './vote-tokens.ts';
import { pollOf } from './votes.ts';

/** The deadline notice and the reminders due at `now`, each meeting in its own write; how many of each went out. */
export async function sendDuePollNotices(services: WriteServices, now: Date): Promise<{ closed: number; reminded: number }> {
  const candidates = await services.prisma.$queryRaw<Array<{ id: string; userId: string }>>`
    SELECT id, "userId" FROM "Meeting"
    WHERE status = 'POLLING' AND "pollDeadline" IS NOT NULL AND (
      ("pollDeadline" <= ${now} AND "pollClosedNoticeAt" IS NULL)
      OR ("pollReminderMinutesBefore" IS NOT NULL AND "pollReminderSentAt" IS NULL AND "pollDeadline" > ${now}
          AND "pollDeadline" - make_interval(mins => "pollReminderMinutesBefore") <= ${now}))
    ORDER BY "pollDeadline"`;
  const result = { closed: 0, reminded: 0 };
  for (const candidate of candidates) {
    await runWrite(services, { userId: candidate.userId }, async (w) => {
      const locked = await w.tx.$queryRaw<unknown[]>`SELECT 1 FROM "Meeting" WHERE id = ${candidate.id}::uuid FOR UPDATE SKIP LOCKED`;
      if (!locked.length) return;
      const meeting = await w.tx.meeting.findUniqueOrThrow({ where: { id: candidate.id } });
      const due = dueNotices(meeting, now);
      if (due.closed) {
        await sendClosedNotice(w, meeting, now);
        result.closed++;
      }
      if (due.reminder) result.reminded += await sendReminders(w, meeting, now);
    });
  }
  return result;
}

async function sendClosedNotice(w: WriteContext, meeting: Meeting, now: Date) {
  const poll = await pollOf(w.tx, meeting);
  const organizer = (await organizersOf(w.tx, [meeting.userId])).get(meeting.userId)!;
  await enqueueMessage(w, pollClosedMessage(poll, organizer));
  await w.tx.$executeRaw`UPDATE "Meeting" SET "pollClosedNoticeAt" = ${now} WHERE id = ${meeting.id}::uuid`;
}

/**
 * Reminds each invitee with an email who has not answered and was invited before the reminder
 * time (one invited later has just had the invitation), with a new vote token in the link.
 */
async function sendReminders(w: WriteContext, meeting: Meeting, now: Date): Promise<number> {
  const remindFrom = reminderTime(meeting.pollDeadline!, meeting.pollReminderMinutesBefore!);
  const [options, invitees, organizers] = await Promise.all([
    w.tx.meetingOption.findMany({ where: { meetingId: meeting.id }, orderBy: { start: 'asc' } }),
    w.tx.meetingInvitee.findMany({ where: { meetingId: meeting.id }, orderBy: { position: 'asc' } }),
    organizersOf(w.tx, [meeting.userId]),
  ]);
  const state = { meeting, options: options.map((o) => o.start), invitees };
  const waiting = invitees.filter((i): i is typeof i & { email: string } => !!i.email && !hasAnswered(i) && i.createdAt <= remindFrom);
  if (w.publicUrl) {
    for (const invitee of waiting) {
      const { token, hash } = newVoteToken();
      await w.tx.meetingInvitee.update({ where: { id: invitee.id }, data: { voteTokenHash: hash } });
      const link = `${w.publicUrl}${votePath(meeting.id, invitee.id, token)}`;
      await enqueueMessage(w, pollReminderMessage(state, organizers.get(meeting.userId)!, invitee, link, now));
    }
  }
  await w.tx.$executeRaw`UPDATE "Meeting" SET "pollReminderSentAt" = ${now} WHERE id = ${meeting.id}::uuid`;
  return w.publicUrl ? waiting.length : 0;
}

/** The job: every POLL_NOTICE_SECONDS, what is due at the server's clock. */
export function pollNoticesJob(services: WriteServices, clock: () => Date, intervalMs: number): Job {
  return { name: 'poll notices', intervalMs, jitterMs: intervalMs / 10, run: () => sendDuePollNotices(services, clock()) };
}
