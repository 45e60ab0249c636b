// The time a meeting occupies on its organizer's account: a scheduled meeting its event (every
// occurrence, when it repeats: Meekan's repeat_interval as a recurrence rule expanded in the
// meeting's zone, like an appointment's), a poll a tentative hold per option, a draft or a
// cancelled meeting nothing. Holds and events are not rows of their own: they are what the
// meeting's status, start and options say, so they can never disagree with the meeting.
import { Temporal } from 'temporal-polyfill';
import type { BusyItem, BusySource } from '../calendar/busy.ts';
import type { Span } from '../calendar/conflicts.ts';
import { expand, localDateTime, parseRecurrence, type Recurrence, type RecurrenceInput, type Weekday } from '../calendar/recurrence.ts';
import type { Meeting, MeetingRepeat } from '../generated/prisma/client.ts';

const minuteMs = 60_000;
const yearMs = 366 * 86_400_000;
const weekdays: Weekday[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/** What decides a meeting's time. */
export type MeetingTiming = Pick<Meeting, 'status' | 'start' | 'duration' | 'timezone' | 'repeat'>;

export interface MeetingSpan extends Span {
  tentative: boolean;
}

/** Meekan's repeat intervals as recurrence rules on the start's weekday, day of month or date. */
function ruleFor(repeat: MeetingRepeat, localStart: string): RecurrenceInput {
  const date = Temporal.PlainDate.from(localStart.slice(0, 10));
  const weekday = weekdays[date.dayOfWeek % 7]!;
  switch (repeat) {
    case 'DAILY':
      return { type: 'DAILY', interval: 1 };
    case 'WEEKLY':
      return { type: 'WEEKLY', interval: 1, days: [weekday] };
    case 'BIWEEKLY':
      return { type: 'WEEKLY', interval: 2, days: [weekday] };
    case 'MONTHLY':
      return { type: 'MONTHLY', interval: 1, dayInMonth: date.day };
    case 'YEARLY':
      return { type: 'YEARLY', interval: 1, dayInMonth: date.day, month: date.month };
    default:
      return { type: 'NONE' };
  }
}

/** The scheduled event's occurrences overlapping [from, to). */
export function eventSpans(timing: MeetingTiming & { start: Date }, from: Date, to: Date): Span[] {
  const durationMs = timing.duration * minuteMs;
  if (timing.repeat === 'NONE') {
    const end = new Date(timing.start.getTime() + durationMs);
    return timing.start < to && end > from ? [{ start: timing.start, end }] : [];
  }
  const start = localDateTime(timing.start, timing.timezone);
  return expand({ timezone: timing.timezone, fullTime: false, start, durationMs }, meetingRecurrence(timing), from, to);
}

/** The recurrence rule of a scheduled meeting's event (NONE when it does not repeat). */
export function meetingRecurrence(timing: Pick<Meeting, 'repeat' | 'timezone'> & { start: Date }): Recurrence {
  const rule = parseRecurrence(ruleFor(timing.repeat, localDateTime(timing.start, timing.timezone)));
  if (!rule.ok) throw new Error(`meeting repeat ${timing.repeat}: ${rule.message}`);
  return rule.data;
}

/** What the meeting occupies in [from, to): its event (definite) or its holds (tentative), by start. */
export function meetingSpans(timing: MeetingTiming, options: Date[], from: Date, to: Date): MeetingSpan[] {
  if (timing.status === 'SCHEDULED' && timing.start) {
    return eventSpans({ ...timing, start: timing.start }, from, to).map((span) => ({ ...span, tentative: false }));
  }
  if (timing.status !== 'POLLING') return [];
  return options
    .map((start) => ({ start, end: new Date(start.getTime() + timing.duration * minuteMs), tentative: true }))
    .filter((span) => span.start < to && span.end > from)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * What a change makes the meeting occupy that it did not before (a hold that becomes the event
 * counts: definite now), over the first year from its earliest span: what booking checks.
 */
export function addedSpans(before: { timing: MeetingTiming; options: Date[] } | null, after: { timing: MeetingTiming; options: Date[] }) {
  const horizon = (spans: Date[]) => {
    const from = new Date(Math.min(...spans.map((d) => d.getTime())));
    return { from, to: new Date(from.getTime() + yearMs) };
  };
  const starts = [...after.options, ...(after.timing.start ? [after.timing.start] : [])];
  if (!starts.length) return [];
  const { from, to } = horizon(starts);
  const key = (span: MeetingSpan) => `${span.start.getTime()}/${span.end.getTime()}/${span.tentative}`;
  const had = new Set(before ? meetingSpans(before.timing, before.options, from, to).map(key) : []);
  return meetingSpans(after.timing, after.options, from, to).filter((span) => !had.has(key(span)));
}

/** Scheduled meetings (definite) and poll holds (tentative) on the accounts, expanded. */
export const meetingsBusy: BusySource = {
  async items(db, { accountIds, from, to, exclude }) {
    if (!accountIds.length) return [];
    const meetings = await db.$queryRaw<
      Array<MeetingTiming & { id: string; userId: string; accountId: string; name: string; options: Date[] }>
    >`
      SELECT m.id::text, m."userId"::text, m."accountId"::text, m.name, m.status, m.start, m.duration, m.timezone, m.repeat,
             CASE WHEN m.status = 'POLLING' THEN ARRAY(
               SELECT o.start FROM "MeetingOption" o
               WHERE o."meetingId" = m.id AND o.start < ${to} AND o.start + m.duration * interval '1 minute' > ${from}
             ) ELSE '{}' END AS options
      FROM "Meeting" m
      WHERE m."accountId" = ANY(${accountIds}::uuid[]) AND m.id <> ALL(${exclude}::uuid[])
        AND (m.status = 'POLLING' OR (m.status = 'SCHEDULED' AND m.start < ${to}
          AND (m.repeat <> 'NONE' OR m.start + m.duration * interval '1 minute' > ${from})))`;
    return meetings.flatMap((m) =>
      meetingSpans(
        m,
        m.options.map((o) => new Date(o)),
        from,
        to,
      ).map((span): BusyItem => ({ kind: 'MEETING', id: m.id, ownerId: m.userId, accountId: m.accountId, title: m.name, ...span })),
    );
  },
};
