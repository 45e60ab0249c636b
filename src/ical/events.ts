// An iCalendar text -> convene appointment inputs (pure; ical.js reads the text).
//
// Each VEVENT becomes one feed event keyed by its UID (an override by UID and RECURRENCE-ID):
// - times: DTSTART in its zone (src/ical/zones.ts), DTEND in its own zone, else DURATION, else
//   RFC 5545's defaults (a day for a DATE, none for a DATE-TIME: convene needs a length, so one
//   minute); DATE values are full-time appointments, kept in the calendar's zone (X-WR-TIMEZONE,
//   else UTC);
// - shown as: TRANSP:TRANSPARENT -> FREE, else X-MICROSOFT-CDO-BUSYSTATUS:OOF (Outlook's out of
//   office, as src/ical/export.ts writes ABSENT) -> ABSENT, else STATUS:TENTATIVE -> TEMPORARY,
//   else RESERVED;
//   STATUS:CANCELLED events are left out (a cancelled override deletes its occurrence);
// - recurrence: one RRULE that the Open-Xchange model expresses (ruleOf below) becomes a series
//   with its EXDATEs as delete exceptions and its RECURRENCE-ID overrides as change exceptions.
//   Whether the model expresses it is not left to the mapping alone: the first
//   VERIFIED_OCCURRENCES occurrences of both expansions (ical.js's and convene's) must agree.
//   Any other recurrence (BYSETPOS combinations the model lacks, BYHOUR, several BYMONTHDAYs,
//   HOURLY, RDATE, several RRULEs, a DTSTART off the rule, a zone only the feed defines) is
//   expanded here into single occurrences that overlap the horizon, each keyed like an
//   override, so one that moves or goes is changed or removed alone.
// An event that cannot be read is skipped with its reason; a text that is not iCalendar at all
// is an error.
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';
import { localDate } from '../calendar/appointments/occurrences.ts';
import {
  expand,
  localDateTime,
  occurrenceAt,
  occurrenceOn,
  parseRecurrence,
  type Recurrence,
  type RecurrenceInput,
  type Series,
  startsOnOccurrence,
  type Weekday,
} from '../calendar/recurrence.ts';
import type { Parsed } from '../errors.ts';
import type { ShownAs, TaskPriority, TaskStatus } from '../generated/prisma/client.ts';
import { type Zone, ZoneResolver } from './zones.ts';

/** An appointment's fields as AppointmentInput takes them (all but the account). */
export interface ImportedFields {
  title: string;
  location: string | null;
  notes: string | null;
  timezone: string;
  fullTime: boolean;
  /** Timed appointments. */
  start: Date | null;
  end: Date | null;
  /** Full-time appointments: local dates, the end exclusive. */
  startDate: string | null;
  endDate: string | null;
  shownAs: ShownAs;
  recurrence: RecurrenceInput | null;
}

export interface FeedOverride {
  key: string;
  /** The local date (in the series' zone) of the occurrence it replaces. */
  date: string;
  fields: ImportedFields;
}

export interface FeedEvent {
  /** UID, or UID#RECURRENCE-ID for an override or expanded occurrence standing alone. */
  key: string;
  fields: ImportedFields;
  /** Series only: local dates of removed occurrences. */
  deleteExceptions: string[];
  /** Series only. */
  overrides: FeedOverride[];
}

export interface ParsedFeed {
  events: FeedEvent[];
  /** Events left out, and why. */
  skipped: Array<{ uid: string; reason: string }>;
}

/** The window in which rules the model cannot express are expanded. */
export interface Horizon {
  from: Date;
  to: Date;
}

/** Occurrences compared before a rule is stored as a series. */
export const VERIFIED_OCCURRENCES = 20;
/** An expanded event with more occurrences in the horizon than this is skipped (a minutely rule). */
export const MAX_EXPANDED_OCCURRENCES = 5000;
const tooManyOccurrences = () => new Error(`more than ${MAX_EXPANDED_OCCURRENCES} occurrences in the import window`);
/** Rule steps an expansion may take from DTSTART before giving up. */
const MAX_EXPANSION_STEPS = 100_000;

const limits = { title: 500, location: 500, notes: 20_000 };
const DAY_MS = 86_400_000;

/** The VCALENDAR of a text, or why it is none. */
function parseCalendar(text: string): Parsed<ICAL.Component> {
  let calendar: ICAL.Component;
  try {
    const jcal = ICAL.parse(text);
    calendar = new ICAL.Component(Array.isArray(jcal[0]) ? jcal[0] : jcal);
  } catch (error) {
    return { ok: false, message: `not valid iCalendar: ${(error as Error).message}` };
  }
  if (calendar.name !== 'vcalendar') return { ok: false, message: 'not valid iCalendar: no VCALENDAR' };
  return { ok: true, data: calendar };
}

export function parseFeed(text: string, horizon: Horizon): Parsed<ParsedFeed> {
  const parsed = parseCalendar(text);
  if (!parsed.ok) return parsed;
  const calendar = parsed.data;
  const zones = new ZoneResolver(calendar);
  const skipped: ParsedFeed['skipped'] = [];

  // Masters and overrides by UID (the first master of a UID wins; a feed repeating one is broken).
  const masters = new Map<string, ICAL.Component>();
  const overrides = new Map<string, ICAL.Component[]>();
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const uid = uidOf(vevent);
    if (vevent.hasProperty('recurrence-id')) overrides.set(uid, [...(overrides.get(uid) ?? []), vevent]);
    else if (masters.has(uid)) skipped.push({ uid, reason: 'a second event with this UID' });
    else masters.set(uid, vevent);
  }

  const events: FeedEvent[] = [];
  for (const [uid, master] of masters) {
    try {
      events.push(...readEvent(uid, master, overrides.get(uid) ?? [], zones, horizon));
    } catch (error) {
      skipped.push({ uid, reason: (error as Error).message });
    }
  }
  // Overrides of no event in the feed stand alone.
  for (const [uid, list] of overrides) {
    if (masters.has(uid)) continue;
    for (const vevent of list) {
      try {
        const fields = fieldsOf(vevent, zones);
        if (fields) events.push({ key: overrideKey(uid, vevent, zones), fields, deleteExceptions: [], overrides: [] });
      } catch (error) {
        skipped.push({ uid, reason: (error as Error).message });
      }
    }
  }
  return { ok: true, data: { events, skipped } };
}

/** RFC 5545 requires a UID; without one, the event's own text names it (it is new when it changes). */
function uidOf(vevent: ICAL.Component): string {
  const uid = vevent.getFirstPropertyValue('uid');
  if (typeof uid === 'string' && uid.trim()) return uid.trim();
  const copy = new ICAL.Component(vevent.toJSON());
  copy.removeAllProperties('recurrence-id');
  return `no-uid:${copy.toString()}`;
}

/** The override's or expanded occurrence's key: UID#RECURRENCE-ID, the instant in UTC or the date. */
function overrideKey(uid: string, vevent: ICAL.Component, zones: ZoneResolver): string {
  return `${uid}#${ridOf(vevent.getFirstProperty('recurrence-id')!, zones)}`;
}

/** A local time of a property (its value, or another in the same zone) as RECURRENCE-ID text in UTC, or the date. */
function ridOf(property: ICAL.Property, zones: ZoneResolver, value = timesOf(property)[0]!): string {
  if (value.isDate) return value.toICALString();
  return zones
    .zoneOf(property)
    .instant(value)
    .toISOString()
    .replace(/[-:]|\.\d{3}/g, '');
}

const textOf = (vevent: ICAL.Component, name: string, max: number): string | null => {
  const value = vevent.getFirstPropertyValue(name);
  if (typeof value !== 'string') return null;
  // NUL cannot be stored (PostgreSQL text); longer than convene keeps is cut.
  const text = value.replaceAll('\u0000', '').trim();
  return text ? text.slice(0, max) : null;
};

function shownAsOf(vevent: ICAL.Component): ShownAs {
  if (String(vevent.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') return 'FREE';
  if (String(vevent.getFirstPropertyValue('x-microsoft-cdo-busystatus') ?? '').toUpperCase() === 'OOF') return 'ABSENT';
  return String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'TENTATIVE' ? 'TEMPORARY' : 'RESERVED';
}

const cancelled = (vevent: ICAL.Component) => String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

interface Timing {
  zone: Zone;
  fullTime: boolean;
  start: ICAL.Time;
  /** Timed: exact length in ms. Full-time: whole days. */
  length: number;
}

/** DTSTART, and the length from DTEND (in its own zone), DURATION or the defaults. */
function timingOf(vevent: ICAL.Component, zones: ZoneResolver): Timing {
  const dtstart = vevent.getFirstProperty('dtstart');
  const start = dtstart ? timesOf(dtstart)[0] : undefined;
  if (!dtstart || !(start instanceof ICAL.Time)) throw new Error('no DTSTART');
  const dtend = vevent.getFirstProperty('dtend');
  const end = dtend ? timesOf(dtend)[0] : undefined;
  const duration = vevent.getFirstPropertyValue('duration') as ICAL.Duration | null;
  if (start.isDate) {
    let days = 1;
    if (end instanceof ICAL.Time) days = dateOf(start).until(dateOf(end), { largestUnit: 'days' }).days;
    else if (duration instanceof ICAL.Duration) days = Math.floor(duration.toSeconds() / 86_400);
    return { zone: zones.floating, fullTime: true, start, length: Math.max(1, days) };
  }
  const zone = zones.zoneOf(dtstart);
  let length = 0;
  if (end instanceof ICAL.Time && dtend) length = zones.zoneOf(dtend).instant(end).getTime() - zone.instant(start).getTime();
  else if (duration instanceof ICAL.Duration) length = duration.toSeconds() * 1000;
  // A DATE-TIME event without a length (RFC 5545: it takes none) gets a minute: convene's end is exclusive.
  return { zone, fullTime: false, start, length: length > 0 ? length : 60_000 };
}

/**
 * A date or date-time property's values (a period's start), read from the parsed text: as
 * local times, UTC where they end in Z. Zones are resolved by src/ical/zones.ts; ical.js would
 * look each TZID up again for every value, a third of an import's time.
 */
function timesOf(property: ICAL.Property): ICAL.Time[] {
  return property.jCal.slice(3).map((value) => {
    const text = String(Array.isArray(value) ? value[0] : value);
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/.exec(text);
    if (!m) throw new Error(`${property.name.toUpperCase()}: not a date or date-time (${text})`);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map((n) => Number(n ?? 0));
    const fields = { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second!, isDate: !m[4] };
    return ICAL.Time.fromData(fields, m[7] ? ICAL.Timezone.utcTimezone : undefined);
  });
}

const dateOf = (t: ICAL.Time) => Temporal.PlainDate.from({ year: t.year, month: t.month, day: t.day });

/** The fields of one occurrence starting at local time `at` (the event's DTSTART by default). */
function fieldsAt(vevent: ICAL.Component, timing: Timing, at: ICAL.Time, recurrence: RecurrenceInput | null): ImportedFields {
  const common = {
    title: textOf(vevent, 'summary', limits.title) ?? '(no title)',
    location: textOf(vevent, 'location', limits.location),
    notes: textOf(vevent, 'description', limits.notes),
    timezone: timing.zone.iana,
    fullTime: timing.fullTime,
    shownAs: shownAsOf(vevent),
    recurrence,
  };
  if (timing.fullTime) {
    const date = dateOf(at);
    return { ...common, start: null, end: null, startDate: date.toString(), endDate: date.add({ days: timing.length }).toString() };
  }
  const start = timing.zone.instant(at);
  return { ...common, start, end: new Date(start.getTime() + timing.length), startDate: null, endDate: null };
}

/** A single event's (or override's) fields; null when it is cancelled. */
function fieldsOf(vevent: ICAL.Component, zones: ZoneResolver): ImportedFields | null {
  if (cancelled(vevent)) return null;
  const timing = timingOf(vevent, zones);
  return fieldsAt(vevent, timing, timing.start, null);
}

/** The feed events of one master and its overrides: one event, one series, or expanded occurrences. */
function readEvent(uid: string, master: ICAL.Component, overrides: ICAL.Component[], zones: ZoneResolver, horizon: Horizon): FeedEvent[] {
  if (cancelled(master)) return [];
  const timing = timingOf(master, zones);
  const rrules = master.getAllProperties('rrule');
  const recurring = rrules.length > 0 || master.hasProperty('rdate');
  if (!recurring) return [{ key: uid, fields: fieldsAt(master, timing, timing.start, null), deleteExceptions: [], overrides: [] }];
  const recur = rrules.length === 1 && !master.hasProperty('rdate') ? (rrules[0]!.getFirstValue() as ICAL.Recur) : null;
  const rule = recur ? seriesRule(recur, timing) : null;
  return rule ? seriesEvents(uid, master, overrides, timing, rule, zones) : expandEvent(uid, master, overrides, timing, zones, horizon);
}

// ---------------------------------------------------------------------------------------------
// Series.

const weekdays: Record<string, Weekday> = {
  SU: 'SUNDAY',
  MO: 'MONDAY',
  TU: 'TUESDAY',
  WE: 'WEDNESDAY',
  TH: 'THURSDAY',
  FR: 'FRIDAY',
  SA: 'SATURDAY',
};
const isoWeekdays: Weekday[] = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
/** The shortest each month gets (February: 28), for days of the month every year has. */
const shortestMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The series this event's rule is, if the model expresses it and both expansions agree; else null. */
function seriesRule(recur: ICAL.Recur, timing: Timing): { input: RecurrenceInput; rule: Recurrence; series: Series } | null {
  // A zone only the feed defines is not one convene can expand a series in.
  const input = timing.zone.definedByFeed ? null : ruleOf(recur, timing);
  if (!input) return null;
  const parsed = parseRecurrence(input);
  if (!parsed.ok) return null;
  const series = seriesFor(timing);
  if (!startsOnOccurrence(series, parsed.data)) return null;
  // Both expansions must agree on the dates of the first occurrences (the time of day is
  // DTSTART's on both sides: rules that set hours are not mapped) and on where a short series ends.
  const theirs: string[] = [];
  const iterator = iteratorOf(recur, timing);
  for (let next = iterator.next(); next && theirs.length < VERIFIED_OCCURRENCES; next = iterator.next()) theirs.push(isoDate(next));
  const after = Temporal.PlainDate.from(theirs.at(-1) ?? isoDate(timing.start)).add({ days: 2 });
  const to = timing.zone.instant(ICAL.Time.fromData({ year: after.year, month: after.month, day: after.day }));
  const ours = expand(series, parsed.data, timing.zone.instant(timing.start), to)
    .slice(0, theirs.length)
    .map((o) => o.date);
  if (ours.join() !== theirs.join()) return null;
  if (theirs.length < VERIFIED_OCCURRENCES && occurrenceAt(series, parsed.data, theirs.length + 1)) return null;
  return { input, rule: parsed.data, series };
}

const isoDate = (t: ICAL.Time) =>
  `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;

function seriesFor(timing: Timing): Series {
  if (timing.fullTime) return { timezone: timing.zone.iana, fullTime: true, start: dateOf(timing.start).toString(), days: timing.length };
  return {
    timezone: timing.zone.iana,
    fullTime: false,
    start: localDateTime(timing.zone.instant(timing.start), timing.zone.iana),
    durationMs: timing.length,
  };
}

/** The Open-Xchange rule for an RRULE, or null when the model has none like it. */
function ruleOf(recur: ICAL.Recur, timing: Timing): RecurrenceInput | null {
  const parts = recur.parts as Record<string, Array<number | string> | undefined>;
  const used = Object.keys(parts).filter((part) => parts[part]?.length);
  if (used.some((part) => !['BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS'].includes(part))) return null;
  const start = dateOf(timing.start);
  const byDay = (parts.BYDAY ?? []) as string[];
  const plainDays = byDay.every((d) => d in weekdays) ? byDay.map((d) => weekdays[d]!) : null;
  const end = endOf(recur, timing);
  if (!end) return null;
  const interval = recur.interval || 1;
  switch (recur.freq) {
    case 'DAILY':
      return used.length ? null : { type: 'DAILY', interval, ...end };
    case 'WEEKLY': {
      if (used.some((part) => part !== 'BYDAY') || !plainDays) return null;
      return { type: 'WEEKLY', interval, days: plainDays.length ? plainDays : [isoWeekdays[start.dayOfWeek - 1]!], ...end };
    }
    case 'MONTHLY': {
      if (parts.BYMONTH?.length) return null;
      // Every such weekday of every month is a weekly rule.
      if (plainDays?.length && !parts.BYSETPOS?.length && !parts.BYMONTHDAY?.length) {
        return interval === 1 ? { type: 'WEEKLY', interval: 1, days: plainDays, ...end } : null;
      }
      const inMonth = dayInMonth(parts, start.day, 28);
      return inMonth ? { type: 'MONTHLY', interval, ...inMonth, ...end } : null;
    }
    case 'YEARLY': {
      const months = (parts.BYMONTH ?? [start.month]) as number[];
      if (interval !== 1 || months.length !== 1 || (byDay.length && !parts.BYMONTH?.length)) return null;
      const month = months[0]!;
      const inMonth = dayInMonth(parts, start.day, shortestMonth[month - 1]!);
      return inMonth ? { type: 'YEARLY', interval: 1, month, ...inMonth, ...end } : null;
    }
    default:
      return null;
  }
}

/**
 * dayInMonth (and days) for a month's BY parts. OX takes a day past the month's end as its last
 * day, where RFC 5545 skips that month: so a day of the month must exist in every month it
 * applies to (`shortest`), and an nth weekday may be the 1st to 4th or the last (-1, OX's 5).
 */
function dayInMonth(
  parts: Record<string, Array<number | string> | undefined>,
  startDay: number,
  shortest: number,
): { dayInMonth: number; days?: Weekday[] } | null {
  const monthDays = (parts.BYMONTHDAY ?? []) as number[];
  const byDay = (parts.BYDAY ?? []) as string[];
  const setPos = (parts.BYSETPOS ?? []) as number[];
  if (!byDay.length) {
    if (setPos.length || monthDays.length > 1) return null;
    const day = monthDays[0] ?? startDay;
    if (day === -1) return { dayInMonth: 31 };
    return day >= 1 && day <= shortest ? { dayInMonth: day } : null;
  }
  if (monthDays.length) return null;
  if (!setPos.length) {
    // One weekday with its place: 2MO, -1FR.
    const match = byDay.length === 1 ? /^([+-]?\d)(SU|MO|TU|WE|TH|FR|SA)$/.exec(byDay[0]!) : null;
    if (!match) return null;
    const nth = Number(match[1]);
    if (nth !== -1 && (nth < 1 || nth > 4)) return null;
    return { dayInMonth: nth === -1 ? 5 : nth, days: [weekdays[match[2]!]!] };
  }
  // The nth of a set of weekdays (BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1: the last weekday). Each
  // weekday comes at least four times a month, so the 1st to the (4 x days)th always exists.
  if (setPos.length !== 1 || !byDay.every((d) => d in weekdays)) return null;
  const position = setPos[0]!;
  if (position === -1) return { dayInMonth: 31, days: byDay.map((d) => weekdays[d]!) };
  return position >= 1 && position <= 4 * byDay.length ? { dayInMonth: position, days: byDay.map((d) => weekdays[d]!) } : null;
}

/**
 * COUNT as occurrences; UNTIL (an instant, or a date) as OX's inclusive local date: the date
 * of UNTIL in the series' zone, or the day before when that day's occurrence would start after
 * it. Null when the rule has both (RFC 5545 forbids it).
 */
function endOf(recur: ICAL.Recur, timing: Timing): Pick<RecurrenceInput, 'until' | 'occurrences'> | null {
  if (recur.count && recur.until) return null;
  if (recur.count) return { occurrences: recur.count };
  if (!recur.until) return {};
  if (recur.until.isDate || timing.fullTime) return { until: dateOf(recur.until).toString() };
  const until = untilInstant(recur.until, timing);
  const local = localDateTime(until, timing.zone.iana);
  const startTime = localDateTime(timing.zone.instant(timing.start), timing.zone.iana).slice(10);
  const date = Temporal.PlainDate.from(local.slice(0, 10));
  return { until: (startTime > local.slice(10) ? date.subtract({ days: 1 }) : date).toString() };
}

/** The series, and overrides of no occurrence of it as events of their own. */
function seriesEvents(
  uid: string,
  master: ICAL.Component,
  overrides: ICAL.Component[],
  timing: Timing,
  { input, rule, series }: { input: RecurrenceInput; rule: Recurrence; series: Series },
  zones: ZoneResolver,
): FeedEvent[] {
  const occurs = (date: string) => occurrenceOn(series, rule, date) !== null;
  const dateOfValue = (property: ICAL.Property, value: ICAL.Time) =>
    value.isDate ? dateOf(value).toString() : localDate(zones.zoneOf(property).instant(value), timing.zone.iana);
  const deleted = new Set<string>();
  for (const property of master.getAllProperties('exdate')) {
    for (const value of timesOf(property)) {
      const date = dateOfValue(property, value);
      if (occurs(date)) deleted.add(date);
    }
  }
  const event: FeedEvent = { key: uid, fields: fieldsAt(master, timing, timing.start, input), deleteExceptions: [], overrides: [] };
  const standalone: FeedEvent[] = [];
  for (const vevent of overrides) {
    const property = vevent.getFirstProperty('recurrence-id')!;
    const date = dateOfValue(property, timesOf(property)[0]!);
    if (deleted.has(date)) continue; // EXDATE wins over an override of the same occurrence
    if (cancelled(vevent)) {
      if (occurs(date)) deleted.add(date);
      continue;
    }
    const fields = fieldsOf(vevent, zones)!;
    const key = overrideKey(uid, vevent, zones);
    if (occurs(date)) event.overrides.push({ key, date, fields });
    else standalone.push({ key, fields, deleteExceptions: [], overrides: [] });
  }
  event.deleteExceptions = [...deleted].sort();
  return [event, ...standalone];
}

// ---------------------------------------------------------------------------------------------
// Expansion into single occurrences.

/** The occurrences (RRULEs and RDATEs, less EXDATEs, overrides applied) that overlap the horizon. */
function expandEvent(
  uid: string,
  master: ICAL.Component,
  overrides: ICAL.Component[],
  timing: Timing,
  zones: ZoneResolver,
  horizon: Horizon,
): FeedEvent[] {
  const key = (t: ICAL.Time) => (timing.fullTime ? dateOf(t).toString() : String(timing.zone.instant(t).getTime()));
  // The occurrences' local starts, by key (a date, or an instant in ms). DTSTART is one when
  // no RRULE says otherwise: with a DTSTART off its rule, RFC 5545 leaves the set undefined,
  // and ical.js's (rule only) is the one followed here.
  const rrules = master.getAllProperties('rrule');
  const starts = new Map<string, ICAL.Time>(rrules.length ? [] : [[key(timing.start), timing.start]]);
  // Local times (floating, as the iterator's) before which an occurrence ends before the horizon, and from which it starts after it.
  const spanMs = timing.fullTime ? timing.length * DAY_MS : timing.length;
  const first = timing.zone.local(new Date(horizon.from.getTime() - spanMs - DAY_MS));
  const last = timing.zone.local(horizon.to);
  for (const property of rrules) {
    const iterator = iteratorOf(property.getFirstValue() as ICAL.Recur, timing);
    for (let step = 0; ; step++) {
      const next = iterator.next()?.clone(); // the iterator hands out one Time, changed by each step
      if (!next || next.compare(last) >= 0) break;
      if (step >= MAX_EXPANSION_STEPS) throw new Error(`a rule with more than ${MAX_EXPANSION_STEPS} occurrences before the horizon's end`);
      if (next.compare(first) < 0) continue;
      if (starts.size >= MAX_EXPANDED_OCCURRENCES) throw tooManyOccurrences();
      starts.set(key(next), next);
    }
  }
  for (const property of master.getAllProperties('rdate')) {
    for (const time of timesOf(property)) {
      const local = atZone(time, property, timing, zones);
      starts.set(key(local), local);
    }
  }
  for (const property of master.getAllProperties('exdate')) {
    for (const value of timesOf(property)) starts.delete(key(atZone(value, property, timing, zones)));
  }
  const replaced = new Map<string, ICAL.Component>();
  for (const vevent of overrides) {
    const property = vevent.getFirstProperty('recurrence-id')!;
    replaced.set(key(atZone(timesOf(property)[0]!, property, timing, zones)), vevent);
  }

  const events: FeedEvent[] = [];
  for (const [k, start] of starts) {
    const override = replaced.get(k);
    const occurrenceKey = `${uid}#${ridOf(master.getFirstProperty('dtstart')!, zones, start)}`;
    const fields = override ? fieldsOf(override, zones) : fieldsAt(master, timing, start, null);
    if (!fields) continue;
    const [startMs, endMs] = spanOf(fields, timing.zone);
    if (startMs >= horizon.to.getTime() || endMs <= horizon.from.getTime()) continue;
    if (events.length >= MAX_EXPANDED_OCCURRENCES) throw tooManyOccurrences();
    events.push({ key: occurrenceKey, fields, deleteExceptions: [], overrides: [] });
  }
  return events;
}

/** An occurrence's start and end in ms (a full-time one's from midnight to midnight in its zone). */
function spanOf(fields: ImportedFields, zone: Zone): [number, number] {
  if (fields.start && fields.end) return [fields.start.getTime(), fields.end.getTime()];
  const midnight = (date: string) => zone.instant(ICAL.Time.fromDateString(date)).getTime();
  return [midnight(fields.startDate!), midnight(fields.endDate!)];
}

/**
 * An RDATE, EXDATE or RECURRENCE-ID value as a local time in the event's zone (they may name
 * another zone, or UTC), so that it can be compared with the rule's occurrences.
 */
function atZone(value: ICAL.Time, property: ICAL.Property, timing: Timing, zones: ZoneResolver): ICAL.Time {
  if (value.isDate || timing.fullTime) return value;
  return timing.zone.local(zones.zoneOf(property).instant(value));
}

/**
 * ical.js's iterator over a rule's local starts. It knows no zone but a VTIMEZONE of the feed,
 * so it would compare a local start with a UTC UNTIL as if both were UTC: both are made local
 * times of the event's zone first, floating.
 */
function iteratorOf(recur: ICAL.Recur, timing: Timing): ICAL.RecurIterator {
  if (timing.fullTime) return recur.iterator(timing.start);
  const local = recur.clone();
  if (recur.until && !recur.until.isDate) local.until = timing.zone.local(untilInstant(recur.until, timing));
  return local.iterator(timing.zone.local(timing.zone.instant(timing.start)));
}

/** UNTIL as an instant: UTC as RFC 5545 requires with a zoned DTSTART, or (floating) in the event's zone. */
function untilInstant(until: ICAL.Time, timing: Timing): Date {
  return until.zone === ICAL.Timezone.utcTimezone ? new Date(until.toUnixTime() * 1000) : timing.zone.instant(until);
}

// ---------------------------------------------------------------------------------------------
// Tasks (VTODO), for CalDAV's task list.

/** A VTODO's fields as the Task model has them (TaskInput). */
export interface ImportedTask {
  title: string;
  notes: string | null;
  start: Date | null;
  due: Date | null;
  status: TaskStatus;
  priority: TaskPriority;
  percentComplete: number;
}

const taskStatuses: Record<string, TaskStatus> = {
  'NEEDS-ACTION': 'NOT_STARTED',
  'IN-PROCESS': 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  // convene has no cancelled task: a cancelled one is put off.
  CANCELLED: 'DEFERRED',
};

/** RFC 4791 §4.1: the components of a calendar object resource share one UID. */
export const oneUidMessage = 'a calendar object resource holds the components of one UID (RFC 4791 §4.1)';

/**
 * The one VTODO of a text (with its UID), the reverse of src/ical/export.ts's
 * todoCalendarText: STATUS (and X-CONVENE-STATUS for WAITING and DEFERRED), PRIORITY 1-4 high,
 * 6-9 low, else normal, PERCENT-COMPLETE (100 for a completed task without one), DTSTART and DUE
 * in their zones (a DATE: midnight UTC). iCalendar that is not one task (`resource`): VTODOs of
 * several UIDs, or other than one VTODO (overrides of a recurring one are not kept).
 */
export function parseTodo(text: string): Parsed<ImportedTask & { uid: string | null }> | { ok: false; message: string; resource: true } {
  const parsed = parseCalendar(text);
  if (!parsed.ok) return parsed;
  const calendar = parsed.data;
  const todos = calendar.getAllSubcomponents('vtodo');
  const uidOfTodo = (todo: ICAL.Component) => String(todo.getFirstPropertyValue('uid') ?? '').trim() || null;
  if (new Set(todos.map(uidOfTodo)).size > 1) {
    return { ok: false, message: oneUidMessage, resource: true };
  }
  if (todos.length !== 1) return { ok: false, message: 'a task is one VTODO in a VCALENDAR', resource: true };
  const todo = todos[0]!;
  const zones = new ZoneResolver(calendar);
  try {
    const instant = (name: string): Date | null => {
      const property = todo.getFirstProperty(name);
      const time = property ? timesOf(property)[0] : undefined;
      if (!property || !time) return null;
      return time.isDate ? zones.floating.instant(time) : zones.zoneOf(property).instant(time);
    };
    const word = (name: string) => String(todo.getFirstPropertyValue(name) ?? '').toUpperCase();
    const convene = word('x-convene-status');
    const status: TaskStatus = convene === 'WAITING' || convene === 'DEFERRED' ? convene : (taskStatuses[word('status')] ?? 'NOT_STARTED');
    const priority = Number(todo.getFirstPropertyValue('priority') ?? 0);
    const percent = todo.getFirstPropertyValue('percent-complete');
    return {
      ok: true,
      data: {
        uid: uidOfTodo(todo),
        title: textOf(todo, 'summary', limits.title) ?? '(no title)',
        notes: textOf(todo, 'description', limits.notes),
        start: instant('dtstart'),
        due: instant('due'),
        status,
        priority: priority >= 1 && priority <= 4 ? 'HIGH' : priority >= 6 && priority <= 9 ? 'LOW' : 'NORMAL',
        percentComplete:
          percent === null ? (status === 'COMPLETED' ? 100 : 0) : Math.min(100, Math.max(0, Math.round(Number(percent) || 0))),
      },
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
