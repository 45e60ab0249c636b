// Poll notices by email (src/meetings/poll-notices.ts), on PGlite and PostgreSQL: the server runs
// with a clock the test moves, its job every 50 ms, its relay sending to a real SMTP server.
// The organizer hears once that everyone has answered (also when the last two vote at once)
// and once that the deadline passed (again for a new deadline); invitees who have not answered
// are reminded once before the deadline, in their zone, with a new link that replaces the old.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeeting, SCHEDULE_MEETING, UPDATE_MEETING, voteLinkIn } from './support/meetings.ts';
import { postgresAvailable } from './support/postgres.ts';
import { codes, startTestServer, type TestServer } from './support/server.ts';
import { type SmtpServer, startSmtpServer } from './support/smtp.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const VOTE = `mutation ($meetingId: ID!, $voterId: ID!, $voteToken: String, $r: VoteResponse!) {
  vote(meetingId: $meetingId, voterId: $voterId, voteToken: $voteToken, response: $r) { closed notAnswered { email } } }`;
const ROTATE = 'mutation ($m: ID!, $v: ID!) { rotateVoteToken(meetingId: $m, voterId: $v) { voteToken } }';

const hour = 3_600_000;
const deadline = new Date('2031-03-20T12:00:00Z');

for (const kind of ['pglite', 'postgres'] as const) {
  const skip = kind === 'postgres' && !postgresAvailable;
  describe.skipIf(skip)(`poll notices [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, () => {
    let smtp: SmtpServer;
    let server: TestServer;
    /** The server's clock: what the test sets, and how often it was read (the job reads it once per run). */
    const clock = { now: new Date(), reads: 0 };
    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startTestServer(kind, { SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '3600', POLL_NOTICE_SECONDS: '0.05' }, undefined, {
        clock: () => {
          clock.reads++;
          return clock.now;
        },
      });
    });
    afterAll(async () => {
      await server?.stop();
      await smtp?.close();
    });

    /**
     * Sets the clock and waits until a whole run of the job has seen it (runs never overlap, so
     * the second read after the move ends the first run), then until the relay has sent all it queued.
     */
    async function at(time: Date) {
      clock.now = time;
      const reads = clock.reads;
      await expect.poll(() => clock.reads, { timeout: 10_000 }).toBeGreaterThanOrEqual(reads + 2);
      await settled();
    }
    async function settled() {
      const prisma = server.server.db.prisma;
      await expect.poll(() => prisma.outboxMessage.count({ where: { sentAt: null, failedAt: null } }), { timeout: 15_000 }).toBe(0);
    }
    const mailsTo = (to: string) => smtp.delivered().filter((mail) => mail.to === to);
    const subjects = (to: string) => mailsTo(to).map((mail) => mail.parsed.subject);

    let n = 0;
    async function organizer() {
      const user = await userWithAccount(server, `notices${++n}`);
      return { ...user, email: `notices${n}@example.com`, invitee: (name: string) => `${name}${n}@example.org` };
    }

    it('reminds who has not answered, tells the organizer when everyone has, and when the deadline passes', async () => {
      clock.now = new Date();
      const alice = await organizer();
      const dave = await userWithAccount(server, `dave${n}`);
      const [bob, carol, yuki] = [alice.invitee('bob'), alice.invitee('carol'), alice.invitee('yuki')];
      const meeting = await createMeeting(alice.gql, {
        accountId: alice.account,
        name: 'Retro',
        duration: 60,
        timezone: 'Europe/Berlin',
        options: ['2031-03-24T09:00:00Z', '2031-03-31T08:00:00Z'],
        pollDeadline: deadline.toISOString(),
        pollReminderMinutesBefore: 24 * 60,
        invitees: [{ email: bob }, { email: carol, timezone: 'America/New_York' }, { accountId: dave.account }],
      });
      const voter = (i: number) => meeting.invitees[i].id as string;
      await settled();
      const carolsFirstLink = voteLinkIn(mailsTo(carol)[0]!.parsed.text!).args;

      // A day and an hour before: nothing due yet. Bob answers.
      await at(new Date(deadline.getTime() - 25 * hour));
      expect(subjects(carol)).toEqual(['When can you meet: Retro']);
      const bobsLink = voteLinkIn(mailsTo(bob)[0]!.parsed.text!).args;
      expect(dataOf(await server.gql(VOTE, { ...bobsLink, r: 'ALWAYS' }, null)).vote.notAnswered).toEqual([
        { email: carol },
        { email: null },
      ]);

      // Within the day before: carol (no answer, an email) is reminded, in her zone; bob (answered)
      // and dave (no email) are not. Her new link works; the one in the invitation no longer does.
      await at(new Date(deadline.getTime() - 23 * hour));
      await at(new Date(deadline.getTime() - 22 * hour));
      expect(subjects(carol)).toEqual(['When can you meet: Retro', 'Reminder: when can you meet: Retro']);
      expect(subjects(bob)).toEqual(['When can you meet: Retro']);
      const reminder = mailsTo(carol)[1]!.parsed.text!;
      expect(reminder).toContain('The poll closes Thursday 2031-03-20, 08:00 (America/New_York).');
      // New York's clocks changed on 9 March, Berlin's on 30 March: 09:00Z is 05:00 in New York, 08:00Z is 04:00.
      expect(reminder).toContain(
        '- Monday 2031-03-24, 05:00–06:00 (America/New_York)\n- Monday 2031-03-31, 04:00–05:00 (America/New_York)',
      );
      expect(reminder).toContain('This link replaces the one in earlier messages.');
      expect(codes(await server.gql(VOTE, { ...carolsFirstLink, r: 'MAYBE' }, null))).toEqual(['FORBIDDEN']);
      const carolsLink = voteLinkIn(reminder).args;

      // Yuki, added within the reminder time, gets the invitation and no reminder.
      const invitees = [{ email: bob }, { email: carol, timezone: 'America/New_York' }, { accountId: dave.account }, { email: yuki }];
      dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { invitees } }));
      await at(new Date(deadline.getTime() - 21 * hour));
      expect(subjects(yuki)).toEqual(['When can you meet: Retro']);

      // The last answers: the organizer hears once that everyone has answered, with the ranking.
      expect(dataOf(await server.gql(VOTE, { ...carolsLink, r: 'MAYBE' }, null)).vote.closed).toBe(false);
      const VOTE_SIGNED_IN = 'mutation ($m: ID!, $v: ID!) { vote(meetingId: $m, voterId: $v, response: NO) { __typename } }';
      dataOf(await dave.gql(VOTE_SIGNED_IN, { m: meeting.id, v: voter(2) }));
      await settled();
      expect(subjects(alice.email)).toEqual([]);
      dataOf(await server.gql(VOTE, { ...voteLinkIn(mailsTo(yuki)[0]!.parsed.text!).args, r: 'ALWAYS' }, null));
      // A changed vote afterwards is no news.
      dataOf(await server.gql(VOTE, { ...carolsLink, r: 'ALWAYS' }, null));
      await settled();
      expect(subjects(alice.email)).toEqual(['Everyone has answered: Retro']);
      const everyone = mailsTo(alice.email)[0]!.parsed.text!;
      expect(everyone).toContain(
        'Options, best first:\n- Monday 2031-03-24, 10:00–11:00 (Europe/Berlin): 2 yes, 1 maybe, 1 no\n- Monday 2031-03-31, 10:00–11:00 (Europe/Berlin): 2 yes, 1 maybe, 1 no',
      );
      expect(everyone).not.toContain('Not answered');

      // The deadline passes: votes are refused, the organizer is told once.
      await at(new Date(deadline.getTime() + 60_000));
      await at(new Date(deadline.getTime() + 120_000));
      expect(codes(await server.gql(VOTE, { ...carolsLink, r: 'NO' }, null))).toEqual(['POLL_CLOSED']);
      expect(subjects(alice.email)).toEqual(['Everyone has answered: Retro', 'Poll closed: Retro']);
      expect(mailsTo(alice.email)[1]!.parsed.text).toContain('The poll for Retro closed Thursday 2031-03-20, 13:00 (Europe/Berlin)');

      // A later deadline opens the poll again, and makes a new notice when it passes.
      const later = new Date(deadline.getTime() + 48 * hour);
      dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { pollDeadline: later.toISOString() } }));
      expect(dataOf(await server.gql(VOTE, { ...carolsLink, r: 'NO' }, null)).vote.closed).toBe(false);
      await at(new Date(later.getTime() - hour));
      await at(new Date(later.getTime() + 60_000));
      expect(subjects(alice.email)).toEqual(['Everyone has answered: Retro', 'Poll closed: Retro', 'Poll closed: Retro']);
      // Nobody was reminded twice: the reminder time of the later deadline found everyone answered.
      expect(subjects(carol).filter((s) => s?.startsWith('Reminder'))).toHaveLength(1);
      expect(subjects(yuki)).toEqual(['When can you meet: Retro']);
    });

    it('tells the organizer once when the last two invitees vote at the same moment', async () => {
      clock.now = new Date();
      const alice = await organizer();
      for (let round = 0; round < 4; round++) {
        const emails = [alice.invitee(`p${round}`), alice.invitee(`q${round}`)];
        const meeting = await createMeeting(
          alice.gql,
          {
            accountId: alice.account,
            name: `Race ${round}`,
            duration: 30,
            options: ['2031-05-01T09:00:00Z', '2031-05-02T09:00:00Z'],
            invitees: emails.map((email) => ({ email })),
          },
          { ignore: true },
        );
        const tokens = await Promise.all(
          meeting.invitees.map(
            async (i: { id: string }) => dataOf(await alice.gql(ROTATE, { m: meeting.id, v: i.id })).rotateVoteToken.voteToken,
          ),
        );
        const votes = await Promise.all(
          meeting.invitees.map((i: { id: string }, k: number) =>
            server.gql(VOTE, { meetingId: meeting.id, voterId: i.id, voteToken: tokens[k], r: 'ALWAYS' }, null),
          ),
        );
        for (const vote of votes) expect(vote.errors).toBeUndefined();
      }
      await settled();
      expect(subjects(alice.email).sort()).toEqual([0, 1, 2, 3].map((round) => `Everyone has answered: Race ${round}`));
    });

    it('sends no deadline notice for a poll scheduled before its deadline, and no reminder without a deadline', async () => {
      clock.now = new Date();
      const alice = await organizer();
      const bob = alice.invitee('bob');
      const scheduled = await createMeeting(alice.gql, {
        accountId: alice.account,
        name: 'Decided',
        duration: 30,
        options: ['2031-06-01T09:00:00Z', '2031-06-02T09:00:00Z'],
        pollDeadline: '2031-05-20T00:00:00Z',
        pollReminderMinutesBefore: 60,
        invitees: [{ email: bob }],
      });
      dataOf(await alice.gql(SCHEDULE_MEETING, { id: scheduled.id, start: '2031-06-01T09:00:00Z' }));
      await at(new Date('2031-05-19T23:30:00Z'));
      await at(new Date('2031-05-20T00:30:00Z'));
      expect(subjects(alice.email)).toEqual([]);
      expect(subjects(bob)).toEqual(['When can you meet: Decided', 'Invitation: Decided']);

      const refused = await alice.gql(UPDATE_MEETING, { id: scheduled.id, input: { pollDeadline: null } });
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.message).toContain('pollReminderMinutesBefore: needs a pollDeadline');
    });
  });
}
