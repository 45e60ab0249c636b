// The CalDAV namespace under /dav/, href <-> resource. Pure.
//
//   /dav/                                       the root (current-user-principal)
//   /dav/principals/<username>/                 a user's principal
//   /dav/calendars/<username>/                  their calendar home
//   /dav/calendars/<username>/<account id>/     one calendar per account they are connected to (VEVENT)
//   /dav/calendars/<username>/tasks/            their task list (VTODO)
//   /dav/calendars/<username>/<collection>/<object id>.ics   an appointment, meeting or task
import { isUuid } from '../ids.ts';

export const davRoot = '/dav/';

/** A calendar collection: one account's events, or the task list. */
export type CollectionRef = { type: 'account'; accountId: string } | { type: 'tasks' };

export type DavResource =
  | { type: 'root' }
  | { type: 'principal'; username: string }
  | { type: 'home'; username: string }
  | { type: 'collection'; username: string; collection: CollectionRef }
  | { type: 'object'; username: string; collection: CollectionRef; objectId: string };

const tasksSegment = 'tasks';

/** The resource a request path names, or null when it names none (404). Trailing slashes are optional. */
export function parseDavPath(pathname: string): DavResource | null {
  if (!pathname.startsWith(davRoot) && pathname !== '/dav') return null;
  let segments: string[];
  try {
    segments = pathname.slice(davRoot.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null; // a malformed %-escape
  }
  const [area, username, collection, object, ...rest] = segments;
  if (rest.length) return null;
  if (!area) return { type: 'root' };
  if (!username) return null;
  if (area === 'principals') return collection ? null : { type: 'principal', username };
  if (area !== 'calendars') return null;
  if (!collection) return { type: 'home', username };
  const ref: CollectionRef | null =
    collection === tasksSegment ? { type: 'tasks' } : isUuid(collection) ? { type: 'account', accountId: collection.toLowerCase() } : null;
  if (!ref) return null;
  if (!object) return { type: 'collection', username, collection: ref };
  const objectId = object.endsWith('.ics') ? object.slice(0, -'.ics'.length) : '';
  return isUuid(objectId) ? { type: 'object', username, collection: ref, objectId: objectId.toLowerCase() } : null;
}

const segment = (s: string) => encodeURIComponent(s);

export const principalHref = (username: string) => `${davRoot}principals/${segment(username)}/`;
export const homeHref = (username: string) => `${davRoot}calendars/${segment(username)}/`;
export const collectionHref = (username: string, collection: CollectionRef) =>
  `${homeHref(username)}${collection.type === 'tasks' ? tasksSegment : collection.accountId}/`;
export const objectHref = (username: string, collection: CollectionRef, objectId: string) =>
  `${collectionHref(username, collection)}${objectId}.ics`;

/** The href of a resource, as convene writes it (collections with a trailing slash). */
export function hrefOf(resource: DavResource): string {
  switch (resource.type) {
    case 'root':
      return davRoot;
    case 'principal':
      return principalHref(resource.username);
    case 'home':
      return homeHref(resource.username);
    case 'collection':
      return collectionHref(resource.username, resource.collection);
    case 'object':
      return objectHref(resource.username, resource.collection, resource.objectId);
  }
}
