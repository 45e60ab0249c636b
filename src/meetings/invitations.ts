// What invitees receive by email, as a meeting-event handler (events.ts): the messages go into
// the mail outbox (src/email/outbox.ts) in the transaction of the change, so a change that
// fails or is refused sends nothing.
//
// Per invitee with an email (an invitee given only as an account gets no mail: convene knows
// no address for it; it sees the meeting through sync and meetingChanged):
// - a SCHEDULED meeting: an iTIP REQUEST (RFC 5546, sent as iMIP, RFC 6047) with the meeting's
//   UID and SEQUENCE, in its zone;
// - a POLLING meeting: a plain message with the options (in the invitee's zone when the
//   organizer gave one, else the meeting's) and the invitee's vote link, when the poll work issued a token
//   (a rotated token, event 'reinvited', sends that invitee alone the poll with the new link);
// - when it stops being scheduled for them (cancelled, back to a poll or a draft, or the
//   invitee removed): an iTIP CANCEL (STATUS:CANCELLED) with a higher SEQUENCE; when a poll
//   stops (cancelled, back to a draft, or the invitee removed): a "poll cancelled" note.
// A change sends an invitee a message only when the message differs from the one the invitee
// got for the state before (compared without DTSTAMP and vote link), so reordering invitees or
// changing the organizer's reminder sends nothing. SEQUENCE rises only with time, place and
// status (meetings.ts), as RFC 5546 2.1.4 asks for significant changes; a change of name,
// notes or attendees goes out as a REQUEST with the same SEQUENCE and a later DTSTAMP, which
// calendars apply as the newer version. DTSTAMP has whole seconds, so each change's stamp is
// the change's time but at least a second after the meeting's last one (Meeting.invitationStamp):
// two quick changes stay ordered. The stamp also names the change in the message's key,
// `meeting.<id>.<kind>.<sequence>.<stamp seconds>.<inviteeId>`: one message per invitee per
// change, and the outbox stores it whole, so a resend is the same message.
import { Temporal } from 'temporal-polyfill';
import type { Db } from '../db/database.ts';
import { buildInvitation, type Invitation } from '../email/invitation.ts';
import { enqueueMessage, type OutgoingMessage } from '../email/outbox.ts';
import type { Meeting, MeetingInvitee } from '../generated/prisma/client.ts';
import type { WriteContext } from '../write.ts';
import type { MeetingEvent } from './events.ts';
import { votePath } from './vote-tokens.ts';

export interface MeetingState {
  meeting: Meeting;
  options: Date[];
  invitees: MeetingInvitee[];
}

export interface Organizer {
  name: string;
  email: string;
}

type Kind = 'request' | 'poll';

const kindOf = (meeting: Meeting): Kind | null =>
  meeting.status === 'SCHEDULED' ? 'request' : meeting.status === 'POLLING' ? 'poll' : null;

const endOf = (start: Date, meeting: Meeting) => new Date(start.getTime() + meeting.duration * 60_000);

const repeatNames: Record<Meeting['repeat'], string | null> = {
  NONE: null,
  DAILY: 'daily',
  WEEKLY: 'weekly',
  BIWEEKLY: 'every two weeks',
  MONTHLY: 'monthly',
  YEARLY: 'yearly',
};

const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const clock = (time: Temporal.ZonedDateTime) => time.toPlainTime().toString({ smallestUnit: 'minute' });

const dayOf = (time: Temporal.ZonedDateTime) => `${weekdays[time.dayOfWeek - 1]} ${time.toPlainDate()}`;
const localIn = (instant: Date, zone: string) => Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);

/** A start and end as local times in `zone` (the meeting's by default): "Friday 2031-03-28, 10:00–11:00 (Europe/Berlin)". */
export function when(start: Date, meeting: Meeting, zone = meeting.timezone): string {
  const local = localIn(start, zone);
  const end = local.add({ minutes: meeting.duration });
  return `${dayOf(local)}, ${clock(local)}–${clock(end)} (${zone})`;
}

/** An instant as local time in `zone`: "Friday 2031-03-28, 10:00 (Europe/Berlin)". */
export function whenAt(instant: Date, zone: string): string {
  const local = localIn(instant, zone);
  return `${dayOf(local)}, ${clock(local)} (${zone})`;
}

function where(meeting: Meeting): string | null {
  const parts = [meeting.locationDescription, meeting.locationAddress].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

/** The iTIP message of a scheduled state. */
function invitation(state: MeetingState, organizer: Organizer, method: Invitation['method'], sequence: number, stamp: Date): string {
  return buildInvitation({ method, ...scheduledEvent(state, organizer, sequence, stamp) });
}

/**
 * A scheduled meeting as an iCalendar event, for its invitations and its organizer's calendar
 * feed alike: every invitee with an email is an ATTENDEE (sorted, so their order does not matter).
 */
export function scheduledEvent(state: MeetingState, organizer: Organizer, sequence: number, stamp: Date): Omit<Invitation, 'method'> {
  const { meeting } = state;
  const attendees = state.invitees.flatMap((i) => (i.email ? [{ email: i.email }] : [])).sort((a, b) => a.email.localeCompare(b.email));
  return {
    uid: meeting.icalUid,
    sequence,
    start: meeting.start!,
    end: endOf(meeting.start!, meeting),
    timeZone: meeting.timezone,
    summary: meeting.name,
    location: where(meeting),
    description: meeting.notes,
    organizer,
    attendees,
    repeat: meeting.repeat,
    stamp,
  };
}

function scheduledText(state: MeetingState, organizer: Organizer): string {
  const { meeting } = state;
  const repeat = repeatNames[meeting.repeat];
  return [
    `${organizer.name} invites you to ${meeting.name}.`,
    '',
    `When: ${when(meeting.start!, meeting)}${repeat ? `, repeating ${repeat}` : ''}`,
    ...(where(meeting) ? [`Where: ${where(meeting)}`] : []),
    ...(meeting.notes ? ['', meeting.notes] : []),
  ].join('\n');
}

/** A state's options as lines in each zone asked for, kept with the state: a poll's message to 500 invitees formats them once per zone. */
const optionLines = new WeakMap<MeetingState, Map<string, string[]>>();
function optionsIn(state: MeetingState, zone: string): string[] {
  const byZone = optionLines.get(state) ?? new Map<string, string[]>();
  optionLines.set(state, byZone);
  const lines = byZone.get(zone) ?? state.options.map((start) => `- ${when(start, state.meeting, zone)}`);
  byZone.set(zone, lines);
  return lines;
}

/** The poll message: the options in `zone` (the invitee's, else the meeting's) and the vote link. */
export function pollText(state: MeetingState, organizer: Organizer, voteLink: string | null, zone = state.meeting.timezone): string {
  const { meeting } = state;
  return [
    `${organizer.name} asks when you can meet for ${meeting.name} (${meeting.duration} minutes).`,
    '',
    'Options:',
    ...optionsIn(state, zone),
    ...(where(meeting) ? ['', `Where: ${where(meeting)}`] : []),
    ...(meeting.notes ? ['', meeting.notes] : []),
    ...(voteLink ? ['', `Vote: ${voteLink}`] : []),
  ].join('\n');
}

/** What an invitee gets for a state, without the parts that differ on every build (DTSTAMP, vote link): for comparing states. */
function content(kind: Kind, state: MeetingState, organizer: Organizer): string {
  if (kind === 'poll') return pollText(state, organizer, null);
  return `${scheduledText(state, organizer)}\n${invitation(state, organizer, 'REQUEST', state.meeting.sequence, new Date(0))}`;
}

/** The DTSTAMP of a change's messages: its time in whole seconds, after the meeting's last one. */
function stampOf(meeting: Meeting, previous: Meeting | null): Date {
  const seconds = Math.floor(meeting.updatedAt.getTime() / 1000);
  const last = previous?.invitationStamp ? Math.floor(previous.invitationStamp.getTime() / 1000) : -Infinity;
  return new Date(Math.max(seconds, last + 1) * 1000);
}

function messagesOf(event: MeetingEvent, organizer: Organizer, stamp: Date, publicUrl: string | null): OutgoingMessage[] {
  const after: MeetingState = event;
  const before: MeetingState | null = event.previous;
  const { meeting } = after;
  const afterKind = kindOf(meeting);
  const beforeKind = before ? kindOf(before.meeting) : null;
  // A cancellation outranks whatever the invitee got: higher than the sequence before.
  const cancelSequence = before ? Math.max(meeting.sequence, before.meeting.sequence + 1) : meeting.sequence;
  const key = (kind: string, sequence: number, invitee: MeetingInvitee) =>
    `meeting.${meeting.id}.${kind}.${sequence}.${stamp.getTime() / 1000}.${invitee.id}`;
  const messages: OutgoingMessage[] = [];

  // A re-invitation (a rotated vote token): only that invitee, and only a poll's link matters.
  if (event.type === 'reinvited') {
    if (afterKind !== 'poll' || !publicUrl) return [];
    return after.invitees.flatMap((invitee) => {
      const token = event.voteTokens.get(invitee.id);
      if (!token || !invitee.email) return [];
      const voteLink = `${publicUrl}${votePath(meeting.id, invitee.id, token)}`;
      return [
        {
          key: key('reinvite', meeting.sequence, invitee),
          to: invitee.email,
          subject: `When can you meet: ${meeting.name}`,
          text: pollText(after, organizer, voteLink, invitee.timezone ?? undefined),
        },
      ];
    });
  }

  /** What tells `invitee` that the `kind` they got for the state before is off. */
  const cancellation = (kind: Kind, invitee: MeetingInvitee, removed: boolean) => {
    const state = before!;
    const { name } = state.meeting;
    if (kind === 'poll') {
      messages.push({
        key: key('pollcancel', meeting.sequence, invitee),
        to: invitee.email!,
        subject: `Poll cancelled: ${name}`,
        text: `${organizer.name} has ${removed ? 'taken you off' : 'cancelled'} the poll for ${name}: no need to vote.`,
      });
      return;
    }
    // A removed invitee's calendar learns that it is off for them alone (RFC 5546 3.2.5).
    messages.push({
      key: key('cancel', cancelSequence, invitee),
      to: invitee.email!,
      subject: `Cancelled: ${name}`,
      text: `${organizer.name} has ${removed ? 'taken you off' : 'cancelled'} ${name}, ${when(state.meeting.start!, state.meeting)}.`,
      calendar: {
        method: 'CANCEL',
        content: removed ? invitation({ ...state, invitees: [invitee] }, organizer, 'CANCEL', cancelSequence, stamp) : wholeCancel(),
      },
    });
  };

  // What does not depend on the invitee, built once (a meeting may have hundreds).
  let cancelContent: string | undefined;
  const wholeCancel = () => (cancelContent ??= invitation(before!, organizer, 'CANCEL', cancelSequence, stamp));
  const unchanged =
    afterKind !== null && beforeKind === afterKind && content(afterKind, before!, organizer) === content(afterKind, after, organizer);
  const request =
    afterKind === 'request'
      ? { text: scheduledText(after, organizer), calendar: invitation(after, organizer, 'REQUEST', meeting.sequence, stamp) }
      : null;
  // Rows are kept for invitees who stay (saveInvitees), so the row id says who had what.
  const priors = new Map((before?.invitees ?? []).map((invitee) => [invitee.id, invitee]));

  for (const invitee of after.invitees) {
    const prior = priors.get(invitee.id);
    // An invitee (by account) whose address changed: the old address is told it is off, the new one invited afresh.
    if (beforeKind && prior?.email && prior.email !== invitee.email) cancellation(beforeKind, prior, true);
    if (!invitee.email) continue;
    const hadBefore = prior?.email === invitee.email;
    if (beforeKind && hadBefore && beforeKind !== afterKind && (beforeKind === 'request' || afterKind === null)) {
      cancellation(beforeKind, invitee, false);
    }
    if (!afterKind) continue;
    const update = hadBefore && beforeKind === afterKind;
    if (update && unchanged) continue;
    if (request) {
      messages.push({
        key: key('request', meeting.sequence, invitee),
        to: invitee.email,
        subject: `${update ? 'Updated invitation' : 'Invitation'}: ${meeting.name}`,
        text: request.text,
        calendar: { method: 'REQUEST', content: request.calendar },
      });
    } else {
      const token = event.voteTokens.get(invitee.id);
      const voteLink = token && publicUrl ? `${publicUrl}${votePath(meeting.id, invitee.id, token)}` : null;
      messages.push({
        key: key('poll', meeting.sequence, invitee),
        to: invitee.email,
        subject: `${update ? 'Poll updated' : 'When can you meet'}: ${meeting.name}`,
        text: pollText(after, organizer, voteLink, invitee.timezone ?? undefined),
      });
    }
  }
  for (const invitee of event.removedInvitees) {
    if (invitee.email && beforeKind) cancellation(beforeKind, invitee, true);
  }
  return messages;
}

/** The meeting-event handler: queues each change's messages to the invitees in the change's transaction. */
export async function enqueueInvitations(w: WriteContext, events: MeetingEvent[]): Promise<void> {
  const organizers = await organizersOf(
    w.tx,
    events.map((event) => event.meeting.userId),
  );
  for (const event of events) {
    const stamp = stampOf(event.meeting, event.previous?.meeting ?? null);
    const messages = messagesOf(event, organizers.get(event.meeting.userId)!, stamp, w.publicUrl);
    if (!messages.length) continue;
    await enqueueMessage(w, ...messages);
    // Not through the model: that would move updatedAt, which the feed and clients see.
    await w.tx.$executeRaw`UPDATE "Meeting" SET "invitationStamp" = ${stamp} WHERE id = ${event.meeting.id}::uuid`;
  }
}

/** The organizers' names (else emails) and emails, by user id: who messages come from, and to whom poll notices go. */
export async function organizersOf(db: Db, userIds: string[]): Promise<Map<string, Organizer>> {
  const users = await db.user.findMany({ where: { id: { in: [...new Set(userIds)] } }, select: { id: true, name: true, email: true } });
  return new Map(users.map((user) => [user.id, { name: user.name ?? user.email, email: user.email }]));
}
