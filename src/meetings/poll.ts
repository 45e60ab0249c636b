// The poll, as pure functions: what each invitee's response says about each option
// (interpolation), the tallies per option, their ranking, and the voter's busy items next to
// each option (adjacent events). src/meetings/votes.ts reads the rows and busy time for them.
import { Temporal } from 'temporal-polyfill';
import type { Interval } from '../calendar/intervals.ts';
import type { Meeting, VoteResponse } from '../generated/prisma/client.ts';
import type { MeetingFields } from './input.ts';

export type Answer = 'YES' | 'NO' | 'MAYBE' | 'PENDING';

/** Whether an invitee has answered the poll: any response but NOT_YET (never voted, or voted "not yet"). */
export const hasAnswered = (invitee: { response: VoteResponse }) => invitee.response !== 'NOT_YET';

export interface Vote {
  response: VoteResponse;
  /** The options a CUSTOM vote prefers (epoch ms). */
  preferred: ReadonlySet<number>;
}

/**
 * An invitee's answer for each option (starts in epoch ms, each lasting durationMs):
 * ALWAYS yes everywhere; NO no everywhere; MAYBE maybe everywhere; CUSTOM yes on the preferred
 * options, no elsewhere; WHEN_AVAILABLE yes where `busy` has nothing overlapping the option,
 * no where it has, pending where `busy` is null (convene knows no calendar of theirs);
 * NOT_YET pending. `busy`: half-open intervals, so an item ending at the option's start does
 * not make it busy.
 */
export function interpolate(vote: Vote, options: readonly number[], durationMs: number, busy: readonly Interval[] | null): Answer[] {
  return options.map((start): Answer => {
    switch (vote.response) {
      case 'ALWAYS':
        return 'YES';
      case 'NO':
        return 'NO';
      case 'MAYBE':
        return 'MAYBE';
      case 'CUSTOM':
        return vote.preferred.has(start) ? 'YES' : 'NO';
      case 'WHEN_AVAILABLE': {
        if (!busy) return 'PENDING';
        const end = start + durationMs;
        return busy.some((b) => b.start < end && b.end > start) ? 'NO' : 'YES';
      }
      default:
        return 'PENDING';
    }
  });
}

export interface Tally {
  /** Epoch ms. */
  start: number;
  yes: number;
  no: number;
  maybe: number;
  pending: number;
}

/** Per option (in `options` order), how many invitees answer what; `answers[i][j]`: invitee i, option j. */
export function tally(options: readonly number[], answers: readonly Answer[][]): Tally[] {
  return options.map((start, j) => {
    const t: Tally = { start, yes: 0, no: 0, maybe: 0, pending: 0 };
    for (const row of answers) {
      const answer = row[j]!;
      if (answer === 'YES') t.yes++;
      else if (answer === 'NO') t.no++;
      else if (answer === 'MAYBE') t.maybe++;
      else t.pending++;
    }
    return t;
  });
}

/** The ranking's order: more yes first; with as many, more maybe first; then the earlier option. */
export const byScore = (a: Tally, b: Tally) => b.yes - a.yes || b.maybe - a.maybe || a.start - b.start;

/** The options best first (byScore); a copy. */
export const rank = (tallies: readonly Tally[]): Tally[] => [...tallies].sort(byScore);

export interface AdjacentItem extends Interval {
  /** The title to show: the item's own for the voter's items, "busy" for others'. */
  title: string;
}

export interface Adjacent {
  before: AdjacentItem | null;
  after: AdjacentItem | null;
}

/**
 * For an option [start, start + durationMs): the voter's busy item that ends last at or before
 * its start, and the one that starts first at or after its end, both on the option's day in
 * `timezone` (Meekan shows what surrounds the slot that day). Items overlapping the option are
 * neither (they make it busy, which the answers already say).
 */
export function adjacentItems(start: number, durationMs: number, timezone: string, items: readonly AdjacentItem[]): Adjacent {
  const day = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timezone).startOfDay();
  const dayStart = day.epochMilliseconds;
  const dayEnd = day.add({ days: 1 }).epochMilliseconds;
  const end = start + durationMs;
  let before: AdjacentItem | null = null;
  let after: AdjacentItem | null = null;
  for (const item of items) {
    if (item.end <= start && item.end > dayStart && (!before || item.end > before.end)) before = item;
    if (item.start >= end && item.start < dayEnd && (!after || item.start < after.start)) after = item;
  }
  return { before, after };
}

// ---- Poll notices (src/meetings/poll-notices.ts): when each is due, and what makes it news again ----

type NoticeColumns = Pick<Meeting, 'pollReminderSentAt' | 'pollClosedNoticeAt'>;

/** The notice marks a change of `before` into `after` clears: a new deadline is a new occasion for both, a new reminder time for the reminder. */
export function noticeResets(before: Meeting, after: MeetingFields): Partial<NoticeColumns> {
  const deadlineChanged = before.pollDeadline?.getTime() !== after.pollDeadline?.getTime();
  return {
    ...(deadlineChanged ? { pollClosedNoticeAt: null } : {}),
    ...(deadlineChanged || before.pollReminderMinutesBefore !== after.pollReminderMinutesBefore ? { pollReminderSentAt: null } : {}),
  };
}

/** Which of a polling meeting's timed notices are due at `now`. */
export function dueNotices(meeting: Meeting, now: Date): { closed: boolean; reminder: boolean } {
  const deadline = meeting.pollDeadline;
  if (meeting.status !== 'POLLING' || !deadline) return { closed: false, reminder: false };
  const minutes = meeting.pollReminderMinutesBefore;
  return {
    closed: deadline <= now && !meeting.pollClosedNoticeAt,
    // Never after the deadline: a reminder that was missed (the server was down) is not sent late.
    reminder: minutes !== null && !meeting.pollReminderSentAt && deadline > now && reminderTime(deadline, minutes) <= now,
  };
}

/** When the reminder of a deadline is due. */
export const reminderTime = (deadline: Date, minutes: number) => new Date(deadline.getTime() - minutes * 60_000);
