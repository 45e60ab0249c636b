// Meetings through the GraphQL API over HTTP and WebSocket, on PGlite and PostgreSQL: the
// lifecycle (the option count decides the status; schedule, reschedule, cancel), the time they
// occupy (freeBusy, conflicts, slots), the free/busy relationship of co-invitees, sync to the
// organizer and the invitees, the calendar-entry delete fallback, meetingChanged, bad input.
import { describe, expect, it } from 'vitest';
import { CREATE_MEETING, createMeeting, DELETE_MEETING, MEETING, SCHEDULE_MEETING, UPDATE_MEETING } from './support/meetings.ts';
import { codes, describeEachDatabase, startTestServer, wsClient } from './support/server.ts';
import { dataOf, kindSyncClient, userWithAccount } from './support/sync.ts';

const FREEBUSY =
  'query ($account: ID!, $from: DateTime!, $to: DateTime!) { freeBusy(accountId: $account, from: $from, to: $to) { start end tentative } }';
const SLOTS = 'query ($input: SlotsInput!) { slots(input: $input) { slots { start unavailable tentative rank } } }';
const CREATE_APPOINTMENT = `mutation ($input: AppointmentInput!, $ignore: Boolean) { createAppointment(input: $input, ignoreConflicts: $ignore) {
  __typename ... on Conflicts { conflicts { kind id title start end tentative } } } }`;

/** 2031-03-03 is a Monday, well in the future. */
const at = (time: string, day = '2031-03-03') => `${day}T${time}:00.000Z`;
const dayWindow = { from: '2031-03-03T00:00:00Z', to: '2031-03-04T00:00:00Z' };

describeEachDatabase('meetings', (server) => {
  let n = 0;
  async function user(name = 'm') {
    const u = await userWithAccount(server(), `${name}${++n}`);
    const email = `${name}${n}@example.com`;
    const busy = async (account = u.account, window = dayWindow) => dataOf(await u.gql(FREEBUSY, { account, ...window })).freeBusy;
    return { ...u, email, busy };
  }

  it('the number of options decides the status and what occupies the calendar', async () => {
    const alice = await user('alice');
    const base = { accountId: alice.account, name: 'Review', duration: 60 };
    const draft = await createMeeting(alice.gql, base);
    expect(draft).toMatchObject({ __typename: 'Meeting', status: 'DRAFT', start: null, options: [], timezone: 'UTC', repeat: 'NONE' });
    expect(await alice.busy()).toEqual([]);

    const poll = await createMeeting(alice.gql, { ...base, options: [at('14:00'), at('09:00')] });
    expect(poll).toMatchObject({ status: 'POLLING', start: null, options: [at('09:00'), at('14:00')] });
    expect(await alice.busy()).toEqual([
      { start: at('09:00'), end: at('10:00'), tentative: true },
      { start: at('14:00'), end: at('15:00'), tentative: true },
    ]);

    const scheduled = await createMeeting(alice.gql, { ...base, options: [at('11:00')] });
    expect(scheduled).toMatchObject({ status: 'SCHEDULED', start: at('11:00'), end: at('12:00') });
    expect((await alice.busy())[1]).toEqual({ start: at('11:00'), end: at('12:00'), tentative: false });
    expect(scheduled.uid).toMatch(/@convene$/);
    expect(scheduled.organizer).toEqual({ name: null, email: alice.email });
    expect(scheduled.isOrganizer).toBe(true);
  });

  it('goes from draft to poll to scheduled, reschedules and cancels', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const draft = await createMeeting(alice.gql, {
      accountId: alice.account,
      name: 'Planning',
      duration: 30,
      timezone: 'Europe/Berlin',
      location: { description: 'Room 4', address: 'Main St 1', latitude: 52.52, longitude: 13.405 },
      reminder: { minutesBefore: 10 },
      invitees: [{ email: bob.email.toUpperCase() }, { email: 'guest@example.org' }],
    });
    expect(draft).toMatchObject({
      status: 'DRAFT',
      sequence: 0,
      location: { description: 'Room 4', address: 'Main St 1', latitude: 52.52, longitude: 13.405 },
      reminder: { minutesBefore: 10, method: 'POPUP' },
      invitees: [{ email: bob.email }, { email: 'guest@example.org' }],
    });
    const update = async (input: Record<string, unknown>) => dataOf(await alice.gql(UPDATE_MEETING, { id: draft.id, input })).updateMeeting;

    const poll = await update({ options: [at('09:00'), at('10:00'), at('15:00')] });
    expect(poll).toMatchObject({ status: 'POLLING', sequence: 1 });
    // The invitees keep their ids (voter ids) through updates that keep them.
    expect(poll.invitees.map((i: any) => i.id)).toEqual(draft.invitees.map((i: any) => i.id));
    expect((await alice.busy()).filter((b: any) => b.tentative)).toHaveLength(3);
    // Reordered, each keeps its id; the list order is the one given.
    const reordered = await update({ invitees: [{ email: 'guest@example.org' }, { email: bob.email }] });
    expect(reordered.invitees.map((i: any) => [i.email, i.id])).toEqual([
      ['guest@example.org', draft.invitees[1].id],
      [bob.email, draft.invitees[0].id],
    ]);
    expect(reordered.sequence).toBe(1);

    const schedule = async (start: string) => dataOf(await alice.gql(SCHEDULE_MEETING, { id: draft.id, start })).scheduleMeeting;
    const scheduled = await schedule(at('10:00'));
    expect(scheduled).toMatchObject({
      status: 'SCHEDULED',
      start: at('10:00'),
      sequence: 2,
      options: [at('09:00'), at('10:00'), at('15:00')],
    });
    // The holds became one event.
    expect(await alice.busy()).toEqual([{ start: at('10:00'), end: at('10:30'), tentative: false }]);

    // Another time than the options; then a change of name keeps the sequence, one of place raises it.
    expect(await schedule(at('16:00'))).toMatchObject({ start: at('16:00'), sequence: 3 });
    expect(await update({ name: 'Planning (moved)' })).toMatchObject({ name: 'Planning (moved)', status: 'SCHEDULED', sequence: 3 });
    expect(await update({ location: null })).toMatchObject({ location: null, sequence: 4 });
    expect(await alice.busy()).toEqual([{ start: at('16:00'), end: at('16:30'), tentative: false }]);

    // Options given again decide again: back to a poll.
    expect(await update({ options: [at('09:00'), at('12:00')] })).toMatchObject({ status: 'POLLING', start: null });

    expect(dataOf(await alice.gql(DELETE_MEETING, { id: draft.id })).deleteMeeting).toEqual({ id: draft.id });
    expect(await alice.busy()).toEqual([]);
    const cancelled = dataOf(await alice.gql(MEETING, { id: draft.id })).meeting;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', sequence: 6 });
    expect(codes(await alice.gql(UPDATE_MEETING, { id: draft.id, input: { name: 'x' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await alice.gql(DELETE_MEETING, { id: draft.id }))).toEqual(['NOT_FOUND']);
  });

  it('repeats a scheduled meeting in its zone', async () => {
    const alice = await user('alice');
    // Weekly at 09:00 Berlin from 2031-03-17: CET, then CEST from 2031-03-30.
    await createMeeting(alice.gql, {
      accountId: alice.account,
      name: 'Weekly',
      duration: 15,
      timezone: 'Europe/Berlin',
      repeat: 'WEEKLY',
      options: ['2031-03-17T09:00:00+01:00'],
    });
    const busy = await alice.busy(alice.account, { from: '2031-03-16T00:00:00Z', to: '2031-04-08T00:00:00Z' });
    expect(busy.map((b: any) => b.start)).toEqual([
      '2031-03-17T08:00:00.000Z',
      '2031-03-24T08:00:00.000Z',
      '2031-03-31T07:00:00.000Z',
      '2031-04-07T07:00:00.000Z',
    ]);
  });

  it('checks conflicts on the organizer calendar, and holds and events conflict with appointments', async () => {
    const alice = await user('alice');
    const appointment = { accountId: alice.account, title: 'Dentist', timezone: 'UTC', start: at('09:00'), end: at('10:00') };
    dataOf(await alice.gql(CREATE_APPOINTMENT, { input: appointment }));
    const input = { accountId: alice.account, name: 'Sync', duration: 30, options: [at('09:30')] };
    const refused = await createMeeting(alice.gql, input);
    expect(refused.__typename).toBe('Conflicts');
    expect(refused.conflicts).toMatchObject([{ kind: 'APPOINTMENT', title: 'Dentist', start: at('09:00'), tentative: false }]);
    // Nothing was saved.
    expect(dataOf(await alice.gql('{ meetings(first: 10) { edges { node { id } } } }')).meetings.edges).toEqual([]);

    const poll = await createMeeting(alice.gql, { ...input, options: [at('11:00'), at('13:00')] });
    expect(poll.status).toBe('POLLING');
    // Scheduling at a busy time answers conflicts; an appointment over a hold meets it, tentative.
    const clash = dataOf(await alice.gql(SCHEDULE_MEETING, { id: poll.id, start: at('09:15') })).scheduleMeeting;
    expect(clash.conflicts).toMatchObject([{ kind: 'APPOINTMENT' }]);
    const overHold = dataOf(await alice.gql(CREATE_APPOINTMENT, { input: { ...appointment, start: at('13:00'), end: at('13:15') } }));
    expect(overHold.createAppointment.conflicts).toEqual([
      { kind: 'MEETING', id: poll.id, title: 'Sync', start: at('13:00'), end: at('13:30'), tentative: true },
    ]);
    // Its own holds are no conflict for the meeting; an added option is checked.
    expect((await scheduleAt(alice, poll.id, at('11:00'))).status).toBe('SCHEDULED');
    const added = dataOf(await alice.gql(UPDATE_MEETING, { id: poll.id, input: { options: [at('11:00'), at('09:45')] } })).updateMeeting;
    expect(added.conflicts).toMatchObject([{ kind: 'APPOINTMENT', title: 'Dentist' }]);
    const forced = dataOf(
      await alice.gql(UPDATE_MEETING, { id: poll.id, input: { options: [at('11:00'), at('09:45')] }, ignore: true }),
    ).updateMeeting;
    expect(forced.status).toBe('POLLING');
  });

  async function scheduleAt(u: { gql: (q: string, v?: Record<string, unknown>) => Promise<any> }, id: string, start: string) {
    return dataOf<any>(await u.gql(SCHEDULE_MEETING, { id, start })).scheduleMeeting;
  }

  it('gives co-invitees a free/busy relationship while the meeting exists; slots refuse strangers', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const dave = await user('dave');
    // bob invited by email, carol by account.
    const meeting = await createMeeting(alice.gql, {
      accountId: alice.account,
      name: 'Trio',
      duration: 60,
      invitees: [{ email: bob.email }, { accountId: carol.account }],
    });
    // bob has a poll and a scheduled meeting of his own: tentative and definite busy time.
    await createMeeting(bob.gql, { accountId: bob.account, name: 'Bob poll', duration: 60, options: [at('09:00'), at('15:00')] });
    await createMeeting(bob.gql, { accountId: bob.account, name: 'Bob 1:1', duration: 60, options: [at('11:00')] });
    const bobBusy = [
      { start: at('09:00'), end: at('10:00'), tentative: true },
      { start: at('11:00'), end: at('12:00'), tentative: false },
      { start: at('15:00'), end: at('16:00'), tentative: true },
    ];
    expect(await carol.busy(bob.account)).toEqual(bobBusy);
    expect(await bob.busy(alice.account)).toEqual([]);
    expect(codes(await dave.gql(FREEBUSY, { account: bob.account, ...dayWindow }))).toEqual(['FORBIDDEN']);

    // Slots see bob's holds as tentative and his event as definite.
    const input = {
      organizerAccountId: alice.account,
      inviteeAccountIds: [bob.account, carol.account],
      duration: 60,
      step: 60,
      frames: [{ start: at('09:00'), end: at('12:00') }],
    };
    const slots = dataOf(await alice.gql(SLOTS, { input })).slots.slots;
    expect(slots).toEqual([
      { start: at('10:00'), unavailable: [], tentative: [], rank: 6 },
      { start: at('09:00'), unavailable: [bob.account], tentative: [bob.account], rank: 5 },
      { start: at('11:00'), unavailable: [bob.account], tentative: [], rank: 4 },
    ]);
    // dave has no relationship with bob's calendar: refused as freeBusy refuses it.
    const refused = await dave.gql(SLOTS, { input: { ...input, organizerAccountId: dave.account } });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toContain('inviteeAccountIds');

    dataOf(await alice.gql(DELETE_MEETING, { id: meeting.id }));
    expect(codes(await carol.gql(FREEBUSY, { account: bob.account, ...dayWindow }))).toEqual(['FORBIDDEN']);
    expect(codes(await alice.gql(SLOTS, { input }))).toEqual(['FORBIDDEN']);
  });

  it('syncs meetings to the organizer and the invitees, with tombstones for removed invitees', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const aliceSync = kindSyncClient(alice.gql, ['MEETING']);
    const bobSync = kindSyncClient(bob.gql, ['MEETING']);
    const aliceFull = await aliceSync.sync(null);
    const bobFull = await bobSync.sync(null);
    let aliceToken = (await aliceSync.commit(aliceFull.token, [])).token;
    let bobToken = (await bobSync.commit(bobFull.token, [])).token;

    const meeting = await createMeeting(
      alice.gql,
      { accountId: alice.account, name: 'Kickoff', duration: 45, options: [at('09:00'), at('10:00')], invitees: [{ email: bob.email }] },
      { clientSyncId: 'kickoff' },
    );
    const aliceBatch = await aliceSync.sync(aliceToken);
    expect(aliceBatch.objects).toEqual([
      {
        kind: 'MEETING',
        object: expect.objectContaining({ id: meeting.id, clientSyncId: 'kickoff', isOrganizer: true, status: 'POLLING' }),
      },
    ]);
    const bobBatch = await bobSync.sync(bobToken);
    // The invitee's copy: no clientSyncId (it is the organizer's).
    expect(bobBatch.objects).toEqual([
      { kind: 'MEETING', object: expect.objectContaining({ id: meeting.id, clientSyncId: null, isOrganizer: false, name: 'Kickoff' }) },
    ]);
    aliceToken = (await aliceSync.commit(aliceBatch.token, [{ kind: 'MEETING', id: meeting.id }])).token;

    // An invitee's copy is read-only for them.
    const bobCommit = await bobSync.commit(bobBatch.token, [{ kind: 'MEETING', id: meeting.id, changes: { name: 'Mine now' } }]);
    expect(bobCommit.results).toMatchObject([{ status: 'INVALID', message: expect.stringContaining('organizer') }]);
    bobToken = bobCommit.token;
    const bobDelete = await bobSync.commit((await bobSync.sync(bobToken)).token, [{ kind: 'MEETING', id: meeting.id, delete: true }]);
    expect(bobDelete.results[0]!.status).toBe('INVALID');
    bobToken = bobDelete.token;

    // The organizer changes it through sync; the invitee hears of it.
    const change = await aliceSync.commit((await aliceSync.sync(aliceToken)).token, [
      { kind: 'MEETING', clientSyncId: 'kickoff', changes: { name: 'Kickoff v2' } },
    ]);
    expect(change.results).toMatchObject([{ status: 'APPLIED', object: { name: 'Kickoff v2' } }]);
    aliceToken = change.token;
    const bobNext = await bobSync.sync(bobToken);
    expect(bobNext.objects.map((o) => o.object.name)).toEqual(['Kickoff v2']);
    bobToken = (await bobSync.commit(bobNext.token, [])).token;

    // Removing bob: a tombstone for him, the change for alice.
    dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { invitees: [{ email: 'someone@example.org' }] } }));
    const removed = await bobSync.sync(bobToken);
    expect(removed.objects).toEqual([]);
    expect(removed.deleted).toEqual([{ kind: 'MEETING', id: meeting.id, clientSyncId: null }]);
    expect(dataOf(await bob.gql(MEETING, { id: meeting.id })).meeting).toBeNull();
    const aliceNext = await aliceSync.sync(aliceToken);
    expect(aliceNext.objects.map((o) => o.object.invitees)).toEqual([[{ email: 'someone@example.org' }]]);
    aliceToken = (await aliceSync.commit(aliceNext.token, [])).token;

    // A meeting created through a commit, with the mutations' checks.
    const created = await aliceSync.commit((await aliceSync.sync(aliceToken)).token, [
      {
        kind: 'MEETING',
        clientSyncId: 'standup',
        changes: { accountId: alice.account, name: 'Standup', duration: 15, options: [at('08:00')] },
      },
      {
        kind: 'MEETING',
        clientSyncId: 'bad',
        changes: { accountId: alice.account, name: 'Bad', duration: 15, options: ['2020-01-01T08:00:00Z'] },
      },
      { kind: 'MEETING', clientSyncId: 'theirs', changes: { accountId: bob.account, name: 'Theirs', duration: 15 } },
    ]);
    expect(created.results).toMatchObject([
      { status: 'CREATED', object: { name: 'Standup', status: 'SCHEDULED', clientSyncId: 'standup' } },
      { status: 'INVALID', message: expect.stringContaining('in the past') },
      { status: 'INVALID', message: 'accountId: not one of your accounts' },
    ]);
    expect((await alice.busy()).map((b: any) => b.start)).toContain(at('08:00'));
  });

  it('deletes the meeting with a clientSyncId when a calendar entry delete names no entry', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const meeting = await createMeeting(
      alice.gql,
      { accountId: alice.account, name: 'Lunch', duration: 60, options: [at('12:00')], invitees: [{ email: bob.email }] },
      { clientSyncId: 'device-event-7' },
    );
    const bobSync = kindSyncClient(bob.gql, ['MEETING']);
    const bobFull = await bobSync.sync(null);
    expect(bobFull.objects.map((o) => o.object.id)).toEqual([meeting.id]);
    const bobToken = (await bobSync.commit(bobFull.token, [{ kind: 'MEETING', id: meeting.id }])).token;
    // Queue sessions carry meetings too.
    const session = dataOf(await bob.gql('mutation { startSyncSession(deviceUuid: "bob-phone") { id } }')).startSyncSession;
    const QUEUE = 'query ($s: ID!) { syncQueue(sessionId: $s, page: 1) { items { kind id eventType meeting { name status } } } }';
    expect(dataOf(await bob.gql(QUEUE, { s: session.id })).syncQueue.items).toEqual([
      { kind: 'MEETING', id: meeting.id, eventType: 'CREATED', meeting: { name: 'Lunch', status: 'SCHEDULED' } },
    ]);

    const batch = dataOf(await alice.gql('{ sync { token } }')).sync;
    const commit = `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { results { kind status message } } }`;
    const { results } = dataOf(
      await alice.gql(commit, {
        input: {
          token: batch.token,
          calendarEntries: [
            { clientSyncId: 'device-event-7', delete: true },
            { clientSyncId: 'nothing-by-this-id', delete: true },
          ],
        },
      }),
    ).syncCommit;
    expect(results).toMatchObject([
      { kind: 'CALENDAR_ENTRY', status: 'DELETED' },
      { kind: 'CALENDAR_ENTRY', status: 'NOT_FOUND' },
    ]);
    expect(dataOf(await alice.gql(MEETING, { id: meeting.id })).meeting.status).toBe('CANCELLED');
    expect(await alice.busy()).toEqual([]);
    expect((await bobSync.sync(bobToken)).deleted).toEqual([{ kind: 'MEETING', id: meeting.id, clientSyncId: null }]);
  });

  it('lists meetings changed since a time, cancelled ones included, in pages', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await createMeeting(alice.gql, { accountId: alice.account, name: `m${i}`, duration: 30, invitees: [{ accountId: bob.account }] }))
          .id,
      );
    }
    const LIST = `query ($since: DateTime, $after: String) { meetings(updatedSince: $since, first: 2, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { id status updatedAt } } } }`;
    const first = dataOf(await bob.gql(LIST)).meetings;
    expect(first.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = dataOf(await bob.gql(LIST, { after: first.pageInfo.endCursor })).meetings;
    expect(second.edges.map((e: any) => e.node.id)).toEqual([ids[2]]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const since = second.edges[0].node.updatedAt;
    dataOf(await alice.gql(DELETE_MEETING, { id: ids[0] }));
    const changed = dataOf(await bob.gql(LIST, { since })).meetings.edges.map((e: any) => e.node);
    expect(changed.map((m: any) => [m.id, m.status])).toEqual([
      [ids[2], 'DRAFT'],
      [ids[0], 'CANCELLED'],
    ]);
    // Without updatedSince only live meetings.
    expect(dataOf(await bob.gql(LIST)).meetings.edges.map((e: any) => e.node.id)).toEqual(ids.slice(1));
  });

  it('tells organizer and invitees of changes over WebSocket (meetingChanged)', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const meeting = await createMeeting(alice.gql, {
      accountId: alice.account,
      name: 'Live',
      duration: 30,
      invitees: [{ email: bob.email }],
    });
    const SUBSCRIBE = 'subscription ($id: ID!) { meetingChanged(id: $id) { id name status } }';
    const client = wsClient(server(), bob.token);
    const events = client.iterate({ query: SUBSCRIBE, variables: { id: meeting.id } });
    // The subscription may not be listening yet when the first change is made: change until heard.
    const first = events.next();
    let heard: IteratorResult<any> | null = null;
    for (let i = 0; !heard; i++) {
      dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { name: `Live ${i}` } }));
      heard = await Promise.race([first, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
    }
    expect(heard.value.data.meetingChanged).toMatchObject({ id: meeting.id, status: 'DRAFT', name: expect.stringMatching(/^Live \d+$/) });
    dataOf(await alice.gql(DELETE_MEETING, { id: meeting.id }));
    let event = await events.next();
    while (event.value.data.meetingChanged.status !== 'CANCELLED') event = await events.next();
    expect(event.value.data.meetingChanged.id).toBe(meeting.id);
    await events.return?.(undefined);
    await client.dispose();

    // Someone neither organizing nor invited cannot subscribe.
    const stranger = wsClient(server(), carol.token);
    const refused = await stranger.iterate({ query: SUBSCRIBE, variables: { id: meeting.id } }).next();
    expect(refused.value.errors[0].extensions.code).toBe('NOT_FOUND');
    await stranger.dispose();
  });

  it('refuses bad input naming the field, and other users’ meetings', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const base = { accountId: alice.account, name: 'x', duration: 30 };
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ duration: 0 }, 'duration'],
      [{ duration: 1441 }, 'duration'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ location: { latitude: 91, longitude: 0 } }, 'location.latitude'],
      [{ location: { latitude: 10, longitude: 181 } }, 'location.longitude'],
      [{ location: { latitude: 10 } }, 'location'],
      [{ invitees: [{ email: 'not-an-email' }] }, 'invitees[0].email'],
      [{ invitees: [{ email: 'a@example.com' }, { email: 'A@example.com' }] }, 'invitees[1]'],
      [{ invitees: [{}] }, 'invitees[0]'],
      [{ invitees: [{ accountId: 'nonsense' }] }, 'invitees[0].accountId'],
      [{ invitees: Array.from({ length: 501 }, (_, i) => ({ email: `p${i}@example.com` })) }, 'invitees'],
      [{ options: [at('09:00'), at('09:00')] }, 'options[1]'],
      [{ options: ['2020-01-01T09:00:00Z'] }, 'options'],
      [{ options: Array.from({ length: 101 }, (_, i) => new Date(Date.parse(at('00:00')) + i * 3_600_000).toISOString()) }, 'options'],
      [{ name: ' ' }, 'name'],
      [{ reminder: { minutesBefore: -1 } }, 'reminder.minutesBefore'],
    ];
    for (const [input, field] of bad) {
      const response = await alice.gql(CREATE_MEETING, { input: { ...base, ...input } });
      expect(codes(response), field).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message.startsWith(`${field}:`), response.errors![0]!.message).toBe(true);
    }
    // Nothing of any of them was saved.
    expect(dataOf(await alice.gql('{ meetings(first: 10) { edges { node { id } } } }')).meetings.edges).toEqual([]);
    // A past option is allowed when asked for.
    const past = await createMeeting(alice.gql, { ...base, options: ['2020-01-01T09:00:00Z'], allowPastOptions: true }, { ignore: true });
    expect(past.status).toBe('SCHEDULED');
    expect(codes(await alice.gql(SCHEDULE_MEETING, { id: past.id, start: '2020-02-01T09:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
    expect((await scheduleAt(alice, past.id, at('09:00'))).start).toBe(at('09:00'));

    // Another user's account; another user's meeting; an invitee changing the organizer's.
    expect(codes(await alice.gql(CREATE_MEETING, { input: { ...base, accountId: bob.account } }))).toEqual(['FORBIDDEN']);
    expect(codes(await bob.gql(UPDATE_MEETING, { id: past.id, input: { name: 'y' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await bob.gql(DELETE_MEETING, { id: past.id }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await bob.gql(MEETING, { id: past.id })).meeting).toBeNull();
    dataOf(await alice.gql(UPDATE_MEETING, { id: past.id, input: { invitees: [{ accountId: bob.account }] } }));
    expect(codes(await bob.gql(UPDATE_MEETING, { id: past.id, input: { name: 'y' } }))).toEqual(['FORBIDDEN']);
    expect(dataOf(await bob.gql(MEETING, { id: past.id })).meeting).toMatchObject({ id: past.id, isOrganizer: false });

    // The MEETINGS scope.
    const calendarOnly = await server().newUser(`calendar-only${++n}`, ['CALENDAR']);
    const denied = await server().gql(CREATE_MEETING, { input: base }, calendarOnly.token);
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    expect(denied.errors![0]!.message).toContain('MEETINGS');
  });
});

describe('cancelled meetings', () => {
  it('are kept for the retention period, then purged with the tombstones', async () => {
    // Retention of 0.5 s, checked every 0.1 s.
    const server = await startTestServer('pglite', { SYNC_RETENTION_DAYS: String(0.5 / 86400), MAINTENANCE_INTERVAL_SECONDS: '0.1' });
    try {
      const alice = await userWithAccount(server, 'purger');
      const meeting = await createMeeting(alice.gql, { accountId: alice.account, name: 'Gone soon', duration: 30 });
      dataOf(await alice.gql(DELETE_MEETING, { id: meeting.id }));
      expect(dataOf(await alice.gql(MEETING, { id: meeting.id })).meeting.status).toBe('CANCELLED');
      await expect
        .poll(async () => dataOf(await alice.gql(MEETING, { id: meeting.id })).meeting, { timeout: 5000, interval: 100 })
        .toBeNull();
    } finally {
      await server.stop();
    }
  });
});
