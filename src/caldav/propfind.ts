// PROPFIND (RFC 4918 §9.1) on convene's resources, at Depth 0 or 1.
import type { Db } from '../db/database.ts';
import { type CalendarCollection, calendarUserAddresses, collectionsOf, feedPosition, type Member, members } from './collections.ts';
import { answerProps, type DavResponse, type PropValues } from './multistatus.ts';
import { memberValues } from './objects.ts';
import { collectionHref, davRoot, homeHref, objectHref, principalHref } from './paths.ts';
import { collectionProps, homeProps, principalProps, rootProps } from './properties.ts';
import { deadProperties } from './proppatch.ts';
import type { PropfindRequest, RequestedProps } from './requests.ts';

/** A resource of the signed-in user, found (its collection and membership checked by the handler). */
export type DavTarget =
  | { type: 'root' }
  | { type: 'principal' }
  | { type: 'home' }
  | { type: 'collection'; collection: CalendarCollection }
  | { type: 'object'; collection: CalendarCollection; member: Member };

export interface DavUser {
  id: string;
  /** The access token signed in with: its CalDAV writes carry a synchronization of their own. */
  tokenId: string;
  username: string;
  name: string | null;
  email: string;
}

export async function propfind(db: Db, user: DavUser, target: DavTarget, depth: 0 | 1, request: PropfindRequest): Promise<DavResponse[]> {
  const found = await resourcesOf(db, user, target, depth, request.type === 'prop' ? request.props : 'all');
  return found.map(([href, values]) => answer(href, values, request));
}

/** The target (and at Depth 1 its members) with their properties. */
async function resourcesOf(
  db: Db,
  user: DavUser,
  target: DavTarget,
  depth: 0 | 1,
  props: RequestedProps,
): Promise<Array<[string, PropValues]>> {
  const { username } = user;
  switch (target.type) {
    case 'root':
      return [[davRoot, rootProps(username)]];
    case 'principal':
      return [[principalHref(username), principalProps(user, await calendarUserAddresses(db, user.id, user.email))]];
    case 'home': {
      const home: [string, PropValues] = [homeHref(username), homeProps(username)];
      if (depth === 0) return [home];
      const [collections, { head }] = await Promise.all([collectionsOf(db, user.id), feedPosition(db, user.id)]);
      const dead = await deadProperties(
        db,
        user.id,
        collections.map((c) => c.ref),
      );
      return [
        home,
        ...collections.map((c): [string, PropValues] => [collectionHref(username, c.ref), collectionProps(username, c, head, dead(c.ref))]),
      ];
    }
    case 'collection': {
      const { collection } = target;
      const [{ head }, all, dead] = await Promise.all([
        feedPosition(db, user.id),
        depth === 1 ? members(db, user.id, collection.ref) : [],
        deadProperties(db, user.id, [collection.ref]),
      ]);
      const values = await memberValues(db, user.id, collection.ref, all, props);
      return [
        [collectionHref(username, collection.ref), collectionProps(username, collection, head, dead(collection.ref))],
        ...values.map(([m, v]): [string, PropValues] => [objectHref(username, collection.ref, m.name), v]),
      ];
    }
    case 'object': {
      const { collection, member } = target;
      return (await memberValues(db, user.id, collection.ref, [member], props)).map(([m, v]) => [
        objectHref(username, collection.ref, m.name),
        v,
      ]);
    }
  }
}

/** One resource's answer: the properties asked for (unknown ones in a 404 propstat), all of them, or their names. */
export function answer(href: string, values: PropValues, request: PropfindRequest): DavResponse {
  switch (request.type) {
    case 'prop':
      return answerProps(href, request.props, values);
    case 'allprop':
      return { href, found: [...values.values()].map(({ name, value }) => ({ name, value })), missing: [] };
    case 'propname':
      return { href, found: [...values.values()].map(({ name }) => ({ name, value: [] })), missing: [] };
  }
}
