// The iCalendar of a meeting invitation or cancellation, as an iTIP message (RFC 5546) for
// sending by email (iMIP, RFC 6047; enqueueMessage's `calendar`, which nodemailer sends as a
// `text/calendar; method=...` alternative and as invite.ics). Built with ical-generator.
//
// Times carry the meeting's zone (DTSTART;TZID=...) with its VTIMEZONE rather than UTC: Google
// Calendar, Outlook and Apple Calendar accept both, but a repeating meeting's RRULE is expanded
// in the zone of DTSTART, so a weekly 10:00 in Europe/Berlin stays at 10:00 across a DST change
// only when DTSTART is Berlin time (in UTC it would move to 11:00 in summer); and the invitee's
// calendar shows the organizer's zone. VTIMEZONE blocks come from timezones-ical-library
// (maintained from the IANA database); UTC meetings use UTC times and need none.
import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventRepeatingFreq,
  ICalEventStatus,
  type ICalRepeatingOptions,
} from 'ical-generator';
import { Temporal } from 'temporal-polyfill';
import { tzlib_get_ical_block } from 'timezones-ical-library';

export type Repeat = 'NONE' | 'DAILY' | 'WEEKLY' | 'BIWEEKLY' | 'MONTHLY' | 'YEARLY';

export interface Invitation {
  /** REQUEST: an invitation or an update of one; CANCEL: the meeting is off. */
  method: 'REQUEST' | 'CANCEL';
  /** The meeting's UID, the same in every message about it (calendars match updates by it). */
  uid: string;
  /** Raised on every change of time or place and on the cancellation: a calendar applies only a higher one. */
  sequence: number;
  start: Date;
  end: Date;
  /** IANA zone of the meeting. */
  timeZone: string;
  summary: string;
  location?: string | null;
  description?: string | null;
  organizer: { name: string; email: string };
  attendees: ReadonlyArray<{ email: string; name?: string | null }>;
  repeat?: Repeat;
  /** DTSTAMP: when the message was made. Stored with it, so a resend is the same message. */
  stamp: Date;
}

const repeats: Record<Exclude<Repeat, 'NONE'>, ICalRepeatingOptions> = {
  DAILY: { freq: ICalEventRepeatingFreq.DAILY },
  WEEKLY: { freq: ICalEventRepeatingFreq.WEEKLY },
  BIWEEKLY: { freq: ICalEventRepeatingFreq.WEEKLY, interval: 2 },
  MONTHLY: { freq: ICalEventRepeatingFreq.MONTHLY },
  YEARLY: { freq: ICalEventRepeatingFreq.YEARLY },
};

const isUtc = (zone: string) => ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT'].includes(zone);

/**
 * The VTIMEZONE of an IANA zone, by its canonical name: the library answers an alias (US/Pacific,
 * Europe/Kiev) with the zone it links to, and DTSTART's TZID must name that same block.
 * Throws for a zone the library does not know (callers validate zones).
 */
function vtimezone(zone: string): { tzid: string; block: string } {
  const found = tzlib_get_ical_block(zone);
  const tzid = Array.isArray(found) ? /^TZID=(.+)$/.exec(found[1] ?? '')?.[1] : undefined;
  if (!tzid || !found[0]?.startsWith('BEGIN:VTIMEZONE')) throw new Error(`no VTIMEZONE for time zone ${zone}`);
  return { tzid, block: found[0] };
}

const inZone = (instant: Date, zone: string) => Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);

/** The iCalendar text (CRLF lines) of `invitation`. */
export function buildInvitation(invitation: Invitation): string {
  const zone = isUtc(invitation.timeZone) ? null : vtimezone(invitation.timeZone).tzid;
  const calendar = ical({
    prodId: { company: 'convene', product: 'convene', language: 'EN' },
    method: invitation.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL,
    // No calendar-wide zone (name null): that would also write DTSTAMP in it, without the Z
    // RFC 5545 requires; the generator adds the VTIMEZONE of the event's zone.
    timezone: { name: null, generator: (tzid) => vtimezone(tzid).block },
  });
  calendar.createEvent({
    id: invitation.uid,
    sequence: invitation.sequence,
    stamp: invitation.stamp,
    // Zoned times: ical-generator writes a Date in a zone as the process's local time.
    start: zone ? inZone(invitation.start, zone) : invitation.start,
    end: zone ? inZone(invitation.end, zone) : invitation.end,
    timezone: zone,
    summary: invitation.summary,
    location: invitation.location ?? null,
    description: invitation.description ?? null,
    status: invitation.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: invitation.organizer.name, email: invitation.organizer.email },
    attendees: invitation.attendees.map((attendee) => ({
      email: attendee.email,
      name: attendee.name ?? null,
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      rsvp: true,
    })),
    repeating: invitation.repeat && invitation.repeat !== 'NONE' ? repeats[invitation.repeat] : null,
  });
  return calendar.toString();
}
