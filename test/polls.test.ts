// Polls and votes through the GraphQL API over HTTP and WebSocket, on PGlite and PostgreSQL:
// every response type interpolated per option (WHEN_AVAILABLE against real busy time across a
// DST change), tallies and ranking, who has not answered, votes kept through updates, the
// deadline, vote tokens (wrong, revoked, rotated, another meeting's) and signed-in votes,
// adjacent events, and pollChanged.
import { expect, it } from 'vitest';
import { createMeeting, UPDATE_MEETING } from './support/meetings.ts';
import { codes, describeEachDatabase, wsClient } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const pollFields = `meetingId title organizer { name email } duration timezone location { description } status options deadline closed
  voter { id response } voters { id email response preferred votedAt answers { start answer } }
  notAnswered { email } tallies { start yes no maybe pending } ranking { start yes maybe }`;
const POLL = `query ($m: ID!, $v: ID!, $t: String) { poll(meetingId: $m, voterId: $v, voteToken: $t) { ${pollFields} } }`;
const VOTE = `mutation ($m: ID!, $v: ID!, $t: String, $r: VoteResponse!, $p: [DateTime!]) {
  vote(meetingId: $m, voterId: $v, voteToken: $t, response: $r, preferred: $p) { ${pollFields} } }`;
const ROTATE = 'mutation ($m: ID!, $v: ID!) { rotateVoteToken(meetingId: $m, voterId: $v) { voteToken path invitee { id } } }';
const REVOKE = 'mutation ($m: ID!, $v: ID!) { revokeVoteToken(meetingId: $m, voterId: $v) { id } }';
const MEETING_POLL = `query ($id: ID!) { meeting(id: $id) { poll { ${pollFields} } } }`;
const ADJACENT = `query ($m: ID!, $v: ID!, $t: String) { adjacentEvents(meetingId: $m, voterId: $v, voteToken: $t) {
  start before { title start end } after { title start end } } }`;
const CREATE_APPOINTMENT =
  'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }';

describeEachDatabase('polls', (server) => {
  let n = 0;
  async function user(name: string) {
    const u = await userWithAccount(server(), `${name}${++n}`);
    return { ...u, email: `${name}${n}@example.com` };
  }
  /** An anonymous request, as from the vote page. */
  const anonymous = (query: string, variables: Record<string, unknown>) => server().gql(query, variables, null);

  async function pollMeeting(organizer: Awaited<ReturnType<typeof user>>, input: Record<string, unknown>) {
    const meeting = await createMeeting(organizer.gql, { accountId: organizer.account, name: 'Offsite', duration: 60, ...input });
    const voters = new Map<string, string>(meeting.invitees.map((i: any) => [i.email ?? i.account.id, i.id]));
    /** A fresh vote token of the invitee (the organizer rotates it: the way a test learns one). */
    const token = async (voter: string) =>
      dataOf(await organizer.gql(ROTATE, { m: meeting.id, v: voter })).rotateVoteToken.voteToken as string;
    return { meeting, voters, token };
  }

  it('interpolates every response type per option, WHEN_AVAILABLE across a DST change, with tallies and ranking', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const frank = await user('frank');
    // Frank is busy daily 09:00-10:00 Berlin: 08:00Z in CET, 07:00Z in CEST (from 2031-03-30).
    dataOf(
      await frank.gql(CREATE_APPOINTMENT, {
        input: {
          accountId: frank.account,
          title: 'Standup',
          timezone: 'Europe/Berlin',
          start: '2031-03-27T08:00:00Z',
          end: '2031-03-27T09:00:00Z',
          recurrence: { type: 'DAILY', interval: 1 },
        },
      }),
    );
    // 09:00 Berlin before and after the change, and 10:00 Berlin after it.
    const options = ['2031-03-28T08:00:00.000Z', '2031-03-31T07:00:00.000Z', '2031-04-01T08:00:00.000Z'];
    const { meeting, voters, token } = await pollMeeting(alice, {
      timezone: 'Europe/Berlin',
      location: { description: 'Lake house' },
      options,
      invitees: [
        { accountId: bob.account },
        { email: carol.email },
        { email: 'dave@example.org' },
        { email: 'erin@example.org' },
        { accountId: frank.account },
        { email: 'guest@example.org' },
        { email: 'gina@example.org' },
      ],
    });
    expect(meeting.status).toBe('POLLING');
    const vote = async (voter: string, r: string, p?: string[]) =>
      dataOf(await anonymous(VOTE, { m: meeting.id, v: voter, t: await token(voter), r, p })).vote;

    const bobsPoll = await vote(voters.get(bob.account)!, 'ALWAYS');
    expect(bobsPoll).toMatchObject({
      meetingId: meeting.id,
      title: 'Offsite',
      organizer: { name: null, email: alice.email },
      duration: 60,
      timezone: 'Europe/Berlin',
      location: { description: 'Lake house' },
      status: 'POLLING',
      options,
      deadline: null,
      closed: false,
      voter: { id: voters.get(bob.account), response: 'ALWAYS' },
    });
    // Carol is a convene user: she votes signed in, without the token.
    dataOf(await carol.gql(VOTE, { m: meeting.id, v: voters.get(carol.email), r: 'NO' }));
    await vote(voters.get('dave@example.org')!, 'MAYBE');
    await vote(voters.get('erin@example.org')!, 'CUSTOM', [options[1]!]);
    await vote(voters.get(frank.account)!, 'WHEN_AVAILABLE');
    // Convene knows no calendar of the guest's: pending.
    const poll = await vote(voters.get('guest@example.org')!, 'WHEN_AVAILABLE');

    const answers = Object.fromEntries(
      poll.voters.map((v: any) => [v.email ?? v.id, v.answers.map((a: any) => a.answer.slice(0, 1)).join('')]),
    );
    expect(answers).toEqual({
      [voters.get(bob.account)!]: 'YYY',
      [carol.email]: 'NNN',
      'dave@example.org': 'MMM',
      'erin@example.org': 'NYN',
      [voters.get(frank.account)!]: 'NNY',
      'guest@example.org': 'PPP',
      'gina@example.org': 'PPP',
    });
    expect(poll.voters.find((v: any) => v.email === 'erin@example.org').preferred).toEqual([options[1]]);
    expect(poll.tallies).toEqual([
      { start: options[0], yes: 1, no: 3, maybe: 1, pending: 2 },
      { start: options[1], yes: 2, no: 2, maybe: 1, pending: 2 },
      { start: options[2], yes: 2, no: 2, maybe: 1, pending: 2 },
    ]);
    // More yes first; a tie (yes and maybe) goes to the earlier option.
    expect(poll.ranking.map((r: any) => r.start)).toEqual([options[1], options[2], options[0]]);
    expect(poll.notAnswered).toEqual([{ email: 'gina@example.org' }]);

    // The organizer sees the same poll on the meeting, with no vote of their own.
    const organizers = dataOf(await alice.gql(MEETING_POLL, { id: meeting.id })).meeting.poll;
    expect(organizers).toEqual({ ...poll, voter: null });
    // Bob's own view by token: his vote.
    const bobsView = dataOf(await anonymous(POLL, { m: meeting.id, v: voters.get(bob.account), t: await token(voters.get(bob.account)!) }));
    expect(bobsView.poll.voter).toEqual({ id: voters.get(bob.account), response: 'ALWAYS' });
  });

  it('keeps votes for the options that remain when the organizer changes them', async () => {
    const alice = await user('alice');
    const options = ['2031-03-03T09:00:00.000Z', '2031-03-03T10:00:00.000Z', '2031-03-03T11:00:00.000Z'];
    const { meeting, voters, token } = await pollMeeting(alice, { options, invitees: [{ email: 'erin@example.org' }] });
    const erin = voters.get('erin@example.org')!;
    const t = await token(erin);
    dataOf(await anonymous(VOTE, { m: meeting.id, v: erin, t, r: 'CUSTOM', p: [options[0], options[1]] }));
    const next = [options[1]!, '2031-03-03T15:00:00.000Z'];
    dataOf(
      await alice.gql(UPDATE_MEETING, {
        id: meeting.id,
        input: { options: next, invitees: [{ email: 'erin@example.org' }, { email: 'new@example.org' }] },
      }),
    );
    const poll = dataOf(await anonymous(POLL, { m: meeting.id, v: erin, t })).poll;
    expect(poll.voter).toEqual({ id: erin, response: 'CUSTOM' });
    expect(poll.voters[0]).toMatchObject({ email: 'erin@example.org', preferred: [options[1]] });
    expect(poll.voters[0].answers.map((a: any) => a.answer)).toEqual(['YES', 'NO']);
    expect(poll.voters[1]).toMatchObject({ email: 'new@example.org', response: 'NOT_YET', votedAt: null });
  });

  it("refuses wrong, revoked, rotated and other meetings' tokens, and preferred times that are not options", async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const mallory = await user('mallory');
    const options = ['2031-03-03T09:00:00.000Z', '2031-03-03T10:00:00.000Z'];
    const first = await pollMeeting(alice, { options, invitees: [{ accountId: bob.account }, { email: 'x@example.org' }] });
    const second = await pollMeeting(alice, {
      options: ['2031-03-03T11:00:00.000Z', '2031-03-03T12:00:00.000Z'],
      invitees: [{ email: 'x@example.org' }],
    });
    const bobVoter = first.voters.get(bob.account)!;
    const voter = first.voters.get('x@example.org')!;
    const vote = (t: string | null, v = voter, m = first.meeting.id, extra: Record<string, unknown> = {}) =>
      anonymous(VOTE, { m, v, t, r: 'ALWAYS', ...extra });

    const old = await first.token(voter);
    const current = await first.token(voter);
    expect(current).toMatch(/^cvt_[A-Za-z0-9_-]{43}$/);
    expect(dataOf(await vote(current)).vote.voter.response).toBe('ALWAYS');
    expect(codes(await vote(old))).toEqual(['FORBIDDEN']); // rotated
    expect(codes(await vote(`cvt_${'A'.repeat(43)}`))).toEqual(['FORBIDDEN']); // wrong
    expect(codes(await vote(null))).toEqual(['FORBIDDEN']); // none, not signed in
    expect(codes(await anonymous(POLL, { m: first.meeting.id, v: voter, t: old }))).toEqual(['FORBIDDEN']);
    // Another meeting's token, for the same email, on this meeting; and another voter's token.
    const other = await second.token(second.voters.get('x@example.org')!);
    expect(codes(await vote(other))).toEqual(['FORBIDDEN']);
    expect(codes(await vote(other, second.voters.get('x@example.org'), first.meeting.id))).toEqual(['FORBIDDEN']);
    expect(codes(await vote(current, bobVoter))).toEqual(['FORBIDDEN']);
    // Signed in as someone who is not the invitee.
    expect(codes(await mallory.gql(VOTE, { m: first.meeting.id, v: bobVoter, r: 'NO' }))).toEqual(['FORBIDDEN']);

    const badPreferred = await vote(current, voter, first.meeting.id, { r: 'CUSTOM', p: ['2031-03-03T12:00:00.000Z'] });
    expect(codes(badPreferred)).toEqual(['BAD_USER_INPUT']);
    expect(badPreferred.errors![0]!.message).toMatch(/^preferred\[0\]: /);
    const notCustom = await vote(current, voter, first.meeting.id, { p: [options[0]] });
    expect(codes(notCustom)).toEqual(['BAD_USER_INPUT']);
    expect(notCustom.errors![0]!.message).toMatch(/^preferred: /);

    const malformed = await vote(current, 'not-an-id');
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors![0]!.message).toMatch(/^voterId: /);
    expect(codes(await vote(current, first.meeting.id))).toEqual(['BAD_USER_INPUT']); // a meeting's id, not a voter's

    dataOf(await alice.gql(REVOKE, { m: first.meeting.id, v: voter }));
    expect(codes(await vote(current))).toEqual(['FORBIDDEN']); // revoked
    // Only the organizer rotates and revokes.
    expect(codes(await bob.gql(ROTATE, { m: first.meeting.id, v: bobVoter }))).toEqual(['FORBIDDEN']);
    expect(codes(await mallory.gql(REVOKE, { m: first.meeting.id, v: bobVoter }))).toEqual(['NOT_FOUND']);
  });

  it('refuses votes after the deadline (POLL_CLOSED)', async () => {
    const alice = await user('alice');
    const options = ['2031-03-03T09:00:00.000Z', '2031-03-03T10:00:00.000Z'];
    const { meeting, voters, token } = await pollMeeting(alice, {
      options,
      pollDeadline: '2031-03-01T00:00:00.000Z',
      invitees: [{ email: 'x@example.org' }],
    });
    const v = voters.get('x@example.org')!;
    const t = await token(v);
    expect(dataOf(await anonymous(VOTE, { m: meeting.id, v, t, r: 'MAYBE' })).vote).toMatchObject({
      deadline: '2031-03-01T00:00:00.000Z',
      closed: false,
    });
    dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { pollDeadline: new Date(Date.now() - 1000).toISOString() } }));
    const refused = await anonymous(VOTE, { m: meeting.id, v, t, r: 'NO' });
    expect(codes(refused)).toEqual(['POLL_CLOSED']);
    const poll = dataOf(await anonymous(POLL, { m: meeting.id, v, t })).poll;
    expect(poll).toMatchObject({ closed: true, voter: { response: 'MAYBE' } });
  });

  it("shows the voter's nearest busy items around each option on its day", async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const appointment = (title: string, start: string, end: string) =>
      bob.gql(CREATE_APPOINTMENT, { input: { accountId: bob.account, title, timezone: 'UTC', start, end } });
    dataOf(await appointment('Standup', '2031-03-03T08:00:00Z', '2031-03-03T08:30:00Z'));
    dataOf(await appointment('Lunch', '2031-03-03T12:00:00Z', '2031-03-03T13:00:00Z'));
    dataOf(await appointment('Tomorrow', '2031-03-04T13:00:00Z', '2031-03-04T14:00:00Z'));
    const options = ['2031-03-03T10:00:00.000Z', '2031-03-05T10:00:00.000Z'];
    const { meeting, voters, token } = await pollMeeting(alice, { options, invitees: [{ accountId: bob.account }] });
    const v = voters.get(bob.account)!;
    const adjacent = dataOf(await anonymous(ADJACENT, { m: meeting.id, v, t: await token(v) })).adjacentEvents;
    expect(adjacent).toEqual([
      {
        start: options[0],
        before: { title: 'Standup', start: '2031-03-03T08:00:00.000Z', end: '2031-03-03T08:30:00.000Z' },
        after: { title: 'Lunch', start: '2031-03-03T12:00:00.000Z', end: '2031-03-03T13:00:00.000Z' },
      },
      { start: options[1], before: null, after: null },
    ]);
    // Signed in as the invitee, no token needed.
    expect(dataOf(await bob.gql(ADJACENT, { m: meeting.id, v })).adjacentEvents).toEqual(adjacent);
  });

  it('tells the vote page of votes over WebSocket (pollChanged), without sign-in', async () => {
    const alice = await user('alice');
    const options = ['2031-03-03T09:00:00.000Z', '2031-03-03T10:00:00.000Z'];
    const { meeting, voters, token } = await pollMeeting(alice, {
      options,
      invitees: [{ email: 'x@example.org' }, { email: 'y@example.org' }],
    });
    const x = voters.get('x@example.org')!;
    const y = voters.get('y@example.org')!;
    const [tx, ty] = [await token(x), await token(y)];
    const client = wsClient(server(), null);
    const SUBSCRIBE = `subscription ($m: ID!, $v: ID, $t: String) { pollChanged(meetingId: $m, voterId: $v, voteToken: $t) {
      voter { id } tallies { yes maybe } } }`;
    const events = client.iterate({ query: SUBSCRIBE, variables: { m: meeting.id, v: x, t: tx } });
    // The subscription may not be listening yet when the first vote is cast: vote until heard.
    const first = events.next();
    let heard: IteratorResult<any> | null = null;
    for (let i = 0; !heard; i++) {
      dataOf(await anonymous(VOTE, { m: meeting.id, v: y, t: ty, r: i % 2 ? 'MAYBE' : 'ALWAYS' }));
      heard = await Promise.race([first, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
    }
    const tallies = heard.value.data.pollChanged.tallies;
    expect([
      { yes: 1, maybe: 0 },
      { yes: 0, maybe: 1 },
    ]).toContainEqual(tallies[0]);
    expect(heard.value.data.pollChanged.voter).toEqual({ id: x });
    // A wrong token is refused at subscribe time.
    const refused = client.iterate({ query: SUBSCRIBE, variables: { m: meeting.id, v: x, t: ty } });
    expect((await refused.next()).value.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
    await events.return?.();
    await client.dispose();
  });

  it('tells the organizer signed in (without voterId), and no one else; a cancelled meeting has no poll', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const options = ['2031-03-03T09:00:00.000Z', '2031-03-03T10:00:00.000Z'];
    const { meeting, voters } = await pollMeeting(alice, { options, invitees: [{ accountId: bob.account }] });
    const v = voters.get(bob.account)!;
    const SUBSCRIBE = 'subscription ($m: ID!) { pollChanged(meetingId: $m) { voter { id } voters { response } } }';
    const organizer = wsClient(server(), alice.token);
    const events = organizer.iterate({ query: SUBSCRIBE, variables: { m: meeting.id } });
    const first = events.next();
    let heard: IteratorResult<any> | null = null;
    for (let i = 0; !heard; i++) {
      dataOf(await bob.gql(VOTE, { m: meeting.id, v, r: i % 2 ? 'NO' : 'MAYBE' }));
      heard = await Promise.race([first, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
    }
    expect(heard.value.data.pollChanged.voter).toBeNull();
    expect(['MAYBE', 'NO']).toContain(heard.value.data.pollChanged.voters[0].response);
    await events.return?.();
    await organizer.dispose();
    // An invitee follows the poll as a voter only; a stranger not at all.
    for (const [token, code] of [
      [bob.token, 'FORBIDDEN'],
      [null, 'FORBIDDEN'],
      [(await user('mallory')).token, 'NOT_FOUND'],
    ] as const) {
      const client = wsClient(server(), token);
      const refused = await client.iterate({ query: SUBSCRIBE, variables: { m: meeting.id } }).next();
      expect(refused.value.errors.map((e: any) => e.extensions.code)).toEqual([code]);
      await client.dispose();
    }

    dataOf(await alice.gql('mutation ($id: ID!) { deleteMeeting(id: $id) { id } }', { id: meeting.id }));
    expect(codes(await bob.gql(POLL, { m: meeting.id, v }))).toEqual(['NOT_FOUND']);
    expect(codes(await bob.gql(VOTE, { m: meeting.id, v, r: 'ALWAYS' }))).toEqual(['NOT_FOUND']);
  });
});
