// The ICS feed connector through the GraphQL API, on PGlite and PostgreSQL, against a real
// HTTP server started here that serves a changing .ics file: a weekly series in a Windows
// zone across both DST changes, with an EXDATE and an occurrence moved in another zone; a
// transparent event, a full-day one, and a rule the Open-Xchange model lacks (expanded).
// Occurrences are compared with ical.js's own expansion of the same text. Conditional requests
// (a 304 and an unchanged body write nothing), failures (500, timeout, not iCalendar, too big)
// recorded with the items kept, recovery, removal (tombstones for a syncing client), and the
// refusal of a loopback address when private addresses are not allowed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { centralEuropeanVtimezone, easternVtimezone, icalJsOccurrences } from './support/ical.ts';
import { codes, describeEachDatabase, startTestServer, type TestServer } from './support/server.ts';
import { dataOf, kindSyncClient, userWithAccount } from './support/sync.ts';

const SYNCHRONIZATION = 'id type lastSyncAt lastSuccessAt lastError lastErrorAt';
const CREATE = `mutation ($input: CreateSynchronizationInput!) { createSynchronization(input: $input) { ${SYNCHRONIZATION} } }`;
const REFRESH = `mutation ($id: ID!) { refreshSynchronization(id: $id) { ${SYNCHRONIZATION} } }`;
const OCCURRENCES = `query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) {
  start end recurrenceId recurrencePosition recurrenceDatePosition
  appointment { id title timezone fullTime startDate endDate shownAs recurrence { type interval days occurrences } deleteExceptions } } }`;

const WINDOW = { from: '2027-01-01T00:00:00Z', to: '2027-12-31T00:00:00Z' };

// As Outlook writes them (Windows names), and an IANA one, so that ical.js can expand the feed too.
const vtimezones = [centralEuropeanVtimezone('W. Europe Standard Time'), centralEuropeanVtimezone('Europe/Berlin'), easternVtimezone].join(
  '',
);

interface FeedOptions {
  seriesTitle?: string;
  /** More EXDATEs of the series (local times in W. Europe). */
  exdates?: string[];
  withTransparent?: boolean;
}

/** The feed's text: the weekly series (Mondays 09:00 W. Europe from March 1, 2027, ten times) and the rest. */
function feedText({ seriesTitle = 'Weekly review', exdates = [], withTransparent = true }: FeedOptions = {}): string {
  const events = [
    `BEGIN:VEVENT
UID:series-1@example.org
DTSTAMP:20261101T000000Z
DTSTART;TZID=W. Europe Standard Time:20270301T090000
DTEND;TZID=W. Europe Standard Time:20270301T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
EXDATE;TZID=W. Europe Standard Time:20270315T090000${exdates.map((d) => `\nEXDATE;TZID=W. Europe Standard Time:${d}`).join('')}
SUMMARY:${seriesTitle}
LOCATION:Room 4
END:VEVENT`,
    // The occurrence of March 29 (after the EU change, two weeks after the US one) moved to 07:00 in New York.
    `BEGIN:VEVENT
UID:series-1@example.org
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=W. Europe Standard Time:20270329T090000
DTSTART;TZID=Eastern Standard Time:20270329T070000
DTEND;TZID=Eastern Standard Time:20270329T080000
SUMMARY:Weekly review (from New York)
END:VEVENT`,
    `BEGIN:VEVENT
UID:fullday@example.org
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20270310
DTEND;VALUE=DATE:20270312
SUMMARY:Offsite
STATUS:TENTATIVE
END:VEVENT`,
    // The 1st and 15th of each month: several BYMONTHDAYs, which the model lacks.
    `BEGIN:VEVENT
UID:twice-monthly@example.org
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20270201T120000
DTEND;TZID=Europe/Berlin:20270201T123000
RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=6
SUMMARY:Payroll check
END:VEVENT`,
  ];
  if (withTransparent) {
    events.push(`BEGIN:VEVENT
UID:transparent@example.org
DTSTAMP:20261101T000000Z
DTSTART:20270405T150000Z
DTEND:20270405T160000Z
TRANSP:TRANSPARENT
SUMMARY:Optional talk
END:VEVENT`);
  }
  return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//convene tests//EN\r\n${(vtimezones + events.join('\n')).replaceAll('\n', '\r\n')}\r\nEND:VCALENDAR\r\n`;
}

type Mode = 'ok' | 'no-validators' | 'error500' | 'hang' | 'invalid' | 'too-big';

/** The feed server: serves `body` as the mode says, with an ETag and Last-Modified per version. */
class FeedServer {
  mode: Mode = 'ok';
  body = feedText();
  version = 1;
  requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  private server: Server | undefined;
  private readonly hanging = new Set<import('node:http').ServerResponse>();
  url = '';

  async start() {
    this.server = createServer((request, response) => {
      this.requests.push({ path: request.url ?? '', headers: request.headers });
      if (request.url?.startsWith('/redirect/')) {
        const left = Number(request.url.slice('/redirect/'.length));
        response.writeHead(302, { location: left > 0 ? `/redirect/${left - 1}` : '/feed.ics' }).end();
        return;
      }
      if (request.url === '/to-ftp') return void response.writeHead(301, { location: 'ftp://127.0.0.1/feed.ics' }).end();
      switch (this.mode) {
        case 'error500':
          return void response.writeHead(500).end('down');
        case 'hang':
          this.hanging.add(response);
          return;
        case 'invalid':
          return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
        case 'too-big':
          // No Content-Length: the cap is enforced while reading.
          response.writeHead(200, { 'content-type': 'text/calendar' });
          response.write(`BEGIN:VCALENDAR\r\n${'X-FILLER:'.padEnd(70, 'x')}\r\n`.repeat(1));
          return void response.end(`${'X-FILLER:'.padEnd(70, 'x')}\r\n`.repeat(4000));
      }
      const etag = `"v${this.version}"`;
      const lastModified = new Date(Date.UTC(2026, 10, 1) + this.version * 60_000).toUTCString();
      if (this.mode === 'ok' && request.headers['if-none-match'] === etag) return void response.writeHead(304, { etag }).end();
      const validators = this.mode === 'ok' ? { etag, 'last-modified': lastModified } : {};
      response.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', ...validators }).end(this.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  publish(body: string) {
    this.body = body;
    this.version++;
  }

  async stop() {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describeEachDatabase(
  'ICS feed connector',
  (server) => {
    const feed = new FeedServer();
    beforeAll(() => feed.start());
    afterAll(() => feed.stop());

    let alice: Awaited<ReturnType<typeof userWithAccount>>;
    let synchronizationId: string;
    const occurrences = async () => dataOf(await alice.gql(OCCURRENCES, WINDOW)).appointments as any[];
    const refresh = async () => dataOf(await alice.gql(REFRESH, { id: synchronizationId })).refreshSynchronization;
    const revision = async () => (await server().server.db.prisma.syncCounter.findUnique({ where: { userId: alice.id } }))?.revision ?? 0;
    let device: ReturnType<typeof kindSyncClient>;
    let deviceToken: string;

    beforeAll(async () => {
      alice = await userWithAccount(server(), 'ics-alice');
      const created = dataOf(
        await alice.gql(CREATE, { input: { type: 'ICS', provisioning: { url: `${feed.url}/feed.ics`, accountId: alice.account } } }),
      ).createSynchronization;
      synchronizationId = created.id;
      device = kindSyncClient(alice.gql, ['APPOINTMENT']);
      deviceToken = (await device.sync(null)).token;
    });

    it('imports the feed: a series with its EXDATE and moved occurrence, a full-day event, an expanded rule, shown-as mapped', async () => {
      const synchronization = await refresh();
      expect(synchronization).toMatchObject({ lastError: null, type: 'ICS' });
      expect(synchronization.lastSuccessAt).not.toBeNull();

      const all = await occurrences();
      const series = all.filter((o) => o.appointment.recurrence);
      expect(series[0].appointment).toMatchObject({
        title: 'Weekly review',
        timezone: 'Europe/Berlin', // from "W. Europe Standard Time"
        recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 10 },
        deleteExceptions: ['2027-03-15'],
      });
      // Ten Mondays less the EXDATE, less the moved one (an exception of its own), at 09:00 local on both sides of the change.
      expect(series.map((o) => o.start)).toEqual([
        '2027-03-01T08:00:00.000Z',
        '2027-03-08T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
        '2027-04-12T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
        '2027-04-26T07:00:00.000Z',
        '2027-05-03T07:00:00.000Z',
      ]);
      const moved = all.find((o) => o.appointment.title === 'Weekly review (from New York)');
      expect(moved).toMatchObject({
        start: '2027-03-29T11:00:00.000Z', // 07:00 EDT
        recurrenceId: series[0].appointment.id,
        recurrencePosition: 5,
        recurrenceDatePosition: '2027-03-29',
        appointment: { timezone: 'America/New_York' },
      });

      const offsite = all.find((o) => o.appointment.title === 'Offsite').appointment;
      expect(offsite).toMatchObject({ fullTime: true, startDate: '2027-03-10', endDate: '2027-03-12', shownAs: 'TEMPORARY' });
      expect(all.find((o) => o.appointment.title === 'Optional talk').appointment.shownAs).toBe('FREE');
      const payroll = all.filter((o) => o.appointment.title === 'Payroll check');
      expect(payroll.map((o) => [o.start, o.appointment.recurrence])).toEqual(
        ['02-01', '02-15', '03-01', '03-15', '04-01', '04-15'].map((d) => [`2027-${d}T${d < '03-28' ? 11 : 10}:00:00.000Z`, null]),
      );
      expect(new Set(payroll.map((o) => o.appointment.id)).size).toBe(6);
    });

    it('gives the occurrences ical.js gives for the same text, across both DST changes', async () => {
      const ours = (await occurrences())
        .filter((o) => !o.appointment.fullTime)
        .map((o) => [o.start, o.end, o.appointment.title])
        .sort((a, b) => a[0].localeCompare(b[0]));
      const theirs = icalJsOccurrences(feed.body, new Date(WINDOW.from), new Date(WINDOW.to)).filter((o) => !o.fullTime);
      expect(ours).toEqual(theirs.map((o) => [o.start, o.end, o.title]));
    });

    it('hands a syncing device the imported appointments', async () => {
      const batch = await device.sync(deviceToken);
      expect(batch.objects.map((o) => o.object.title).sort()).toEqual([
        'Offsite',
        'Optional talk',
        ...Array(6).fill('Payroll check'),
        'Weekly review',
        'Weekly review (from New York)',
      ]);
      deviceToken = batch.token;
    });

    it('asks conditionally: a 304 and an unchanged body write nothing', async () => {
      const before = await revision();
      feed.requests = [];
      expect(await refresh()).toMatchObject({ lastError: null });
      expect(feed.requests[0]!.headers).toMatchObject({ 'if-none-match': `"v${feed.version}"` });
      expect(feed.requests[0]!.headers['if-modified-since']).toBeTruthy();
      // A server without validators answers 200 with the same body: the hash says unchanged.
      feed.mode = 'no-validators';
      expect(await refresh()).toMatchObject({ lastError: null });
      feed.mode = 'ok';
      expect(await revision()).toBe(before);
      const batch = await device.sync(deviceToken);
      expect([batch.objects, batch.deleted]).toEqual([[], []]);
    });

    it('records failures without touching what was imported, and recovers', async () => {
      const before = await occurrences();
      const revisionBefore = await revision();
      const cases: Array<[Mode, RegExp]> = [
        ['error500', /HTTP 500/],
        ['hang', /did not answer within/],
        ['invalid', /not valid iCalendar/],
        ['too-big', /larger than/],
      ];
      feed.publish(feedText({ seriesTitle: 'Weekly review v2' })); // new validators: the next fetch is a full one
      for (const [mode, message] of cases) {
        feed.mode = mode;
        const failed = await refresh();
        expect(failed.lastError, mode).toMatch(message);
        expect(failed.lastErrorAt).not.toBeNull();
      }
      expect(await occurrences()).toEqual(before);
      expect(await revision()).toBe(revisionBefore);

      feed.mode = 'ok';
      const recovered = await refresh();
      expect(recovered).toMatchObject({ lastError: null, lastErrorAt: null });
      expect((await occurrences()).filter((o) => o.appointment.title === 'Weekly review v2')).toHaveLength(8);
      const batch = await device.sync(deviceToken);
      expect(batch.objects.map((o) => o.object.title)).toEqual(['Weekly review v2']); // the series only: nothing else changed
      deviceToken = batch.token;
    });

    it('runs one refresh of a feed at a time: another while it runs is CONFLICT', async () => {
      feed.mode = 'hang';
      feed.requests = [];
      const first = alice.gql(REFRESH, { id: synchronizationId });
      await vi.waitFor(() => expect(feed.requests).toHaveLength(1));
      expect(codes(await alice.gql(REFRESH, { id: synchronizationId }))).toEqual(['CONFLICT']);
      expect(dataOf(await first).refreshSynchronization.lastError).toMatch(/did not answer/);
      feed.mode = 'ok';
    });

    it('removes what leaves the feed, and a syncing device receives the tombstones', async () => {
      const talk = (await occurrences()).find((o) => o.appointment.title === 'Optional talk').appointment.id;
      feed.publish(feedText({ seriesTitle: 'Weekly review v2', withTransparent: false, exdates: ['20270405T090000'] }));
      await refresh();
      const all = await occurrences();
      expect(all.find((o) => o.appointment.title === 'Optional talk')).toBeUndefined();
      expect(all.filter((o) => o.appointment.title === 'Weekly review v2').map((o) => o.recurrenceDatePosition)).not.toContain(
        '2027-04-05',
      );
      let batch = await device.sync(deviceToken);
      expect(batch.deleted.map((d) => d.id)).toEqual([talk]);
      expect(batch.objects.map((o) => o.object.title)).toEqual(['Weekly review v2']);

      feed.publish('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//convene tests//EN\r\nEND:VCALENDAR\r\n');
      await refresh();
      expect(await occurrences()).toEqual([]);
      batch = await device.sync(batch.token);
      expect(batch.deleted).toHaveLength(9); // the series with its exception, the full-day event, six payroll checks
    });

    it('follows up to five redirects and refuses a sixth and a non-HTTP one', async () => {
      const create = async (path: string) =>
        dataOf(await alice.gql(CREATE, { input: { type: 'ICS', provisioning: { url: `${feed.url}${path}`, accountId: alice.account } } }))
          .createSynchronization.id as string;
      const refreshOf = async (id: string) => dataOf(await alice.gql(REFRESH, { id })).refreshSynchronization;
      expect(await refreshOf(await create('/redirect/4'))).toMatchObject({ lastError: null });
      expect((await refreshOf(await create('/redirect/5'))).lastError).toMatch(/more than 5 redirects/);
      expect((await refreshOf(await create('/to-ftp'))).lastError).toMatch(/only http and https/);
      const ftp = await alice.gql(CREATE, {
        input: { type: 'ICS', provisioning: { url: 'ftp://example.org/a.ics', accountId: alice.account } },
      });
      expect(codes(ftp)).toEqual(['BAD_USER_INPUT']);
    });

    it('refreshes only your own ICS synchronizations', async () => {
      const bob = await userWithAccount(server(), 'ics-bob');
      expect(codes(await bob.gql(REFRESH, { id: synchronizationId }))).toEqual(['NOT_FOUND']);
      expect(dataOf(await server().gql(REFRESH, { id: synchronizationId })).refreshSynchronization.id).toBe(synchronizationId);
    });
  },
  {
    ICS_ALLOW_PRIVATE_ADDRESSES: 'true',
    ICS_FETCH_TIMEOUT_SECONDS: '0.5',
    ICS_MAX_BYTES: '100000',
    // The fixed dates of the feed stay inside the import window whenever this runs.
    ICS_EXPAND_PAST_DAYS: '36500',
    ICS_EXPAND_FUTURE_DAYS: '36500',
    // Refreshes here are asked for; the job's are tested below.
    ICS_POLL_SECONDS: '3600',
  },
);

describeEachDatabase(
  'ICS refresh job',
  (server) => {
    const feed = new FeedServer();
    beforeAll(() => feed.start());
    afterAll(() => feed.stop());

    it('imports a new feed in the background, and refreshes it whenever it is due', async () => {
      const bob = await userWithAccount(server(), 'ics-job');
      const { id } = dataOf(
        await bob.gql(CREATE, { input: { type: 'ICS', provisioning: { url: `${feed.url}/feed.ics`, accountId: bob.account } } }),
      ).createSynchronization;
      const synchronization = async () =>
        dataOf(await bob.gql(`{ synchronizations(type: ICS) { ${SYNCHRONIZATION} } }`)).synchronizations.find((s: any) => s.id === id);
      const titles = async () => new Set(dataOf(await bob.gql(OCCURRENCES, WINDOW)).appointments.map((o: any) => o.appointment.title));
      await vi.waitFor(async () => expect((await synchronization()).lastSuccessAt).not.toBeNull(), { timeout: 20_000, interval: 100 });
      expect(await titles()).toContain('Weekly review');

      feed.publish(feedText({ seriesTitle: 'Renamed, picked up by the job' }));
      await vi.waitFor(async () => expect(await titles()).toContain('Renamed, picked up by the job'), { timeout: 20_000, interval: 100 });
    });
  },
  {
    ICS_ALLOW_PRIVATE_ADDRESSES: 'true',
    ICS_POLL_SECONDS: '0.1',
    ICS_REFRESH_MINUTES: '0.005',
    ICS_EXPAND_PAST_DAYS: '36500',
    ICS_EXPAND_FUTURE_DAYS: '36500',
  },
);

describe('ICS feed connector without private addresses', () => {
  const feed = new FeedServer();
  let server: TestServer;
  beforeAll(async () => {
    await feed.start();
    server = await startTestServer('pglite', { ICS_POLL_SECONDS: '3600' });
  });
  afterAll(async () => {
    await server?.stop();
    await feed.stop();
  });

  it('refuses the loopback address a URL (or a redirect) leads to, and imports nothing', async () => {
    const alice = await userWithAccount(server, 'ics-private');
    for (const url of [`${feed.url}/feed.ics`, `${feed.url}/redirect/1`, `http://localhost:${new URL(feed.url).port}/feed.ics`]) {
      const { id } = dataOf(
        await alice.gql(CREATE, { input: { type: 'ICS', provisioning: { url, accountId: alice.account } } }),
      ).createSynchronization;
      const refreshed = dataOf(await alice.gql(REFRESH, { id })).refreshSynchronization;
      expect(refreshed.lastError, url).toMatch(/refused, not a public address/);
      expect(refreshed.lastSuccessAt).toBeNull();
    }
    expect(feed.requests).toEqual([]);
    expect(dataOf(await alice.gql(OCCURRENCES, WINDOW)).appointments).toEqual([]);
  });
});
