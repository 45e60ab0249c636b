// REPORT calendar-query (RFC 4791 §7.8) and calendar-multiget (§7.9) on a calendar collection.
// Each reads the members it may answer in one or two statements (a time range: only those that
// may occur in it) and, when calendar-data or a filter needs it, their content in a few more
// (objects.ts): never one statement per member.
import type { Db } from '../db/database.ts';
import { type CalendarCollection, componentOf, type Member, members, membersIn } from './collections.ts';
import { answerForAll, passes } from './filters.ts';
import { batchesOf, type DavResponse } from './multistatus.ts';
import { boundsOf, type CalendarObject, loadObjects, memberValues } from './objects.ts';
import { namesCollection, objectHref, parseDavPath } from './paths.ts';
import { answer } from './propfind.ts';
import type { CalendarQueryRequest, RequestedProps } from './requests.ts';

type User = { id: string; username: string };

const asPropfind = (props: RequestedProps) =>
  props === 'all' ? { type: 'allprop' as const, include: [] } : { type: 'prop' as const, props };

/**
 * The members that pass the query's filter (filters.ts), in batches (multistatus.ts streams
 * them): which members pass is decided before the first batch, their properties and content
 * batch by batch. An initial sync through tsdav lists a calendar's hrefs with this report, a
 * 2.5 MB answer for 10,000 events (bench/README.md, "Initial sync").
 */
export async function calendarQuery(
  db: Db,
  user: User,
  collection: CalendarCollection,
  query: CalendarQueryRequest,
): Promise<AsyncIterable<DavResponse[]>> {
  const { ref } = collection;
  const component = componentOf(ref);
  const verdict = answerForAll(query.filter, component);
  let matching: Member[] = [];
  let objects: Map<string, CalendarObject> | null = null;
  if (verdict !== false) {
    // A time range on the members' component narrows the read to what may occur in it.
    const range = query.filter.comps.find((c) => c.name === component && c.timeRange)?.timeRange;
    const bounds = range && boundsOf(range);
    matching = bounds ? await membersIn(db, user.id, ref, bounds.from, bounds.to) : await members(db, user.id, ref);
    if (verdict === null) {
      const loaded = await loadObjects(
        db,
        user.id,
        ref,
        matching.map((m) => m.id),
      );
      matching = matching.filter((m) => {
        const object = loaded.get(m.id);
        return object !== undefined && passes(query.filter, object);
      });
      objects = loaded;
    }
  }
  return (async function* () {
    for (const batch of batchesOf(matching)) {
      const values = await memberValues(db, user.id, ref, batch, query.props, objects);
      yield values.map(([m, props]) => answer(objectHref(user.username, ref, m.name), props, asPropfind(query.props)));
    }
  })();
}

/**
 * The resources the hrefs name, in their order, in batches (multistatus.ts streams them); an
 * href of no member of this collection: a 404 response. Which members the hrefs name is read
 * before the first batch; their content batch by batch.
 */
export async function calendarMultiget(
  db: Db,
  user: User,
  collection: CalendarCollection,
  request: { props: RequestedProps; hrefs: string[] },
): Promise<AsyncIterable<DavResponse[]>> {
  const { ref } = collection;
  const nameOf = new Map<string, string>();
  for (const href of request.hrefs) {
    const resource = parseDavPath(pathOf(href));
    if (resource?.type === 'object' && resource.username === user.username && namesCollection(resource.segment, ref)) {
      nameOf.set(href, resource.name);
    }
  }
  const memberNamed = new Map((await members(db, user.id, ref, [...new Set(nameOf.values())])).map((m) => [m.name, m]));
  const memberOf = (href: string) => {
    const name = nameOf.get(href);
    return name === undefined ? undefined : memberNamed.get(name);
  };
  return (async function* () {
    for (const hrefs of batchesOf(request.hrefs)) {
      const found = [...new Set(hrefs.map(memberOf).filter((m) => m !== undefined))];
      const values = new Map((await memberValues(db, user.id, ref, found, request.props)).map(([m, props]) => [m.name, props]));
      yield hrefs.map((href) => {
        const name = nameOf.get(href);
        const props = name === undefined ? undefined : values.get(name);
        return props ? answer(href, props, asPropfind(request.props)) : { href, status: 404 };
      });
    }
  })();
}

/**
 * A path the URL parser gives back as it is: characters it never escapes or changes (no '%',
 * '\\', '?', '#'), no dot segment it would resolve. A 10,000-href multiget spent ~50 ms of the
 * server's CPU in `new URL` (bench/README.md, "Initial sync through tsdav").
 */
const plainPath = (href: string) => /^\/[\w\-.~!$&'()*+,;=:@/]*$/.test(href) && !/\/\.\.?(?:\/|$)/.test(href);

/** The path of an href (a client may send an absolute URL). */
function pathOf(href: string): string {
  if (plainPath(href)) return href;
  try {
    return new URL(href, 'http://host').pathname;
  } catch {
    return href;
  }
}
