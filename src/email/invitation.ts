// The iCalendar of a meeting invitation or cancellation, as an iTIP message (RFC 5546) for
// sending by email (iMIP, RFC 6047; enqueueMessage's `calendar`, which nodemailer sends as a
// `text/calendar; method=...` alternative and as invite.ics). Written by convene's one
// iCalendar writer (src/ical/export.ts), like the calendar feeds: times in the meeting's zone
// with its VTIMEZONE, so a repeating meeting stays at its local time across DST changes and the
// invitee's calendar shows the organizer's zone.
import { calendarText, type ExportEvent } from '../ical/export.ts';
import { meetingRecurrence } from '../meetings/busy.ts';

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

/** A meeting as an event of the writer: the invitation's and the feeds' one mapping. */
export function meetingEvent(invitation: Omit<Invitation, 'method'> & { cancelled?: boolean }): ExportEvent {
  const { start, timeZone: timezone, repeat = 'NONE' } = invitation;
  return {
    uid: invitation.uid,
    stamp: invitation.stamp,
    sequence: invitation.sequence,
    summary: invitation.summary,
    location: invitation.location,
    description: invitation.description,
    timezone,
    fullTime: false,
    start,
    end: invitation.end,
    recurrence: repeat === 'NONE' ? null : { rule: meetingRecurrence({ repeat, timezone, start }), deleted: [] },
    cancelled: invitation.cancelled ?? false,
    organizer: invitation.organizer,
    attendees: invitation.attendees,
  };
}

/** The iCalendar text (CRLF lines) of `invitation`. */
export function buildInvitation(invitation: Invitation): string {
  return calendarText([meetingEvent({ ...invitation, cancelled: invitation.method === 'CANCEL' })], { method: invitation.method });
}
