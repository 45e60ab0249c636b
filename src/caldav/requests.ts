// WebDAV request bodies as typed requests: PROPFIND (RFC 4918 §9.1), PROPPATCH (§9.2) and REPORT
// (RFC 4791 §7, RFC 6578 §3.2). Pure: text in, a request or a DavError out.
import { XMLSerializer } from '@xmldom/xmldom';
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

/**
 * RFC 4791 §7.8: members that pass the filter, a comp-filter of VCALENDAR (§9.7.1). Its comp-filters
 * name the components (VEVENT, VTODO, VTIMEZONE, VALARM ...) and may test them by time-range (the
 * members' component only: series expanded), by properties (prop-filter with is-not-defined or
 * text-match, §9.7.2) and their parameters (param-filter, §9.7.3), and by nested components.
 */
export interface CalendarQueryRequest {
  type: 'calendar-query';
  props: RequestedProps;
  filter: CompFilter;
}

/** A comp-filter (§9.7.1): the component is absent (isNotDefined), or present and passing every test. */
export interface CompFilter {
  name: string;
  isNotDefined: boolean;
  /** Only on a component of a calendar (VEVENT, VTODO), which is what a member is. */
  timeRange: TimeRange | null;
  props: PropFilter[];
  comps: CompFilter[];
}

/** A prop-filter (§9.7.2): absent, or one of its instances passes the text-match and every param-filter. */
export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  textMatch: TextMatch | null;
  params: ParamFilter[];
}

/** A param-filter (§9.7.3): absent, or present (and its value passing the text-match). */
export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch: TextMatch | null;
}

/** A text-match (§9.7.5): whether the value contains the text under the collation (§7.5), or, negated, does not. */
export interface TextMatch {
  text: string;
  collation: Collation;
  negate: boolean;
}

/** The collations RFC 4791 §7.5.1 requires (RFC 4790 §9.2 and §9.3). */
export const collations = ['i;ascii-casemap', 'i;octet'] as const;
export type Collation = (typeof collations)[number];

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

/** One instruction of a PROPPATCH: set a property to the element sent (its XML, as it came), or remove it. */
export type PropertyUpdate = { action: 'set'; name: QName; xml: string } | { action: 'remove'; name: QName };

/**
 * A PROPPATCH body (RFC 4918 §14.19): DAV:propertyupdate holding DAV:set and DAV:remove, each with
 * a DAV:prop; the instructions in document order, which is the order they apply in (§9.2).
 */
export function parseProppatch(text: string): PropertyUpdate[] {
  const root = parseBody(text);
  if (!isElement(root, DAV, 'propertyupdate')) throw new DavError(400, 'the body of a PROPPATCH is a DAV:propertyupdate element');
  const updates: PropertyUpdate[] = [];
  for (const instruction of childElements(root)) {
    const action = isElement(instruction, DAV, 'set') ? 'set' : isElement(instruction, DAV, 'remove') ? 'remove' : null;
    if (!action) throw new DavError(400, 'DAV:propertyupdate holds DAV:set and DAV:remove');
    const prop = childElement(instruction, DAV, 'prop');
    if (!prop) throw new DavError(400, `DAV:${action} holds a DAV:prop`);
    for (const el of childElements(prop)) {
      updates.push(
        action === 'set' ? { action, name: nameOf(el), xml: new XMLSerializer().serializeToString(el) } : { action, name: nameOf(el) },
      );
    }
  }
  if (!updates.length) throw new DavError(400, 'DAV:propertyupdate sets or removes at least one property');
  return updates;
}

/**
 * The body of a MKCALENDAR (RFC 4791 §5.3.1: CALDAV:mkcalendar) or an extended MKCOL (RFC 5689
 * §5.1: DAV:mkcol): the properties its DAV:set elements give the new calendar; none for an
 * empty body. A body convene does not understand (not XML, another element) is 415 (RFC 4918 §9.3).
 */
export function parseMkcol(method: 'MKCOL' | 'MKCALENDAR', text: string): Array<PropertyUpdate & { action: 'set' }> {
  if (!text.trim()) return [];
  const unsupported = () => new DavError(415, `the body of a ${method} is ${method === 'MKCOL' ? 'DAV:mkcol' : 'CALDAV:mkcalendar'} XML`);
  let root: Element;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof MalformedXml) throw unsupported();
    throw error;
  }
  if (!(method === 'MKCOL' ? isElement(root, DAV, 'mkcol') : isElement(root, CALDAV, 'mkcalendar'))) throw unsupported();
  const sets: Array<PropertyUpdate & { action: 'set' }> = [];
  for (const instruction of childElements(root)) {
    const prop = isElement(instruction, DAV, 'set') ? childElement(instruction, DAV, 'prop') : null;
    if (!prop) throw new DavError(400, `${nameOf(root).name} holds DAV:set elements, each with a DAV:prop`);
    for (const el of childElements(prop)) sets.push({ action: 'set', name: nameOf(el), xml: new XMLSerializer().serializeToString(el) });
  }
  return sets;
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
 * RFC 4791 §7.8: CALDAV:filter holds one comp-filter, of VCALENDAR. What convene does not evaluate
 * is answered 403 CALDAV:supported-filter, so the client asks again without it (§7.7) rather than
 * getting a wrong answer: a time-range on a property or on a nested component (VALARM), and the
 * test="anyof" of CalendarServer's extension. A collation other than those of §7.5.1: 403
 * CALDAV:supported-collation.
 */
function parseCalendarQuery(root: Element): CalendarQueryRequest {
  const filter = childElement(root, CALDAV, 'filter');
  if (!filter) throw invalidFilter('CALDAV:calendar-query holds a CALDAV:filter');
  const [calendar, ...others] = childElements(filter);
  if (!calendar || others.length || !isElement(calendar, CALDAV, 'comp-filter') || calendar.getAttribute('name') !== 'VCALENDAR') {
    throw invalidFilter('CALDAV:filter holds one comp-filter, of VCALENDAR');
  }
  return { type: 'calendar-query', props: requestedProps(root), filter: parseCompFilter(calendar, 0) };
}

/** A comp-filter at `depth` (0: VCALENDAR, 1: a member's component, 2 and deeper: nested ones such as VALARM). */
function parseCompFilter(el: Element, depth: number): CompFilter {
  const filter: CompFilter = { name: nameAttribute(el), isNotDefined: false, timeRange: null, props: [], comps: [] };
  const tests = testsOf(el);
  for (const test of tests) {
    if (isElement(test, CALDAV, 'is-not-defined')) {
      if (tests.length > 1) throw invalidFilter(`is-not-defined stands alone in the comp-filter of ${filter.name}`);
      filter.isNotDefined = true;
    } else if (isElement(test, CALDAV, 'time-range')) {
      if (filter.timeRange) throw invalidFilter(`one time-range in the comp-filter of ${filter.name}`);
      if (depth !== 1) throw unsupportedFilter(`a time-range on ${filter.name} (convene tests a calendar's events and tasks by time)`);
      filter.timeRange = parseTimeRange(test);
    } else if (isElement(test, CALDAV, 'prop-filter')) filter.props.push(parsePropFilter(test));
    else if (isElement(test, CALDAV, 'comp-filter')) filter.comps.push(parseCompFilter(test, depth + 1));
    else throw invalidFilter(`${nameOf(test).name} in a comp-filter`);
  }
  return filter;
}

function parsePropFilter(el: Element): PropFilter {
  const filter: PropFilter = { name: nameAttribute(el), isNotDefined: false, textMatch: null, params: [] };
  const tests = testsOf(el);
  for (const test of tests) {
    if (isElement(test, CALDAV, 'is-not-defined')) {
      if (tests.length > 1) throw invalidFilter(`is-not-defined stands alone in the prop-filter of ${filter.name}`);
      filter.isNotDefined = true;
    } else if (isElement(test, CALDAV, 'text-match')) {
      if (filter.textMatch) throw invalidFilter(`one text-match in the prop-filter of ${filter.name}`);
      filter.textMatch = parseTextMatch(test);
    } else if (isElement(test, CALDAV, 'param-filter')) filter.params.push(parseParamFilter(test));
    else if (isElement(test, CALDAV, 'time-range')) throw unsupportedFilter(`a time-range on the property ${filter.name}`);
    else throw invalidFilter(`${nameOf(test).name} in a prop-filter`);
  }
  return filter;
}

function parseParamFilter(el: Element): ParamFilter {
  const filter: ParamFilter = { name: nameAttribute(el), isNotDefined: false, textMatch: null };
  const [test, ...more] = testsOf(el);
  if (more.length) throw invalidFilter(`a param-filter holds is-not-defined or one text-match`);
  if (test && isElement(test, CALDAV, 'is-not-defined')) filter.isNotDefined = true;
  else if (test && isElement(test, CALDAV, 'text-match')) filter.textMatch = parseTextMatch(test);
  else if (test) throw invalidFilter(`${nameOf(test).name} in a param-filter`);
  return filter;
}

/** §9.7.5: collation (default i;ascii-casemap), negate-condition (yes or no, default no), the text as it is. */
function parseTextMatch(el: Element): TextMatch {
  const collation = el.getAttribute('collation') || 'i;ascii-casemap';
  if (!(collations as readonly string[]).includes(collation)) {
    throw new DavError(403, `the collation ${collation} is not supported: use ${collations.join(' or ')}`, {
      ns: CALDAV,
      name: 'supported-collation',
    });
  }
  const negate = el.getAttribute('negate-condition') || 'no';
  if (negate !== 'yes' && negate !== 'no') throw invalidFilter('negate-condition is yes or no');
  return { text: el.textContent ?? '', collation: collation as Collation, negate: negate === 'yes' };
}

/** A filter's name attribute, upper-cased (iCalendar names are case-insensitive, RFC 5545 §2). */
function nameAttribute(el: Element): string {
  const name = el.getAttribute('name')?.trim().toUpperCase();
  if (!name) throw invalidFilter(`a ${el.localName} has a name`);
  return name;
}

/** A filter element's tests; CalendarServer's test="anyof" (one of them suffices) is not RFC 4791's and not evaluated. */
function testsOf(el: Element): Element[] {
  if (el.getAttribute('test') === 'anyof') throw unsupportedFilter(`test="anyof" on a ${el.localName}`);
  return childElements(el);
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
