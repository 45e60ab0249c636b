// CalDAV (issue 13, first slices): discovery and sync-collection through a real client
// (tsdav) and plain HTTP, against a real server on PGlite and PostgreSQL; changes made through
// GraphQL show up in the next sync-collection.
import { request as httpRequest } from 'node:http';
import { DOMParser } from '@xmldom/xmldom';
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { davUser, tsdavClient, vevent } from './support/caldav.ts';
import { createMeeting, DELETE_MEETING, UPDATE_MEETING } from './support/meetings.ts';
import { describeEachDatabase, type TestServer } from './support/server.ts';
import { dataOf, kindSyncClient } from './support/sync.ts';

const DAV = 'DAV:';
const CREATE = `mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }`;
const UPDATE = `mutation ($id: ID!, $input: AppointmentInput!, $occurrence: Date) {
  updateAppointment(id: $id, input: $input, occurrence: $occurrence, ignoreConflicts: true) { ... on Appointment { id } } }`;
const DELETE = 'mutation ($id: ID!) { deleteAppointment(id: $id) { id } }';
const CREATE_TASK = 'mutation ($input: TaskInput!) { createTask(input: $input) { id } }';

const rawId = (globalId: string) => parseGlobalId(globalId)!.id;

/** What a multistatus says, per href: the status of a bare response, or found props (name -> text) and missing prop names. */
interface Answer {
  status?: number;
  props: Record<string, string>;
  missing: string[];
  error?: string;
}

function readMultistatus(xml: string): { responses: Map<string, Answer>; order: string[]; syncToken: string | null } {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const responses = new Map<string, Answer>();
  const order: string[] = [];
  const children = (el: Element, name: string) =>
    [...(el.childNodes as unknown as Element[])].filter((n) => n.namespaceURI === DAV && n.localName === name);
  const root = doc.documentElement as unknown as Element;
  expect([root.namespaceURI, root.localName]).toEqual([DAV, 'multistatus']);
  for (const response of children(root, 'response')) {
    const href = children(response, 'href')[0]!.textContent!;
    const answer: Answer = { props: {}, missing: [] };
    const status = children(response, 'status')[0];
    if (status) answer.status = Number(status.textContent!.split(' ')[1]);
    const error = children(response, 'error')[0];
    if (error) answer.error = [...(error.childNodes as unknown as Element[])].find((n) => n.nodeType === 1)?.localName;
    for (const propstat of children(response, 'propstat')) {
      const ok = children(propstat, 'status')[0]!.textContent === 'HTTP/1.1 200 OK';
      for (const prop of [...(children(propstat, 'prop')[0]!.childNodes as unknown as Element[])].filter((n) => n.nodeType === 1)) {
        if (ok) answer.props[prop.localName!] = serializeValue(prop);
        else answer.missing.push(prop.localName!);
      }
    }
    responses.set(href, answer);
    order.push(href);
  }
  const token = children(root, 'sync-token')[0];
  return { responses, order, syncToken: token ? token.textContent : null };
}

/** A property's value as text: its text, or its child elements' names (and their text) in brackets. */
function serializeValue(el: Element): string {
  const elements = [...(el.childNodes as unknown as Element[])].filter((n) => n.nodeType === 1);
  if (!elements.length) return el.textContent ?? '';
  return elements
    .map((child) => {
      const inner = serializeValue(child);
      const name = child.getAttribute('name') ? `${child.localName}=${child.getAttribute('name')}` : child.localName;
      return inner ? `${name}(${inner})` : name;
    })
    .join(' ');
}

const event = (uid: string, summary: string, extra: string[] = []) => vevent(uid, summary, extra, ['20260610T090000Z', '20260610T100000Z']);

const syncBody = (token: string, props = '<D:getetag/><D:getcontenttype/>', limit?: number) => `<?xml version="1.0" encoding="utf-8" ?>
<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level>
${limit ? `<D:limit><D:nresults>${limit}</D:nresults></D:limit>` : ''}<D:prop>${props}</D:prop></D:sync-collection>`;

describeEachDatabase('CalDAV', (server) => {
  let n = 0;
  async function user(name = 'dav') {
    const u = await davUser(server(), `${name}${++n}`);
    const { username, dav } = u;
    const home = `/dav/calendars/${username}/`;
    const calendar = `${home}${rawId(u.account)}/`;
    const sync = async (token: string, options: { path?: string; props?: string; limit?: number } = {}) => {
      const response = await dav('REPORT', options.path ?? calendar, syncBody(token, options.props, options.limit));
      expect(response.status).toBe(207);
      return readMultistatus(response.text);
    };
    const create = async (title: string, start = '2026-06-01T09:00:00Z', extra: Record<string, unknown> = {}) =>
      dataOf(
        await u.gql(CREATE, {
          input: {
            accountId: u.account,
            title,
            start,
            end: new Date(Date.parse(start) + 3_600_000).toISOString(),
            timezone: 'Europe/Berlin',
            ...extra,
          },
        }),
      ).createAppointment.id as string;
    const client = () => tsdavClient(server(), username, u.token);
    return { ...u, home, calendar, sync, create, client, href: (id: string) => `${calendar}${rawId(id)}.ics` };
  }

  it('is found through /.well-known/caldav by tsdav: principal, home, one calendar per account and a task list', async () => {
    const u = await user('alice');
    const redirect = await fetch(`${server().origin}/.well-known/caldav`, { method: 'PROPFIND', redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/dav/']);
    const connectRoom =
      'mutation { connectAccount(input: { provider: EXCHANGE, identifier: "room-7@example.com", name: "Room 7" }) { id } }';
    const room = dataOf(await u.gql(connectRoom)).connectAccount.id as string;
    dataOf(await (await user('other')).gql(connectRoom)); // shared: not one of alice's addresses

    const client = u.client();
    await client.login();
    expect(client.account).toMatchObject({
      rootUrl: `${server().origin}/dav/`,
      principalUrl: `${server().origin}/dav/principals/${u.username}/`,
      homeUrl: `${server().origin}${u.home}`,
    });
    const calendars = await client.fetchCalendars();
    const { head } = await feedHead(server(), u.id);
    expect(calendars.map((c) => [c.url, c.displayName, c.components, c.syncToken, String(c.ctag).split('-')[0], c.reports])).toEqual([
      [
        `${server().origin}${u.calendar}`,
        `${u.username}@example.com`,
        ['VEVENT'],
        `http://convene.invalid/ns/sync/${head}`,
        String(head),
        ['syncCollection', 'calendarQuery', 'calendarMultiget'],
      ],
      [
        `${server().origin}${u.home}${rawId(room)}/`,
        'Room 7',
        ['VEVENT'],
        `http://convene.invalid/ns/sync/${head}`,
        String(head),
        ['syncCollection', 'calendarQuery', 'calendarMultiget'],
      ],
      [
        `${server().origin}${u.home}tasks/`,
        'Tasks',
        ['VTODO'],
        `http://convene.invalid/ns/sync/${head}`,
        String(head),
        ['syncCollection', 'calendarQuery', 'calendarMultiget'],
      ],
    ]);

    // The principal: the user's addresses as mailto: (not the shared room's), their name.
    const principal = await u.dav(
      'PROPFIND',
      `/dav/principals/${u.username}/`,
      `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop><displayname/><C:calendar-user-address-set/><C:calendar-home-set/><resourcetype/></prop></propfind>`,
      { depth: '0' },
    );
    expect(principal.status).toBe(207);
    expect(readMultistatus(principal.text).responses.get(`/dav/principals/${u.username}/`)).toEqual({
      props: {
        displayname: u.username,
        'calendar-user-address-set': `href(mailto:${u.username}@example.com)`,
        'calendar-home-set': `href(${u.home})`,
        resourcetype: 'principal',
      },
      missing: [],
    });
  });

  it('answers every property of a collection it knows, unknown ones in a 404 propstat, allprop and propname', async () => {
    const u = await user();
    const props = `<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:example:unknown"><D:prop>
      <D:resourcetype/><D:current-user-privilege-set/><C:supported-calendar-component-set/><D:supported-report-set/>
      <X:color/><C:calendar-timezone/></D:prop></D:propfind>`;
    const answer = readMultistatus((await u.dav('PROPFIND', u.calendar, props, { depth: '0' })).text).responses.get(u.calendar);
    expect(answer).toEqual({
      props: {
        resourcetype: 'collection calendar',
        'current-user-privilege-set':
          'privilege(read) privilege(read-current-user-privilege-set) privilege(write) privilege(write-content) privilege(bind) privilege(unbind)',
        'supported-calendar-component-set': 'comp=VEVENT',
        'supported-report-set':
          'supported-report(report(sync-collection)) supported-report(report(calendar-query)) supported-report(report(calendar-multiget))',
      },
      missing: ['color', 'calendar-timezone'],
    });
    const all = readMultistatus((await u.dav('PROPFIND', u.calendar, '', { depth: '0' })).text).responses.get(u.calendar)!;
    expect(Object.keys(all.props).sort()).toEqual(
      [
        'current-user-principal',
        'current-user-privilege-set',
        'displayname',
        'getctag',
        'owner',
        'resourcetype',
        'supported-calendar-component-set',
        'supported-report-set',
        'sync-token',
      ].sort(),
    );
    const names = await u.dav('PROPFIND', u.calendar, '<propfind xmlns="DAV:"><propname/></propfind>', { depth: '0' });
    expect(Object.values(readMultistatus(names.text).responses.get(u.calendar)!.props).every((v) => v === '')).toBe(true);
  });

  it('lists members at Depth 1 and in an initial sync with the same ETags; GraphQL changes come in the next sync-collection', async () => {
    const u = await user();
    const a = await u.create('a');
    const b = await u.create('b', '2026-06-02T09:00:00Z');
    const task = dataOf(await u.gql(CREATE_TASK, { input: { title: 'file taxes' } })).createTask.id as string;

    const listed = readMultistatus(
      (await u.dav('PROPFIND', u.calendar, '<propfind xmlns="DAV:"><prop><getetag/><getcontenttype/></prop></propfind>', { depth: '1' }))
        .text,
    );
    expect(listed.order).toEqual([u.calendar, ...[u.href(a), u.href(b)].sort()]);
    expect(listed.responses.get(u.href(a))!.props.getcontenttype).toBe('text/calendar; charset=utf-8; component=VEVENT');

    // tsdav's sync-collection: an initial sync lists every member with its ETag.
    const client = u.client();
    await client.login();
    const initial = await client.syncCollection({
      url: server().origin + u.calendar,
      props: { 'd:getetag': {} },
      syncLevel: 1,
      syncToken: '',
    });
    const etags = Object.fromEntries(initial.map((r) => [r.href, r.props?.getetag]));
    expect(etags).toEqual({
      [u.href(a)]: listed.responses.get(u.href(a))!.props.getetag,
      [u.href(b)]: listed.responses.get(u.href(b))!.props.getetag,
    });
    const token = initial[0]!.raw.multistatus.syncToken as string;
    expect(token).toMatch(/^http:\/\/convene\.invalid\/ns\/sync\/\d+$/);
    const tasks = await u.sync('', { path: `${u.home}tasks/` });
    expect([...tasks.responses.keys()]).toEqual([`${u.home}tasks/${rawId(task)}.ics`]);
    expect(tasks.responses.get(`${u.home}tasks/${rawId(task)}.ics`)!.props.getcontenttype).toBe(
      'text/calendar; charset=utf-8; component=VTODO',
    );

    // Create c, change a, delete b through GraphQL: the sync names exactly those.
    const c = await u.create('c', '2026-06-03T09:00:00Z');
    dataOf(await u.gql(UPDATE, { id: a, input: { title: 'a, moved' } }));
    dataOf(await u.gql(DELETE, { id: b }));
    const changed = await u.sync(token);
    expect(changed.order).toEqual([u.href(c), u.href(a), u.href(b)]);
    expect(changed.responses.get(u.href(b))).toEqual({ status: 404, props: {}, missing: [] });
    expect(changed.responses.get(u.href(a))!.props.getetag).not.toBe(etags[u.href(a)]);
    expect(changed.responses.get(u.href(c))!.props.getetag).toMatch(/^"\d+"$/);
    // The task list saw none of it; nothing more since the new token.
    expect((await u.sync(token, { path: `${u.home}tasks/` })).order).toEqual([]);
    const after = await u.sync(changed.syncToken!);
    expect([after.order, after.syncToken]).toEqual([[], changed.syncToken]);

    // A change of one occurrence of a series (a change exception) is a change of the series' resource.
    const series = await u.create('weekly', '2026-06-01T09:00:00Z', {
      recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 5 },
    });
    const before = await u.sync(changed.syncToken!);
    dataOf(await u.gql(UPDATE, { id: series, occurrence: '2026-06-08', input: { title: 'weekly, once different' } }));
    const exception = await u.sync(before.syncToken!);
    expect(exception.order).toEqual([u.href(series)]);
    expect(exception.responses.get(u.href(series))!.props.getetag).not.toBe(before.responses.get(u.href(series))!.props.getetag);
  });

  it('serves calendar objects as iCalendar: GET with the getetag, calendar-query with and without a time range, multiget', async () => {
    const u = await user();
    const single = await u.create('dentist', '2026-03-02T09:00:00Z');
    // Weekly on Mondays at 10:00 Berlin time across the DST change of 2026-03-29, one occurrence
    // deleted, one moved: one resource, in the series' zone.
    const series = await u.create('standup', '2026-03-16T09:00:00Z', {
      recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 6 },
    });
    dataOf(await u.gql('mutation ($id: ID!) { deleteAppointment(id: $id, occurrence: "2026-03-23") { id } }', { id: series }));
    dataOf(
      await u.gql(UPDATE, {
        id: series,
        occurrence: '2026-04-06',
        input: { title: 'standup, later', start: '2026-04-06T10:00:00Z', end: '2026-04-06T11:00:00Z' },
      }),
    );
    const task = dataOf(await u.gql(CREATE_TASK, { input: { title: 'file taxes', due: '2026-04-30T16:00:00Z', priority: 'HIGH' } }))
      .createTask.id as string;

    const client = u.client();
    await client.login();
    const calendar = { url: server().origin + u.calendar };
    const all = await client.fetchCalendarObjects({ calendar });
    expect(all.map((o) => o.url).sort()).toEqual([u.href(single), u.href(series)].map((h) => server().origin + h).sort());
    const text = all.find((o) => o.url.endsWith(u.href(series)))!.data as string;
    const unfolded = text.replace(/\r\n /g, '');
    expect(unfolded).toContain('BEGIN:VTIMEZONE');
    expect(unfolded).toMatch(/DTSTART;TZID=Europe\/Berlin:20260316T100000/);
    expect(unfolded).toMatch(/RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=6/);
    expect(unfolded).toMatch(/EXDATE;TZID=Europe\/Berlin:20260323T100000/);
    expect(unfolded).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20260406T100000/);
    expect(unfolded.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(unfolded.match(/UID:.*/g)!.every((line) => line === `UID:${rawId(series)}`)).toBe(true);

    // GET: the same text, with the member's getetag as ETag; HEAD: the headers alone.
    const get = await fetch(server().origin + u.href(series), { headers: { authorization: u.basic } });
    expect([get.status, get.headers.get('content-type'), await get.text()]).toEqual([200, 'text/calendar; charset=utf-8', text]);
    expect(get.headers.get('etag')).toBe(all.find((o) => o.url.endsWith(u.href(series)))!.etag);
    const head = await fetch(server().origin + u.href(series), { method: 'HEAD', headers: { authorization: u.basic } });
    expect([head.status, head.headers.get('etag'), await head.text()]).toEqual([200, get.headers.get('etag'), '']);
    expect((await u.dav('GET', u.calendar)).status).toBe(405);

    // A time range: what has an occurrence in it (RFC 4791 §9.9), series expanded by convene.
    const inRange = async (start: string, end: string) =>
      (await client.fetchCalendarObjects({ calendar, timeRange: { start, end } })).map((o) => o.url.slice(server().origin.length)).sort();
    expect(await inRange('2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z')).toEqual([u.href(single)]);
    expect(await inRange('2026-03-23T00:00:00Z', '2026-03-24T00:00:00Z')).toEqual([]); // the deleted occurrence
    expect(await inRange('2026-03-30T08:00:00Z', '2026-03-30T08:30:00Z')).toEqual([u.href(series)]); // 10:00 Berlin in summer time
    expect(await inRange('2026-03-30T09:00:00Z', '2026-03-30T12:00:00Z')).toEqual([]);
    expect(await inRange('2026-04-06T10:30:00Z', '2026-04-06T10:45:00Z')).toEqual([u.href(series)]); // the moved one
    expect(await inRange('2026-05-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([]); // after the sixth
    // The task list: VTODOs, filtered by DUE.
    const tasks = { url: `${server().origin}${u.home}tasks/` };
    const todos = await client.fetchCalendarObjects({
      calendar: tasks,
      filters: [{ 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VTODO' } } } }],
    });
    expect(todos.map((o) => o.url)).toEqual([`${tasks.url}${rawId(task)}.ics`]);
    expect(todos[0]!.data).toMatch(/BEGIN:VTODO[\s\S]*SUMMARY:file taxes[\s\S]*DUE:20260430T160000Z[\s\S]*PRIORITY:1/);
    const todoQuery = (
      range: string,
    ) => `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
      <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">${range}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
    const todoHits = async (range: string) =>
      readMultistatus((await u.dav('REPORT', `${u.home}tasks/`, todoQuery(range), { depth: '1' })).text).order;
    expect(await todoHits('<C:time-range start="20260401T000000Z" end="20260501T000000Z"/>')).toHaveLength(1);
    expect(await todoHits('<C:time-range start="20260501T000000Z"/>')).toEqual([]);
    // A VEVENT query of the task list finds nothing.
    expect(
      await todoHits('')
        .then(() => u.dav('REPORT', `${u.home}tasks/`, todoQuery('').replaceAll('VTODO', 'VEVENT'), { depth: '1' }))
        .then((r) => readMultistatus(r.text).order),
    ).toEqual([]);

    // multiget through tsdav, and in the order asked, an href of no member (or of another collection) a 404 response.
    const got = await client.calendarMultiGet({
      url: calendar.url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      objectUrls: [u.href(single)],
      depth: '1',
    });
    expect(got.map((r) => r.href)).toEqual([u.href(single)]);
    expect(got[0]!.props!.calendarData).toMatch(/SUMMARY:dentist/);
    expect(got[0]!.props!.getetag).toBe(all.find((o) => o.url.endsWith(u.href(single)))!.etag);
    const missing = `${u.calendar}00000000-0000-4000-8000-000000000000.ics`;
    const other = `${u.home}tasks/${rawId(task)}.ics`;
    const hrefs = [missing, server().origin + u.href(series), other].map((h) => `<D:href>${h}</D:href>`).join('');
    const multiget = await u.dav(
      'REPORT',
      u.calendar,
      `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>${hrefs}</C:calendar-multiget>`,
      { depth: '1' },
    );
    const answered = readMultistatus(multiget.text);
    expect(answered.order).toEqual([missing, server().origin + u.href(series), other]);
    expect([answered.responses.get(missing)!.status, answered.responses.get(other)!.status]).toEqual([404, 404]);
    expect(answered.responses.get(server().origin + u.href(series))!.props.getetag).toBe(get.headers.get('etag'));
    // A multiget naming every event of a big calendar (tsdav sends one) is over MAX_BODY_BYTES
    // (1 MiB by default) and still answered: 10,000 hrefs, ~1.1 MB. The answer is streamed in
    // batches of 500 (multistatus.ts): every href once, in the order asked, members found in any
    // batch (the same one twice, in the first and the last), the others 404.
    const many = Array.from({ length: 10_000 }, (_, i) => `${u.calendar}00000000-0000-4000-8000-${String(i).padStart(12, '0')}.ics`);
    const bigHrefs = [u.href(series), ...many.slice(0, 5_250), u.href(single), ...many.slice(5_250), u.href(series)];
    const bigBody = (prop: string) =>
      `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>${prop}</D:prop>${bigHrefs.map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`;
    const big = bigBody('<D:getetag/><C:calendar-data/>');
    expect(Buffer.byteLength(big)).toBeGreaterThan(1_048_576);
    const bigAnswer = await u.dav('REPORT', u.calendar, big, { depth: '1' });
    expect(bigAnswer.status).toBe(207);
    const bigAnswered = readMultistatus(bigAnswer.text);
    expect(bigAnswered.order).toEqual(bigHrefs);
    expect(bigAnswered.responses.get(u.href(series))!.props.getetag).toBe(get.headers.get('etag'));
    expect(bigAnswered.responses.get(u.href(single))!.props['calendar-data']).toMatch(/SUMMARY:dentist/);
    expect(many.every((h) => bigAnswered.responses.get(h)!.status === 404)).toBe(true);
    expect(bigAnswer.text.match(/SUMMARY:dentist/g)).toHaveLength(1);
    // A client that goes away in the middle of such an answer costs the server nothing more: it still answers.
    await new Promise<void>((resolve, reject) => {
      const url = new URL(u.calendar, server().origin);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'REPORT', headers: { authorization: u.basic, depth: '1' } },
        (res) => {
          expect(res.statusCode).toBe(207);
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(big);
    });
    expect((await u.dav('REPORT', u.calendar, bigBody('<D:getetag/>'), { depth: '1' })).status).toBe(207);

    // calendar-data in PROPFIND Depth 1 and sync-collection, equal to GET.
    const dataProp = '<C:calendar-data xmlns:C="urn:ietf:params:xml:ns:caldav"/><D:getetag xmlns:D="DAV:"/>';
    const listed = readMultistatus(
      (await u.dav('PROPFIND', u.calendar, `<propfind xmlns="DAV:"><prop>${dataProp}</prop></propfind>`, { depth: '1' })).text,
    );
    // XML parsers read the CRLFs of a text as LFs (XML 1.0 §2.11).
    expect(listed.responses.get(u.href(series))!.props['calendar-data']).toBe(text.replaceAll('\r\n', '\n'));
    const synced = await u.sync('', { props: dataProp });
    expect(synced.responses.get(u.href(single))!.props['calendar-data']).toBe(got[0]!.props!.calendarData.replaceAll('\r\n', '\n'));
  });

  it("writes events with PUT and DELETE: into GraphQL and its sync clients, ETags checked, the client's text kept", async () => {
    const u = await user();
    const client = u.client();
    await client.login();
    const calendar = { url: server().origin + u.calendar };
    const graphqlSync = kindSyncClient(u.gql, ['APPOINTMENT']);
    const initial = await graphqlSync.sync(null);
    const id = '6b1a4f0e-3c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const path = `${u.calendar}${id}.ics`;
    const url = server().origin + path;
    const ics = (summary: string, extra = '') =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//tsdav//EN',
        'BEGIN:VEVENT',
        'UID:round-trip@example.com',
        'DTSTAMP:20260101T000000Z',
        'DTSTART;TZID=Europe/Berlin:20260316T100000',
        'DTEND;TZID=Europe/Berlin:20260316T110000',
        'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6',
        'EXDATE;TZID=Europe/Berlin:20260323T100000',
        `SUMMARY:${summary}`,
        'CATEGORIES:work',
        'X-CLIENT-COLOR:teal',
        'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com',
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'DESCRIPTION:soon',
        'TRIGGER:-PT10M',
        'END:VALARM',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:round-trip@example.com',
        'DTSTAMP:20260101T000000Z',
        'RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000',
        'DTSTART;TZID=America/New_York:20260406T060000',
        'DTEND;TZID=America/New_York:20260406T070000',
        `SUMMARY:${summary}, later`,
        extra,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ]
        .filter((line, i, all) => line || i === all.length - 1)
        .join('\r\n');

    const created = await client.createCalendarObject({ calendar, iCalString: ics('standup'), filename: `${id}.ics` });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag');
    expect(etag).toMatch(/^"\d+"$/);
    // GET: the client's text as it was sent, with the ETag PUT answered.
    const get = await fetch(url, { headers: { authorization: u.basic } });
    expect([get.status, get.headers.get('etag'), await get.text()]).toEqual([200, etag, ics('standup')]);

    // GraphQL: the series in its zone across the DST change, the deleted and the moved occurrence.
    const occurrences = dataOf(
      await u.gql('query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) { start appointment { id title } } }', {
        from: '2026-03-01T00:00:00Z',
        to: '2026-05-01T00:00:00Z',
      }),
    ).appointments.map((o: { start: string; appointment: { title: string } }) => `${o.start} ${o.appointment.title}`);
    expect(occurrences).toEqual([
      '2026-03-16T09:00:00.000Z standup',
      '2026-03-30T08:00:00.000Z standup',
      '2026-04-06T10:00:00.000Z standup, later',
      '2026-04-13T08:00:00.000Z standup',
      '2026-04-20T08:00:00.000Z standup',
    ]);
    // A GraphQL sync client hears of the series and its exception.
    const heard = await graphqlSync.sync(initial.token);
    expect(heard.objects.map(({ object }) => rawId(object.id as string)).includes(id)).toBe(true);
    expect(heard.objects).toHaveLength(2);

    // Update with the ETag: 204 and a new one; with the stale one, or If-None-Match: * on it: 412.
    const updated = await client.updateCalendarObject({
      calendarObject: { url: url, data: ics('standup v2'), etag: etag! },
    });
    expect(updated.status).toBe(204);
    const etag2 = updated.headers.get('etag');
    expect(etag2).not.toBe(etag);
    const stale = await client.updateCalendarObject({
      calendarObject: { url: url, data: ics('lost'), etag: etag! },
    });
    expect(stale.status).toBe(412);
    const again = await u.dav('PUT', path, ics('again'), { 'if-none-match': '*', 'content-type': 'text/calendar' });
    expect(again.status).toBe(412);
    const listed = await client.fetchCalendarObjects({ calendar });
    expect(listed.map((o) => [o.url, o.etag])).toEqual([[url, etag2]]);
    // Through XML (calendar-data), tsdav trims the text.
    expect(listed[0]!.data).toBe(ics('standup v2').trim());

    // Changed through GraphQL: convene's export, under the client's UID.
    const globalId = heard.objects.map(({ object }) => object.id as string).find((g) => rawId(g) === id)!;
    dataOf(await u.gql(UPDATE, { id: globalId, input: { title: 'renamed' } }));
    const exported = await (await fetch(url, { headers: { authorization: u.basic } })).text();
    expect(exported).toMatch(/SUMMARY:renamed/);
    expect(exported.match(/UID:.*/g)).toEqual(['UID:round-trip@example.com', 'UID:round-trip@example.com']);

    // DELETE with a stale ETag: 412; with none: 204, gone from GraphQL.
    expect((await u.dav('DELETE', path, undefined, { 'if-match': etag! })).status).toBe(412);
    expect((await u.dav('DELETE', path)).status).toBe(204);
    expect((await u.dav('GET', path)).status).toBe(404);
    expect((await u.gql('query { appointments(from: "2026-03-01T00:00:00Z", to: "2026-05-01T00:00:00Z") { start } }')).data).toEqual({
      appointments: [],
    });
  });

  it("refuses what it cannot keep: inexpressible rules (403), malformed iCalendar, names with a slash (400), another user's collection (404)", async () => {
    const u = await user();
    const other = await user('other');
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const event = (lines: string[]) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        'UID:x@example.com',
        'DTSTAMP:20260101T000000Z',
        ...lines,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const put = (path: string, body: string, who = u) => who.dav('PUT', path, body, { 'content-type': 'text/calendar; charset=utf-8' });
    const hourly = await put(
      `${u.calendar}${id}.ics`,
      event(['DTSTART:20260316T100000Z', 'DTEND:20260316T110000Z', 'RRULE:FREQ=HOURLY;COUNT=3']),
    );
    expect([hourly.status, hourly.text]).toEqual([403, expect.stringContaining('valid-calendar-object-resource')]);
    expect(hourly.text).toContain('RRULE:FREQ=HOURLY;COUNT=3');
    for (const body of ['not iCalendar at all', event(['SUMMARY:no start'])]) {
      const refused = await put(`${u.calendar}${id}.ics`, body);
      expect([refused.status, refused.text]).toEqual([403, expect.stringContaining('valid-calendar-data')]);
    }
    const fine = event(['DTSTART:20260316T100000Z', 'DTEND:20260316T110000Z', 'SUMMARY:fine']);
    expect((await put(`${u.calendar}not%2Fone.ics`, fine)).status).toBe(400);
    expect((await put(`${other.calendar}${id}.ics`, fine)).status).toBe(404);
    expect((await u.dav('DELETE', `${other.calendar}${id}.ics`)).status).toBe(404);
    expect((await put(`${u.calendar}${id}.ics`, fine)).status).toBe(201);
    // The same name in another user's calendar is another resource: their PUT cannot take it over.
    expect((await put(`${other.calendar}${id}.ics`, fine, other)).status).toBe(409);
    expect((await u.dav('GET', `${u.calendar}${id}.ics`)).text).toContain('SUMMARY:fine');
  });

  it('checks If-Match / If-None-Match in the write itself: of concurrent writes with the same ETag exactly one succeeds', async () => {
    const u = await user();
    const put = (path: string, body: string, headers: Record<string, string>) =>
      u.dav('PUT', path, body, { 'content-type': 'text/calendar; charset=utf-8', ...headers });
    const statuses = (answers: Array<{ status: number }>) => answers.map((a) => a.status).sort();

    // 8 updates carrying the same If-Match: one replaces the event, the others see its new ETag.
    const path = `${u.calendar}0d6c1f52-7a43-4b8e-9f10-2a3b4c5d6e7f.ics`;
    const first = await put(path, event('race@example.com', 'v0'), { 'if-none-match': '*' });
    expect(first.status).toBe(201);
    const etag = first.headers.get('etag')!;
    const bodies = Array.from({ length: 8 }, (_, i) => event('race@example.com', `v${i + 1}`));
    const updates = await Promise.all(bodies.map((body) => put(path, body, { 'if-match': etag })));
    expect(statuses(updates)).toEqual([204, ...Array(7).fill(412)]);
    const winner = updates.findIndex((a) => a.status === 204);
    const get = await u.dav('GET', path);
    expect([get.text, get.headers.get('etag')]).toEqual([bodies[winner], updates[winner]!.headers.get('etag')]);

    // 5 creates of the same new name with If-None-Match: *: the insert's unique id decides.
    const fresh = `${u.calendar}5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170.ics`;
    const creates = await Promise.all(
      Array.from({ length: 5 }, (_, i) => put(fresh, event('create-race@example.com', `c${i}`), { 'if-none-match': '*' })),
    );
    expect(statuses(creates)).toEqual([201, 412, 412, 412, 412]);

    // A DELETE and a PUT with the same If-Match: one of them.
    const current = (await u.dav('GET', fresh)).headers.get('etag')!;
    const [deleted, replaced] = await Promise.all([
      u.dav('DELETE', fresh, undefined, { 'if-match': current }),
      put(fresh, event('create-race@example.com', 'replaced'), { 'if-match': current }),
    ]);
    expect(statuses([deleted, replaced])).toEqual([204, 412]);
    const after = await u.dav('GET', fresh);
    if (deleted.status === 204) expect(after.status).toBe(404);
    else expect([after.status, after.text]).toEqual([200, event('create-race@example.com', 'replaced')]);
    // GraphQL agrees: one event per resource, the winner's title.
    const titles = dataOf(
      await u.gql('{ appointments(from: "2026-06-01T00:00:00Z", to: "2026-07-01T00:00:00Z") { appointment { title } } }'),
    );
    expect(titles.appointments.map((a: { appointment: { title: string } }) => a.appointment.title).sort()).toEqual(
      [`v${winner + 1}`, ...(deleted.status === 204 ? [] : ['replaced'])].sort(),
    );
  });

  it('answers each PUT with the ETag of what it wrote, even when other writes of the resource commit right after', async () => {
    const u = await user();
    const put = (path: string, body: string) => u.dav('PUT', path, body, { 'content-type': 'text/calendar; charset=utf-8' });
    const etagOf = async (path: string) => (await u.dav('GET', path)).headers.get('etag');

    // 6 PUTs of one resource at once, without preconditions: all succeed, in some order; each
    // answers its own ETag, and the last one's is what GET shows with its text.
    const path = `${u.calendar}3b1d6f2a-8c4e-4a5b-9d7e-1f2a3b4c5d6e.ics`;
    await put(path, event('etag@example.com', 'v0'));
    const bodies = Array.from({ length: 6 }, (_, i) => event('etag@example.com', `v${i + 1}`));
    const answers = await Promise.all(bodies.map((body) => put(path, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(204));
    const etags = answers.map((a) => a.headers.get('etag')!);
    expect(new Set(etags).size).toBe(6);
    const get = await u.dav('GET', path);
    expect(etags.indexOf(get.headers.get('etag')!)).toBe(bodies.indexOf(get.text));

    // A series with an overridden occurrence; then without it (a tombstone and the series
    // changed); then the same text again (nothing changes): each PUT's ETag is GET's.
    const series = `${u.calendar}series-etag.ics`;
    const rule = ['RRULE:FREQ=DAILY;COUNT=5'];
    const override = [
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:series-etag@example.com',
      'DTSTAMP:20260101T000000Z',
      'RECURRENCE-ID:20260612T090000Z',
      'DTSTART:20260612T110000Z',
      'DTEND:20260612T120000Z',
      'SUMMARY:moved',
    ];
    for (const body of [
      event('series-etag@example.com', 'daily', [...rule, ...override]),
      event('series-etag@example.com', 'daily', rule),
      event('series-etag@example.com', 'daily', rule),
    ]) {
      const answer = await put(series, body);
      expect([answer.status, answer.headers.get('etag')]).toEqual([expect.any(Number), await etagOf(series)]);
    }
  });

  it('writes tasks with PUT and DELETE on the task list: VTODO fields to the Task model and back', async () => {
    const u = await user();
    const client = u.client();
    await client.login();
    const tasks = { url: `${server().origin}${u.home}tasks/` };
    const id = '1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b';
    const todo = (status: string, extra: string[] = []) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VTODO',
        'UID:task@example.com',
        'DTSTAMP:20260101T000000Z',
        'SUMMARY:file taxes',
        'DESCRIPTION:all of them',
        'DUE;TZID=Europe/Berlin:20260430T180000',
        `STATUS:${status}`,
        'PRIORITY:2',
        ...extra,
        'END:VTODO',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const created = await client.createCalendarObject({
      calendar: tasks,
      iCalString: todo('IN-PROCESS', ['PERCENT-COMPLETE:40']),
      filename: `${id}.ics`,
    });
    expect(created.status).toBe(201);
    const fields = 'title notes due status priority percentComplete';
    const read = async () =>
      dataOf(await u.gql(`query { tasks(first: 10) { edges { node { id ${fields} } } } }`)).tasks.edges.map((e: any) => e.node);
    const [task] = await read();
    expect(rawId(task.id)).toBe(id);
    expect(task).toMatchObject({
      title: 'file taxes',
      notes: 'all of them',
      due: '2026-04-30T16:00:00.000Z',
      status: 'IN_PROGRESS',
      priority: 'HIGH',
      percentComplete: 40,
    });

    const updated = await client.updateCalendarObject({
      calendarObject: { url: `${tasks.url}${id}.ics`, data: todo('COMPLETED'), etag: created.headers.get('etag')! },
    });
    expect(updated.status).toBe(204);
    expect((await read())[0]).toMatchObject({ status: 'COMPLETED', percentComplete: 100 });
    // The client's own text is kept: GET returns it as it was sent (test/caldav-kept-text.test.ts: after an API change).
    const text = await (await fetch(`${tasks.url}${id}.ics`, { headers: { authorization: u.basic } })).text();
    expect(text).toBe(todo('COMPLETED'));
    // An event is not a task.
    const event = todo('COMPLETED').replaceAll('VTODO', 'VEVENT');
    expect((await u.dav('PUT', `${u.home}tasks/${id}.ics`, event, { 'content-type': 'text/calendar' })).status).toBe(403);
    expect(
      (await client.deleteCalendarObject({ calendarObject: { url: `${tasks.url}${id}.ics`, etag: updated.headers.get('etag')! } })).status,
    ).toBe(204);
    expect(await read()).toEqual([]);
  });

  it('keeps one UID per resource on the task list, as on calendars (no-uid-conflict, valid-calendar-object-resource)', async () => {
    const u = await user();
    const tasks = `${u.home}tasks/`;
    const todos = (...uids: string[]) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        ...uids.flatMap((uid) => ['BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${uid}`, 'END:VTODO']),
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const put = (name: string, body: string) => u.dav('PUT', `${tasks}${name}`, body, { 'content-type': 'text/calendar; charset=utf-8' });
    const refused = async (name: string, body: string) => {
      const answer = await put(name, body);
      const error = new DOMParser().parseFromString(answer.text, 'text/xml').documentElement!;
      const precondition = [...(error.childNodes as unknown as Element[])].find((n) => n.nodeType === 1)!;
      return [answer.status, precondition.localName, precondition.textContent?.trim() || null];
    };

    // Two UIDs in one body: not one resource.
    expect(await refused('two.ics', todos('a@example.com', 'b@example.com'))).toEqual([403, 'valid-calendar-object-resource', null]);
    // A UID another task has: refused with that task's href, nothing written; the task itself may be replaced.
    expect((await put('first.ics', todos('shared@example.com'))).status).toBe(201);
    expect(await refused('second.ics', todos('shared@example.com'))).toEqual([403, 'no-uid-conflict', `${tasks}first.ics`]);
    expect((await put('third.ics', todos('third@example.com'))).status).toBe(201);
    expect(await refused('third.ics', todos('shared@example.com'))).toEqual([403, 'no-uid-conflict', `${tasks}first.ics`]);
    expect((await put('first.ics', todos('shared@example.com'))).status).toBe(204);
    // A task made through the API shows its id as its UID: a client's VTODO cannot take it.
    const made = rawId(dataOf(await u.gql(CREATE_TASK, { input: { title: 'from the API' } })).createTask.id);
    expect(await refused('fourth.ics', todos(made))).toEqual([403, 'no-uid-conflict', `${tasks}${made}.ics`]);
    const titles = dataOf(await u.gql('query { tasks(first: 10) { edges { node { title } } } }')).tasks.edges.map((e: any) => e.node.title);
    expect(titles.sort()).toEqual(['from the API', 'shared@example.com', 'third@example.com']);
  });

  it('records its writes under a DEVICE synchronization named CalDAV, so an unlink mode removes what the app wrote', async () => {
    const u = await user();
    const id = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
    const path = `${u.calendar}${id}.ics`;
    const body = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'BEGIN:VEVENT',
      'UID:mine@example.com',
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260316T100000Z',
      'DTEND:20260316T110000Z',
      'SUMMARY:from the app',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    expect((await u.dav('PUT', path, body, { 'content-type': 'text/calendar' })).status).toBe(201);
    const own = await u.create('made in convene');
    const synchronizations = dataOf(await u.gql('query { synchronizations(type: DEVICE) { id name } }')).synchronizations;
    expect(synchronizations.map((s: { name: string }) => s.name)).toEqual(['CalDAV']);
    dataOf(
      await u.gql('mutation ($id: ID!) { deleteSynchronization(id: $id, unlinkMode: DELETE_ALL_EVENTS) { __typename } }', {
        id: synchronizations[0].id,
      }),
    );
    expect((await u.dav('GET', path)).status).toBe(404);
    expect((await u.dav('GET', u.href(own))).status).toBe(200);
  });

  it('honours DAV:limit: truncated results with a 507 for the collection and a token that continues', async () => {
    const u = await user();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await u.create(`e${i}`, `2026-06-0${i + 1}T09:00:00Z`));
    const seen: string[] = [];
    let token = '';
    for (let round = 0; round < 5; round++) {
      const page = await u.sync(token, { limit: 2 });
      const members = page.order.filter((href) => href !== u.calendar);
      seen.push(...members);
      token = page.syncToken!;
      const truncated = page.responses.get(u.calendar);
      if (!truncated) break;
      expect(members).toHaveLength(2);
      expect(truncated).toEqual({ status: 507, error: 'number-of-matches-within-limits', props: {}, missing: [] });
    }
    expect(seen).toEqual(ids.map(u.href));
    expect((await u.sync(token)).order).toEqual([]);
  });

  it("shows a shared room with only the user's own bookings, and scheduled meetings on their calendar", async () => {
    const alice = await user('room');
    const bob = await user('room');
    const connect = 'mutation { connectAccount(input: { provider: EXCHANGE, identifier: "room-1@example.com", name: "Room 1" }) { id } }';
    const room = dataOf(await alice.gql(connect)).connectAccount.id as string;
    dataOf(await bob.gql(connect));
    const mine = await alice.create('alice in the room', '2026-06-01T09:00:00Z', { accountId: room });
    await bob.create('bob in the room', '2026-06-01T11:00:00Z', { accountId: room });
    const roomPath = `${alice.home}${rawId(room)}/`;
    expect((await alice.sync('', { path: roomPath })).order).toEqual([`${roomPath}${rawId(mine)}.ics`]);

    // Bob's own calendar holds nothing of the room.
    expect((await bob.sync('')).order).toEqual([]);

    // A scheduled meeting: on the organizer's calendar, and on the invitee's account's; a
    // poll is on no calendar, so going back to one is a removal, as is cancelling.
    const meeting = await createMeeting(alice.gql, {
      accountId: alice.account,
      name: 'review',
      duration: 30,
      options: ['2030-07-01T09:00:00Z'],
      invitees: [{ accountId: bob.account }],
    });
    expect(meeting.status).toBe('SCHEDULED');
    const [aliceToken, bobToken] = [(await alice.sync('')).syncToken!, (await bob.sync('')).syncToken!];
    expect((await alice.sync('')).order).toContain(alice.href(meeting.id));
    expect((await bob.sync('')).order).toEqual([bob.href(meeting.id)]);
    dataOf(await alice.gql(UPDATE_MEETING, { id: meeting.id, input: { options: ['2030-07-01T09:00:00Z', '2030-07-02T09:00:00Z'] } }));
    const polling = await bob.sync(bobToken);
    expect([polling.order, polling.responses.get(bob.href(meeting.id))?.status]).toEqual([[bob.href(meeting.id)], 404]);
    dataOf(await alice.gql(DELETE_MEETING, { id: meeting.id }));
    expect((await alice.sync(aliceToken)).responses.get(alice.href(meeting.id))?.status).toBe(404);
  });

  it("refuses wrong credentials (401), tokens without CALENDAR (403), other users' resources (404)", async () => {
    const alice = await user();
    const bob = await user();
    const propfind = '<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>';
    const wrong = await fetch(server().origin + alice.calendar, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`${alice.username}:cvn_wrong`).toString('base64')}`, depth: '0' },
      body: propfind,
    });
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="convene", charset="UTF-8"']);
    // Bob's token is no password for alice.
    const swapped = await fetch(server().origin + alice.calendar, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`${alice.username}:${bob.token}`).toString('base64')}`, depth: '0' },
      body: propfind,
    });
    expect(swapped.status).toBe(401);
    expect((await fetch(server().origin + alice.calendar, { method: 'PROPFIND', headers: { depth: '0' } })).status).toBe(401);
    // A Bearer token works too.
    const bearer = await fetch(server().origin + alice.calendar, {
      method: 'PROPFIND',
      headers: { authorization: `Bearer ${alice.token}`, depth: '0' },
      body: propfind,
    });
    expect(bearer.status).toBe(207);

    const syncOnly = await server().newUser(alice.username, ['SYNC']);
    const noScope = await fetch(server().origin + alice.calendar, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`${alice.username}:${syncOnly.token}`).toString('base64')}`, depth: '0' },
    });
    expect(noScope.status).toBe(403);

    // Alice's calendar, under her name or under bob's, is not there for bob.
    for (const path of [alice.calendar, `${bob.home}${rawId(alice.account)}/`, `/dav/principals/${alice.username}/`, alice.home]) {
      expect([path, (await bob.dav('PROPFIND', path, propfind, { depth: '0' })).status]).toEqual([path, 404]);
      expect([path, (await bob.dav('REPORT', path, syncBody(''))).status]).toEqual([path, 404]);
    }
    const a = await alice.create('private');
    expect((await bob.dav('PROPFIND', `${bob.calendar}${rawId(a)}.ics`, propfind, { depth: '0' })).status).toBe(404);
    expect((await alice.dav('PROPFIND', alice.href(a), propfind, { depth: '0' })).status).toBe(207);
  });

  it('refuses bad sync tokens (403 valid-sync-token), malformed XML (400), Depth infinity (403), reports it does not serve', async () => {
    const u = await user();
    await u.create('x');
    const { head } = await feedHead(server(), u.id);
    for (const token of ['nonsense', 'http://convene.invalid/ns/sync/-1', `http://convene.invalid/ns/sync/${head + 1}`]) {
      const refused = await u.dav('REPORT', u.calendar, syncBody(token));
      expect([token, refused.status, refused.text]).toEqual([token, 403, expect.stringContaining('valid-sync-token')]);
    }
    // Tombstones purged above the token: it could miss a delete.
    const old = `http://convene.invalid/ns/sync/${head}`;
    expect((await u.dav('REPORT', u.calendar, syncBody(old))).status).toBe(207);
    await server().server.db.prisma.syncCounter.update({ where: { userId: u.id }, data: { floor: head + 1, revision: head + 1 } });
    const expired = await u.dav('REPORT', u.calendar, syncBody(old));
    expect([expired.status, expired.text]).toEqual([
      403,
      expect.stringMatching(/<d:error xmlns:d="DAV:"><d:valid-sync-token\/><\/d:error>/),
    ]);

    expect((await u.dav('PROPFIND', u.calendar, '<propfind xmlns="DAV:"><prop>', { depth: '0' })).status).toBe(400);
    expect((await u.dav('REPORT', u.calendar, '<sync-collection xmlns="DAV:"><sync-token/>')).status).toBe(400);
    // Depth: 1 (python-caldav sends it) answers as Depth: 0; infinity is refused.
    const depth0 = await u.dav('REPORT', u.calendar, syncBody(''), { depth: '0' });
    const depth1 = await u.dav('REPORT', u.calendar, syncBody(''), { depth: '1' });
    expect([depth1.status, depth1.text]).toEqual([207, depth0.text]);
    expect((await u.dav('REPORT', u.calendar, syncBody(''), { depth: 'infinity' })).status).toBe(400);
    for (const depth of ['infinity', undefined]) {
      const refused = await u.dav('PROPFIND', u.calendar, '', depth ? { depth } : {});
      expect([depth, refused.status, refused.text]).toEqual([depth, 403, expect.stringContaining('propfind-finite-depth')]);
    }
    const query = `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
      <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="DTSTAMP"><C:time-range start="20260101T000000Z"/></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
    const filter = await u.dav('REPORT', u.calendar, query, { depth: '1' });
    expect([filter.status, filter.text]).toEqual([403, expect.stringContaining('supported-filter')]);
    const unknown = await u.dav('REPORT', u.calendar, '<x:frobnicate xmlns:x="urn:example"/>');
    expect([unknown.status, unknown.text]).toEqual([403, expect.stringContaining('supported-report')]);
    expect((await u.dav('REPORT', u.home, syncBody(''))).status).toBe(403);
  });

  it('answers OPTIONS with its DAV classes before authentication, and CORS preflights as every route does', async () => {
    const options = await fetch(`${server().origin}/dav/`, { method: 'OPTIONS' });
    expect([options.status, options.headers.get('dav'), options.headers.get('allow')]).toEqual([
      200,
      '1, 3, calendar-access',
      'OPTIONS, PROPFIND, PROPPATCH, REPORT, GET, HEAD, PUT, DELETE, MKCOL, MKCALENDAR',
    ]);
    const origin = 'https://app.example';
    const preflight = await fetch(`${server().origin}/dav/`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PROPFIND' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('dav')]).toEqual([
      204,
      origin,
      null,
    ]);
  });
});

async function feedHead(server: TestServer, userId: string) {
  const counter = await server.server.db.prisma.syncCounter.findUnique({ where: { userId } });
  return { head: counter?.revision ?? 0 };
}
