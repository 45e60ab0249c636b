// GET (and HEAD) /feeds/cvf_<secret>.ics: a user's calendar feed as iCalendar (src/calendar/feeds.ts
// says what it holds, src/ical/export.ts how it is written). An unknown and a revoked secret get
// the same 404, so the answer never tells which. A strong ETag (the feed's version, read in one
// statement) lets a subscribed app ask again for almost nothing: If-None-Match with it is
// answered 304 without reading a single appointment, and only while nothing changed.
import { feedEvents, feedVersion, rdateHorizonOf, secretOfFile } from '../calendar/feeds.ts';
import { ErrorCode } from '../errors.ts';
import { calendarText } from '../ical/export.ts';
import { errorResponse, type Route, type RouteDeps } from './routes.ts';

const prefix = '/feeds/';

const unknownFeed = () => errorResponse(404, ErrorCode.NOT_FOUND, 'no calendar feed here');

async function calendarFeed(request: Request, { db }: RouteDeps): Promise<Response> {
  const secret = secretOfFile(new URL(request.url).pathname.slice(prefix.length));
  const version = secret ? await feedVersion(db.prisma, secret, new Date()) : null;
  if (!version) return unknownFeed();
  const headers = {
    etag: version.etag,
    'last-modified': version.lastModified.toUTCString(),
    // The URL is the credential: shared caches must not keep the calendar.
    'cache-control': 'private, no-cache',
  };
  const asked = request.headers.get('if-none-match');
  if (asked?.split(',').some((tag) => tag.trim() === version.etag)) return new Response(null, { status: 304, headers });
  const events = await feedEvents(db.prisma, version.userId, version.windowStart);
  const text = calendarText(events, { rdateHorizon: rdateHorizonOf(version.windowStart) });
  return new Response(text, { status: 200, headers: { ...headers, 'content-type': 'text/calendar; charset=utf-8' } });
}

export const calendarFeedRoutes: Route[] = [{ method: 'GET', path: `${prefix}*`, handler: calendarFeed }];
