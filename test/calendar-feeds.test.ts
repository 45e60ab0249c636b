// Calendar feeds over GraphQL and HTTP, on PGlite and PostgreSQL: creating, listing and revoking
// secret feed URLs, refusals (another user's feed, revoked and unknown URLs answer the same 404),
// conditional GETs (304 only while nothing changed), the export parsed back with ical.js and
// expanded over a year, occurrence by occurrence equal to convene's own `appointments` across
// both DST changes (Amsterdam and New York series with deleted and moved occurrences, a rule
// RRULE cannot say), and the round trip: a second user's ICS synchronization of the feed gets
// the same occurrences.
import ICAL from 'ical.js';
import { beforeAll, expect, it } from 'vitest';
import { localDate } from '../src/calendar/appointments/occurrences.ts';
import { icalJsOccurrences } from './support/ical.ts';
import { createMeeting } from './support/meetings.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { countingEnv } from './support/statements.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const CREATE_FEED = 'mutation { createCalendarFeed { path url feed { id createdAt } } }';
const FEEDS = '{ calendarFeeds { id createdAt } me { calendarFeeds { id } } }';
const REVOKE = 'mutation ($id: ID!) { revokeCalendarFeed(id: $id) }';
const CREATE = `mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }`;
const UPDATE = `mutation ($id: ID!, $o: Date, $input: AppointmentInput!) {
  updateAppointment(id: $id, occurrence: $o, input: $input, ignoreConflicts: true) { ... on Appointment { id } } }`;
const DELETE = 'mutation ($id: ID!, $o: Date) { deleteAppointment(id: $id, occurrence: $o) { id } }';
const OCCURRENCES = `query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) {
  start end appointment { title fullTime shownAs timezone } } }`;

// A year across both DST changes of 2027 (US: March 14 and November 7; EU: March 28 and October 31).
const YEAR = { from: '2027-01-01T00:00:00Z', to: '2027-12-31T00:00:00Z' };

const sorted = (rows: string[][]) => rows.sort((a, b) => `${a[0]}${a[2]}`.localeCompare(`${b[0]}${b[2]}`));

type Gql = Awaited<ReturnType<typeof userWithAccount>>['gql'];

/** Alice's calendar: series in two zones with deleted and moved occurrences, a rule RRULE lacks, full-day and shown-as. */
async function fillCalendar(gql: Gql, account: string) {
  const create = async (input: Record<string, unknown>) =>
    dataOf(await gql(CREATE, { input: { accountId: account, ...input } })).createAppointment.id as string;
  // Mondays and Wednesdays 09:00 in Amsterdam, 20 times from March 1 (across March 28).
  const weekly = await create({
    title: 'Stand-up, Amsterdam',
    timezone: 'Europe/Amsterdam',
    start: '2027-03-01T08:00:00Z',
    end: '2027-03-01T08:15:00Z',
    recurrence: { type: 'WEEKLY', days: ['MONDAY', 'WEDNESDAY'], occurrences: 20 },
  });
  dataOf(await gql(DELETE, { id: weekly, o: '2027-03-10' }));
  // The occurrence of Monday March 29 (after the change) moved to 14:00.
  dataOf(
    await gql(UPDATE, {
      id: weekly,
      o: '2027-03-29',
      input: { title: 'Stand-up, moved', start: '2027-03-29T12:00:00Z', end: '2027-03-29T12:15:00Z' },
    }),
  );
  // Every other day 08:30 in New York until April 10 (across March 14), one deleted.
  const daily = await create({
    title: 'Run, New York',
    timezone: 'America/New_York',
    start: '2027-03-02T13:30:00Z',
    end: '2027-03-02T14:30:00Z',
    recurrence: { type: 'DAILY', interval: 2, until: '2027-04-10' },
  });
  dataOf(await gql(DELETE, { id: daily, o: '2027-03-16' }));
  // The 9th Monday-or-Tuesday of the month, else the last: February has 8 (the 23rd), March 10 (the 29th).
  await create({
    title: 'Ninth Mon/Tue',
    timezone: 'Europe/Amsterdam',
    start: '2027-02-23T09:00:00Z',
    end: '2027-02-23T10:00:00Z',
    recurrence: { type: 'MONTHLY', days: ['MONDAY', 'TUESDAY'], dayInMonth: 9, occurrences: 8 },
  });
  // Yearly on the last day of February, full-day.
  await create({
    title: 'Month end',
    timezone: 'Europe/Amsterdam',
    fullTime: true,
    startDate: '2027-02-28',
    endDate: '2027-03-01',
    recurrence: { type: 'YEARLY', month: 2, dayInMonth: 31 },
  });
  await create({
    title: 'Offsite',
    timezone: 'Europe/Amsterdam',
    fullTime: true,
    startDate: '2027-06-10',
    endDate: '2027-06-12',
    shownAs: 'TEMPORARY',
  });
  await create({ title: 'Optional talk', timezone: 'UTC', start: '2027-04-05T15:00:00Z', end: '2027-04-05T16:00:00Z', shownAs: 'FREE' });
  await create({
    title: 'Dentist; "early", \\ back at 11',
    timezone: 'Europe/Amsterdam',
    start: '2027-05-04T07:00:00Z',
    end: '2027-05-04T09:00:00Z',
    shownAs: 'ABSENT',
    notes: 'Line one\nLine two, with ünïcödé ✓',
  });
}

describeEachDatabase(
  'calendar feeds',
  (server) => {
    let alice: Awaited<ReturnType<typeof userWithAccount>>;
    let bob: Awaited<ReturnType<typeof userWithAccount>>;
    let feed: { path: string; url: string; feed: { id: string; createdAt: string } };
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${server().origin}${path}`, { headers, method });
    // Full-day occurrences are dates: convene keeps them as midnights in the appointment's zone,
    // iCalendar as DATE values without one (ical.js reads them as UTC midnights).
    const occurrences = async (gql: Gql) =>
      sorted(
        (dataOf(await gql(OCCURRENCES, YEAR)).appointments as any[]).map((o) =>
          o.appointment.fullTime
            ? [
                localDate(new Date(o.start), o.appointment.timezone),
                localDate(new Date(o.end), o.appointment.timezone),
                o.appointment.title,
              ]
            : [o.start, o.end, o.appointment.title],
        ),
      );

    beforeAll(async () => {
      alice = await userWithAccount(server(), 'feed-alice');
      bob = await userWithAccount(server(), 'feed-bob');
      await fillCalendar(alice.gql, alice.account);
    });

    it('creates a feed: its secret URL once, then listed with its creation time, never the secret', async () => {
      feed = dataOf(await alice.gql(CREATE_FEED)).createCalendarFeed;
      expect(feed.path).toMatch(/^\/feeds\/cvf_[A-Za-z0-9_-]{43}\.ics$/);
      expect(feed.url).toBe(`${server().origin}${feed.path}`);
      const listed = dataOf(await alice.gql(FEEDS));
      expect(listed.calendarFeeds).toEqual([feed.feed]);
      expect(listed.me.calendarFeeds).toEqual([{ id: feed.feed.id }]);
      expect(JSON.stringify(listed)).not.toContain(feed.path.slice(11, 40));
      const stored = await server().server.db.prisma.calendarFeed.findMany({ where: { userId: alice.id } });
      expect(stored.map((f) => f.secretHash)).not.toContain(feed.path.slice(7, -4));
      expect(dataOf(await bob.gql(FEEDS)).calendarFeeds).toEqual([]);
    });

    it('serves the calendar as text/calendar with a strong ETag and Last-Modified; HEAD alike without a body', async () => {
      const response = await get(feed.path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      expect(response.headers.get('etag')).toMatch(/^"v\d+-r\d+-u\d+-a[0-9a-f]{8}-w\d{8}"$/);
      expect(new Date(response.headers.get('last-modified')!).getTime()).toBeGreaterThan(Date.now() - 60_000);
      const text = await response.text();
      expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
      expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
      const head = await get(feed.path, {}, 'HEAD');
      expect([head.status, head.headers.get('etag'), await head.text()]).toEqual([200, response.headers.get('etag'), '']);
    });

    it('the export expanded by ical.js gives the occurrences of the appointments query, across DST, one by one', async () => {
      const text = await (await get(feed.path)).text();
      const theirs = sorted(
        icalJsOccurrences(text, new Date(YEAR.from), new Date(YEAR.to)).map((o) =>
          o.fullTime ? [o.start.slice(0, 10), o.end.slice(0, 10), o.title] : [o.start, o.end, o.title],
        ),
      );
      const ours = await occurrences(alice.gql);
      expect(ours.length).toBeGreaterThan(40);
      expect(theirs).toEqual(ours);
      // The Amsterdam series stays at 09:00 local: 08:00Z before March 28, 07:00Z after; the moved one at 14:00.
      expect(ours.filter((o) => o[2] === 'Stand-up, Amsterdam').map((o) => o[0].slice(11, 16))).toEqual([
        ...Array(7).fill('08:00'),
        ...Array(11).fill('07:00'),
      ]);
      expect(ours.find((o) => o[2] === 'Stand-up, moved')![0]).toBe('2027-03-29T12:00:00.000Z');
    });

    it('maps shown-as, full-day and text as the importer reads them back', async () => {
      const calendar = new ICAL.Component(ICAL.parse(await (await get(feed.path)).text()) as unknown[]);
      const events = calendar.getAllSubcomponents('vevent');
      const byTitle = (title: string) => events.find((e) => e.getFirstPropertyValue('summary') === title)!;
      expect(byTitle('Optional talk').getFirstPropertyValue('transp')).toBe('TRANSPARENT');
      expect(byTitle('Offsite').getFirstPropertyValue('status')).toBe('TENTATIVE');
      expect((byTitle('Offsite').getFirstPropertyValue('dtstart') as ICAL.Time).isDate).toBe(true);
      const dentist = byTitle('Dentist; "early", \\ back at 11');
      expect(dentist.getFirstPropertyValue('x-microsoft-cdo-busystatus')).toBe('OOF');
      expect(dentist.getFirstPropertyValue('description')).toBe('Line one\nLine two, with ünïcödé ✓');
      expect(
        calendar
          .getAllSubcomponents('vtimezone')
          .map((z) => z.getFirstPropertyValue('tzid'))
          .sort(),
      ).toEqual([
        'America/New_York',
        'Europe/Brussels', // Amsterdam's rules since 1970, under the name the IANA database links it to
      ]);
    });

    it('answers If-None-Match with 304 while nothing changed, and 200 with a new ETag after a change', async () => {
      const first = await get(feed.path);
      const etag = first.headers.get('etag')!;
      const counter = server().server.db.statements!;
      const before = counter.count;
      const again = await get(feed.path, { 'if-none-match': etag });
      expect([again.status, again.headers.get('etag'), await again.text()]).toEqual([304, etag, '']);
      expect(counter.count - before).toBe(1); // the feed's version, nothing else
      expect((await get(feed.path, { 'if-none-match': `"other", ${etag}` })).status).toBe(304);
      expect((await get(feed.path, { 'if-none-match': '"v0-r0-u0-w20000101"' })).status).toBe(200);

      await alice.gql(CREATE, {
        input: { accountId: alice.account, title: 'New one', timezone: 'UTC', start: '2027-07-01T10:00:00Z', end: '2027-07-01T11:00:00Z' },
      });
      const changed = await get(feed.path, { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      expect(await changed.text()).toContain('SUMMARY:New one');
      expect((await get(feed.path, { 'if-none-match': changed.headers.get('etag')! })).status).toBe(304);

      // Disconnecting an account takes its appointments out of the feed, whatever the change feed says.
      const second = dataOf(await alice.gql('mutation { connectAccount(input: { provider: LOCAL, identifier: "feed-alice-2" }) { id } }'))
        .connectAccount.id;
      await alice.gql(CREATE, {
        input: { accountId: second, title: 'On the second', timezone: 'UTC', start: '2027-07-02T10:00:00Z', end: '2027-07-02T11:00:00Z' },
      });
      const connected = await get(feed.path);
      expect(await connected.text()).toContain('SUMMARY:On the second');
      dataOf(await alice.gql('mutation ($id: ID!) { deleteAccount(id: $id) { id } }', { id: second }));
      const disconnected = await get(feed.path, { 'if-none-match': connected.headers.get('etag')! });
      expect(disconnected.status).toBe(200);
      expect(await disconnected.text()).not.toContain('On the second');
    });

    it('round trip: a second user subscribing to the feed (an ICS synchronization) gets the same occurrences', async () => {
      const created = dataOf(
        await bob.gql('mutation ($input: CreateSynchronizationInput!) { createSynchronization(input: $input) { id } }', {
          input: { type: 'ICS', provisioning: { url: feed.url, accountId: bob.account } },
        }),
      ).createSynchronization;
      const refreshed = dataOf(
        await bob.gql('mutation ($id: ID!) { refreshSynchronization(id: $id) { lastError lastSuccessAt } }', { id: created.id }),
      );
      expect(refreshed.refreshSynchronization.lastError).toBeNull();
      expect(await occurrences(bob.gql)).toEqual(await occurrences(alice.gql));
      const shownAs = async (gql: Gql) =>
        Object.fromEntries(
          (dataOf(await gql(OCCURRENCES, YEAR)).appointments as any[]).map((o) => [o.appointment.title, o.appointment.shownAs]),
        );
      expect(await shownAs(bob.gql)).toEqual(await shownAs(alice.gql));
    });

    it('writes the meetings the user organizes with ORGANIZER and ATTENDEEs', async () => {
      await createMeeting(
        alice.gql,
        {
          accountId: alice.account,
          name: 'Review',
          duration: 30,
          timezone: 'Europe/Amsterdam',
          options: ['2027-08-02T08:00:00Z'],
          repeat: 'WEEKLY',
          invitees: [{ email: 'carol@example.com' }],
        },
        { ignore: true },
      );
      const calendar = new ICAL.Component(ICAL.parse(await (await get(feed.path)).text()) as unknown[]);
      const review = calendar.getAllSubcomponents('vevent').find((e) => e.getFirstPropertyValue('summary') === 'Review')!;
      expect(String(review.getFirstPropertyValue('organizer')).toLowerCase()).toBe('mailto:feed-alice@example.com');
      expect(review.getAllProperties('attendee').map((a) => String(a.getFirstValue()).toLowerCase())).toEqual(['mailto:carol@example.com']);
      expect(String(review.getFirstPropertyValue('rrule'))).toBe('FREQ=WEEKLY;BYDAY=MO'); // WKST=MO, ical.js's default, not shown
    });

    it('refuses another user’s feed, and answers a revoked URL exactly like an unknown one', async () => {
      const unknown = await get('/feeds/cvf_0000000000000000000000000000000000000000000.ics');
      const malformed = await get('/feeds/nothing.ics');
      const unknownBody = await unknown.text();
      expect([unknown.status, malformed.status]).toEqual([404, 404]);
      expect(await malformed.text()).toBe(unknownBody);

      expect(codes(await bob.gql(REVOKE, { id: feed.feed.id }))).toEqual(['NOT_FOUND']);
      // The visibility the feed shares with the appointments query: only one's own accounts.
      const withAccounts =
        'query ($ids: [ID!]) { appointments(from: "2027-01-01T00:00:00Z", to: "2027-02-01T00:00:00Z", accountIds: $ids) { start } }';
      expect(codes(await bob.gql(withAccounts, { ids: [alice.account] }))).toEqual(['FORBIDDEN']);
      expect(codes(await bob.gql(withAccounts, { ids: ['not-an-id'] }))).toEqual(['FORBIDDEN']);
      expect(dataOf(await bob.gql(withAccounts, { ids: [bob.account] })).appointments).toBeDefined();
      expect((await get(feed.path)).status).toBe(200);
      expect(dataOf(await alice.gql(REVOKE, { id: feed.feed.id })).revokeCalendarFeed).toBe(true);
      const revoked = await get(feed.path);
      expect([revoked.status, await revoked.text()]).toEqual([404, unknownBody]);
      expect(codes(await alice.gql(REVOKE, { id: feed.feed.id }))).toEqual(['NOT_FOUND']);
      expect(dataOf(await alice.gql(FEEDS)).calendarFeeds).toEqual([]);
    });
  },
  { ...countingEnv, ICS_POLL_SECONDS: '86400', ICS_ALLOW_PRIVATE_ADDRESSES: 'true' },
);
