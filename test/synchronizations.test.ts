// Synchronizations as resources, through the GraphQL API on PGlite and PostgreSQL: listing and
// creating them (an admin any user's, a user their own), connector provisioning validated and
// kept encrypted, never returned; and deleting them with each unlink mode, which a third syncing
// client learns of exactly.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { decodeId } from '../src/ids.ts';
import { SecretBox, SecretUnreadable, serverSecrets } from '../src/secrets.ts';
import { readProvisioning, recordSyncOutcome, type SyncOutcome } from '../src/synchronizations/synchronizations.ts';
import { runWrite } from '../src/write.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { dataOf, kindSyncClient, userWithAccount } from './support/sync.ts';

const SYNCHRONIZATION_FIELDS =
  'id type name deviceUuid createdAt lastSyncAt lastSuccessAt lastError lastErrorAt settings user { username }';
const SYNCHRONIZATIONS = `query ($username: String, $type: SynchronizationType) {
  synchronizations(username: $username, type: $type) { ${SYNCHRONIZATION_FIELDS} } }`;
const CREATE = `mutation ($input: CreateSynchronizationInput!) { createSynchronization(input: $input) { ${SYNCHRONIZATION_FIELDS} } }`;

const feedUrl = 'https://calendar.example.org/feeds/private-4f9c2e7a/basic.ics';

const DELETE_ONE = `mutation ($id: ID!, $mode: UnlinkMode!) {
  deleteSynchronization(id: $id, unlinkMode: $mode) { synchronizations appointments calendarEntries cutSeries } }`;
const DELETE_MANY = `mutation ($username: String, $type: SynchronizationType, $mode: UnlinkMode!) {
  deleteSynchronizations(username: $username, type: $type, unlinkMode: $mode) { synchronizations appointments calendarEntries cutSeries } }`;
const PUSH = `mutation ($input: SyncCommitInput!) {
  syncCommit(input: $input) { token synchronization { id } results { clientSyncId id status message } } }`;
const OCCURRENCES = `query ($from: DateTime!, $to: DateTime!) {
  appointments(from: $from, to: $to) { start recurrenceDatePosition appointment { id title } } }`;
const ENTRIES = '{ calendarEntries(first: 100) { edges { node { id title } } } }';

const DAY = 86_400_000;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** The instant `days` from today's UTC midnight, at `hour` UTC. */
const at = (days: number, hour: number) => new Date(today + days * DAY + hour * 3_600_000).toISOString();
/** The UTC date `days` from today. */
const date = (days: number) => at(days, 0).slice(0, 10);
const window = { from: at(-60, 0), to: at(60, 0) };

type User = Awaited<ReturnType<typeof userWithAccount>>;

/**
 * A user whose calendar holds, from two DEVICE synchronizations (pushed through syncCommit, as
 * clients do) and made directly: single appointments and calendar entries in the past and the
 * future, a daily series started ten days ago with change exceptions before and after now and a
 * deleted occurrence, and a weekly series starting next week with an exception. A third client
 * has synced all of it.
 */
async function scenario(u: User) {
  const appointment = (title: string, days: number, recurrence: Record<string, unknown> | null = null) => ({
    accountId: u.account,
    title,
    start: at(days, 6),
    end: at(days, 7),
    timezone: 'UTC',
    recurrence,
  });
  const entry = (title: string, days: number) => ({ title, start: at(days, 12), end: at(days, 13) });
  async function push(
    prefix: string,
    appointments: Array<ReturnType<typeof appointment>>,
    entries: Array<ReturnType<typeof entry>>,
    tasks: string[] = [],
  ) {
    const { token } = dataOf(await u.gql('{ sync(kinds: [TASK]) { token } }')).sync;
    const input = {
      token,
      appointments: appointments.map((changes) => ({ clientSyncId: `${prefix}-${changes.title}`, changes })),
      calendarEntries: entries.map((changes) => ({ clientSyncId: `${prefix}-${changes.title}`, changes })),
      tasks: tasks.map((title) => ({ clientSyncId: `${prefix}-${title}`, changes: { title } })),
    };
    const { synchronization, results } = dataOf(await u.gql(PUSH, { input })).syncCommit;
    expect(results.map((r: { status: string }) => r.status)).toEqual(results.map(() => 'CREATED'));
    return {
      id: synchronization.id as string,
      ids: Object.fromEntries(results.map((r: any) => [r.clientSyncId.slice(prefix.length + 1), r.id])),
    };
  }
  const a = await push(
    'a',
    [
      appointment('a-past', -30),
      appointment('a-future', 30),
      appointment('a-daily', -10, { type: 'DAILY' }),
      appointment('a-weekly', 7, { type: 'WEEKLY' }),
    ],
    [entry('a-entry-past', -20), entry('a-entry-future', 20)],
    ['a-task'],
  );
  const b = await push(
    'b',
    [appointment('b-past', -31), appointment('b-future', 31)],
    [entry('b-entry-past', -21), entry('b-entry-future', 21)],
  );
  const direct: Record<string, string> = {};
  for (const input of [appointment('d-past', -32), appointment('d-future', 32), appointment('d-daily', -12, { type: 'DAILY' })]) {
    direct[input.title] = dataOf(
      await u.gql(
        'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }',
        { input },
      ),
    ).createAppointment.id;
  }
  // Exceptions made directly: they follow their series whoever made them.
  const except = async (series: string, days: number, title: string, movedTo = days) =>
    dataOf(
      await u.gql(
        'mutation ($id: ID!, $input: AppointmentInput!, $occurrence: Date) { updateAppointment(id: $id, input: $input, occurrence: $occurrence, ignoreConflicts: true) { ... on Appointment { id } } }',
        {
          id: series,
          occurrence: date(days),
          input: { title, start: at(movedTo, 8), end: at(movedTo, 9) },
        },
      ),
    ).updateAppointment.id as string;
  const exceptions = {
    pastMoved: await except(a.ids['a-daily'], -3, 'a-daily moved, past'),
    pastMovedToFuture: await except(a.ids['a-daily'], -2, 'a-daily moved to the future', 2),
    futureMoved: await except(a.ids['a-daily'], 3, 'a-daily moved, future'),
    weeklyMoved: await except(a.ids['a-weekly'], 14, 'a-weekly moved'),
  };
  dataOf(
    await u.gql('mutation ($id: ID!, $occurrence: Date) { deleteAppointment(id: $id, occurrence: $occurrence) { id } }', {
      id: a.ids['a-daily'],
      occurrence: date(-4),
    }),
  );

  const third = kindSyncClient(u.gql, ['APPOINTMENT']);
  const full = await third.sync(null, 500);
  expect(full.hasMore).toBe(false);
  let token = (
    await third.commit(
      full.token,
      full.objects.map(({ kind, object }) => ({ kind, id: object.id })),
    )
  ).token;
  /** What the third client is told next: ids deleted and ids updated. */
  const thirdLearns = async () => {
    const batch = await third.sync(token, 500);
    token = (
      await third.commit(
        batch.token,
        batch.objects.map(({ kind, object }) => ({ kind, id: object.id })),
      )
    ).token;
    return { deleted: batch.deleted.map((d) => d.id).sort(), updated: batch.objects.map((o) => o.object.id).sort() };
  };
  /** What remains: appointment titles (series once) and entry titles; and each series' occurrence dates. */
  const remaining = async () => {
    const occurrences: Array<{ start: string; recurrenceDatePosition: string | null; appointment: { title: string } }> = dataOf(
      await u.gql(OCCURRENCES, window),
    ).appointments;
    const entries = dataOf(await u.gql(ENTRIES)).calendarEntries.edges.map((e: any) => e.node.title);
    return {
      appointments: [...new Set(occurrences.map((o) => o.appointment.title))].sort(),
      entries: entries.sort(),
      occurrences: (title: string) => occurrences.filter((o) => o.appointment.title === title),
    };
  };
  /** Deletes synchronization A with this unlink mode: what it removed. */
  const deleteA = async (mode: string) => dataOf(await u.gql(DELETE_ONE, { id: a.id, mode })).deleteSynchronization;
  return { a, b, direct, exceptions, thirdLearns, remaining, deleteA };
}

const everything = {
  appointments: [
    'a-daily',
    'a-daily moved to the future',
    'a-daily moved, future',
    'a-daily moved, past',
    'a-future',
    'a-past',
    'a-weekly',
    'a-weekly moved',
    'b-future',
    'b-past',
    'd-daily',
    'd-future',
    'd-past',
  ],
  entries: ['a-entry-future', 'a-entry-past', 'b-entry-future', 'b-entry-past'],
};
const sorted = (ids: string[]) => [...ids].sort();
/** What a deletion answers. */
const removed = (synchronizations: number, appointments = 0, calendarEntries = 0, cutSeries = 0) => ({
  synchronizations,
  appointments,
  calendarEntries,
  cutSeries,
});

describeEachDatabase('synchronizations', (server) => {
  let n = 0;
  const user = (name = 'sr') => userWithAccount(server(), `${name}${++n}`);
  const admin = (query: string, variables: Record<string, unknown>) => server().gql(query, variables);

  describe('create and list', () => {
    it('creates an ICS synchronization whose URL is kept encrypted and never returned', async () => {
      const alice = await user('alice');
      const created = dataOf(
        await alice.gql(CREATE, { input: { type: 'ICS', provisioning: { url: feedUrl, accountId: alice.account } } }),
      ).createSynchronization;
      expect(created).toMatchObject({
        type: 'ICS',
        settings: { host: 'calendar.example.org', accountId: alice.account },
        lastSuccessAt: null,
        lastError: null,
        user: { username: `alice${n}` },
      });

      // Every field of the type, through the query, the node and the user: the URL is nowhere.
      const fields = dataOf(await alice.gql('{ __type(name: "Synchronization") { fields { name type { kind ofType { kind } } } } }'))
        .__type.fields.filter((f: any) => [f.type.kind, f.type.ofType?.kind].some((k) => k === 'SCALAR' || k === 'ENUM'))
        .map((f: any) => f.name)
        .join(' ');
      const everything = await alice.gql(`{ synchronizations { ${fields} } me { synchronizations { ${fields} } } }`);
      const node = await alice.gql(`query ($id: ID!) { node(id: $id) { ... on Synchronization { ${fields} } } }`, { id: created.id });
      expect(JSON.stringify([everything, node])).not.toContain('private-4f9c2e7a');
      expect(everything.data.synchronizations).toHaveLength(1);
      expect(node.data.node.id).toBe(created.id);

      // Stored encrypted, and readable by the connector with the server key only.
      const row = await server().server.db.prisma.synchronization.findFirstOrThrow({
        where: { type: 'ICS', user: { username: `alice${n}` } },
      });
      expect(row.secrets).toMatch(/^v1:/);
      expect(row.secrets).not.toContain('private-4f9c2e7a');
      const { secretBox } = await serverSecrets(server().server.db.prisma, loadConfig({}));
      expect(readProvisioning(secretBox, { ...row, type: 'ICS' as const })).toEqual({
        url: feedUrl,
        accountId: decodeId(alice.account, 'Account'),
      });
      expect(() => readProvisioning(new SecretBox('another key of at least thirty-two chars'), { ...row, type: 'ICS' as const })).toThrow(
        SecretUnreadable,
      );
    });

    it('lists by user and type; an admin sees any user’s', async () => {
      const bob = await user('bob');
      const provisioning = { url: feedUrl, accountId: bob.account };
      dataOf(await bob.gql(CREATE, { input: { type: 'ICS', provisioning } }));
      dataOf(await admin(CREATE, { input: { username: `bob${n}`, type: 'ICS', provisioning } }));
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { type: 'ICS' })).synchronizations).toHaveLength(2);
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { type: 'DEVICE' })).synchronizations).toEqual([]);
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { username: `bob${n}` })).synchronizations).toHaveLength(2);
      expect(dataOf(await admin(SYNCHRONIZATIONS, { username: `bob${n}` })).synchronizations).toHaveLength(2);
    });

    it('refuses another user’s synchronizations to a non-admin, and tells unknown users apart only to admins', async () => {
      const [carol, dave] = [await user('carol'), await user('dave')];
      const provisioning = { url: feedUrl, accountId: dave.account };
      const daves = `dave${n}`;
      expect(codes(await carol.gql(SYNCHRONIZATIONS, { username: daves }))).toEqual(['FORBIDDEN']);
      expect(codes(await carol.gql(SYNCHRONIZATIONS, { username: 'nobody-here' }))).toEqual(['FORBIDDEN']);
      expect(codes(await carol.gql(CREATE, { input: { username: daves, type: 'ICS', provisioning } }))).toEqual(['FORBIDDEN']);
      expect(codes(await admin(SYNCHRONIZATIONS, { username: 'nobody-here' }))).toEqual(['NOT_FOUND']);
      expect(codes(await admin(CREATE, { input: { username: 'nobody-here', type: 'ICS', provisioning } }))).toEqual(['NOT_FOUND']);
    });

    it('validates the provisioning, naming the field, and refuses types it does not create', async () => {
      const [erin, frank] = [await user('erin'), await user('frank')];
      const refused = async (input: Record<string, unknown>) => {
        const response = await erin.gql(CREATE, { input });
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
        return response.errors![0]!.message;
      };
      const ics = (provisioning: unknown) => refused({ type: 'ICS', provisioning });
      expect(await ics({ url: 'ftp://example.org/a.ics', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: 'file:///etc/passwd', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: 'not a url', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: feedUrl, accountId: frank.account })).toBe('provisioning.accountId: not one of your accounts');
      expect(await ics({ url: feedUrl, accountId: 'bm90IGFuIGlk' })).toMatch(/^provisioning\.accountId: /);
      expect(await ics({ url: feedUrl, accountId: erin.account, password: 'x' })).toMatch(/^provisioning: /);
      expect(await ics('just a string')).toMatch(/^provisioning: /);
      expect(await refused({ type: 'DEVICE', provisioning: {} })).toMatch(/syncCommit/);
      for (const type of ['EWS', 'O365', 'GOOGLE_CALENDAR', 'CALDAV']) {
        expect(await refused({ type, provisioning: {} })).toBe(`type: ${type} synchronizations are not supported by this server`);
      }
      expect(dataOf(await erin.gql(SYNCHRONIZATIONS, {})).synchronizations).toEqual([]);
    });
  });
  it('records sync outcomes: a failure keeps the last success, the next success clears the error', async () => {
    const u = await user('outcome');
    const created = dataOf(
      await u.gql(CREATE, { input: { type: 'ICS', provisioning: { url: feedUrl, accountId: u.account } } }),
    ).createSynchronization;
    const record = (outcome: SyncOutcome, at: string) =>
      runWrite({ prisma: server().server.db.prisma }, { userId: u.id }, (w) =>
        recordSyncOutcome(w, decodeId(created.id, 'Synchronization')!, outcome, new Date(at)),
      );
    const state = async () => dataOf(await u.gql(SYNCHRONIZATIONS, { type: 'ICS' })).synchronizations[0];
    await record({ ok: true }, '2026-01-01T10:00:00.000Z');
    expect(await state()).toMatchObject({
      lastSyncAt: '2026-01-01T10:00:00.000Z',
      lastSuccessAt: '2026-01-01T10:00:00.000Z',
      lastError: null,
    });
    await record({ ok: false, error: 'HTTP 503 from calendar.example.org' }, '2026-01-01T10:15:00.000Z');
    expect(await state()).toMatchObject({
      lastSyncAt: '2026-01-01T10:15:00.000Z',
      lastSuccessAt: '2026-01-01T10:00:00.000Z',
      lastError: 'HTTP 503 from calendar.example.org',
      lastErrorAt: '2026-01-01T10:15:00.000Z',
    });
    await record({ ok: true }, '2026-01-01T10:30:00.000Z');
    expect(await state()).toMatchObject({ lastSuccessAt: '2026-01-01T10:30:00.000Z', lastError: null, lastErrorAt: null });
    dataOf(await u.gql(DELETE_ONE, { id: created.id, mode: 'UNLINK_ONLY' }));
    await expect(record({ ok: true }, '2026-01-01T10:45:00.000Z')).rejects.toThrow('synchronization not found');
  });

  describe('unlink modes', () => {
    it('UNLINK_ONLY keeps everything, which then is the user’s own: a later CLEANUP leaves it', async () => {
      const u = await user('unlink');
      const s = await scenario(u);
      expect(await s.deleteA('UNLINK_ONLY')).toEqual(removed(1));
      expect(await s.thirdLearns()).toEqual({ deleted: [], updated: [] });
      const after = await s.remaining();
      expect({ appointments: after.appointments, entries: after.entries }).toEqual(everything);
      const ids = dataOf(await u.gql(SYNCHRONIZATIONS, {})).synchronizations.map((x: { id: string }) => x.id);
      expect(ids).not.toContain(s.a.id);
      expect(ids).toContain(s.b.id);

      // CLEANUP of all the rest: only B's pushes go, A's former ones are no longer anyone's.
      const cleanup = dataOf(await u.gql(DELETE_MANY, { mode: 'CLEANUP' })).deleteSynchronizations;
      expect(cleanup).toEqual(removed(ids.length, 2, 2));
      expect(await s.remaining()).toMatchObject({
        appointments: everything.appointments.filter((t) => !t.startsWith('b-')),
        entries: ['a-entry-future', 'a-entry-past'],
      });
      expect(dataOf(await u.gql(SYNCHRONIZATIONS, {})).synchronizations).toEqual([]);
    });

    it('DELETE_FUTURE_EVENTS removes what it pushed that starts after now and cuts its series that started before', async () => {
      const u = await user('future');
      const s = await scenario(u);
      const before = Date.now();
      const result = await s.deleteA('DELETE_FUTURE_EVENTS');
      const after = Date.now();
      expect(result).toEqual(removed(1, 5, 1, 1));
      // Exactly the removed objects, and the cut series as an update.
      expect(await s.thirdLearns()).toEqual({
        deleted: sorted([
          s.a.ids['a-future'],
          s.a.ids['a-weekly'],
          s.exceptions.weeklyMoved,
          s.exceptions.futureMoved,
          s.exceptions.pastMovedToFuture,
        ]),
        updated: [s.a.ids['a-daily']],
      });
      const remaining = await s.remaining();
      expect(remaining.appointments).toEqual(
        everything.appointments.filter(
          (t) => !['a-future', 'a-weekly', 'a-weekly moved', 'a-daily moved, future', 'a-daily moved to the future'].includes(t),
        ),
      );
      expect(remaining.entries).toEqual(['a-entry-past', 'b-entry-future', 'b-entry-past']);
      // The series ends with its last occurrence started by the deletion (today's or yesterday's),
      // keeping its past exception and its deleted day; the occurrence moved past now is deleted.
      const series = await u.gql('query ($id: ID!) { node(id: $id) { ... on Appointment { recurrence { until } } } }', {
        id: s.a.ids['a-daily'],
      });
      const last = dataOf(series).node.recurrence.until === date(0) ? 0 : -1;
      expect(dataOf(series).node.recurrence.until).toBe(date(last));
      expect(Date.parse(at(last, 6))).toBeLessThanOrEqual(after);
      expect(Date.parse(at(last + 1, 6))).toBeGreaterThan(before);
      const kept = [...Array(11 + last).keys()].map((k) => k - 10).filter((d) => d < -4 || d > -2);
      expect(remaining.occurrences('a-daily').map((o) => o.recurrenceDatePosition)).toEqual(kept.map(date));
      expect(remaining.occurrences('a-daily moved, past')).toHaveLength(1);
      expect(remaining.occurrences('d-daily').length).toBeGreaterThan(60); // made directly: untouched
    });

    it('DELETE_ALL_EVENTS removes everything it pushed, with the series’ exceptions', async () => {
      const u = await user('all');
      const s = await scenario(u);
      expect(await s.deleteA('DELETE_ALL_EVENTS')).toEqual(removed(1, 8, 2));
      expect(await s.thirdLearns()).toEqual({
        deleted: sorted([...['a-past', 'a-future', 'a-daily', 'a-weekly'].map((t) => s.a.ids[t]), ...Object.values(s.exceptions)]),
        updated: [],
      });
      const remaining = await s.remaining();
      expect(remaining.appointments).toEqual(everything.appointments.filter((t) => !t.startsWith('a-')));
      expect(remaining.entries).toEqual(['b-entry-future', 'b-entry-past']);
    });

    it('CLEANUP removes what any synchronization pushed, leaving what the user made directly', async () => {
      const u = await user('cleanup');
      const s = await scenario(u);
      expect(await s.deleteA('CLEANUP')).toEqual(removed(1, 10, 4));
      const learnt = await s.thirdLearns();
      expect(learnt.updated).toEqual([]);
      expect(learnt.deleted).toHaveLength(10);
      expect(learnt.deleted).toEqual(expect.arrayContaining([s.b.ids['b-past'], s.b.ids['b-future'], s.exceptions.pastMoved]));
      expect(await s.remaining()).toMatchObject({ appointments: ['d-daily', 'd-future', 'd-past'], entries: [] });
      // Tasks are not calendar events: kept.
      const tasks = dataOf(await u.gql('{ tasks(first: 10) { edges { node { title } } } }')).tasks.edges;
      expect(tasks.map((e: { node: { title: string } }) => e.node.title)).toEqual(['a-task']);
      // B itself stays: only the synchronization named was deleted.
      expect(dataOf(await u.gql(SYNCHRONIZATIONS, {})).synchronizations.map((x: { id: string }) => x.id)).toContain(s.b.id);
    });

    it('by type: all DEVICE synchronizations at once; a type with none is NOT_FOUND; all of none is zero', async () => {
      const u = await user('bytype');
      const s = await scenario(u);
      expect(codes(await u.gql(DELETE_MANY, { type: 'ICS', mode: 'DELETE_ALL_EVENTS' }))).toEqual(['NOT_FOUND']);
      const result = dataOf(await u.gql(DELETE_MANY, { type: 'DEVICE', mode: 'DELETE_ALL_EVENTS' })).deleteSynchronizations;
      expect(result).toEqual(removed(3, 10, 4)); // A, B and the third client
      expect((await s.remaining()).appointments).toEqual(['d-daily', 'd-future', 'd-past']);
      expect(dataOf(await u.gql(DELETE_MANY, { mode: 'CLEANUP' })).deleteSynchronizations).toEqual(removed(0));
      expect(codes(await u.gql(DELETE_MANY, { type: 'DEVICE', mode: 'UNLINK_ONLY' }))).toEqual(['NOT_FOUND']);
    });

    it('refuses another user’s synchronizations to a non-admin; an admin deletes them', async () => {
      const [gina, hank] = [await user('gina'), await user('hank')];
      const hanks = `hank${n}`;
      const created = dataOf(
        await hank.gql(CREATE, { input: { type: 'ICS', provisioning: { url: feedUrl, accountId: hank.account } } }),
      ).createSynchronization;
      expect(codes(await gina.gql(DELETE_ONE, { id: created.id, mode: 'UNLINK_ONLY' }))).toEqual(['NOT_FOUND']);
      expect(codes(await gina.gql(DELETE_MANY, { username: hanks, mode: 'UNLINK_ONLY' }))).toEqual(['FORBIDDEN']);
      expect(codes(await gina.gql(DELETE_MANY, { username: 'nobody-here', mode: 'UNLINK_ONLY' }))).toEqual(['FORBIDDEN']);
      expect(codes(await admin(DELETE_MANY, { username: 'nobody-here', mode: 'UNLINK_ONLY' }))).toEqual(['NOT_FOUND']);
      expect(dataOf(await hank.gql(SYNCHRONIZATIONS, {})).synchronizations).toHaveLength(1);
      expect(dataOf(await admin(DELETE_ONE, { id: created.id, mode: 'DELETE_ALL_EVENTS' })).deleteSynchronization.synchronizations).toBe(1);
      expect(codes(await hank.gql(DELETE_ONE, { id: created.id, mode: 'UNLINK_ONLY' }))).toEqual(['NOT_FOUND']);
      expect(dataOf(await admin(DELETE_MANY, { username: hanks, mode: 'CLEANUP' })).deleteSynchronizations.synchronizations).toBe(0);
    });
  });
});
