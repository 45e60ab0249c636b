// The CALDAV:filter of calendar-query (RFC 4791 §9.7) evaluated on a calendar object: its
// components, properties and parameters as the member's iCalendar text has them (what GET and
// calendar-data return, so a client finds what it would read), and its time range as
// objects.ts answers it (series expanded). The text is parsed only when a test looks into it: a
// query by component and time range, what calendar apps send, never parses.
import ICAL from 'ical.js';
import { type CalendarObject, objectText, overlaps } from './objects.ts';
import type { CompFilter, ParamFilter, PropFilter, TextMatch } from './requests.ts';

/** Whether the object passes the filter (the comp-filter of VCALENDAR). */
export function passes(filter: CompFilter, object: CalendarObject): boolean {
  let parsed: ICAL.Component | null = null;
  const calendar = () => {
    parsed ??= new ICAL.Component(ICAL.parse(objectText(object)));
    return parsed;
  };
  // A member is one VCALENDAR: the root filter tests it, not components of it.
  if (filter.isNotDefined) return false;
  if (filter.props.length && !filter.props.every((p) => propPasses(p, calendar()))) return false;
  return filter.comps.every((inner) => {
    // The member's own component (VEVENT in a calendar, VTODO in the task list), tested by name
    // and time alone: it has one, by construction.
    const own = inner.name === (object.type === 'task' ? 'VTODO' : 'VEVENT');
    if (own && !inner.props.length && !inner.comps.length) {
      return !inner.isNotDefined && (!inner.timeRange || overlaps(object, inner.timeRange));
    }
    if (inner.timeRange && !overlaps(object, inner.timeRange)) return false;
    return compPasses(inner, calendar().getAllSubcomponents(inner.name.toLowerCase()));
  });
}

/** §9.7.1 on the parent's subcomponents of the filter's name: none (is-not-defined), or one passing every test. */
function compPasses(filter: CompFilter, components: ICAL.Component[]): boolean {
  if (filter.isNotDefined) return components.length === 0;
  return components.some(
    (component) =>
      filter.props.every((p) => propPasses(p, component)) &&
      filter.comps.every((inner) => compPasses(inner, component.getAllSubcomponents(inner.name.toLowerCase()))),
  );
}

/** §9.7.2: no such property (is-not-defined), or an instance of it passing the text-match and every param-filter. */
function propPasses(filter: PropFilter, component: ICAL.Component): boolean {
  const properties = component.getAllProperties(filter.name.toLowerCase());
  if (filter.isNotDefined) return properties.length === 0;
  return properties.some(
    (property) =>
      (!filter.textMatch || textMatches(filter.textMatch, property.getValues().map(valueText).join(','))) &&
      filter.params.every((p) => paramPasses(p, property)),
  );
}

/** §9.7.3: no such parameter (is-not-defined), or the parameter with a value passing the text-match. */
function paramPasses(filter: ParamFilter, property: ICAL.Property): boolean {
  const value = property.getParameter(filter.name.toLowerCase()) as string | string[] | undefined;
  if (filter.isNotDefined) return value === undefined;
  if (value === undefined) return false;
  return !filter.textMatch || textMatches(filter.textMatch, Array.isArray(value) ? value.join(',') : value);
}

/** A value as text: text as it reads unescaped, dates, times and rules as iCalendar writes them. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  const ical = value as { toICALString?: () => string };
  return typeof ical?.toICALString === 'function' ? ical.toICALString() : String(value);
}

/**
 * §9.7.5: a substring test. i;octet compares the text as it is; i;ascii-casemap folds ASCII
 * letters only (RFC 4790 §9.2), so "é" and "É" differ under it as under any conforming server.
 */
export function textMatches(match: TextMatch, value: string): boolean {
  const fold = match.collation === 'i;octet' ? (s: string) => s : (s: string) => s.replace(/[a-z]+/g, (c) => c.toUpperCase());
  return fold(value).includes(fold(match.text)) !== match.negate;
}

/**
 * The filter's answer for every member of a collection of `component` alike, when it needs no
 * member's content: true for no test or the collection's component alone, false when it asks for
 * a component such members never hold (a VTODO in a calendar). null: each member must be tested.
 */
export function answerForAll(filter: CompFilter, component: 'VEVENT' | 'VTODO'): boolean | null {
  if (filter.isNotDefined) return false;
  if (filter.props.length) return null;
  let answer: boolean | null = true;
  for (const inner of filter.comps) {
    const tested = inner.timeRange || inner.props.length || inner.comps.length;
    if (inner.name === component) {
      if (inner.isNotDefined) return false;
      if (tested) answer = null;
    } else if (inner.name === 'VTIMEZONE') answer = null;
    else if (!inner.isNotDefined) return false;
  }
  return answer;
}
