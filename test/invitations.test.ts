// What invitees receive by email when meetings change (src/meetings/invitations.ts), on PGlite
// and PostgreSQL: GraphQL mutations against a real convene server whose relay sends to a real
// SMTP server started here (smtp-server); messages parsed with mailparser, invitations with
// ical.js as a calendar client reads them.
import { decodeGlobalID } from '@pothos/plugin-relay';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeeting, DELETE_MEETING, SCHEDULE_MEETING, UPDATE_MEETING, voteLinkIn } from './support/meetings.ts';
import { postgresAvailable } from './support/postgres.ts';
import { codes, startTestServer, type TestServer } from './support/server.ts';
import { type SmtpServer, startSmtpServer } from './support/smtp.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const from = 'convene <invitations@convene.example>';
const CREATE_APPOINTMENT = `mutation ($input: AppointmentInput!) { createAppointment(input: $input) { __typename } }`;

/** The invitation of a parsed message as a calendar client reads it (null: a plain message). */
function invitationOf(parsed: ParsedMail) {
  const part = parsed.attachments.find((attachment) => attachment.contentType === 'text/calendar');
  if (!part) return null;
  const calendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')) as unknown[]);
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  const event = new ICAL.Event(vevent);
  const organizer = vevent.getFirstProperty('organizer')!;
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue('status'),
    summary: event.summary,
    stamp: (vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().getTime(),
    organizer: { address: organizer.getFirstValue(), cn: organizer.getParameter('cn') },
    attendees: vevent.getAllProperties('attendee').map((attendee) => ({
      address: String(attendee.getFirstValue()).toLowerCase(),
      partstat: attendee.getParameter('partstat'),
      rsvp: attendee.getParameter('rsvp'),
    })),
    zone: event.startDate.zone.tzid,
    localStart: event.startDate.toString(),
    event,
  };
}

const rowId = (globalId: string) => decodeGlobalID(globalId).id;

const VOTE = `mutation ($meetingId: ID!, $voterId: ID!, $voteToken: String, $response: VoteResponse!) {
  vote(meetingId: $meetingId, voterId: $voterId, voteToken: $voteToken, response: $response) { __typename } }`;
const ROTATE = 'mutation ($meetingId: ID!, $voterId: ID!) { rotateVoteToken(meetingId: $meetingId, voterId: $voterId) { voteToken path } }';

const targets = [
  { kind: 'pglite', skip: false },
  { kind: 'postgres', skip: !postgresAvailable },
] as const;

for (const { kind, skip } of targets) {
  describe.skipIf(skip)(`meeting invitations by email [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, () => {
    let smtp: SmtpServer;
    let server: TestServer;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startTestServer(kind, { SMTP_URL: smtp.url, SMTP_FROM: from, MAIL_POLL_SECONDS: '3600' });
    });
    afterAll(async () => {
      await server?.stop();
      await smtp?.close();
    });

    let n = 0;
    /** A fresh organizer and invitee addresses no other test uses. */
    async function organizer() {
      const user = await userWithAccount(server, `organizer${++n}`);
      const invitee = (name: string) => `${name}${n}@example.org`;
      return { ...user, email: `organizer${n}@example.com`, invitee };
    }

    /** Waits until the relay has sent everything queued, then gives each recipient's mails (in the order sent) by address. */
    async function mailsAfterSettling() {
      const prisma = server.server.db.prisma;
      await expect.poll(() => prisma.outboxMessage.count({ where: { sentAt: null, failedAt: null } }), { timeout: 15_000 }).toBe(0);
      return (to: string) => smtp.delivered().filter((mail) => mail.to === to);
    }
    /** The outbox rows of a meeting (by its GraphQL id): their keys start with its row id. */
    const outboxOf = (meetingId: string) =>
      server.server.db.prisma.outboxMessage.findMany({ where: { messageId: { startsWith: `meeting.${rowId(meetingId)}.` } } });

    it('a scheduled meeting: one REQUEST per invitee with an email, in Berlin time across DST; updates keep the UID; cancel sends CANCEL', async () => {
      const alice = await organizer();
      const [bob, carol] = [alice.invitee('bob'), alice.invitee('carol')];
      const dave = await userWithAccount(server, `dave${n}`); // invited by account only: no address known
      const update = async (id: string, input: Record<string, unknown>) =>
        dataOf(await alice.gql(UPDATE_MEETING, { id, input })).updateMeeting;

      // Weekly on Mondays at 10:00 in Berlin from 24 March 2031 (CET); the clocks go forward on 30 March.
      const meeting = await createMeeting(alice.gql, {
        accountId: alice.account,
        name: 'Standup',
        duration: 15,
        timezone: 'Europe/Berlin',
        repeat: 'WEEKLY',
        location: { description: 'Room 4' },
        options: ['2031-03-24T10:00:00+01:00'],
        invitees: [{ email: bob }, { accountId: dave.account }, { email: carol }],
      });
      expect(meeting).toMatchObject({ status: 'SCHEDULED', sequence: 0 });
      let mailsTo = await mailsAfterSettling();
      expect([mailsTo(bob).length, mailsTo(carol).length]).toEqual([1, 1]);
      // Nothing to the account-only invitee: every message of this meeting went to bob or carol.
      expect((await outboxOf(meeting.id)).map((row) => row.recipient).sort()).toEqual([bob, carol]);

      const first = mailsTo(bob)[0]!;
      expect(first.parsed.subject).toBe('Invitation: Standup');
      expect(first.parsed.text).toContain('When: Monday 2031-03-24, 10:00–10:15 (Europe/Berlin), repeating weekly');
      expect(first.messageId).toMatch(
        new RegExp(`^<meeting\\.${rowId(meeting.id)}\\.request\\.0\\.\\d+\\.${rowId(meeting.invitees[0].id)}@convene\\.example>$`),
      );
      const invitation = invitationOf(first.parsed)!;
      expect(invitation).toMatchObject({
        method: 'REQUEST',
        uid: meeting.uid,
        sequence: 0,
        status: 'CONFIRMED',
        summary: 'Standup',
        organizer: { address: `mailto:${alice.email}`, cn: alice.email },
        attendees: [bob, carol].sort().map((address) => ({ address: `mailto:${address}`, partstat: 'NEEDS-ACTION', rsvp: 'TRUE' })),
        zone: 'Europe/Berlin',
        localStart: '2031-03-24T10:00:00',
      });
      const occurrences = invitation.event.iterator();
      // 10:00 local each week: 09:00 UTC in CET, 08:00 UTC in CEST.
      expect([0, 1].map(() => occurrences.next()!.toJSDate().toISOString())).toEqual([
        '2031-03-24T09:00:00.000Z',
        '2031-03-31T08:00:00.000Z',
      ]);
      expect(invitationOf(mailsTo(carol)[0]!.parsed)).toMatchObject({ uid: meeting.uid, sequence: 0 });

      // Rescheduled: the same UID, SEQUENCE 1, the new time.
      const moved = dataOf(await alice.gql(SCHEDULE_MEETING, { id: meeting.id, start: '2031-03-25T11:00:00+01:00' })).scheduleMeeting;
      expect(moved.sequence).toBe(1);
      mailsTo = await mailsAfterSettling();
      expect([mailsTo(bob).length, mailsTo(carol).length]).toEqual([2, 2]);
      const rescheduled = invitationOf(mailsTo(bob)[1]!.parsed)!;
      expect(mailsTo(bob)[1]!.parsed.subject).toBe('Updated invitation: Standup');
      expect(rescheduled).toMatchObject({ method: 'REQUEST', uid: meeting.uid, sequence: 1, localStart: '2031-03-25T11:00:00' });

      // A new name: not a significant change (RFC 5546), so the same SEQUENCE with a newer DTSTAMP.
      await update(meeting.id, { name: 'Daily standup' });
      mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob)).toHaveLength(3);
      const renamed = invitationOf(mailsTo(bob)[2]!.parsed)!;
      expect(renamed).toMatchObject({ method: 'REQUEST', uid: meeting.uid, sequence: 1, summary: 'Daily standup' });
      expect(renamed.stamp).toBeGreaterThan(rescheduled.stamp);

      // What invitees do not see (the organizer's reminder, the invitees' order) sends nothing.
      await update(meeting.id, { reminder: { minutesBefore: 5 } });
      await update(meeting.id, { invitees: [{ email: carol }, { email: bob }, { accountId: dave.account }] });

      // Carol removed: a CANCEL for her alone, above the SEQUENCE she has; bob an update (the attendees changed).
      await update(meeting.id, { invitees: [{ email: bob }, { accountId: dave.account }] });
      mailsTo = await mailsAfterSettling();
      expect([mailsTo(bob).length, mailsTo(carol).length]).toEqual([4, 4]);
      expect(mailsTo(carol)[3]!.parsed.subject).toBe('Cancelled: Daily standup');
      expect(invitationOf(mailsTo(carol)[3]!.parsed)).toMatchObject({
        method: 'CANCEL',
        uid: meeting.uid,
        sequence: 2,
        status: 'CANCELLED',
        attendees: [{ address: `mailto:${carol}` }],
      });
      expect(invitationOf(mailsTo(bob)[3]!.parsed)).toMatchObject({
        method: 'REQUEST',
        sequence: 1,
        attendees: [{ address: `mailto:${bob}` }],
      });

      // Deleted: bob gets the CANCEL with the raised SEQUENCE; carol, no longer invited, nothing.
      expect(dataOf(await alice.gql(DELETE_MEETING, { id: meeting.id })).deleteMeeting).toEqual({ id: meeting.id });
      mailsTo = await mailsAfterSettling();
      expect([mailsTo(bob).length, mailsTo(carol).length]).toEqual([5, 4]);
      expect(invitationOf(mailsTo(bob)[4]!.parsed)).toMatchObject({ method: 'CANCEL', uid: meeting.uid, sequence: 2, status: 'CANCELLED' });
      // One message per invitee per change, each its own Message-ID.
      const ids = [...mailsTo(bob), ...mailsTo(carol)].map((mail) => mail.messageId);
      expect(new Set(ids).size).toBe(9);
    });

    it("a poll: the options in the meeting zone (or the invitee's); updated, scheduled (an invitation), back to a poll (a CANCEL) and cancelled", async () => {
      const alice = await organizer();
      const bob = alice.invitee('bob');
      const yuki = alice.invitee('yuki');
      const update = async (id: string, input: Record<string, unknown>) =>
        dataOf(await alice.gql(UPDATE_MEETING, { id, input })).updateMeeting;
      const poll = await createMeeting(alice.gql, {
        accountId: alice.account,
        name: 'Offsite',
        duration: 60,
        timezone: 'Europe/Berlin',
        options: ['2031-03-28T09:00:00Z', '2031-03-31T09:00:00Z'],
        invitees: [{ email: bob }, { email: yuki, timezone: 'Asia/Tokyo' }],
      });
      expect(poll.status).toBe('POLLING');
      let mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob)).toHaveLength(1);
      // Tokyo has no DST: 9:00 UTC is 18:00 on both days.
      expect(mailsTo(yuki)[0]!.parsed.text).toContain(
        'Options:\n- Friday 2031-03-28, 18:00–19:00 (Asia/Tokyo)\n- Monday 2031-03-31, 18:00–19:00 (Asia/Tokyo)\n',
      );
      const asked = mailsTo(bob)[0]!.parsed;
      expect(asked.subject).toBe('When can you meet: Offsite');
      expect(invitationOf(asked)).toBeNull();
      // Berlin time: CET before 30 March, CEST after.
      expect(asked.text).toContain(
        'Options:\n- Friday 2031-03-28, 10:00–11:00 (Europe/Berlin)\n- Monday 2031-03-31, 11:00–12:00 (Europe/Berlin)\n',
      );
      // The vote link works: its ids and token are what `vote` takes.
      const link = voteLinkIn(asked.text!);
      expect(link.url.startsWith(server.origin)).toBe(true);
      const voted = await server.gql(VOTE, { ...link.args, response: 'MAYBE' }, null);
      expect(voted.errors).toBeUndefined();

      await update(poll.id, { options: ['2031-03-28T09:00:00Z', '2031-04-01T09:00:00Z'] });
      mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob).map((mail) => mail.parsed.subject)).toEqual(['When can you meet: Offsite', 'Poll updated: Offsite']);
      expect(mailsTo(bob)[1]!.parsed.text).toContain('Tuesday 2031-04-01, 11:00–12:00');
      // No new token for an invitee who stays: the update does not repeat the link.
      expect(mailsTo(bob)[1]!.parsed.text).not.toContain('/vote/');

      // A rotated token: bob alone gets the poll again with the new link; the old one is refused.
      const rotated = dataOf(await alice.gql(ROTATE, { meetingId: poll.id, voterId: link.args.voterId })).rotateVoteToken;
      mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob)).toHaveLength(3);
      const relinked = voteLinkIn(mailsTo(bob)[2]!.parsed.text!);
      expect(relinked.args.voteToken).toBe(rotated.voteToken);
      expect(relinked.url.endsWith(rotated.path)).toBe(true);
      expect(codes(await server.gql(VOTE, { ...link.args, response: 'NO' }, null))).toEqual(['FORBIDDEN']);
      expect((await server.gql(VOTE, { ...relinked.args, response: 'NO' }, null)).errors).toBeUndefined();

      // Scheduled: an invitation, no poll note. Then options again: the invitation is cancelled, the poll is back.
      await alice.gql(SCHEDULE_MEETING, { id: poll.id, start: '2031-04-01T09:00:00Z' });
      await mailsAfterSettling();
      const scheduled = await update(poll.id, { options: ['2031-04-02T09:00:00Z', '2031-04-03T09:00:00Z'] });
      mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob)).toHaveLength(6);
      // The last change's two messages may arrive in either order (the relay sends on several connections).
      const [invited, ...lastChange] = mailsTo(bob).slice(3);
      const cancelled = lastChange.find((mail) => invitationOf(mail.parsed));
      const pollAgain = lastChange.find((mail) => !invitationOf(mail.parsed));
      expect(invitationOf(invited!.parsed)).toMatchObject({
        method: 'REQUEST',
        uid: poll.uid,
        sequence: 1,
        localStart: '2031-04-01T11:00:00',
      });
      expect(invitationOf(cancelled!.parsed)).toMatchObject({
        method: 'CANCEL',
        uid: poll.uid,
        sequence: scheduled.sequence,
        status: 'CANCELLED',
      });
      expect(scheduled.sequence).toBe(2);
      expect(pollAgain!.parsed.subject).toBe('When can you meet: Offsite');

      await alice.gql(DELETE_MEETING, { id: poll.id });
      mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob)).toHaveLength(7);
      expect(mailsTo(bob)[6]!.parsed.subject).toBe('Poll cancelled: Offsite');
      expect(invitationOf(mailsTo(bob)[6]!.parsed)).toBeNull();
    });

    it('an invitee by account whose address changes: the old address gets a CANCEL, the new one the invitation', async () => {
      const alice = await organizer();
      const dave = await userWithAccount(server, `dave${n}`);
      const [old, fresh] = [alice.invitee('dave.old'), alice.invitee('dave.new')];
      const meeting = await createMeeting(alice.gql, {
        accountId: alice.account,
        name: 'Review',
        duration: 30,
        options: ['2031-06-02T09:00:00Z'],
        invitees: [{ accountId: dave.account, email: old }],
      });
      // Settled after each change, so that each address's mails arrive in the order of the changes.
      await mailsAfterSettling();
      const updated = dataOf(
        await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { invitees: [{ accountId: dave.account, email: fresh }] } }),
      ).updateMeeting;
      // The same invitee (its row and id kept), at a new address.
      expect(updated.invitees.map((i: { id: string }) => i.id)).toEqual(meeting.invitees.map((i: { id: string }) => i.id));
      await mailsAfterSettling();
      // No address left: the last one is told it is off, and nothing more goes out.
      await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { invitees: [{ accountId: dave.account }] } });
      await mailsAfterSettling();
      await alice.gql(DELETE_MEETING, { id: meeting.id });
      const mailsTo = await mailsAfterSettling();
      const methods = (to: string) => mailsTo(to).map((mail) => invitationOf(mail.parsed)!.method);
      expect([methods(old), methods(fresh)]).toEqual([
        ['REQUEST', 'CANCEL'],
        ['REQUEST', 'CANCEL'],
      ]);
      expect(invitationOf(mailsTo(old)[1]!.parsed)).toMatchObject({ attendees: [{ address: `mailto:${old}` }], sequence: 1 });
      expect(mailsTo(fresh)[0]!.parsed.subject).toBe('Invitation: Review');
    });

    it('a draft, a change refused for a conflict and one with bad input send nothing', async () => {
      const alice = await organizer();
      const bob = alice.invitee('bob');
      const draft = await createMeeting(alice.gql, { accountId: alice.account, name: 'Later', duration: 30, invitees: [{ email: bob }] });
      expect(draft.status).toBe('DRAFT');
      const appointment = {
        accountId: alice.account,
        title: 'Dentist',
        timezone: 'UTC',
        start: '2031-05-05T09:00:00Z',
        end: '2031-05-05T10:00:00Z',
      };
      dataOf(await alice.gql(CREATE_APPOINTMENT, { input: appointment }));
      const refused = dataOf(await alice.gql(UPDATE_MEETING, { id: draft.id, input: { options: ['2031-05-05T09:30:00Z'] } })).updateMeeting;
      expect(refused.__typename).toBe('Conflicts');
      expect(codes(await alice.gql(UPDATE_MEETING, { id: draft.id, input: { options: ['2001-01-01T09:00:00Z'] } }))).toEqual([
        'BAD_USER_INPUT',
      ]);
      expect(codes(await alice.gql(SCHEDULE_MEETING, { id: draft.id, start: '2001-01-01T09:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
      await mailsAfterSettling();
      expect(await outboxOf(draft.id)).toEqual([]);

      // The same meeting, scheduled for real: now bob is invited (so the nothing above was the refusals').
      await alice.gql(SCHEDULE_MEETING, { id: draft.id, start: '2031-05-05T11:00:00Z' });
      const mailsTo = await mailsAfterSettling();
      expect(mailsTo(bob).map((mail) => invitationOf(mail.parsed)?.method)).toEqual(['REQUEST']);
    });
  });
}
