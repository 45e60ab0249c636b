// PROPPATCH (RFC 4918 §9.2) on calendar collections, and the dead properties it keeps.
//
// Calendar apps set a calendar's name, colour, order, description and zone with PROPPATCH
// (DAV:displayname, Apple's calendar-color and calendar-order, CALDAV:calendar-description and
// calendar-timezone). convene keeps what a user sets on their own collection as dead properties
// (DavProperty: the property element as the client sent it) and answers them in PROPFIND,
// allprop included; a displayname set this way is shown instead of the account's name.
//
// - All or nothing (§9.2): a property convene computes (resourcetype, getetag, sync-token,
//   getctag, supported-calendar-component-set, ...) is answered 403 with
//   DAV:cannot-modify-protected-property, a calendar-timezone that is not one VTIMEZONE in a
//   VCALENDAR 403 CALDAV:valid-calendar-data (RFC 4791 §5.2.2), and then every other property
//   424 Failed Dependency, and nothing is stored. Removing a property that is not there succeeds.
// - Bounded: a property's XML is at most maxPropertyLength characters and a collection holds at
//   most maxProperties of them; past either, 507 Insufficient Storage for the properties that
//   do not fit (§9.2.1), 424 for the others.
// - The instructions apply in document order, in one transaction that first locks the user's
//   row, so concurrent PROPPATCHes of one user cannot both pass the count.
import ICAL from 'ical.js';
import type { Db, Tx } from '../db/database.ts';
import { type RouteDeps, writeServices } from '../http/routes.ts';
import { runWrite } from '../write.ts';
import type { CalendarCollection } from './collections.ts';
import { type PropValues, statusLine } from './multistatus.ts';
import type { CollectionRef } from './paths.ts';
import { collectionProps } from './properties.ts';
import type { DavUser } from './propfind.ts';
import { DavError, type PropertyUpdate } from './requests.ts';
import { CALDAV, childElements, clark, DAV, davElement, element, parseXml, type QName, writeXml, type XmlElement } from './xml.ts';

/** The longest property convene keeps, as XML: room for a VTIMEZONE with its full history. */
export const maxPropertyLength = 32_768;
/** The most dead properties one collection holds. */
export const maxProperties = 32;

/** Properties a client sets, though convene has a value of its own for them. */
const writable = new Set([clark({ ns: DAV, name: 'displayname' })]);

/** Live properties of WebDAV, CalDAV and CalendarServer that convene does not compute, but that are never dead either. */
const alsoProtected = [
  ...['creationdate', 'getcontentlength', 'getcontenttype', 'getetag', 'getlastmodified', 'lockdiscovery', 'supportedlock'].map((name) => ({
    ns: DAV,
    name,
  })),
  ...['principal-URL', 'acl', 'acl-restrictions', 'current-user-principal', 'owner', 'group', 'supported-privilege-set'].map((name) => ({
    ns: DAV,
    name,
  })),
  ...['supported-calendar-data', 'max-resource-size', 'min-date-time', 'max-date-time', 'max-instances', 'max-attendees-per-instance'].map(
    (name) => ({ ns: CALDAV, name }),
  ),
].map(clark);

/** The key of a collection in DavProperty: its account id, or "tasks". */
const collectionKey = (ref: CollectionRef) => (ref.type === 'tasks' ? 'tasks' : ref.accountId);

/** A property's answer in the multistatus: its status and, for a refusal, the precondition. */
export interface Outcome {
  status: number;
  error?: QName;
}

export async function proppatch(
  deps: RouteDeps,
  user: DavUser,
  collection: CalendarCollection,
  href: string,
  updates: PropertyUpdate[],
): Promise<string> {
  const refusals = refusalsOf(user.username, collection, updates);
  const outcomes = refusals.size
    ? refusals
    : await runWrite(writeServices(deps), { userId: user.id }, ({ tx }) => storeProperties(tx, user.id, collection.ref, updates));
  return writeXml(davElement('multistatus', [davElement('response', [davElement('href', href), ...propstatsOf(updates, outcomes)])]));
}

/** The properties that may not be set or removed so, with their outcome (protected, too long, not a zone). */
export function refusalsOf(username: string, collection: CalendarCollection, updates: PropertyUpdate[]): Map<string, Outcome> {
  const live = collectionProps(username, collection, 0);
  const refusals = new Map<string, Outcome>();
  for (const update of updates) {
    const key = clark(update.name);
    if ((live.has(key) && !writable.has(key)) || alsoProtected.includes(key)) {
      refusals.set(key, { status: 403, error: { ns: DAV, name: 'cannot-modify-protected-property' } });
    } else if (update.action === 'set' && update.xml.length > maxPropertyLength) {
      refusals.set(key, { status: 507 });
    } else if (update.action === 'set' && key === clark({ ns: CALDAV, name: 'calendar-timezone' }) && !isOneTimezone(update.xml)) {
      refusals.set(key, { status: 403, error: { ns: CALDAV, name: 'valid-calendar-data' } });
    }
  }
  return refusals;
}

/** Writes of a user's dead properties (and the calendars they make) take turns on the user's row. */
export async function lockDavProperties(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
}

/**
 * Applies the updates (refusalsOf passed) in the write's transaction, after locking the user's
 * row; the properties that would be new but do not fit: 507, and nothing stored.
 */
export async function storeProperties(
  tx: Tx,
  userId: string,
  ref: CollectionRef,
  updates: PropertyUpdate[],
): Promise<Map<string, Outcome>> {
  const collectionId = collectionKey(ref);
  await lockDavProperties(tx, userId);
  if (ref.type === 'account') {
    // The link held until commit: a disconnect (which forgets these properties) waits, or went first and nothing is kept.
    const [link] = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "UserAccount" WHERE "userId" = ${userId}::uuid AND "accountId" = ${ref.accountId}::uuid FOR SHARE`;
    if (!link) throw new DavError(404, 'no such collection');
  }
  const stored = await tx.davProperty.findMany({
    where: { userId, collection: collectionId },
    select: { namespace: true, name: true },
  });
  const final = new Map<string, PropertyUpdate>();
  for (const update of updates) final.set(clark(update.name), update);
  const storedKeys = new Set(stored.map((p) => clark({ ns: p.namespace, name: p.name })));
  const kept = new Set(storedKeys);
  for (const [key, update] of final) {
    if (update.action === 'set') kept.add(key);
    else kept.delete(key);
  }
  if (kept.size > maxProperties) {
    // The properties that would be new do not fit.
    const fresh = [...final].filter(([key, u]) => u.action === 'set' && !storedKeys.has(key));
    return new Map<string, Outcome>(fresh.map(([key]) => [key, { status: 507 }]));
  }
  for (const update of final.values()) {
    const where = { userId, collection: collectionId, namespace: update.name.ns, name: update.name.name };
    if (update.action === 'remove') await tx.davProperty.deleteMany({ where });
    else
      await tx.davProperty.upsert({
        where: { userId_collection_namespace_name: where },
        create: { ...where, xml: update.xml },
        update: { xml: update.xml },
      });
  }
  return new Map<string, Outcome>();
}

/** RFC 4791 §5.2.2: a calendar-timezone is a VCALENDAR with exactly one VTIMEZONE. */
function isOneTimezone(xml: string): boolean {
  try {
    const calendar = new ICAL.Component(ICAL.parse(parseXml(xml).textContent ?? ''));
    return calendar.name === 'vcalendar' && calendar.getAllSubcomponents('vtimezone').length === 1;
  } catch {
    return false;
  }
}

/** The propstats of an answer: each property once, with its outcome; without refusals all 200, else the others 424. */
export function propstatsOf(updates: PropertyUpdate[], refusals: Map<string, Outcome>): XmlElement[] {
  const names = new Map(updates.map((u) => [clark(u.name), u.name]));
  const groups = new Map<string, { outcome: Outcome; names: QName[] }>();
  for (const [key, name] of names) {
    const outcome = refusals.get(key) ?? { status: refusals.size ? 424 : 200 };
    const group = `${outcome.status} ${outcome.error ? clark(outcome.error) : ''}`;
    if (!groups.has(group)) groups.set(group, { outcome, names: [] });
    groups.get(group)!.names.push(name);
  }
  return [...groups.values()].map(({ outcome, names }) =>
    davElement('propstat', [
      davElement(
        'prop',
        names.map((name) => element(name.ns, name.name)),
      ),
      davElement('status', statusLine(outcome.status)),
      ...(outcome.error ? [davElement('error', [element(outcome.error.ns, outcome.error.name)])] : []),
    ]),
  );
}

/** The dead properties of the user's collections, by collection, as PROPFIND answers them. */
export async function deadProperties(db: Db, userId: string, refs: CollectionRef[]): Promise<(ref: CollectionRef) => PropValues> {
  const rows = await db.davProperty.findMany({ where: { userId, collection: { in: refs.map(collectionKey) } } });
  const byCollection = new Map<string, PropValues>();
  for (const row of rows) {
    const name = { ns: row.namespace, name: row.name };
    if (!byCollection.has(row.collection)) byCollection.set(row.collection, new Map());
    byCollection.get(row.collection)!.set(clark(name), { name, value: contentOf(parseXml(row.xml)) });
  }
  return (ref) => byCollection.get(collectionKey(ref)) ?? new Map();
}

type Element = ReturnType<typeof parseXml>;

/**
 * A stored property's content: its child elements (with their attributes and text), or its
 * text. Attributes of the property element itself are kept in the table but not answered:
 * PROPFIND writes the property element afresh.
 */
function contentOf(el: Element): XmlElement[] | string {
  const children = childElements(el);
  if (!children.length) return el.textContent ?? '';
  return children.map((child) => {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < child.attributes.length; i++) {
      const attribute = child.attributes.item(i)!;
      if (!attribute.namespaceURI) attributes[attribute.name] = attribute.value;
    }
    return element(child.namespaceURI ?? '', child.localName ?? child.nodeName, contentOf(child), attributes);
  });
}
