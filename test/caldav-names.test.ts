// CalDAV resource names (issue 13): a resource keeps the exact name its client created it
// under, and every way of reading the calendar names it so; one UID per calendar. Through HTTP
// against a real server on PGlite and PostgreSQL.
import { DOMParser } from '@xmldom/xmldom';
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { davUser, vevent } from './support/caldav.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, kindSyncClient } from './support/sync.ts';

const rawId = (globalId: string) => parseGlobalId(globalId)!.id;

/** Each response of a multistatus: href -> status (of the response, or of its first propstat) and any calendar-data. */
function responsesOf(xml: string): Map<string, { status: number; data: string | null }> {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const answers = new Map<string, { status: number; data: string | null }>();
  const responses = doc.getElementsByTagNameNS('DAV:', 'response');
  for (let i = 0; i < responses.length; i++) {
    const response = responses.item(i)!;
    const text = (ns: string, name: string) => response.getElementsByTagNameNS(ns, name).item(0)?.textContent ?? null;
    answers.set(text('DAV:', 'href')!, {
      status: Number(text('DAV:', 'status')!.split(' ')[1]),
      data: text('urn:ietf:params:xml:ns:caldav', 'calendar-data'),
    });
  }
  return answers;
}

const event = (uid: string, summary: string, lines: string[] = []) => vevent(uid, summary, lines, ['20261202T101500Z', '20261202T111500Z']);

const syncBody = (token: string) => `<?xml version="1.0" encoding="utf-8" ?>
<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level>
<D:prop><D:getetag/></D:prop></D:sync-collection>`;

describeEachDatabase('CalDAV resource names', (server) => {
  let n = 0;
  async function user() {
    const u = await davUser(server(), `names${++n}`);
    const { username, dav } = u;
    const calendar = `/dav/calendars/${username}/${rawId(u.account)}/`;
    const put = (path: string, body: string, headers: Record<string, string> = {}) =>
      dav('PUT', path, body, { 'content-type': 'text/calendar; charset=utf-8', ...headers });
    const sync = async (token: string) => {
      const response = await dav('REPORT', calendar, syncBody(token));
      expect(response.status).toBe(207);
      const doc = new DOMParser().parseFromString(response.text, 'text/xml');
      return { responses: responsesOf(response.text), token: doc.getElementsByTagNameNS('DAV:', 'sync-token').item(0)!.textContent! };
    };
    return { ...u, calendar, put, sync };
  }

  it('keeps the name a client created a resource under: GET, PROPFIND, sync-collection and multiget show the same href', async () => {
    const u = await user();
    const upper = `${u.calendar}6B1A4F0E-3C2D-4E5F-8A9B-0C1D2E3F4A5B.ics`;
    const spaced = `${u.calendar}my%20event%2020261202T101500Z-123@host.ics`;
    const other = `${u.calendar}${encodeURIComponent('ünï€ode, (1)')}.ics`;
    const { token: before } = await u.sync('');
    expect((await u.put(upper, event('apple-style', 'upper'), { 'if-none-match': '*' })).status).toBe(201);
    expect((await u.put(spaced, event('20261202T101500Z-123@host', 'spaced'))).status).toBe(201);
    expect((await u.put(other, event('other@host', 'other'))).status).toBe(201);
    const hrefs = [upper, spaced, other];

    // GET by the same name; the lower-cased UUID is another name (none).
    for (const [href, summary] of [
      [upper, 'upper'],
      [spaced, 'spaced'],
      [other, 'other'],
    ]) {
      const got = await u.dav('GET', href!);
      expect([href, got.status, got.text]).toEqual([href, 200, expect.stringContaining(`SUMMARY:${summary}`)]);
    }
    expect((await u.dav('GET', upper.toLowerCase())).status).toBe(404);

    // The appointment of the UUID name has its id; the other names got new ones. UIDs are the client's.
    const titles = dataOf(
      await u.gql('query { appointments(from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z") { appointment { id title } } }'),
    ).appointments.map((o: { appointment: { id: string; title: string } }) => [rawId(o.appointment.id), o.appointment.title]);
    expect(titles).toContainEqual(['6b1a4f0e-3c2d-4e5f-8a9b-0c1d2e3f4a5b', 'upper']);
    expect(titles).toHaveLength(3);

    // PROPFIND Depth 1, an initial and a delta sync-collection: the same hrefs.
    const propfind = await u.dav('PROPFIND', u.calendar, '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>', {
      depth: '1',
    });
    expect([...responsesOf(propfind.text).keys()].sort()).toEqual([u.calendar, ...hrefs].sort());
    expect([...(await u.sync('')).responses.keys()].sort()).toEqual([...hrefs].sort());
    const delta = await u.sync(before);
    expect([...delta.responses.keys()].sort()).toEqual([...hrefs].sort());

    // calendar-multiget by those hrefs (and an absolute URL of one), in order.
    const multiget = await u.dav(
      'REPORT',
      u.calendar,
      `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
      ${[...hrefs, `${u.calendar}missing.ics`].map((h) => `<D:href>${h}</D:href>`).join('')}</C:calendar-multiget>`,
      { depth: '1' },
    );
    const got = responsesOf(multiget.text);
    expect([...got].map(([href, a]) => [href, a.status, a.data?.match(/SUMMARY:(.*)/)?.[1]?.trim()])).toEqual([
      [upper, 200, 'upper'],
      [spaced, 200, 'spaced'],
      [other, 200, 'other'],
      [`${u.calendar}missing.ics`, 404, undefined],
    ]);

    // Replaced under its name (204), deleted under its name: the next sync names it the same, 404.
    expect((await u.put(spaced, event('20261202T101500Z-123@host', 'spaced v2'))).status).toBe(204);
    expect((await u.dav('DELETE', spaced)).status).toBe(204);
    const after = await u.sync(delta.token);
    expect([...after.responses]).toEqual([[spaced, { status: 404, data: null }]]);
    expect((await u.dav('GET', spaced)).status).toBe(404);
  });

  it('names what was made through GraphQL <id>.ics, and tasks by their own names too', async () => {
    const u = await user();
    const created = dataOf(
      await u.gql(
        'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }',
        {
          input: { accountId: u.account, title: 'api', start: '2026-12-02T09:00:00Z', end: '2026-12-02T10:00:00Z', timezone: 'UTC' },
        },
      ),
    ).createAppointment.id as string;
    expect([...(await u.sync('')).responses.keys()]).toEqual([`${u.calendar}${rawId(created)}.ics`]);
    expect((await u.dav('GET', `${u.calendar}${rawId(created)}.ics`)).text).toContain('SUMMARY:api');

    const tasks = `/dav/calendars/${u.username}/tasks/`;
    const todo = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//t//EN',
      'BEGIN:VTODO',
      'UID:t1',
      'SUMMARY:buy milk',
      'END:VTODO',
      'END:VCALENDAR',
      '',
    ];
    const task = `${tasks}Todo%201@phone.ics`;
    expect((await u.put(task, todo.join('\r\n'))).status).toBe(201);
    expect((await u.dav('GET', task)).text).toContain('SUMMARY:buy milk');
    const listed = await u.dav('PROPFIND', tasks, '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>', { depth: '1' });
    expect([...responsesOf(listed.text).keys()]).toEqual([tasks, task]);
    expect((await u.put(task, todo.join('\r\n').replace('buy milk', 'buy oat milk'))).status).toBe(204);
    expect((await u.dav('DELETE', task)).status).toBe(204);
  });

  it('replaces a resource in place: GraphQL sync clients get updates of the same ids, a tombstone only for a dropped exception', async () => {
    const u = await user();
    const graphqlSync = kindSyncClient(u.gql, ['APPOINTMENT']);
    const path = `${u.calendar}weekly%20standup.ics`;
    const override = (date: string, summary: string) => [
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:weekly@example.com',
      'DTSTAMP:20260101T000000Z',
      `RECURRENCE-ID:${date}T101500Z`,
      `DTSTART:${date}T140000Z`,
      `DTEND:${date}T150000Z`,
      `SUMMARY:${summary}`,
    ];
    const series = (title: string, exceptions: string[][]) =>
      event('weekly@example.com', title, ['RRULE:FREQ=WEEKLY;COUNT=6', ...exceptions.flat()]);
    expect((await u.put(path, series('standup', [override('20261209', 'moved 1'), override('20261216', 'moved 2')]))).status).toBe(201);
    const initial = await graphqlSync.sync(null);
    const idOf = new Map(initial.objects.map(({ object }) => [object.title as string, object.id as string]));
    expect([...idOf.keys()].sort()).toEqual(['moved 1', 'moved 2', 'standup']);

    // Every title changed: three updates of the same ids, nothing deleted; the href and GET follow.
    const { token: davToken } = await u.sync('');
    const renamed = series('standup v2', [override('20261209', 'moved 1 v2'), override('20261216', 'moved 2 v2')]);
    expect((await u.put(path, renamed)).status).toBe(204);
    const updated = await graphqlSync.sync(initial.token);
    expect(updated.deleted).toEqual([]);
    expect(updated.objects.map(({ object }) => [object.id, object.title]).sort()).toEqual(
      [
        [idOf.get('standup'), 'standup v2'],
        [idOf.get('moved 1'), 'moved 1 v2'],
        [idOf.get('moved 2'), 'moved 2 v2'],
      ].sort(),
    );
    expect([...(await u.sync(davToken)).responses.keys()]).toEqual([path]);
    expect((await u.dav('GET', path)).text).toBe(renamed);

    // Only the series' title: only the series.
    const seriesOnly = series('standup v3', [override('20261209', 'moved 1 v2'), override('20261216', 'moved 2 v2')]);
    expect((await u.put(path, seriesOnly)).status).toBe(204);
    const onlySeries = await graphqlSync.sync(updated.token);
    expect([onlySeries.objects.map(({ object }) => object.id), onlySeries.deleted]).toEqual([[idOf.get('standup')], []]);

    // The second exception dropped: a tombstone for it alone; the series is changed (its occurrence is back).
    const dropped = series('standup v3', [override('20261209', 'moved 1 v2')]);
    const etag = (await u.dav('GET', path)).headers.get('etag');
    expect((await u.put(path, dropped)).status).toBe(204);
    const afterDrop = await graphqlSync.sync(onlySeries.token);
    expect(afterDrop.deleted.map((d: { id: string }) => d.id)).toEqual([idOf.get('moved 2')]);
    expect(afterDrop.objects.map(({ object }) => object.id)).toEqual([idOf.get('standup')]);
    const now = await u.dav('GET', path);
    expect([now.text, now.headers.get('etag') === etag]).toEqual([dropped, false]);

    // Only the kept text changed (an alarm): the ETag moves, GraphQL sees the series once.
    const alarmed = dropped.replace(
      'END:VEVENT',
      'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT',
    );
    expect((await u.put(path, alarmed)).status).toBe(204);
    expect((await u.dav('GET', path)).headers.get('etag')).not.toBe(now.headers.get('etag'));
    expect((await graphqlSync.sync(afterDrop.token)).objects.map(({ object }) => object.id)).toEqual([idOf.get('standup')]);
  });

  it('refuses a second resource with the same UID (403 no-uid-conflict naming the first) and names it cannot keep (400)', async () => {
    const u = await user();
    const first = `${u.calendar}first%20one.ics`;
    expect((await u.put(first, event('shared-uid@example.com', 'first'))).status).toBe(201);
    const second = await u.put(`${u.calendar}second.ics`, event('shared-uid@example.com', 'second'));
    expect([second.status, second.text]).toEqual([
      403,
      expect.stringMatching(/no-uid-conflict><d:href>\/dav\/[^<]*first%20one\.ics<\/d:href>/),
    ]);
    expect((await u.dav('GET', `${u.calendar}second.ics`)).status).toBe(404);
    // Nor may a resource take a UID another one has by being replaced.
    expect((await u.put(`${u.calendar}third.ics`, event('third@example.com', 'third'))).status).toBe(201);
    const retagged = await u.put(`${u.calendar}third.ics`, event('shared-uid@example.com', 'third'));
    expect([retagged.status, retagged.text]).toEqual([403, expect.stringContaining('no-uid-conflict')]);
    // The first one may be replaced under its own UID.
    expect((await u.put(first, event('shared-uid@example.com', 'first v2'))).status).toBe(204);

    for (const [name, status] of [
      ['a%2Fb.ics', 400],
      ['bell%07.ics', 400],
      [`${'x'.repeat(252)}.ics`, 400],
    ] as const) {
      const refused = await u.put(`${u.calendar}${name}`, event(`${name}@example.com`, 'bad'));
      expect([name, refused.status]).toEqual([name, status]);
    }
  });
});
