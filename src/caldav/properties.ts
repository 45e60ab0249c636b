// The WebDAV properties of each kind of resource convene serves, as values to answer PROPFIND
// and sync-collection with. Pure: what was read in, properties out. A property a resource does
// not have is absent from its map, and answered in a 404 propstat.
import { createHash } from 'node:crypto';
import { type CalendarCollection, componentOf } from './collections.ts';
import type { PropValues } from './multistatus.ts';
import { type CollectionRef, homeHref, principalHref } from './paths.ts';
import { syncTokenOf } from './sync-collection.ts';
import { CALDAV, CALENDARSERVER, clark, DAV, davElement, element, type QName, type XmlElement } from './xml.ts';

type Value = XmlElement[] | string;

function props(entries: Array<[QName, Value]>): PropValues {
  return new Map(entries.map(([name, value]) => [clark(name), { name, value }]));
}

const dav = (name: string): QName => ({ ns: DAV, name });
const caldav = (name: string): QName => ({ ns: CALDAV, name });
const href = (value: string) => davElement('href', value);
const principalOf = (username: string): [QName, Value] => [dav('current-user-principal'), [href(principalHref(username))]];

export function rootProps(username: string): PropValues {
  return props([[dav('resourcetype'), [davElement('collection')]], [dav('displayname'), 'convene'], principalOf(username)]);
}

export function principalProps(user: { username: string; name: string | null }, addresses: string[]): PropValues {
  return props([
    [dav('resourcetype'), [davElement('principal')]],
    [dav('displayname'), user.name ?? user.username],
    [dav('principal-URL'), [href(principalHref(user.username))]],
    [caldav('calendar-home-set'), [href(homeHref(user.username))]],
    [caldav('calendar-user-address-set'), addresses.map((address) => href(`mailto:${address}`))],
    principalOf(user.username),
  ]);
}

export function homeProps(username: string): PropValues {
  return props([
    [dav('resourcetype'), [davElement('collection')]],
    [dav('displayname'), 'Calendars'],
    [dav('owner'), [href(principalHref(username))]],
    principalOf(username),
  ]);
}

const privilege = (name: string) => davElement('privilege', [davElement(name)]);
/** Calendars and the task list are written with PUT and DELETE. */
const privileges = ['read', 'read-current-user-privilege-set', 'write', 'write-content', 'bind', 'unbind'].map(privilege);

const report = (name: XmlElement) => davElement('supported-report', [davElement('report', [name])]);
const supportedReports = [
  report(davElement('sync-collection')),
  report(element(CALDAV, 'calendar-query')),
  report(element(CALDAV, 'calendar-multiget')),
];

/**
 * A calendar collection, with the properties its user set on it (PROPPATCH; a displayname set
 * replaces convene's). Its sync token is the user's feed head: it changes with every change of
 * the user's objects, this collection's members among them (RFC 6578 §3: the token stands for
 * the members; a client that sees a new one asks sync-collection what changed, which is cheap).
 * Its CTag is the head and a digest of what the collection shows of itself (its name and the
 * properties set on it), so Apple Calendar, which polls the CTag, sees a rename or a new colour
 * (PROPPATCH, another device, the account renamed through the API) as Radicale's collection
 * ETag does, without a feed entry that GraphQL sync clients would have to skip.
 */
export function collectionProps(username: string, collection: CalendarCollection, head: number, dead: PropValues = new Map()): PropValues {
  const live = props([
    [dav('resourcetype'), [davElement('collection'), element(CALDAV, 'calendar')]],
    [dav('displayname'), collection.displayName],
    [dav('sync-token'), syncTokenOf(head)],
    [dav('supported-report-set'), supportedReports],
    [caldav('supported-calendar-component-set'), [element(CALDAV, 'comp', [], { name: componentOf(collection.ref) })]],
    [dav('current-user-privilege-set'), privileges],
    [dav('owner'), [href(principalHref(username))]],
    principalOf(username),
  ]);
  const values: PropValues = new Map([...live, ...dead]);
  const own = [...values].filter(([key]) => key === clark(dav('displayname')) || dead.has(key)).sort(([a], [b]) => (a < b ? -1 : 1));
  const digest = createHash('sha256').update(JSON.stringify(own)).digest('base64url').slice(0, 16);
  values.set(clark(ctagName), { name: ctagName, value: `${head}-${digest}` });
  return values;
}

const ctagName: QName = { ns: CALENDARSERVER, name: 'getctag' };

export const calendarDataName = caldav('calendar-data');

/**
 * A calendar object resource: its ETag (the feed revision of its last change), content type
 * and, when it was read (it is asked for by name, never by allprop), its iCalendar text.
 */
export function memberProps(ref: CollectionRef, revision: number, calendarData?: string): PropValues {
  return props([
    [dav('resourcetype'), []],
    [dav('getetag'), etagOf(revision)],
    [dav('getcontenttype'), `text/calendar; charset=utf-8; component=${componentOf(ref)}`],
    ...(calendarData === undefined ? [] : [[calendarDataName, calendarData] as [QName, Value]]),
  ]);
}

export const etagOf = (revision: number) => `"${revision}"`;
