// WebDAV request bodies as typed requests: PROPFIND (RFC 4918 §9.1) and REPORT (RFC 4791 §7,
// RFC 6578 §3.2). Pure: text in, a request or a DavError out.
import type { TimeRange } from './objects.ts';
import { CALDAV, childElement, childElements, DAV, isElement, MalformedXml, nameOf, parseXml, type QName } from './xml.ts';

/** A refusal with its HTTP status and, where WebDAV defines one, the precondition element (RFC 4918 §16). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly precondition: QName | null = null,
    /** The resource a precondition names (no-uid-conflict: the one holding the UID). */
    readonly href: string | null = null,
  ) {
    super(message);
  }
}

export type PropfindRequest = { type: 'prop'; props: QName[] } | { type: 'allprop'; include: QName[] } | { type: 'propname' };

export type ReportRequest =
  | { type: 'sync-collection'; syncToken: string; syncLevel: '1' | 'infinite'; limit: number | null; props: QName[] }
  | CalendarQueryRequest
  | { type: 'calendar-multiget'; props: RequestedProps; hrefs: string[] }
  | { type: 'unknown'; name: QName };

/** The properties a report asks for: named ones, or (DAV:allprop) all of them. */
export type RequestedProps = QName[] | 'all';

/** RFC 4791 §7.8: members whose component (VEVENT, VTODO, ...) matches, with an occurrence in the time range. */
export interface CalendarQueryRequest {
  type: 'calendar-query';
  props: RequestedProps;
  /** The component asked for (null: any). */
  component: string | null;
  timeRange: TimeRange | null;
}

function parseBody(text: string) {
  try {
    return parseXml(text);
  } catch (error) {
    if (error instanceof MalformedXml) throw new DavError(400, `the request body is not well-formed XML: ${error.message}`);
    throw error;
  }
}

const propNames = (prop: Element) => childElements(prop).map(nameOf);

type Element = ReturnType<typeof parseXml>;

/** A PROPFIND body; an empty one asks for allprop (RFC 4918 §9.1). */
export function parsePropfind(text: string): PropfindRequest {
  if (!text.trim()) return { type: 'allprop', include: [] };
  const root = parseBody(text);
  if (!isElement(root, DAV, 'propfind')) throw new DavError(400, 'the body of a PROPFIND is a DAV:propfind element');
  const prop = childElement(root, DAV, 'prop');
  if (prop) return { type: 'prop', props: propNames(prop) };
  if (childElement(root, DAV, 'propname')) return { type: 'propname' };
  if (childElement(root, DAV, 'allprop')) {
    const include = childElement(root, DAV, 'include');
    return { type: 'allprop', include: include ? propNames(include) : [] };
  }
  throw new DavError(400, 'DAV:propfind holds DAV:prop, DAV:propname or DAV:allprop');
}

/** A REPORT body. */
export function parseReport(text: string): ReportRequest {
  const root = parseBody(text);
  if (isElement(root, DAV, 'sync-collection')) return parseSyncCollection(root);
  if (isElement(root, CALDAV, 'calendar-query')) return parseCalendarQuery(root);
  if (isElement(root, CALDAV, 'calendar-multiget')) return parseMultiget(root);
  return { type: 'unknown', name: nameOf(root) };
}

/** RFC 6578 §6.1: sync-token (empty: an initial sync), sync-level, optional limit, prop. */
function parseSyncCollection(root: Element): ReportRequest {
  const token = childElement(root, DAV, 'sync-token');
  if (!token) throw new DavError(400, 'DAV:sync-collection needs a DAV:sync-token (empty for an initial sync)');
  const level = childElement(root, DAV, 'sync-level')?.textContent?.trim();
  if (level !== '1' && level !== 'infinite') throw new DavError(400, 'DAV:sync-level is 1 or infinite');
  const prop = childElement(root, DAV, 'prop');
  if (!prop) throw new DavError(400, 'DAV:sync-collection needs a DAV:prop');
  return {
    type: 'sync-collection',
    syncToken: token.textContent?.trim() ?? '',
    syncLevel: level,
    limit: parseLimit(root),
    props: propNames(prop),
  };
}

/** DAV:prop, or DAV:allprop (RFC 4791 §7.8 and §7.9 take either; none: all). */
function requestedProps(root: Element): RequestedProps {
  const prop = childElement(root, DAV, 'prop');
  return prop ? propNames(prop) : 'all';
}

/** RFC 4791 §7.9: the properties, and the hrefs of the resources. */
function parseMultiget(root: Element): ReportRequest {
  const hrefs = childElements(root)
    .filter((el) => isElement(el, DAV, 'href'))
    .map((el) => el.textContent?.trim() ?? '');
  if (!hrefs.length) throw new DavError(400, 'CALDAV:calendar-multiget names at least one DAV:href');
  return { type: 'calendar-multiget', props: requestedProps(root), hrefs };
}

const unsupportedFilter = (what: string) =>
  new DavError(403, `this filter is not supported: ${what}`, { ns: CALDAV, name: 'supported-filter' });
const invalidFilter = (what: string) => new DavError(403, `the filter is not valid: ${what}`, { ns: CALDAV, name: 'valid-filter' });

/**
 * RFC 4791 §7.8: CALDAV:filter is one comp-filter of VCALENDAR, holding at most one comp-filter
 * (VEVENT, VTODO, ...) which may hold a time-range. Property and parameter filters, is-not-defined
 * and filters on nested components (VALARM) are answered 403 CALDAV:supported-filter: the client
 * asks again without them (RFC 4791 §7.7), rather than getting a wrong answer.
 */
function parseCalendarQuery(root: Element): CalendarQueryRequest {
  const filter = childElement(root, CALDAV, 'filter');
  if (!filter) throw invalidFilter('CALDAV:calendar-query holds a CALDAV:filter');
  const [calendar, ...others] = childElements(filter);
  if (!calendar || others.length || !isElement(calendar, CALDAV, 'comp-filter') || calendar.getAttribute('name') !== 'VCALENDAR') {
    throw invalidFilter('CALDAV:filter holds one comp-filter, of VCALENDAR');
  }
  const query: CalendarQueryRequest = { type: 'calendar-query', props: requestedProps(root), component: null, timeRange: null };
  const inner = childElements(calendar);
  if (!inner.length) return query;
  const [component, ...more] = inner;
  if (more.length || !isElement(component!, CALDAV, 'comp-filter')) {
    throw unsupportedFilter('only one comp-filter (VEVENT, VTODO) inside VCALENDAR');
  }
  query.component = component!.getAttribute('name')?.toUpperCase() || null;
  if (!query.component) throw invalidFilter('a comp-filter has a name');
  for (const test of childElements(component!)) {
    if (isElement(test, CALDAV, 'time-range') && !query.timeRange) query.timeRange = parseTimeRange(test);
    else throw unsupportedFilter(`CALDAV:${test.localName} in a comp-filter (convene filters by component and time-range)`);
  }
  return query;
}

/** RFC 4791 §9.9: start and end as UTC date-times (20060104T000000Z); at least one of them. */
export function parseTimeRange(el: Element): TimeRange {
  const instant = (name: string): Date | null => {
    const value = el.getAttribute(name);
    if (value === null || value === '') return null;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
    const date = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : null;
    if (!date || Number.isNaN(date.getTime()))
      throw invalidFilter(`time-range ${name} is a UTC date-time like 20060104T000000Z (got ${value})`);
    return date;
  };
  const range = { start: instant('start'), end: instant('end') };
  if (!range.start && !range.end) throw invalidFilter('a time-range has a start, an end or both');
  return range;
}

/** RFC 5323 §5.17 DAV:limit/DAV:nresults: a positive integer. */
function parseLimit(root: Element): number | null {
  const limit = childElement(root, DAV, 'limit');
  if (!limit) return null;
  const text = childElement(limit, DAV, 'nresults')?.textContent?.trim() ?? '';
  const n = /^\d{1,9}$/.test(text) ? Number(text) : 0;
  if (n < 1) throw new DavError(400, 'DAV:limit holds DAV:nresults, a positive integer');
  return n;
}

/** The Depth header of a PROPFIND: 0 or 1; infinity (or none, which means it) is refused (RFC 4918 §9.1). */
export function propfindDepth(header: string | null): 0 | 1 {
  const depth = header?.trim().toLowerCase();
  if (depth === '0') return 0;
  if (depth === '1') return 1;
  if (depth === undefined || depth === 'infinity') {
    throw new DavError(403, 'PROPFIND with Depth: infinity is not served: use Depth 0 or 1', { ns: DAV, name: 'propfind-finite-depth' });
  }
  throw new DavError(400, 'Depth is 0, 1 or infinity');
}
