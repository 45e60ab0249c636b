// Calendars made and deleted by calendar apps: MKCALENDAR (RFC 4791 §5.3.1), MKCOL (RFC 4918
// §9.3, extended by RFC 5689) and DELETE of a calendar collection.
//
// A calendar is an account (collections.ts), so making one in the user's home connects them to a
// new LOCAL account (not their main one) named after the body's displayname, or the segment.
// The account is reached at exactly the segment the client used (UserAccount.davName: Apple's
// upper-case UUID stays upper-case in every href). A plain MKCOL in the home makes a calendar
// too: the home holds nothing else. The properties the body sets are kept as PROPPATCH keeps
// them (proppatch.ts), in the same transaction; resourcetype (a collection, a calendar) and
// supported-calendar-component-set are what convene makes anyway, so they are checked, not kept:
// a set without VEVENT is refused (403 CALDAV:supported-calendar-component), since tasks live in
// tasks/; VEVENT with others is taken as VEVENT.
//
// DELETE removes such a calendar: the user is disconnected from the account (its appointments
// deleted, so the change feed has their tombstones) and what was set on it is removed. Other
// accounts (a provider's calendar, the main account) are disconnected through the API: 403.
import { randomUUID } from 'node:crypto';
import { connectAccount, disconnectAccount } from '../accounts/accounts.ts';
import { Provider } from '../generated/prisma/client.ts';
import { type RouteDeps, writeServices } from '../http/routes.ts';
import { runWrite } from '../write.ts';
import { type CalendarCollection, findCollection } from './collections.ts';
import { badResourceName } from './paths.ts';
import type { DavUser } from './propfind.ts';
import { lockDavProperties, type Outcome, propstatsOf, refusalsOf, storeProperties } from './proppatch.ts';
import { DavError, type PropertyUpdate } from './requests.ts';
import { CALDAV, childElements, clark, DAV, davElement, element, isElement, parseXml, writeXml } from './xml.ts';

const resourcetype = clark({ ns: DAV, name: 'resourcetype' });
const componentSet = clark({ ns: CALDAV, name: 'supported-calendar-component-set' });
const displayname = clark({ ns: DAV, name: 'displayname' });

/** Makes a calendar at this segment of the user's home (checked free by the caller, again under the lock). */
export async function makeCalendar(
  deps: RouteDeps,
  user: DavUser,
  method: 'MKCOL' | 'MKCALENDAR',
  segment: string,
  /** The properties its body sets (parseMkcol). */
  sets: Array<PropertyUpdate & { action: 'set' }>,
): Promise<Response> {
  const bad = badResourceName(segment);
  if (bad) throw new DavError(403, bad);
  // What convene makes anyway: checked here, never stored.
  const made = new Map<string, Outcome>();
  for (const set of sets) {
    const key = clark(set.name);
    if (key === resourcetype && !isCalendarType(set.xml)) made.set(key, { status: 403, error: { ns: DAV, name: 'valid-resourcetype' } });
    if (key === componentSet && !holdsEvents(set.xml))
      made.set(key, { status: 403, error: { ns: CALDAV, name: 'supported-calendar-component' } });
  }
  const kept = sets.filter((s) => clark(s.name) !== resourcetype && clark(s.name) !== componentSet);
  const named = kept.find((s) => clark(s.name) === displayname);
  const name = ((named ? parseXml(named.xml).textContent?.trim() : '') || segment).slice(0, 200);
  const provisional: CalendarCollection = { ref: { type: 'account', accountId: '', segment }, displayName: name };
  const refusals = new Map([...made, ...refusalsOf(user.username, provisional, kept)]);
  if (refusals.size) return failed(method, sets, refusals);

  await runWrite(writeServices(deps), { userId: user.id }, async (w) => {
    // Makes of one user take turns (storeProperties locks the same row), so the segment stays free.
    await lockDavProperties(w.tx, user.id);
    if (await findCollection(w.tx, user.id, segment)) throw new DavError(405, 'a collection with this name exists');
    // The identifier only has to be unique (so the link is new); the segment is kept on the link.
    const identifier = `caldav:${randomUUID()}`;
    const account = await connectAccount(w, { provider: Provider.LOCAL, identifier, name, main: false }, { davName: segment });
    const ref = { type: 'account', accountId: account.id, segment } as const;
    if ((await storeProperties(w.tx, user.id, ref, kept)).size) throw new DavError(507, 'a calendar keeps at most 32 properties');
  });
  return new Response(null, { status: 201, headers: { 'content-length': '0' } });
}

/** Deletes a calendar a client made; any other collection: 403. */
export async function deleteCalendar(deps: RouteDeps, user: DavUser, collection: CalendarCollection): Promise<Response> {
  const { ref } = collection;
  if (ref.type !== 'account') throw new DavError(403, 'the task list is not deleted');
  await runWrite(writeServices(deps), { userId: user.id }, async (w) => {
    const link = await w.tx.userAccount.findUnique({
      where: { userId_accountId: { userId: user.id, accountId: ref.accountId } },
      include: { account: { select: { provider: true } } },
    });
    if (link?.davName == null || link.account.provider !== Provider.LOCAL) {
      throw new DavError(403, 'only calendars made over CalDAV are deleted here: disconnect other accounts through the API');
    }
    // Its events and what was set on it go with it.
    await disconnectAccount(w, ref.accountId);
  });
  return new Response(null, { status: 204 });
}

/** RFC 4791 §5.3.1 / RFC 5689 §3: a refused make answers why, property by property, and makes nothing. */
function failed(method: 'MKCOL' | 'MKCALENDAR', sets: Parameters<typeof propstatsOf>[0], refusals: Map<string, Outcome>): Response {
  const root =
    method === 'MKCOL'
      ? davElement('mkcol-response', propstatsOf(sets, refusals))
      : element(CALDAV, 'mkcalendar-response', propstatsOf(sets, refusals));
  return new Response(writeXml(root), { status: 403, headers: { 'content-type': 'application/xml; charset=utf-8' } });
}

/** A resourcetype of a collection, and at most a calendar besides (RFC 5689 §3.3). */
function isCalendarType(xml: string): boolean {
  const types = childElements(parseXml(xml));
  return (
    types.some((t) => isElement(t, DAV, 'collection')) &&
    types.every((t) => isElement(t, DAV, 'collection') || isElement(t, CALDAV, 'calendar'))
  );
}

/** A supported-calendar-component-set naming VEVENT (RFC 4791 §5.2.3). */
function holdsEvents(xml: string): boolean {
  return childElements(parseXml(xml)).some((c) => isElement(c, CALDAV, 'comp') && c.getAttribute('name')?.toUpperCase() === 'VEVENT');
}
