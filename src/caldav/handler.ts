// The CalDAV route, /dav/*: authenticate, find the resource, dispatch on the method.
//
// Authentication: HTTP Basic with the username and an access token as the password (an app
// password: `convene token create --scopes CALENDAR`), or the token as a Bearer token. Without
// valid credentials: 401 with a Basic challenge, so calendar apps ask for a password; a token
// without the CALENDAR scope: 403. Another user's resources, and accounts the user is not
// connected to, are answered 404, as if they did not exist.
import { hasScope } from '../auth/authenticate.ts';
import { bearerToken } from '../auth/tokens.ts';
import type { Db } from '../db/database.ts';
import { Scope } from '../generated/prisma/client.ts';
import type { RouteContext, RouteDeps } from '../http/routes.ts';
import { findCollection, members } from './collections.ts';
import { deleteCalendar, makeCalendar } from './mkcalendar.ts';
import { davErrorResponse, multistatus, multistatusResponse, streamedMultistatusResponse } from './multistatus.ts';
import { loadObjects, objectText } from './objects.ts';
import { collectionHref, type DavResource, homeHref, parseDavPath } from './paths.ts';
import { etagOf } from './properties.ts';
import { type DavTarget, type DavUser, propfind } from './propfind.ts';
import { proppatch } from './proppatch.ts';
import { deleteObject, putObject } from './put.ts';
import { calendarMultiget, calendarQuery } from './reports.ts';
import { DavError, parseMkcol, parsePropfind, parseProppatch, parseReport, propfindDepth } from './requests.ts';
import { syncCollection } from './sync-collection.ts';
import { CALDAV, DAV } from './xml.ts';

const allowed = 'OPTIONS, PROPFIND, PROPPATCH, REPORT, GET, HEAD, PUT, DELETE, MKCOL, MKCALENDAR';
const challenge = { 'www-authenticate': 'Basic realm="convene", charset="UTF-8"' };

export async function davHandler(request: Request, deps: RouteDeps, context: RouteContext): Promise<Response> {
  try {
    return await answer(request, deps, context);
  } catch (error) {
    if (error instanceof DavError) return davErrorResponse(error, error.status === 401 ? challenge : {});
    throw error;
  }
}

/** `/.well-known/caldav` (RFC 6764 §5): where the CalDAV service is, for any method. */
export const wellKnownCaldav = () => new Response(null, { status: 301, headers: { location: '/dav/' } });

async function answer(request: Request, deps: RouteDeps, context: RouteContext): Promise<Response> {
  const pathname = new URL(request.url).pathname;
  const resource = parseDavPath(pathname);
  if (request.method === 'OPTIONS') {
    // Says what the server is before the client has credentials (RFC 4791 §5.1).
    return new Response(null, { status: 200, headers: { dav: '1, 3, calendar-access', allow: allowed, 'content-length': '0' } });
  }
  const user = await authenticate(request, deps);
  if (request.method === 'MKCOL' || request.method === 'MKCALENDAR') return make(request, deps, user, pathname);
  if (resource?.type === 'object' && (request.method === 'PUT' || request.method === 'DELETE')) {
    // The resource may not exist yet: its collection must be the user's.
    if (resource.username !== user.username) throw new DavError(404, 'no such collection');
    const collection = await findCollection(deps.db.prisma, user.id, resource.segment);
    // RFC 4918 §9.7.1: a PUT whose parent collection is missing is a conflict.
    if (!collection) throw new DavError(request.method === 'PUT' ? 409 : 404, 'no such collection');
    const write = request.method === 'PUT' ? putObject : deleteObject;
    return write({ deps, user, collection, name: resource.name, request });
  }
  if (!resource && request.method === 'PUT') throw noParent(user, pathname);
  const target = resource ? await find(deps, user, resource) : null;
  if (!target) throw new DavError(404, 'no such resource');
  const { prisma } = deps.db;
  switch (request.method) {
    case 'PROPFIND': {
      const depth = propfindDepth(request.headers.get('depth'));
      const parsed = parsePropfind(await request.text());
      return multistatusResponse(multistatus(await propfind(prisma, user, target, depth, parsed)));
    }
    case 'PROPPATCH': {
      // Calendars keep what apps set on them (name, colour, order, zone); the other resources are convene's own.
      if (target.type !== 'collection') throw new DavError(403, 'properties are set on calendar collections only');
      const updates = parseProppatch(await request.text());
      const href = collectionHref(user.username, target.collection.ref);
      return multistatusResponse(await proppatch(deps, user, target.collection, href, updates));
    }
    case 'REPORT': {
      const report = parseReport(await request.text());
      // A streamed answer that fails after its status went out: logged, and the connection cut.
      const abort = (error: unknown) => {
        deps.logger.error(`REPORT ${pathname} failed while answering`, error);
        context.req.socket.destroy();
      };
      if (target.type === 'collection' && report.type === 'calendar-query') {
        return streamedMultistatusResponse(await calendarQuery(prisma, user, target.collection, report), undefined, abort);
      }
      if (target.type === 'collection' && report.type === 'calendar-multiget') {
        return streamedMultistatusResponse(await calendarMultiget(prisma, user, target.collection, report), undefined, abort);
      }
      if (report.type !== 'sync-collection' || target.type !== 'collection') {
        throw new DavError(403, 'this report is not supported on this resource', { ns: DAV, name: 'supported-report' });
      }
      // RFC 6578 §3.2 defines the report for Depth: 0 (the scope is DAV:sync-level), but
      // python-caldav sends Depth: 1 with it; both mean the same here. Others are refused.
      const depth = request.headers.get('depth')?.trim() ?? '0';
      if (depth !== '0' && depth !== '1') throw new DavError(400, 'sync-collection is defined for Depth: 0 (RFC 6578 §3.2)');
      const ref = target.collection.ref;
      const result = await syncCollection(prisma, user, { ref, href: collectionHref(user.username, ref) }, report);
      return streamedMultistatusResponse(result.responses, result.syncToken, abort);
    }
    case 'GET':
    case 'HEAD':
      return getObject(prisma, user, target, request.method === 'HEAD');
    case 'DELETE':
      if (target.type !== 'collection') break;
      return deleteCalendar(deps, user, target.collection);
  }
  return notAllowed(request.method);
}

/** 405, where a resource exists that the method does not apply to (RFC 9110 §15.5.6: with Allow). */
const notAllowed = (method: string) => new Response(`${method} is not allowed here\n`, { status: 405, headers: { allow: allowed } });

/**
 * MKCOL and MKCALENDAR: a calendar at a free segment of the user's home (mkcalendar.ts). A body
 * that is not theirs: 415, first (RFC 4918 §9.3). Where something is: 405 (§9.3.1); inside a
 * calendar: 403, calendars hold no collections (RFC 4791 §4.2, the
 * CALDAV:calendar-collection-location-ok precondition); under a collection that does not exist
 * (any path deeper than a calendar's members): 409; another user's: 404.
 */
async function make(request: Request, deps: RouteDeps, user: DavUser, pathname: string): Promise<Response> {
  const method = request.method as 'MKCOL' | 'MKCALENDAR';
  const sets = parseMkcol(method, await request.text());
  const resource = parseDavPath(pathname);
  if (!resource) throw noParent(user, pathname);
  if (resource.type === 'root' || resource.type === 'principal' || resource.type === 'home') {
    if (resource.type === 'home' && resource.username !== user.username) throw new DavError(404, 'no such resource');
    return notAllowed(method);
  }
  if (resource.username !== user.username) throw new DavError(404, 'no such resource');
  const collection = await findCollection(deps.db.prisma, user.id, resource.segment);
  if (resource.type === 'collection') {
    if (collection) return notAllowed(method);
    return makeCalendar(deps, user, method, resource.segment, sets);
  }
  if (!collection) throw new DavError(409, 'the collection to make it in does not exist');
  const [member] = await members(deps.db.prisma, user.id, collection.ref, [resource.name]);
  if (member) return notAllowed(method);
  throw new DavError(403, 'calendars hold calendar objects, not collections', { ns: CALDAV, name: 'calendar-collection-location-ok' });
}

/**
 * A PUT or make at a path convene does not serve: under the user's home its parent collection
 * does not exist (deeper than a calendar's members), a conflict (RFC 4918 §9.3.1, §9.7.1);
 * anywhere else, nothing is there (404).
 */
function noParent(user: DavUser, pathname: string): DavError {
  if (pathname.startsWith(homeHref(user.username))) return new DavError(409, 'the collection to put it in does not exist');
  return new DavError(404, 'no such resource');
}

/** A calendar object's iCalendar text, with its ETag (the getetag its PROPFIND and reports show). */
async function getObject(db: Db, user: DavUser, target: DavTarget, head: boolean): Promise<Response> {
  if (target.type !== 'object') {
    return new Response('GET is served for calendar objects (.ics); use PROPFIND or REPORT on collections\n', {
      status: 405,
      headers: { allow: 'OPTIONS, PROPFIND, REPORT' },
    });
  }
  const { ref } = target.collection;
  const object = (await loadObjects(db, user.id, ref, [target.member.id])).get(target.member.id);
  if (!object) throw new DavError(404, 'no such resource');
  const text = objectText(object);
  const headers = {
    'content-type': 'text/calendar; charset=utf-8',
    etag: etagOf(target.member.revision),
    'content-length': String(Buffer.byteLength(text)),
  };
  return new Response(head ? null : text, { status: 200, headers });
}

/** The user the request's credentials name, with the CALENDAR scope; else a 401 or 403 DavError. */
async function authenticate(request: Request, deps: RouteDeps): Promise<DavUser> {
  const authorization = request.headers.get('authorization');
  const basic = basicCredentials(authorization);
  const auth = await deps.authenticator.authenticate(basic?.password ?? bearerToken(authorization));
  const principal = auth.principal;
  // The username must be the token's owner: a token is never a password for someone else.
  if (!principal || (basic && basic.username !== principal.user.username)) {
    throw new DavError(401, 'sign in with your username and an app password (an access token with the CALENDAR scope)');
  }
  if (!hasScope(auth, Scope.CALENDAR)) throw new DavError(403, 'this access token does not have the CALENDAR scope');
  return { ...principal.user, tokenId: principal.tokenId };
}

function basicCredentials(authorization: string | null): { username: string; password: string } | null {
  const match = authorization ? /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The resource as the signed-in user's, or null when it is not theirs (404). */
async function find({ db }: RouteDeps, user: DavUser, resource: DavResource): Promise<DavTarget | null> {
  if (resource.type === 'root') return resource;
  if (resource.username !== user.username) return null;
  if (resource.type === 'principal' || resource.type === 'home') return { type: resource.type };
  const collection = await findCollection(db.prisma, user.id, resource.segment);
  if (!collection) return null;
  if (resource.type === 'collection') return { type: 'collection', collection };
  const [member] = await members(db.prisma, user.id, collection.ref, [resource.name]);
  return member ? { type: 'object', collection, member } : null;
}
