// PROPPATCH on CalDAV collections (RFC 4918 §9.2; issue 13): what Apple Calendar and Thunderbird
// set on a calendar (displayname, Apple's calendar-color and calendar-order, calendar-timezone)
// is kept and answered by PROPFIND; a protected property fails the whole request (403, the others
// 424) and stores nothing. Plain HTTP with Basic auth (tsdav has no PROPPATCH), on both databases.
import { DOMParser } from '@xmldom/xmldom';
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { tsdavClient } from './support/caldav.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const APPLE = 'http://apple.com/ns/ical/';

/** The propstats of a single-response multistatus: status -> the properties (local name, and their text) and the error's element. */
function propstats(xml: string): Record<number, { props: Record<string, string>; error?: string }> {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  const elements = (el: Element) => [...(el.childNodes as unknown as Element[])].filter((n) => n.nodeType === 1);
  const child = (el: Element, name: string) => elements(el).find((n) => n.namespaceURI === 'DAV:' && n.localName === name);
  expect([root.namespaceURI, root.localName]).toEqual(['DAV:', 'multistatus']);
  const responses = elements(root as unknown as Element);
  expect(responses).toHaveLength(1);
  const result: Record<number, { props: Record<string, string>; error?: string }> = {};
  for (const propstat of elements(responses[0]!).filter((n) => n.localName === 'propstat')) {
    const status = Number(child(propstat, 'status')!.textContent!.split(' ')[1]);
    const props = Object.fromEntries(elements(child(propstat, 'prop')!).map((p) => [p.localName!, p.textContent ?? '']));
    const error = child(propstat, 'error');
    result[status] = { props, ...(error ? { error: elements(error)[0]!.localName! } : {}) };
  }
  return result;
}

const update = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:A="${APPLE}" xmlns:C="urn:ietf:params:xml:ns:caldav">${body}</D:propertyupdate>`;
const find = `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:A="${APPLE}" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:displayname/><A:calendar-color/><A:calendar-order/><C:calendar-timezone/></D:prop></D:propfind>`;

const vtimezone = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n`;

// XML turns CRLF into LF (XML 1.0 §2.11), CDATA included: the zone comes back with LF line ends.
const kept = vtimezone.replaceAll('\r\n', '\n');

describeEachDatabase('CalDAV PROPPATCH', (server) => {
  let n = 0;
  async function user() {
    const username = `patch${++n}`;
    const u = await userWithAccount(server(), username);
    const basic = `Basic ${Buffer.from(`${username}:${u.token}`).toString('base64')}`;
    const calendar = `/dav/calendars/${username}/${parseGlobalId(u.account)!.id}/`;
    const dav = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
      const response = await fetch(server().origin + path, {
        method,
        headers: { authorization: basic, 'content-type': 'application/xml; charset=utf-8', ...headers },
        body,
      });
      return { status: response.status, text: await response.text() };
    };
    const patch = async (path: string, body: string) => {
      const response = await dav('PROPPATCH', path, update(body));
      expect(response.status).toBe(207);
      return propstats(response.text);
    };
    const props = async (path = calendar) => {
      const response = await dav('PROPFIND', path, find, { depth: '0' });
      expect(response.status).toBe(207);
      return propstats(response.text);
    };
    return { ...u, username, calendar, dav, patch, props };
  }

  it('keeps the colour, order, name and zone an app sets; PROPFIND and tsdav show them; remove takes them away', async () => {
    const u = await user();
    const initial = await u.props();
    expect(initial[404]!.props).toEqual({ 'calendar-color': '', 'calendar-order': '', 'calendar-timezone': '' });
    const accountName = initial[200]!.props.displayname;
    const set = `<D:set><D:prop><D:displayname>Work</D:displayname><A:calendar-color symbolic-color="custom">#FF2968FF</A:calendar-color>
      <A:calendar-order>3</A:calendar-order><C:calendar-timezone><![CDATA[${vtimezone}]]></C:calendar-timezone></D:prop></D:set>`;
    expect(await u.patch(u.calendar, set)).toEqual({
      200: { props: { displayname: '', 'calendar-color': '', 'calendar-order': '', 'calendar-timezone': '' } },
    });
    expect(await u.props()).toEqual({
      200: { props: { displayname: 'Work', 'calendar-color': '#FF2968FF', 'calendar-order': '3', 'calendar-timezone': kept } },
    });
    // tsdav lists the calendar under its new name and colour (Depth 1 on the home).
    const client = tsdavClient(server(), u.username, u.token);
    await client.login();
    const calendars = await client.fetchCalendars();
    expect(calendars.map((c) => [c.displayName, c.calendarColor])).toEqual([
      ['Work', '#FF2968FF'],
      ['Tasks', undefined],
    ]);
    // A property with elements inside comes back with them (and their attributes).
    const nested = '<X:links xmlns:X="urn:example"><D:href>/a</D:href><X:item kind="b">c</X:item></X:links>';
    expect(await u.patch(u.calendar, `<D:set><D:prop>${nested}</D:prop></D:set>`)).toEqual({ 200: { props: { links: '' } } });
    const links = await u.dav('PROPFIND', u.calendar, '<propfind xmlns="DAV:"><prop><links xmlns="urn:example"/></prop></propfind>', {
      depth: '0',
    });
    expect(links.text).toMatch(/<x\d+:links><d:href>\/a<\/d:href><x\d+:item kind="b">c<\/x\d+:item><\/x\d+:links>/);
    // allprop includes dead properties (RFC 4918 §9.1).
    const all = await u.dav('PROPFIND', u.calendar, undefined, { depth: '0' });
    expect(propstats(all.text)[200]!.props).toMatchObject({ displayname: 'Work', 'calendar-color': '#FF2968FF' });

    // Removing (one not set among them: not an error) and setting in document order.
    expect(
      await u.patch(
        u.calendar,
        `<D:remove><D:prop><D:displayname/><A:calendar-order/><A:never-set/></D:prop></D:remove><D:set><D:prop><A:calendar-order>5</A:calendar-order></D:prop></D:set>`,
      ),
    ).toEqual({ 200: { props: { displayname: '', 'calendar-order': '', 'never-set': '' } } });
    const after = await u.props();
    expect(after[200]!.props).toEqual({
      displayname: accountName,
      'calendar-color': '#FF2968FF',
      'calendar-order': '5',
      'calendar-timezone': kept,
    });
  });

  it("moves the calendar's CTag, not its sync token, when its name or colour changes, and only then", async () => {
    const u = await user();
    const stamps = async () => {
      const body = `<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/><D:sync-token/></D:prop></D:propfind>`;
      const { props } = propstats((await u.dav('PROPFIND', u.calendar, body, { depth: '0' })).text)[200]!;
      return { ctag: props.getctag!, token: props['sync-token']! };
    };
    const before = await stamps();
    expect(await stamps()).toEqual(before);
    await u.patch(u.calendar, '<D:set><D:prop><A:calendar-color>#FF2968FF</A:calendar-color></D:prop></D:set>');
    const coloured = await stamps();
    // Members did not change (RFC 6578): the sync token stays; the CTag Apple Calendar polls moves.
    expect(coloured.token).toBe(before.token);
    expect(coloured.ctag).not.toBe(before.ctag);
    // Refused: nothing stored, nothing moves.
    await u.patch(u.calendar, '<D:set><D:prop><A:calendar-color>#000000FF</A:calendar-color><D:getetag>"1"</D:getetag></D:prop></D:set>');
    expect(await stamps()).toEqual(coloured);
    await u.patch(u.calendar, '<D:set><D:prop><D:displayname>Work</D:displayname></D:prop></D:set>');
    const renamed = await stamps();
    expect(renamed.ctag).not.toBe(coloured.ctag);
    await u.patch(u.calendar, '<D:remove><D:prop><A:calendar-color/></D:prop></D:remove>');
    expect((await stamps()).ctag).not.toBe(renamed.ctag);
    // Tsdav, which compares CTags to decide whether to look again, sees the same one PROPFIND shows.
    const client = tsdavClient(server(), u.username, u.token);
    await client.login();
    const [calendar] = await client.fetchCalendars();
    expect(String(calendar!.ctag)).toBe((await stamps()).ctag);
    // A rename of the account through the API is a new name too.
    await u.patch(u.calendar, '<D:remove><D:prop><D:displayname/></D:prop></D:remove>');
    const unnamed = await stamps();
    const { identifier, provider } = dataOf(await u.gql('{ me { mainAccount { identifier provider } } }')).me.mainAccount;
    dataOf(
      await u.gql('mutation($input: ConnectAccountInput!) { connectAccount(input: $input) { id } }', {
        input: { identifier, provider, name: 'Renamed' },
      }),
    );
    const api = await stamps();
    expect(api.token).toBe(unnamed.token);
    expect(api.ctag).not.toBe(unnamed.ctag);
  });

  it('forgets what was set on a calendar when its account is disconnected through the API; connected again, it starts bare', async () => {
    const u = await user();
    const other = await user();
    const connect =
      'mutation { connectAccount(input: { provider: EXCHANGE, identifier: "room-forget@example.com", name: "Room" }) { id } }';
    const room = dataOf(await u.gql(connect)).connectAccount.id as string;
    dataOf(await other.gql(connect)); // shared: the account outlives u's disconnect, under the same id
    const calendar = `/dav/calendars/${u.username}/${parseGlobalId(room)!.id}/`;
    const set = '<D:set><D:prop><D:displayname>Mine</D:displayname><A:calendar-color>#FF2968FF</A:calendar-color></D:prop></D:set>';
    expect(await u.patch(calendar, set)).toEqual({ 200: { props: { displayname: '', 'calendar-color': '' } } });
    dataOf(await u.gql('mutation($id: ID!) { deleteAccount(id: $id) { id } }', { id: room }));
    expect((await u.dav('PROPPATCH', calendar, update(set))).status).toBe(404);
    expect(dataOf(await u.gql(connect)).connectAccount.id).toBe(room);
    const again = await u.props(calendar);
    expect(again[200]!.props.displayname).toBe('Room');
    expect(again[404]!.props).toHaveProperty('calendar-color');
  });

  it('fails the whole request on a protected property (403, the others 424) or a bad zone, and stores nothing', async () => {
    const u = await user();
    const before = await u.props();
    expect(
      await u.patch(
        u.calendar,
        `<D:set><D:prop><A:calendar-color>#000000FF</A:calendar-color><D:getetag>"1"</D:getetag><D:resourcetype/></D:prop></D:set>`,
      ),
    ).toEqual({
      403: { props: { getetag: '', resourcetype: '' }, error: 'cannot-modify-protected-property' },
      424: { props: { 'calendar-color': '' } },
    });
    expect(
      await u.patch(
        u.calendar,
        `<D:set><D:prop><A:calendar-color>#000000FF</A:calendar-color><D:sync-token>x</D:sync-token></D:prop></D:set>`,
      ),
    ).toMatchObject({ 403: { props: { 'sync-token': '' } }, 424: { props: { 'calendar-color': '' } } });
    expect(
      await u.patch(
        u.calendar,
        `<D:set><D:prop><D:displayname>x</D:displayname><C:calendar-timezone>not iCalendar</C:calendar-timezone></D:prop></D:set>`,
      ),
    ).toEqual({ 403: { props: { 'calendar-timezone': '' }, error: 'valid-calendar-data' }, 424: { props: { displayname: '' } } });
    expect(await u.props()).toEqual(before);
  });

  it('bounds what it keeps (507), answers 404 for other users, 400 for malformed bodies, 403 off collections', async () => {
    const u = await user();
    const other = await user();
    const long = `<D:set><D:prop><A:calendar-color>${'x'.repeat(40_000)}</A:calendar-color></D:prop></D:set>`;
    expect(await u.patch(u.calendar, long)).toEqual({ 507: { props: { 'calendar-color': '' } } });
    const many = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `<X:p${from + i} xmlns:X="urn:example">v</X:p${from + i}>`).join('');
    expect(Object.keys((await u.patch(u.calendar, `<D:set><D:prop>${many(0, 30)}</D:prop></D:set>`))[200]!.props)).toHaveLength(30);
    const over = await u.patch(u.calendar, `<D:set><D:prop>${many(30, 3)}</D:prop></D:set>`);
    expect(over).toEqual({ 507: { props: { p30: '', p31: '', p32: '' } } });
    // Replacing one that is kept still fits.
    expect(await u.patch(u.calendar, `<D:set><D:prop>${many(0, 1)}</D:prop></D:set>`)).toEqual({ 200: { props: { p0: '' } } });

    const set = update('<D:set><D:prop><D:displayname>mine</D:displayname></D:prop></D:set>');
    expect((await u.dav('PROPPATCH', other.calendar, set)).status).toBe(404);
    expect((await u.dav('PROPPATCH', u.calendar, '<D:propertyupdate xmlns:D="DAV:"><D:set>')).status).toBe(400);
    expect((await u.dav('PROPPATCH', u.calendar, '<D:propfind xmlns:D="DAV:"/>')).status).toBe(400);
    expect((await u.dav('PROPPATCH', u.calendar, update(''))).status).toBe(400);
    expect((await u.dav('PROPPATCH', `/dav/principals/${u.username}/`, set)).status).toBe(403);
    expect((await other.props())[200]!.props.displayname).not.toBe('mine');
  });
});
