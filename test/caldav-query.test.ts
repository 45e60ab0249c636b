// calendar-query over HTTP where the time range is read in SQL (only what may occur in it) and
// the filters of RFC 4791 §9.7 are applied: a change exception moved past its series' end, an
// endless series, ranges open on either side (DAVx5 asks from a date on), a UID text-match with
// and without a range, tasks by DTSTART; refusals with their preconditions.
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const CREATE = `mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }`;
const UPDATE = `mutation ($id: ID!, $input: AppointmentInput!, $occurrence: Date) {
  updateAppointment(id: $id, input: $input, occurrence: $occurrence, ignoreConflicts: true) { ... on Appointment { id } } }`;
const CREATE_TASK = 'mutation ($input: TaskInput!) { createTask(input: $input) { id } }';

const rawId = (globalId: string) => parseGlobalId(globalId)!.id;

describeEachDatabase('CalDAV calendar-query', (server) => {
  it('reads what may occur in a time range, open on either side, and applies property filters to it', async () => {
    const username = `query${server().kind}`;
    const u = await userWithAccount(server(), username);
    const home = `/dav/calendars/${username}/`;
    const calendar = `${home}${rawId(u.account)}/`;
    const create = async (title: string, start: string, extra: Record<string, unknown> = {}) => {
      const end = new Date(new Date(start).getTime() + 3_600_000).toISOString();
      const input = { accountId: u.account, title, timezone: 'Europe/Berlin', start, end, ...extra };
      return dataOf(await u.gql(CREATE, { input })).createAppointment.id as string;
    };
    // Six Mondays from 16 March 2026 (the last on 20 April), the second moved to 10 June.
    const series = await create('standup', '2026-03-16T09:00:00Z', {
      recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 6 },
    });
    const moved = { title: 'standup, moved', start: '2026-06-10T09:00:00Z', end: '2026-06-10T10:00:00Z' };
    dataOf(await u.gql(UPDATE, { id: series, occurrence: '2026-03-23', input: moved }));
    const endless = await create('daily', '2026-01-05T07:00:00Z', { recurrence: { type: 'DAILY', interval: 1 } });
    const single = await create('dentist', '2026-05-05T09:00:00Z');
    const task = dataOf(await u.gql(CREATE_TASK, { input: { title: 'file taxes', start: '2026-05-05T08:00:00Z' } })).createTask.id;
    const href = (collection: string, id: string) => `${collection}${rawId(id)}.ics`;

    const report = async (collection: string, component: string, tests: string) => {
      const body = `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
        <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="${component}">${tests}</C:comp-filter></C:comp-filter></C:filter>
        </C:calendar-query>`;
      const response = await fetch(server().origin + collection, {
        method: 'REPORT',
        headers: { authorization: `Bearer ${u.token}`, depth: '1', 'content-type': 'application/xml' },
        body,
      });
      const text = await response.text();
      return response.status === 207 ? [...text.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]).sort() : [response.status, text];
    };
    const events = (tests: string) => report(calendar, 'VEVENT', tests);
    const range = (start: string | null, end: string | null) =>
      `<C:time-range${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}/>`;
    const sorted = (...ids: string[]) => ids.map((id) => href(calendar, id)).sort();

    expect(await events(range('20260601T000000Z', '20260701T000000Z'))).toEqual(sorted(series, endless)); // the moved occurrence
    expect(await events(range('20260501T000000Z', '20260601T000000Z'))).toEqual(sorted(endless, single)); // the series is over
    expect(await events(range('20260101T000000Z', '20260105T000000Z'))).toEqual([]);
    expect(await events(range('20260701T000000Z', null))).toEqual(sorted(endless)); // from a date on
    expect(await events(range(null, '20260316T000000Z'))).toEqual(sorted(endless));
    expect(await events(range(null, '20260316T100000Z'))).toEqual(sorted(series, endless));

    // The UID text-match python-caldav's event_by_uid sends, alone and with a range.
    const uid = (value: string, collation = 'i;octet') =>
      `<C:prop-filter name="UID"><C:text-match collation="${collation}">${value}</C:text-match></C:prop-filter>`;
    expect(await events(uid(rawId(single)))).toEqual(sorted(single));
    expect(await events(uid(rawId(single).toUpperCase()))).toEqual([]);
    expect(await events(uid(rawId(single).toUpperCase(), 'i;ascii-casemap'))).toEqual(sorted(single));
    expect(await events(`${range('20260601T000000Z', '20260701T000000Z')}${uid(rawId(series))}`)).toEqual(sorted(series));
    expect(await events(`${range('20260501T000000Z', '20260601T000000Z')}${uid(rawId(series))}`)).toEqual([]);
    // The text as served: the exception's SUMMARY is in the series' resource.
    const summary = (text: string) => `<C:prop-filter name="SUMMARY"><C:text-match>${text}</C:text-match></C:prop-filter>`;
    expect(await events(summary('MOVED'))).toEqual(sorted(series));
    expect(await events(summary('standup'))).toEqual(sorted(series));
    expect(await events(`<C:prop-filter name="RRULE"><C:is-not-defined/></C:prop-filter>`)).toEqual(sorted(series, single));

    // Tasks by DTSTART: at or after the range's start and before its end (RFC 4791 §9.9).
    const tasks = `${home}tasks/`;
    expect(await report(tasks, 'VTODO', range('20260505T080000Z', '20260505T080001Z'))).toEqual([href(tasks, task)]);
    expect(await report(tasks, 'VTODO', range('20260505T080001Z', null))).toEqual([]);
    expect(await report(tasks, 'VTODO', range(null, '20260505T080000Z'))).toEqual([]);

    const refused = await events(uid('x', 'i;unicode-casemap'));
    expect(refused).toEqual([403, expect.stringContaining('supported-collation')]);
  });

  it('answers a query of more members than a streamed batch holds: each member once, with its data', async () => {
    // 1,200 events: more than the two batches of 500 that go out before the answer starts, so
    // the rest is written as a stream (multistatus.ts); every one with a 20-minute slot of its own.
    const username = `querybig${server().kind}`;
    const u = await userWithAccount(server(), username);
    const calendar = `/dav/calendars/${username}/${rawId(u.account)}/`;
    const COMMIT = 'mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { status } } }';
    let token = dataOf(await u.gql('{ sync(kinds: [APPOINTMENT]) { token } }')).sync.token as string;
    const base = Date.UTC(2027, 0, 4, 8);
    for (let part = 0; part < 2; part++) {
      const appointments = Array.from({ length: 600 }, (_, i) => {
        const start = base + (part * 600 + i) * 20 * 60_000;
        return {
          clientSyncId: `big-${part * 600 + i}`,
          changes: {
            accountId: u.account,
            title: `event ${part * 600 + i}`,
            timezone: 'UTC',
            start: new Date(start).toISOString(),
            end: new Date(start + 15 * 60_000).toISOString(),
          },
        };
      });
      const commit = dataOf(await u.gql(COMMIT, { input: { token, appointments } })).syncCommit;
      expect(commit.results.filter((r: { status: string }) => r.status !== 'CREATED')).toEqual([]);
      token = commit.token;
    }
    const response = await fetch(server().origin + calendar, {
      method: 'REPORT',
      headers: { authorization: `Bearer ${u.token}`, depth: '1', 'content-type': 'application/xml' },
      body: `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
        <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`,
    });
    expect(response.status).toBe(207);
    const text = await response.text();
    const hrefs = [...text.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]);
    expect(hrefs).toHaveLength(1200);
    expect(new Set(hrefs).size).toBe(1200);
    const summaries = [...text.matchAll(/SUMMARY:event (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(summaries).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect(text.trimEnd().endsWith('</d:multistatus>')).toBe(true);
  });
});
