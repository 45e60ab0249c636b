// A client's own iCalendar with convene's changes re-applied (issue 13): what convene models of
// an event or task is taken from convene's export of it (src/ical/export.ts), everything else
// from the text the client PUT (VALARMs, ATTENDEEs and their parameters, URL, CATEGORIES, X-
// properties, components convene does not know), so an app's extras survive a change made
// through the API.
//
// Done when the object is read (objects.ts), not when the API writes. Why:
// - one code path: appointments and tasks are changed by many writers (the mutations, syncCommit,
//   occurrence exceptions, unlink modes), all through the shared stores; a merge at write time
//   would have to run in each of them (loading the series' kept text in bulk writes), here it
//   is one call where the text is served;
// - reads stay cheap where it matters: a resource without kept text, or whose kept text is not
//   older than its last change (every resource a CalDAV app wrote and nothing changed since,
//   as in an initial sync), is served without parsing anything; only a resource changed through
//   the API since the app last wrote it pays one parse and one export;
// - the text is a pure function of the stored rows, so the ETag (the change-feed revision)
//   always names one text.
// The price: SEQUENCE is the kept one plus one however many API changes there were since the
// app last wrote the resource (the rows count no revisions); DTSTAMP and LAST-MODIFIED are the
// last change's time.
import ICAL from 'ical.js';
import { localDate } from '../calendar/appointments/occurrences.ts';
import { calendarText, type ExportEvent, type ExportTask, todoCalendarText } from '../ical/export.ts';
import { ZoneResolver } from '../ical/zones.ts';

/**
 * What convene owns in a VEVENT: what the importer reads (src/ical/events.ts), what the writer
 * derives from it (all-day flags, busy status, the RDATE horizon) and a server's stamps. Each is
 * replaced by the export's (or removed when the export has none). UID and CREATED stay the
 * client's.
 */
const eventProperties = [
  'summary',
  'location',
  'description',
  'dtstart',
  'dtend',
  'duration',
  'rrule',
  'rdate',
  'exrule',
  'exdate',
  'recurrence-id',
  'x-convene-rdate-until',
  'transp',
  'status',
  'x-microsoft-cdo-busystatus',
  'x-microsoft-cdo-alldayevent',
  'x-microsoft-msncalendar-alldayevent',
  'sequence',
  'dtstamp',
  'last-modified',
];

/** What convene owns in a VTODO (the Task model's fields as todoCalendarText writes them). */
const todoProperties = [
  'summary',
  'description',
  'dtstart',
  'due',
  'duration',
  'status',
  'x-convene-status',
  'completed',
  'percent-complete',
  'priority',
  'sequence',
  'dtstamp',
  'last-modified',
];

/** Properties a single event or an override must not carry (RFC 5545: only a series has them). */
const seriesOnly = ['rrule', 'rdate', 'exrule', 'exdate', 'x-convene-rdate-until'];

/** A kept text is one VCALENDAR (the PUT read it); ical.js answers one component unwrapped. */
const parse = (text: string) => {
  const jcal = ICAL.parse(text) as unknown[];
  return new ICAL.Component((Array.isArray(jcal[0]) ? jcal[0] : jcal) as unknown[]);
};
const text = (calendar: ICAL.Component) => `${calendar.toString().replace(/\r?\n/g, '\r\n')}\r\n`;
/** A deep copy: toJSON is the component's own jCal, which a copy must not share. */
const copy = <T extends ICAL.Component | ICAL.Property>(item: T): T => {
  const jcal = structuredClone(item.toJSON());
  return (item instanceof ICAL.Component ? new ICAL.Component(jcal) : new ICAL.Property(jcal)) as T;
};

/**
 * `kept`'s properties `names` replaced by those of `ours`, SEQUENCE raised from `sequence` (the
 * kept component's own, or for a new override its series'): a server that changes an event
 * raises it (RFC 5545 §3.8.7.4).
 */
function overwrite(kept: ICAL.Component, ours: ICAL.Component, names: readonly string[], sequence: number): void {
  for (const name of names) kept.removeAllProperties(name);
  for (const property of ours.getAllProperties()) {
    if (names.includes(property.name) && property.name !== 'sequence') kept.addProperty(copy(property));
  }
  kept.addPropertyWithValue('sequence', sequence + 1);
}

const sequenceOf = (component: ICAL.Component) => Number(component.getFirstPropertyValue('sequence') ?? 0) || 0;

/**
 * The client's VCALENDAR `kept` (one UID: a series or single event and its overrides) with
 * `events` (convene's view of the same resource: the series first, then its change exceptions,
 * as appointmentEvents gives them) re-applied:
 * - the series' (or single event's) modelled properties are the export's;
 * - an override the export still has (by the local date, in the series' zone, of the occurrence
 *   it replaces) keeps its own extras; one convene added (an exception made through the API) is
 *   the series' extras (its VALARMs, ATTENDEEs, ...) with the exception's modelled properties;
 *   one convene no longer has (deleted through the API, now an EXDATE) is dropped;
 * - VTIMEZONEs: the export's for the zones it uses, and the client's that something kept
 *   still names.
 */
export function keptEventsText(kept: string, events: readonly ExportEvent[]): string {
  const calendar = parse(kept);
  const exportText = calendarText(events);
  const exported = parse(exportText);
  const ours = exported.getAllSubcomponents('vevent');
  const zones = new ZoneResolver(calendar);
  const series = events.find((e) => !e.recurrenceOf);
  const vevents = calendar.getAllSubcomponents('vevent');
  const master = vevents.find((v) => !v.hasProperty('recurrence-id'));
  if (!series || !master) return exportText;
  // The client's overrides by the local date (in the series' zone) of the occurrence each replaces.
  const overrides = new Map<string, ICAL.Component>();
  for (const vevent of vevents) {
    const rid = vevent.getFirstProperty('recurrence-id');
    if (!rid) continue;
    const time = rid.getFirstValue() as ICAL.Time;
    overrides.set(time.isDate ? time.toString() : localDate(zones.zoneOf(rid).instant(time), series.timezone), vevent);
  }
  const template = copy(master);
  const masterSequence = sequenceOf(master);
  for (const name of seriesOnly) template.removeAllProperties(name);

  const result: ICAL.Component[] = [];
  events.forEach((event, i) => {
    const mine = ours[i]!;
    if (!event.recurrenceOf) {
      overwrite(master, mine, eventProperties, masterSequence);
      result.push(master);
      return;
    }
    const override = overrides.get(event.recurrenceOf.date);
    overrides.delete(event.recurrenceOf.date);
    const target = override ?? copy(template);
    overwrite(target, mine, eventProperties, override ? sequenceOf(override) : masterSequence);
    result.push(target);
  });

  const tzids = new Set<string>();
  const named = (component: ICAL.Component) => {
    for (const property of component.getAllProperties()) {
      const tzid = property.getParameter('tzid');
      if (typeof tzid === 'string') tzids.add(tzid);
    }
    for (const child of component.getAllSubcomponents()) named(child);
  };
  for (const vevent of result) named(vevent);
  const timezones = exported.getAllSubcomponents('vtimezone').filter((z) => tzids.has(String(z.getFirstPropertyValue('tzid'))));
  const provided = new Set(timezones.map((z) => String(z.getFirstPropertyValue('tzid'))));
  const others = calendar.getAllSubcomponents().filter((c) => c.name !== 'vevent' && c.name !== 'vtimezone');
  const keptZones = calendar.getAllSubcomponents('vtimezone').filter((z) => {
    const tzid = String(z.getFirstPropertyValue('tzid'));
    return tzids.has(tzid) && !provided.has(tzid);
  });
  calendar.removeAllSubcomponents();
  for (const component of [...timezones, ...keptZones, ...result, ...others]) calendar.addSubcomponent(component);
  return text(calendar);
}

/** The client's VCALENDAR `kept` (one VTODO) with the task as convene has it re-applied. */
export function keptTodoText(kept: string, task: ExportTask): string {
  const calendar = parse(kept);
  const todo = calendar.getFirstSubcomponent('vtodo');
  if (!todo) return todoCalendarText([task]);
  const ours = parse(todoCalendarText([task])).getFirstSubcomponent('vtodo')!;
  overwrite(todo, ours, todoProperties, sequenceOf(todo));
  return text(calendar);
}
