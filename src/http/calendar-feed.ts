// GET (and HEAD) /feeds/cvf_<secret>.ics: a user's calendar feed as iCalendar (src/calendar/feeds.ts
// says what it holds, src/ical/export.ts how it is written). An unknown and a revoked secret get
// the same 404, so the answer never tells which. A strong ETag (the feed's version, read in one
// statement) lets a subscribed app ask again for almost nothing: If-None-Match with it is
// answered 304 without reading a single appointment, and only while nothing changed.
//
// Many calendar apps poll without If-None-Match. The text of each feed version is kept (by
// user, with its ETag: the same ETag is the same text), up to CACHE_BYTES for all users, the
// least recently served dropped first; a change gives a new ETag, so a stale text is never served.
import { feedEvents, feedVersion, rdateHorizonOf, secretOfFile } from '../calendar/feeds.ts';
import { ErrorCode } from '../errors.ts';
import { calendarText } from '../ical/export.ts';
import { errorResponse, type Route, type RouteDeps } from './routes.ts';

const prefix = '/feeds/';
/** Feed texts kept per server (UTF-16 length, about the bytes of a mostly-ASCII text). */
const CACHE_BYTES = 64 * 2 ** 20;

const unknownFeed = () => errorResponse(404, ErrorCode.NOT_FOUND, 'no calendar feed here');

/** The feed route, with its own cache of feed texts. */
export function calendarFeedRoutes(): Route[] {
  const cache = new Map<string, { etag: string; text: string }>();
  let cached = 0;
  const keep = (userId: string, etag: string, text: string) => {
    const old = cache.get(userId);
    if (old) cached -= old.text.length;
    cache.delete(userId);
    cache.set(userId, { etag, text });
    cached += text.length;
    for (const [key, entry] of cache) {
      if (cached <= CACHE_BYTES) break;
      cache.delete(key);
      cached -= entry.text.length;
    }
  };

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
    const kept = cache.get(version.userId);
    let text = kept?.etag === version.etag ? kept.text : null;
    if (text === null) {
      const events = await feedEvents(db.prisma, version.userId, version.windowStart);
      text = calendarText(events, { rdateHorizon: rdateHorizonOf(version.windowStart) });
    }
    keep(version.userId, version.etag, text);
    return new Response(text, { status: 200, headers: { ...headers, 'content-type': 'text/calendar; charset=utf-8' } });
  }

  return [{ method: 'GET', path: `${prefix}*`, handler: calendarFeed }];
}
