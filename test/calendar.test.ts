// Appointments, conflicts, free/busy and slots through the GraphQL API, on PGlite and PostgreSQL.
import { expect, it } from 'vitest';
import { planMeeting } from './support/meetings.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { dataOf, syncClient, userWithAccount } from './support/sync.ts';

const OCCURRENCES = `query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) {
  start end recurrenceId recurrencePosition recurrenceDatePosition appointment { id title } } }`;
const CREATE = `mutation ($input: AppointmentInput!, $ignore: Boolean) { createAppointment(input: $input, ignoreConflicts: $ignore) {
  __typename ... on Appointment { id title start end startDate endDate recurrence { type interval days } }
  ... on Conflicts { conflicts { kind id title start end tentative } } } }`;
const UPDATE = `mutation ($id: ID!, $input: AppointmentInput!, $occurrence: Date, $ignore: Boolean) {
  updateAppointment(id: $id, input: $input, occurrence: $occurrence, ignoreConflicts: $ignore) {
  __typename ... on Appointment { id title start end recurrenceId recurrencePosition recurrenceDatePosition }
  ... on Conflicts { conflicts { kind title } } } }`;
const DELETE = 'mutation ($id: ID!, $occurrence: Date) { deleteAppointment(id: $id, occurrence: $occurrence) { id } }';
const FREEBUSY =
  'query ($account: ID!, $from: DateTime!, $to: DateTime!) { freeBusy(accountId: $account, from: $from, to: $to) { start end tentative } }';

describeEachDatabase('calendar', (server) => {
  let n = 0;
  async function user(name = 'cal') {
    const u = await userWithAccount(server(), `${name}${++n}`);
    const { gql, account } = u;
    const create = async (input: Record<string, unknown>, ignore = false) =>
      dataOf(await gql(CREATE, { input: { accountId: account, timezone: 'Europe/Berlin', ...input }, ignore })).createAppointment;
    /** Connects another account of `provider` with this identifier; its id. */
    const connect = async (identifier: string, provider = 'EXCHANGE') => {
      const query = `mutation { connectAccount(input: { provider: ${provider}, identifier: ${JSON.stringify(identifier)} }) { id } }`;
      return dataOf(await gql(query)).connectAccount.id as string;
    };
    return { ...u, gql, account, create, connect };
  }

  it('expands a weekly series at 09:00 Berlin time across the DST change', async () => {
    const u = await user();
    const series = await u.create({
      title: 'standup',
      start: '2026-03-16T09:00:00+01:00',
      end: '2026-03-16T09:30:00+01:00',
      recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 4 },
    });
    expect(series.recurrence).toEqual({ type: 'WEEKLY', interval: 1, days: ['MONDAY'] });
    const list = dataOf(await u.gql(OCCURRENCES, { from: '2026-03-01T00:00:00Z', to: '2026-05-01T00:00:00Z' })).appointments;
    expect(list.map((o: any) => [o.start, o.recurrencePosition, o.recurrenceDatePosition])).toEqual([
      ['2026-03-16T08:00:00.000Z', 1, '2026-03-16'],
      ['2026-03-23T08:00:00.000Z', 2, '2026-03-23'],
      ['2026-03-30T07:00:00.000Z', 3, '2026-03-30'], // CEST: still 09:00 local
      ['2026-04-06T07:00:00.000Z', 4, '2026-04-06'],
    ]);
    expect(list.every((o: any) => o.recurrenceId === series.id)).toBe(true);
    // A window in the middle: positions are still counted from the start.
    const middle = dataOf(await u.gql(OCCURRENCES, { from: '2026-03-30T00:00:00Z', to: '2026-03-31T00:00:00Z' })).appointments;
    expect(middle.map((o: any) => o.recurrencePosition)).toEqual([3]);
  });

  it('applies change and delete exceptions', async () => {
    const u = await user();
    const series = await u.create({
      title: 'daily',
      start: '2026-06-01T10:00:00+02:00',
      end: '2026-06-01T11:00:00+02:00',
      recurrence: { type: 'DAILY', interval: 1, until: '2026-06-05' },
    });
    const moved = dataOf(
      await u.gql(UPDATE, {
        id: series.id,
        occurrence: '2026-06-02',
        input: { title: 'moved', start: '2026-06-02T15:00:00+02:00', end: '2026-06-02T16:00:00+02:00' },
      }),
    ).updateAppointment;
    expect(moved).toMatchObject({ title: 'moved', recurrenceId: series.id, recurrencePosition: 2, recurrenceDatePosition: '2026-06-02' });
    expect(moved.id).not.toBe(series.id);
    dataOf(await u.gql(DELETE, { id: series.id, occurrence: '2026-06-03' }));
    const list = dataOf(await u.gql(OCCURRENCES, { from: '2026-06-01T00:00:00Z', to: '2026-06-10T00:00:00Z' })).appointments;
    expect(list.map((o: any) => [o.recurrenceDatePosition, o.appointment.title, o.start])).toEqual([
      ['2026-06-01', 'daily', '2026-06-01T08:00:00.000Z'],
      ['2026-06-02', 'moved', '2026-06-02T13:00:00.000Z'],
      ['2026-06-04', 'daily', '2026-06-04T08:00:00.000Z'],
      ['2026-06-05', 'daily', '2026-06-05T08:00:00.000Z'], // until is inclusive
    ]);
    // Deleting the change exception keeps its occurrence deleted.
    dataOf(await u.gql(DELETE, { id: moved.id }));
    const after = dataOf(await u.gql(OCCURRENCES, { from: '2026-06-01T00:00:00Z', to: '2026-06-10T00:00:00Z' })).appointments;
    expect(after.map((o: any) => o.recurrenceDatePosition)).toEqual(['2026-06-01', '2026-06-04', '2026-06-05']);
    expect(codes(await u.gql(DELETE, { id: series.id, occurrence: '2026-06-20' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('stores full-time appointments as local days (23 hours on the spring-forward day)', async () => {
    const u = await user();
    const day = await u.create({ title: 'holiday', fullTime: true, startDate: '2026-03-29', endDate: '2026-03-30' });
    expect(day).toMatchObject({
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
      startDate: '2026-03-29',
      endDate: '2026-03-30',
    });
  });

  it('refuses bad appointments with clear messages', async () => {
    const u = await user();
    const base = { title: 'x', start: '2026-06-01T10:00:00Z', end: '2026-06-01T11:00:00Z' };
    const bad = [
      { ...base, end: '2026-06-01T09:00:00Z' },
      { ...base, timezone: 'Mars/Olympus' },
      { ...base, recurrence: { type: 'DAILY', interval: 1, month: 3 } },
      { ...base, recurrence: { type: 'YEARLY', interval: 2, month: 6, dayInMonth: 1 } },
      { ...base, recurrence: { type: 'WEEKLY', interval: 1, days: ['TUESDAY'] } }, // 2026-06-01 is a Monday
      { ...base, recurrence: { type: 'NONE', occurrences: 3 } },
      { ...base, fullTime: true },
      { ...base, title: '' },
    ];
    for (const input of bad) {
      const response = await u.gql(CREATE, { input: { accountId: u.account, timezone: 'UTC', ...input } });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).not.toMatch(/unexpected/i);
    }
    const other = await user('othercal');
    expect(codes(await u.gql(CREATE, { input: { ...base, accountId: other.account, timezone: 'UTC' } }))).toEqual(['FORBIDDEN']);
    expect(dataOf(await u.gql(OCCURRENCES, { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' })).appointments).toEqual([]);
  });

  it('dayInMonth with days counts only the selected days, too big = the last (OX 213)', async () => {
    const u = await user();
    const weekdays = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'];
    // The 23rd weekday, or the last: 2026-01-30 is January's last weekday (the 31st is a Saturday).
    const series = await u.create({
      title: 'month end',
      start: '2026-01-30T09:00:00+01:00',
      end: '2026-01-30T10:00:00+01:00',
      recurrence: { type: 'MONTHLY', interval: 1, days: weekdays, dayInMonth: 23, occurrences: 12 },
    });
    expect(series.__typename).toBe('Appointment');
    const list = dataOf(await u.gql(OCCURRENCES, { from: '2026-10-01T00:00:00Z', to: '2027-06-01T00:00:00Z' })).appointments;
    expect(list.map((o: any) => [o.recurrencePosition, o.recurrenceDatePosition, o.start])).toEqual([
      [10, '2026-10-30', '2026-10-30T08:00:00.000Z'],
      [11, '2026-11-30', '2026-11-30T08:00:00.000Z'],
      [12, '2026-12-31', '2026-12-31T08:00:00.000Z'], // December 2026 has 23 weekdays
    ]);
    // The series must start on an occurrence, and dayInMonth stays within 1..31.
    const start = { title: 'x', timezone: 'UTC', start: '2026-01-29T09:00:00Z', end: '2026-01-29T10:00:00Z' };
    const notOnOccurrence = await u.gql(CREATE, {
      input: { ...start, accountId: u.account, recurrence: { type: 'MONTHLY', interval: 1, days: weekdays, dayInMonth: 23 } },
    });
    expect(codes(notOnOccurrence)).toEqual(['BAD_USER_INPUT']);
    expect(notOnOccurrence.errors![0]!.message).toMatch(/^start: /);
    const tooBig = await u.gql(CREATE, {
      input: { ...start, accountId: u.account, recurrence: { type: 'MONTHLY', interval: 1, days: weekdays, dayInMonth: 32 } },
    });
    expect(codes(tooBig)).toEqual(['BAD_USER_INPUT']);
    expect(tooBig.errors![0]!.message).toMatch(/recurrence\.dayInMonth: with days, a whole number from 1 to 31/);
  });

  it('reports conflicts instead of saving, unless told to ignore them; FREE never conflicts', async () => {
    const u = await user();
    const first = await u.create({ title: 'first', start: '2026-07-01T10:00:00Z', end: '2026-07-01T11:00:00Z' });
    const clash = { title: 'second', start: '2026-07-01T10:30:00Z', end: '2026-07-01T11:30:00Z' };
    const refused = await u.create(clash);
    expect(refused).toEqual({
      __typename: 'Conflicts',
      conflicts: [
        {
          kind: 'APPOINTMENT',
          id: first.id,
          title: 'first',
          start: '2026-07-01T10:00:00.000Z',
          end: '2026-07-01T11:00:00.000Z',
          tentative: false,
        },
      ],
    });
    expect(dataOf(await u.gql(OCCURRENCES, { from: '2026-07-01T00:00:00Z', to: '2026-07-02T00:00:00Z' })).appointments).toHaveLength(1);
    expect((await u.create({ ...clash, shownAs: 'FREE' })).__typename).toBe('Appointment');
    expect((await u.create(clash, true)).__typename).toBe('Appointment');
    // Touching is not overlapping; a weekly series finds a clash in its third week.
    expect((await u.create({ title: 'after', start: '2026-07-01T11:30:00Z', end: '2026-07-01T12:00:00Z' })).__typename).toBe('Appointment');
    const series = await u.create({
      title: 'weekly',
      timezone: 'UTC',
      start: '2026-06-17T10:15:00Z',
      end: '2026-06-17T10:45:00Z',
      recurrence: { type: 'WEEKLY', interval: 1, days: ['WEDNESDAY'] },
    });
    expect(series.conflicts.map((c: any) => c.title).sort()).toEqual(['first', 'second']);
    // A calendar entry a device pushed counts too.
    const sync = syncClient(server(), u.token);
    await sync.commit({
      token: (await sync.sync()).token,
      calendarEntries: [
        { clientSyncId: 'busy-1', changes: { start: '2026-07-02T09:00:00Z', end: '2026-07-02T10:00:00Z', title: 'dentist' } },
      ],
    });
    const onEntry = await u.create({ title: 'x', start: '2026-07-02T09:30:00Z', end: '2026-07-02T10:30:00Z' });
    expect(onEntry.conflicts).toMatchObject([{ kind: 'CALENDAR_ENTRY', title: 'dentist' }]);
    // Moving an appointment does not conflict with itself.
    const moved = dataOf(await u.gql(UPDATE, { id: first.id, input: { end: '2026-07-01T10:20:00Z' } })).updateAppointment;
    expect(moved.__typename).toBe('Appointment');
  });

  it('merges free/busy over all personal accounts and keeps shared accounts apart', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const work = await alice.connect('alice@work.example');
    const room = await alice.connect('room-1@work.example');
    await bob.connect('room-1@work.example');

    await alice.create({ title: 'a', start: '2026-09-01T09:00:00Z', end: '2026-09-01T10:00:00Z' });
    // Overlaps a (the same person's other account): saved only when told to ignore that.
    expect(
      (await alice.create({ title: 'b', accountId: work, start: '2026-09-01T09:30:00Z', end: '2026-09-01T11:00:00Z' })).__typename,
    ).toBe('Conflicts');
    await alice.create({ title: 'b', accountId: work, start: '2026-09-01T09:30:00Z', end: '2026-09-01T11:00:00Z' }, true);
    await alice.create({
      title: 'maybe',
      accountId: work,
      shownAs: 'TEMPORARY',
      start: '2026-09-01T12:00:00Z',
      end: '2026-09-01T13:00:00Z',
    });
    await alice.create({ title: 'free', shownAs: 'FREE', start: '2026-09-01T14:00:00Z', end: '2026-09-01T15:00:00Z' });
    await alice.create({ title: 'room by alice', accountId: room, start: '2026-09-01T16:00:00Z', end: '2026-09-01T17:00:00Z' });
    await bob.create({ title: 'room by bob', accountId: room, start: '2026-09-01T17:00:00Z', end: '2026-09-01T18:00:00Z' });

    const window = { from: '2026-09-01T00:00:00Z', to: '2026-09-02T00:00:00Z' };
    const own = dataOf(await alice.gql(FREEBUSY, { account: alice.account, ...window })).freeBusy;
    expect(own).toEqual([
      { start: '2026-09-01T09:00:00.000Z', end: '2026-09-01T11:00:00.000Z', tentative: false },
      { start: '2026-09-01T12:00:00.000Z', end: '2026-09-01T13:00:00.000Z', tentative: true },
    ]);
    // The same through the work account: it stands for the same person.
    expect(dataOf(await alice.gql(FREEBUSY, { account: work, ...window })).freeBusy).toEqual(own);
    // The room shows both bookings and nothing personal; bob sees it too.
    const roomBusy = [{ start: '2026-09-01T16:00:00.000Z', end: '2026-09-01T18:00:00.000Z', tentative: false }];
    expect(dataOf(await bob.gql(FREEBUSY, { account: room, ...window })).freeBusy).toEqual(roomBusy);
    // A booking of the room by bob conflicts for alice, without bob's title.
    const clash = await alice.create({ title: 'c', accountId: room, start: '2026-09-01T17:30:00Z', end: '2026-09-01T17:45:00Z' });
    expect(clash.conflicts).toEqual([
      { kind: 'APPOINTMENT', id: null, title: null, start: '2026-09-01T17:00:00.000Z', end: '2026-09-01T18:00:00.000Z', tentative: false },
    ]);
    // Bob has no relationship with alice's personal calendar.
    expect(codes(await bob.gql(FREEBUSY, { account: alice.account, ...window }))).toEqual(['FORBIDDEN']);
    expect(codes(await bob.gql(FREEBUSY, { account: 'QWNjb3VudDp4', ...window }))).toEqual(['NOT_FOUND']);
    // Windows: to after from, at most 3 months.
    expect(codes(await alice.gql(FREEBUSY, { account: alice.account, from: window.to, to: window.from }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await alice.gql(FREEBUSY, { account: alice.account, from: '2026-01-01T00:00:00Z', to: '2026-05-01T00:00:00Z' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('lets exactly one of racing overlapping bookings through: a room, and one person on two accounts', async () => {
    const alice = await user('racer');
    const bob = await user('racer');
    const work = await alice.connect('racer@work.example');
    const room = await alice.connect('race-room@work.example');
    await bob.connect('race-room@work.example');
    for (let round = 0; round < 5; round++) {
      const slot = (minutes: number) => new Date(Date.parse('2026-11-02T08:00:00Z') + round * 86_400_000 + minutes * 60_000).toISOString();
      // Four bookings of the room, by both people, each overlapping all the others.
      const roomBookings = await Promise.all(
        [alice, bob, alice, bob].map((u, i) =>
          u.create({ title: `room ${i}`, accountId: room, start: slot(i * 5), end: slot(60 + i * 5) }),
        ),
      );
      expect(roomBookings.map((r) => r.__typename).sort()).toEqual(['Appointment', 'Conflicts', 'Conflicts', 'Conflicts']);
      // Alice's personal accounts are one calendar: bookings on either see each other.
      const personal = await Promise.all(
        [alice.account, work, alice.account, work].map((accountId, i) =>
          alice.create({ title: `mine ${i}`, accountId, start: slot(120 + i * 5), end: slot(180) }),
        ),
      );
      expect(personal.map((r) => r.__typename).sort()).toEqual(['Appointment', 'Conflicts', 'Conflicts', 'Conflicts']);
    }
  });

  it('syncs appointments through the change feed', async () => {
    const u = await user();
    const sync = syncClient(server(), u.token);
    const made = await u.create({ title: 'synced', start: '2026-10-01T10:00:00Z', end: '2026-10-01T11:00:00Z' });
    const batch = dataOf(await u.gql('{ sync(kinds: [APPOINTMENT]) { token appointments { id title } tasks { id } } }')).sync;
    expect(batch.appointments).toEqual([{ id: made.id, title: 'synced' }]);
    const other = await user('stranger');
    const commit = dataOf(
      await u.gql(
        `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { status message appointment { title start } } } }`,
        {
          input: {
            token: batch.token,
            appointments: [
              { id: made.id, changes: { title: 'renamed' } },
              {
                clientSyncId: 'ap-1',
                changes: {
                  accountId: u.account,
                  title: 'from device',
                  timezone: 'UTC',
                  start: '2026-10-01T10:30:00Z',
                  end: '2026-10-01T11:30:00Z',
                },
              },
              {
                clientSyncId: 'ap-2',
                changes: {
                  accountId: other.account,
                  title: 'not mine',
                  timezone: 'UTC',
                  start: '2026-10-02T10:00:00Z',
                  end: '2026-10-02T11:00:00Z',
                },
              },
            ],
          },
        },
      ),
    ).syncCommit;
    expect(commit.results.map((r: any) => r.status)).toEqual(['APPLIED', 'CREATED', 'INVALID']);
    expect(commit.results[1].appointment).toEqual({ title: 'from device', start: '2026-10-01T10:30:00.000Z' });
    expect(commit.results[2].message).toMatch(/accountId/);
    // Another writer's change reaches the device; its own do not come back.
    dataOf(await u.gql(UPDATE, { id: made.id, input: { notes: 'server side' }, ignore: true }));
    const next = dataOf(await u.gql('query ($t: String) { sync(token: $t) { appointments { title } } }', { t: commit.token })).sync;
    expect(next.appointments).toEqual([{ title: 'renamed' }]);
    expect((await sync.sync()).tasks).toEqual([]);
    // Disconnecting an account deletes the user's appointments on it, and devices hear of it.
    const work = await u.connect('dav@x.example', 'CALDAV');
    const onWork = await u.create({ accountId: work, title: 'on work', start: '2026-10-05T10:00:00Z', end: '2026-10-05T11:00:00Z' });
    const before = dataOf(await u.gql('query ($t: String) { sync(token: $t) { token appointments { id } } }', { t: commit.token })).sync;
    expect(before.appointments.map((a: any) => a.id)).toContain(onWork.id);
    dataOf(await u.gql('mutation ($id: ID!) { deleteAccount(id: $id) { id } }', { id: work }));
    const gone = dataOf(await u.gql('query ($t: String) { sync(token: $t) { deleted { kind id } } }', { t: before.token })).sync;
    expect(gone.deleted).toEqual([{ kind: 'APPOINTMENT', id: onWork.id }]);
    // Queue sessions carry appointments too.
    const session = dataOf(
      await u.gql('mutation { startSyncSession(deviceUuid: "cal-phone") { id queues { totalCount } } }'),
    ).startSyncSession;
    const page = dataOf(
      await u.gql('query ($s: ID!) { syncQueue(sessionId: $s, page: 1) { items { kind eventType appointment { title } } } }', {
        s: session.id,
      }),
    ).syncQueue;
    expect(page.items.map((i: any) => [i.kind, i.eventType, i.appointment?.title]).sort()).toEqual([
      ['APPOINTMENT', 'CREATED', 'from device'],
      ['APPOINTMENT', 'CREATED', 'renamed'],
    ]);
  });

  it('commits a series delete and a change to its exception together, in either order', async () => {
    const u = await user();
    const COMMIT = `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { id status message } } }`;
    for (const seriesFirst of [false, true]) {
      const series = await u.create({
        title: 'daily',
        start: '2026-12-01T10:00:00Z',
        end: '2026-12-01T11:00:00Z',
        recurrence: { type: 'DAILY', interval: 1, occurrences: 3 },
      });
      const moved = dataOf(
        await u.gql(UPDATE, {
          id: series.id,
          occurrence: '2026-12-02',
          input: { start: '2026-12-02T15:00:00Z', end: '2026-12-02T16:00:00Z' },
        }),
      ).updateAppointment;
      const batch = dataOf(await u.gql('{ sync(kinds: [APPOINTMENT]) { token } }')).sync;
      const refs = [
        { id: moved.id, changes: { title: 'renamed on the phone' } },
        { id: series.id, delete: true },
      ];
      const commit = dataOf(
        await u.gql(COMMIT, { input: { token: batch.token, appointments: seriesFirst ? refs.reverse() : refs } }),
      ).syncCommit;
      const byId = Object.fromEntries(commit.results.map((r: any) => [r.id, [r.status, r.message]]));
      expect(byId[series.id]).toEqual(['DELETED', null]);
      // Deleting the series removes its exception, so the change to it is not kept, whatever the order.
      expect(byId[moved.id]).toEqual(['NOT_FOUND', 'deleted by this commit']);
      const left = dataOf(await u.gql(OCCURRENCES, { from: '2026-12-01T00:00:00Z', to: '2026-12-05T00:00:00Z' })).appointments;
      expect(left).toEqual([]);
      const feed = dataOf(
        await u.gql('query ($t: String) { sync(token: $t) { appointments { id } deleted { id } } }', { t: batch.token }),
      ).sync;
      expect(feed.appointments).toEqual([]);
      expect(feed.deleted.map((d: any) => d.id).sort()).toEqual([moved.id, series.id].sort());
      // The device that deleted the series is told its exception went too (not the series: its own change).
      const echo = dataOf(
        await u.gql('query ($t: String) { sync(token: $t) { appointments { id } deleted { id } } }', { t: commit.token }),
      ).sync;
      expect(echo).toEqual({ appointments: [], deleted: [{ id: moved.id }] });
    }
  });

  it('suggests slots ranked by who is free', async () => {
    const organizer = await user('org');
    const ann = await user('ann');
    const ben = await user('ben');
    // ann busy 9-10, ben tentatively busy 9:30-10:30, organizer busy 11-12.
    await ann.create({ title: 'x', start: '2026-11-02T09:00:00Z', end: '2026-11-02T10:00:00Z' });
    await ben.create({ title: 'x', shownAs: 'TEMPORARY', start: '2026-11-02T09:30:00Z', end: '2026-11-02T10:30:00Z' });
    await organizer.create({ title: 'x', start: '2026-11-02T11:00:00Z', end: '2026-11-02T12:00:00Z' });
    await planMeeting(organizer.gql, organizer.account, [ann.account, ben.account]);
    const SLOTS = `query ($input: SlotsInput!) { slots(input: $input) { totalCount hasMore page slots { start end unavailable tentative rank } } }`;
    const input = {
      organizerAccountId: organizer.account,
      inviteeAccountIds: [ann.account, ben.account],
      duration: 60,
      step: 30,
      frames: [{ start: '2026-11-02T09:00:00Z', end: '2026-11-02T13:00:00Z' }],
      pageSize: 3,
    };
    const page = dataOf(await organizer.gql(SLOTS, { input })).slots;
    // Starts 9:00..12:00 by 30 min; 10:30, 11:00, 11:30 and 12:00 overlap the organizer (11-12)... except 12:00.
    expect(page.totalCount).toBe(4);
    expect(page.hasMore).toBe(true);
    expect(page.slots.map((s: any) => s.start)).toEqual([
      '2026-11-02T12:00:00.000Z',
      '2026-11-02T10:00:00.000Z',
      '2026-11-02T09:00:00.000Z',
    ]);
    expect(page.slots[0]).toMatchObject({ unavailable: [], tentative: [] });
    expect(page.slots[1]).toMatchObject({ unavailable: [ben.account], tentative: [ben.account] });
    expect(page.slots[0].rank).toBeGreaterThan(page.slots[1].rank);
    expect(page.slots[1].rank).toBeGreaterThan(page.slots[2].rank);
    const last = dataOf(await organizer.gql(SLOTS, { input: { ...input, page: 2 } })).slots;
    expect(last.slots.map((s: any) => s.start)).toEqual(['2026-11-02T09:30:00.000Z']);
    expect(last.hasMore).toBe(false);
    // The organizer account must be the caller's; frames are checked.
    expect(codes(await ann.gql(SLOTS, { input }))).toEqual(['FORBIDDEN']);
    const badFrames = { ...input, frames: [{ start: '2026-11-02T13:00:00Z', end: '2026-11-02T09:00:00Z' }] };
    expect(codes(await organizer.gql(SLOTS, { input: badFrames }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await organizer.gql(SLOTS, { input: { ...input, duration: 0 } }))).toEqual(['BAD_USER_INPUT']);
  });
});
