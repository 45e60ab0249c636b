// Calendars made and deleted over CalDAV (issue 13): MKCALENDAR as Apple Calendar sends it (an
// upper-case UUID segment, displayname and colour in the body), extended and plain MKCOL, and
// DELETE of such a calendar; the statuses of RFC 4791 §5.3.1 and RFC 4918 §9.3 where a calendar
// cannot be made. Plain HTTP with Basic auth, tsdav and GraphQL, on both databases.
import { randomUUID } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { davUser, tsdavClient } from './support/caldav.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf } from './support/sync.ts';

const APPLE = 'http://apple.com/ns/ical/';

/** Apple Calendar's New Calendar (as it sends it, less the zone). */
const appleBody = (name: string, components = '<B:comp name="VEVENT"/>') => `<?xml version="1.0" encoding="UTF-8"?>
<B:mkcalendar xmlns:B="urn:ietf:params:xml:ns:caldav"><A:set xmlns:A="DAV:"><A:prop>
<B:supported-calendar-component-set>${components}</B:supported-calendar-component-set>
<D:calendar-color xmlns:D="${APPLE}" symbolic-color="custom">#63DA38FF</D:calendar-color>
<A:displayname>${name}</A:displayname><D:calendar-order xmlns:D="${APPLE}">2</D:calendar-order>
</A:prop></A:set></B:mkcalendar>`;

const event = (uid: string, title: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nSUMMARY:${title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

const homeListing = `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:A="${APPLE}"><D:prop><D:displayname/><A:calendar-color/><D:resourcetype/></D:prop></D:propfind>`;

const syncBody = (token: string) =>
  `<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`;

const APPOINTMENTS = `{ appointments(from: "2026-06-01T00:00:00Z", to: "2026-07-01T00:00:00Z") {
  appointment { id title account { name provider isMain } } } }`;

function elements(el: Element, ns?: string, name?: string): Element[] {
  return [...(el.childNodes as unknown as Element[])].filter(
    (n) => n.nodeType === 1 && (ns === undefined || n.namespaceURI === ns) && (name === undefined || n.localName === name),
  );
}
const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as Element;

/** A multistatus as href -> (property local name -> its text) of the 200 propstat. */
function listing(xml: string): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const response of elements(parse(xml), 'DAV:', 'response')) {
    const href = elements(response, 'DAV:', 'href')[0]!.textContent!;
    const ok = elements(response, 'DAV:', 'propstat').find((p) => elements(p, 'DAV:', 'status')[0]!.textContent!.includes(' 200'));
    result[href] = Object.fromEntries(
      elements(elements(ok!, 'DAV:', 'prop')[0]!).map((p) => [
        p.localName!,
        elements(p)
          .map((c) => c.localName)
          .join(' ') || p.textContent!,
      ]),
    );
  }
  return result;
}

/** A refused make's body (mkcalendar-response / mkcol-response): status -> [properties, error]. */
function refusal(xml: string): { root: string; propstats: Record<number, [string[], string | null]> } {
  const root = parse(xml);
  const propstats: Record<number, [string[], string | null]> = {};
  for (const propstat of elements(root, 'DAV:', 'propstat')) {
    const status = Number(elements(propstat, 'DAV:', 'status')[0]!.textContent!.split(' ')[1]);
    const error = elements(propstat, 'DAV:', 'error')[0];
    propstats[status] = [
      elements(elements(propstat, 'DAV:', 'prop')[0]!).map((p) => p.localName!),
      error ? elements(error)[0]!.localName! : null,
    ];
  }
  return { root: root.localName!, propstats };
}

describeEachDatabase('CalDAV MKCALENDAR, MKCOL and DELETE of calendars', (server) => {
  let n = 0;
  async function user() {
    const u = await davUser(server(), `mk${++n}`);
    return { ...u, home: `/dav/calendars/${u.username}/`, main: `/dav/calendars/${u.username}/${parseGlobalId(u.account)!.id}/` };
  }

  it("makes Apple's calendar at its upper-case UUID; lists, syncs and deletes it with its events", async () => {
    const u = await user();
    const segment = randomUUID().toUpperCase();
    const calendar = `${u.home}${segment}/`;
    expect((await u.dav('MKCALENDAR', calendar, appleBody('Holidays'))).status).toBe(201);

    // PROPFIND of the home: the exact href, the name and colour from the body.
    const home = await u.dav('PROPFIND', u.home, homeListing, { depth: '1' });
    expect(home.status).toBe(207);
    expect(listing(home.text)[calendar]).toEqual({
      displayname: 'Holidays',
      'calendar-color': '#63DA38FF',
      resourcetype: 'collection calendar',
    });

    // tsdav sees it.
    const client = tsdavClient(server(), u.username, u.token);
    await client.login();
    const calendars = await client.fetchCalendars();
    expect(calendars.find((c) => c.displayName === 'Holidays')).toMatchObject({
      url: `${server().origin}${calendar}`,
      calendarColor: '#63DA38FF',
    });

    // An event PUT into it is on the new account in GraphQL (a LOCAL account, not the main one).
    const put = await u.dav('PUT', `${calendar}BEACH.ics`, event('beach-1', 'beach'), { 'content-type': 'text/calendar; charset=utf-8' });
    expect(put.status).toBe(201);
    const shown = dataOf(await u.gql(APPOINTMENTS)).appointments;
    expect(shown.map((o: any) => [o.appointment.title, o.appointment.account])).toEqual([
      ['beach', { name: 'Holidays', provider: 'LOCAL', isMain: false }],
    ]);
    const sync = await u.dav('REPORT', calendar, syncBody(''), { depth: '0' });
    expect(Object.keys(listing(sync.text))).toEqual([`${calendar}BEACH.ics`]);

    // Again: it exists (405); inside it: calendars hold no collections (403); under a missing collection: 409.
    expect((await u.dav('MKCALENDAR', calendar, appleBody('Holidays'))).status).toBe(405);
    const inside = await u.dav('MKCOL', `${calendar}sub/`);
    expect([inside.status, inside.text]).toEqual([403, expect.stringContaining('calendar-collection-location-ok')]);
    expect((await u.dav('MKCALENDAR', `${calendar}a/b/`)).status).toBe(409);
    expect((await u.dav('MKCOL', `${u.home}missing/sub/`)).status).toBe(409);
    expect((await u.dav('PUT', `${u.home}missing/x.ics`, event('x', 'x'), { 'content-type': 'text/calendar' })).status).toBe(409);
    expect((await u.dav('PUT', `${calendar}a/x.ics`, event('x', 'x'), { 'content-type': 'text/calendar' })).status).toBe(409);
    // Outside the home nothing is made or put: 404.
    expect((await u.dav('PUT', '/dav/elsewhere/a/x.ics', event('x', 'x'), { 'content-type': 'text/calendar' })).status).toBe(404);
    expect((await u.dav('MKCOL', '/dav/elsewhere/a/')).status).toBe(404);

    // DELETE: the calendar, its events and what was set on it go; the GraphQL feed has the tombstone.
    const { token } = dataOf(await u.gql('{ sync(kinds: [APPOINTMENT]) { token } }')).sync;
    expect((await u.dav('DELETE', calendar)).status).toBe(204);
    expect(dataOf(await u.gql(APPOINTMENTS)).appointments).toEqual([]);
    const after = dataOf(
      await u.gql('query ($t: String) { sync(token: $t, kinds: [APPOINTMENT]) { deleted { kind id } } }', { t: token }),
    ).sync;
    expect(after.deleted).toEqual([{ kind: 'APPOINTMENT', id: shown[0].appointment.id }]);
    expect(Object.keys(listing((await u.dav('PROPFIND', u.home, homeListing, { depth: '1' })).text))).toEqual([
      u.home,
      u.main,
      `${u.home}tasks/`,
    ]);
    expect((await u.dav('REPORT', calendar, syncBody(''), { depth: '0' })).status).toBe(404);
    expect(dataOf(await u.gql('{ me { accounts { name } } }')).me.accounts.map((a: any) => a.name)).not.toContain('Holidays');

    // Made again under the same segment: a new, empty calendar without the old colour.
    expect((await u.dav('MKCALENDAR', calendar, '')).status).toBe(201);
    const again = listing((await u.dav('PROPFIND', calendar, homeListing, { depth: '1' })).text);
    expect(again).toEqual({ [calendar]: { displayname: segment, resourcetype: 'collection calendar' } });
  });

  it('makes a calendar with an extended or a plain MKCOL; refuses bodies and properties it cannot keep, making nothing', async () => {
    const u = await user();
    const extended = `<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
      <D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Team</D:displayname></D:prop></D:set></D:mkcol>`;
    expect((await u.dav('MKCOL', `${u.home}team/`, extended)).status).toBe(201);
    expect((await u.dav('MKCOL', `${u.home}my%20plain`)).status).toBe(201);
    const names = listing((await u.dav('PROPFIND', u.home, homeListing, { depth: '1' })).text);
    expect([names[`${u.home}team/`]?.displayname, names[`${u.home}my%20plain/`]?.displayname]).toEqual(['Team', 'my plain']);

    // Not MKCOL/MKCALENDAR XML: 415.
    expect((await u.dav('MKCOL', `${u.home}x/`, 'not xml at all', { 'content-type': 'xzy-foo/bar-512' })).status).toBe(415);
    expect((await u.dav('MKCALENDAR', `${u.home}x/`, extended)).status).toBe(415);
    // A task list only: refused (tasks live in tasks/); a protected property: 403, the others 424.
    const tasksOnly = await u.dav('MKCALENDAR', `${u.home}x/`, appleBody('Reminders', '<B:comp name="VTODO"/>'));
    expect([tasksOnly.status, refusal(tasksOnly.text)]).toEqual([
      403,
      {
        root: 'mkcalendar-response',
        propstats: {
          403: [['supported-calendar-component-set'], 'supported-calendar-component'],
          424: [['calendar-color', 'displayname', 'calendar-order'], null],
        },
      },
    ]);
    const protectedSet = await u.dav(
      'MKCOL',
      `${u.home}x/`,
      '<D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:getetag>"1"</D:getetag></D:prop></D:set></D:mkcol>',
    );
    expect([protectedSet.status, refusal(protectedSet.text)]).toEqual([
      403,
      { root: 'mkcol-response', propstats: { 403: [['getetag'], 'cannot-modify-protected-property'] } },
    ]);
    expect((await u.dav('PROPFIND', `${u.home}x/`, homeListing, { depth: '0' })).status).toBe(404);
  });

  it("refuses to delete the main account's calendar and the task list, and another user's home", async () => {
    const u = await user();
    const other = await user();
    expect((await u.dav('DELETE', u.main)).status).toBe(403);
    expect((await u.dav('DELETE', `${u.home}tasks/`)).status).toBe(403);
    expect((await u.dav('MKCALENDAR', `${other.home}${randomUUID()}/`, appleBody('Mine'))).status).toBe(404);
    expect((await u.dav('MKCOL', `${other.home}x/`)).status).toBe(404);
    expect((await u.dav('DELETE', other.main)).status).toBe(404);
    // The home itself and the main calendar exist: 405 with Allow.
    const existing = await u.dav('MKCOL', u.main);
    expect([existing.status, existing.headers.get('allow')]).toEqual([405, expect.stringContaining('MKCALENDAR')]);
    expect((await u.dav('MKCOL', u.home)).status).toBe(405);
    expect(dataOf(await u.gql('{ me { accounts { isMain } } }')).me.accounts).toEqual([{ isMain: true }]);
  });
});
