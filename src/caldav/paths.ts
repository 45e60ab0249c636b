// The CalDAV namespace under /dav/, href <-> resource. Pure.
//
//   /dav/                                       the root (current-user-principal)
//   /dav/principals/<username>/                 a user's principal
//   /dav/calendars/<username>/                  their calendar home
//   /dav/calendars/<username>/<account id>/     one calendar per account they are connected to (VEVENT)
//   /dav/calendars/<username>/<segment>/        a calendar a client made (MKCALENDAR): under the segment it chose
//   /dav/calendars/<username>/tasks/            their task list (VTODO)
//   /dav/calendars/<username>/<collection>/<name>           an appointment, meeting or task
//
// A collection's segment is resolved against the user's collections (collections.ts
// findCollection): the path alone does not say which account it is.
// A member's name is the one its client created it under, exactly (Apple Calendar's upper-case
// `ABCD….ics`, `20261202T101500Z-123@host.ics`, `my event.ics`), or `<id>.ics` for what was made
// through the API: clients match the hrefs they see against those they wrote, byte for byte.
// Hrefs carry it percent-encoded (writeSegment), requests are decoded before lookup.
import { isUuid } from '../ids.ts';

export const davRoot = '/dav/';

/**
 * A calendar collection: one account's events, or the task list. `segment`: its path segment,
 * the account id, or for a calendar a client made, the segment it chose (UserAccount.davName).
 */
export type CollectionRef = { type: 'account'; accountId: string; segment: string } | { type: 'tasks' };

export type DavResource =
  | { type: 'root' }
  | { type: 'principal'; username: string }
  | { type: 'home'; username: string }
  | { type: 'collection'; username: string; segment: string }
  | { type: 'object'; username: string; segment: string; name: string };

export const tasksSegment = 'tasks';

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
  if (!object) return { type: 'collection', username, segment: collection };
  return { type: 'object', username, segment: collection, name: object };
}

/** Why a client may not create a resource under this (decoded) name, or null when it may. */
export function badResourceName(name: string): string | null {
  if (name.includes('/')) return 'a resource name is one path segment: no "/" (%2F)';
  if (Buffer.byteLength(name) > 255) return 'a resource name is at most 255 bytes';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a resource name has no control characters';
  return null;
}

/** The name of a member made through the API (or named after its id): `<id>.ics`. */
export const defaultName = (id: string) => `${id}.ics`;

/** The object id a name stands for when it is `<id>.ics` as convene writes it (a lower-case UUID), else null. */
export function idOfDefaultName(name: string): string | null {
  const id = name.endsWith('.ics') ? name.slice(0, -'.ics'.length) : '';
  return isUuid(id) && id === id.toLowerCase() ? id : null;
}

/** The id a client's new resource gets: the UUID its name is made of (any case), else a new one (null). */
export function idForName(name: string): string | null {
  const id = name.endsWith('.ics') ? name.slice(0, -'.ics'.length) : '';
  return isUuid(id) ? id.toLowerCase() : null;
}

const segment = (s: string) => encodeURIComponent(s);

/**
 * A resource name in an href: percent-encoded as encodeURIComponent does, except "@" (a pchar of
 * RFC 3986, left as clients write it in names such as `<stamp>-123@host.ics`).
 */
const writeSegment = (name: string) => encodeURIComponent(name).replaceAll('%40', '@');

export const principalHref = (username: string) => `${davRoot}principals/${segment(username)}/`;
export const homeHref = (username: string) => `${davRoot}calendars/${segment(username)}/`;
const segmentOf = (collection: CollectionRef) => (collection.type === 'tasks' ? tasksSegment : collection.segment);

/**
 * Whether a path segment names this collection: its own segment, or an account id in any case
 * (an id segment has always been read case-insensitively).
 */
export const namesCollection = (segment: string, collection: CollectionRef) =>
  segment === segmentOf(collection) ||
  (collection.type === 'account' && collection.segment === collection.accountId && segment.toLowerCase() === collection.accountId);

const collectionHrefOf = (username: string, segment: string) => `${homeHref(username)}${writeSegment(segment)}/`;
export const collectionHref = (username: string, collection: CollectionRef) => collectionHrefOf(username, segmentOf(collection));
export const objectHref = (username: string, collection: CollectionRef, name: string) =>
  `${collectionHref(username, collection)}${writeSegment(name)}`;

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
      return collectionHrefOf(resource.username, resource.segment);
    case 'object':
      return `${collectionHrefOf(resource.username, resource.segment)}${writeSegment(resource.name)}`;
  }
}
