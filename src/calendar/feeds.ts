// Calendar feeds: secret URLs (/feeds/cvf_<secret>.ics) that serve a user's calendar as
// iCalendar, for any calendar app to subscribe to. The secret is shown once, when the feed is
// made; only its SHA-256 is stored, and revoking a feed deletes it, so a revoked URL is exactly
// an unknown one.
//
// What a feed holds (its window): the user's appointments on all their accounts that end after
// the start of the UTC day FEED_PAST_DAYS days ago, every series that still runs then whole
// (from its first occurrence, with its exceptions), and the scheduled meetings they organize
// (not cancelled), with their attendees. Meetings they are invited to are not in it: their
// invitation mail brings those to their calendar.
//
// Its version: every change to the user's synced objects (appointments, meetings, tasks) raises
// their sync counter (src/sync/feed.ts), so the counter's revision, the export format version,
// the window's day, the user's own row (the organizer's name) and the accounts they are
// connected to (a disconnected account's appointments leave the feed) say whether the text
// changed: the ETag is made of them, and a conditional GET costs one statement.

import { hashSecret, newSecret } from '../auth/tokens.ts';
import type { Db } from '../db/database.ts';
import { meetingEvent } from '../email/invitation.ts';
import { notFound } from '../errors.ts';
import type { Appointment } from '../generated/prisma/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { EXPORT_FORMAT_VERSION, type ExportEvent } from '../ical/export.ts';
import { organizersOf, scheduledEvent } from '../meetings/invitations.ts';
import type { WriteContext } from '../write.ts';
import { type Expandable, ruleOf, seriesOf } from './appointments/occurrences.ts';
import { visibleAppointmentsIn } from './appointments/store.ts';

/** How far back a feed reaches: appointments that ended before then are left out. */
export const FEED_PAST_DAYS = 366;
/** How far ahead the RDATEs of a rule RRULE cannot say reach (src/ical/export.ts). */
export const FEED_RDATE_DAYS = 2 * 366;

const prefix = 'cvf_';
const DAY_MS = 86_400_000;
/** No appointment starts after this; the window is open-ended. */
const END_OF_TIME = new Date('9999-12-31T00:00:00Z');

/** The path of a feed's URL. */
export const feedPath = (secret: string) => `/feeds/${secret}.ics`;

/** The secret in a feed's file name (`cvf_....ics`), or null when it is not one. */
export function secretOfFile(file: string): string | null {
  const match = /^(cvf_[A-Za-z0-9_-]{43})\.ics$/.exec(file);
  return match ? match[1]! : null;
}

/** A new feed of the acting user, and its secret, which is never shown again. */
export async function createCalendarFeed(w: WriteContext) {
  const secret = newSecret(prefix);
  const feed = await w.tx.calendarFeed.create({ data: { userId: w.userId, secretHash: hashSecret(secret) } });
  return { feed, secret };
}

/** Revokes one of the acting user's feeds: its URL answers 404 from now on. NOT_FOUND for another's. */
export async function revokeCalendarFeed(w: WriteContext, id: string): Promise<void> {
  const { count } = await w.tx.calendarFeed.deleteMany({ where: { id, userId: w.userId } });
  if (!count) throw notFound('calendar feed');
}

/** What decides a feed's text, read in one statement; null for an unknown or revoked secret. */
export interface FeedVersion {
  userId: string;
  etag: string;
  lastModified: Date;
  /** The start of the window, as the ETag has it. */
  windowStart: Date;
}

export async function feedVersion(db: Db, secret: string, now: Date): Promise<FeedVersion | null> {
  const [row] = await db.$queryRaw<
    Array<{ userId: string; revision: number; userUpdatedAt: Date; changedAt: Date | null; createdAt: Date; accounts: string | null }>
  >(
    Prisma.sql`
      SELECT f."userId"::text AS "userId", COALESCE(c.revision, 0) AS revision, u."updatedAt" AS "userUpdatedAt",
             f."createdAt" AS "createdAt",
             (SELECT ch."changedAt" FROM "Change" ch WHERE ch."userId" = f."userId" AND ch.revision = c.revision) AS "changedAt",
             (SELECT md5(string_agg(ua."accountId"::text, ',' ORDER BY ua."accountId")) FROM "UserAccount" ua
               WHERE ua."userId" = f."userId") AS accounts
      FROM "CalendarFeed" f
      JOIN "User" u ON u.id = f."userId"
      LEFT JOIN "SyncCounter" c ON c."userId" = f."userId"
      WHERE f."secretHash" = ${hashSecret(secret)}`,
  );
  if (!row) return null;
  const windowStart = new Date((Math.floor(now.getTime() / DAY_MS) - FEED_PAST_DAYS) * DAY_MS);
  const day = windowStart.toISOString().slice(0, 10).replaceAll('-', '');
  const times = [row.userUpdatedAt, row.changedAt ?? row.createdAt].map((t) => t.getTime());
  return {
    userId: row.userId,
    etag: `"v${EXPORT_FORMAT_VERSION}-r${row.revision}-u${row.userUpdatedAt.getTime()}-a${(row.accounts ?? '').slice(0, 8)}-w${day}"`,
    lastModified: new Date(Math.max(...times)),
    windowStart,
  };
}

/** The events of a user's feed, for src/ical/export.ts. */
export async function feedEvents(db: Db, userId: string, windowStart: Date): Promise<ExportEvent[]> {
  const [appointments, meetings] = await Promise.all([
    visibleAppointmentsIn(db, userId, null, windowStart, END_OF_TIME),
    db.meeting.findMany({
      where: { userId, status: 'SCHEDULED', cancelledAt: null, start: { not: null } },
      include: { invitees: true },
      orderBy: { start: 'asc' },
    }),
  ]);
  const events = appointmentEvents(appointments);
  if (meetings.length) {
    const organizer = (await organizersOf(db, [userId])).get(userId)!;
    for (const meeting of meetings) {
      const state = { meeting, options: [], invitees: meeting.invitees };
      events.push(meetingEvent(scheduledEvent(state, organizer, meeting.sequence, meeting.updatedAt)));
    }
  }
  return events;
}

/**
 * Appointments as events of the writer: a change exception in its series' zone with the
 * occurrence it replaces; a series with its deleted occurrences and the dates of exceptions
 * that are not among `appointments` (those that ended before a feed's window: gone from it too).
 */
export function appointmentEvents(appointments: Array<Appointment & Expandable>): ExportEvent[] {
  const events: ExportEvent[] = [];
  const byId = new Map(appointments.map((a) => [a.id, a]));
  const present = new Set(appointments.flatMap((a) => (a.seriesId ? [`${a.seriesId}/${a.recurrenceDatePosition}`] : [])));
  for (const a of appointments) {
    const series = a.seriesId ? byId.get(a.seriesId) : undefined;
    const base: ExportEvent = {
      uid: series?.id ?? a.id,
      stamp: a.updatedAt,
      summary: a.title,
      location: a.location,
      description: a.notes,
      timezone: series?.timezone ?? a.timezone,
      fullTime: a.fullTime,
      start: a.start,
      end: a.end,
      shownAs: a.shownAs,
      lastModified: a.updatedAt,
      created: a.createdAt,
    };
    if (series) base.recurrenceOf = { series: seriesOf(series), rule: ruleOf(series), date: a.recurrenceDatePosition! };
    // An occurrence whose change exception ended before the window is gone from the feed too.
    const gone = a.replaced.filter((date) => !present.has(`${a.id}/${date}`));
    if (a.recurrenceType !== 'NONE') base.recurrence = { rule: ruleOf(a), deleted: [...a.deleteExceptions, ...gone] };
    events.push(base);
  }
  return events;
}

/** Where RDATEs end for a feed whose window starts at `windowStart`: fixed by the window, so the ETag covers it. */
export const rdateHorizonOf = (windowStart: Date) => new Date(windowStart.getTime() + (FEED_PAST_DAYS + FEED_RDATE_DAYS) * DAY_MS);
