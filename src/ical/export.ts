// convene's one iCalendar writer (RFC 5545, built with ical-generator; tasks as VTODOs with
// ical.js, todoCalendarText): the calendar feeds (src/calendar/feeds.ts), CalDAV
// (src/caldav/objects.ts) and the iTIP invitations (src/email/invitation.ts) all describe their
// events as ExportEvents and write them here, so an appointment or a meeting has one mapping.
//
// The mapping:
// - times carry the event's zone (DTSTART;TZID=...) with its VTIMEZONE (timezones-ical-library),
//   because an RRULE is expanded in DTSTART's zone: a weekly 10:00 in Europe/Berlin stays at
//   10:00 across a DST change only when DTSTART is Berlin time. UTC events use UTC times.
//   Full-time events are DATE values (DTSTART;VALUE=DATE, DTEND exclusive), without a zone.
// - recurrence: convene's rule (src/calendar/recurrence.ts) as an RRULE where RFC 5545 says the
//   same (rruleOf); deleted occurrences as EXDATE; a change exception as a VEVENT of the series'
//   UID with RECURRENCE-ID, written in the series' zone. Some of convene's "nth day or the
//   month's last" rules have no RRULE calendars read alike (rruleOf: the 29th or 30th of every
//   month, the 9th Monday-or-Tuesday). Those are written as RDATEs of their
//   occurrences (DTSTART's included) up to `rdateHorizon`, at most MAX_RDATES;
//   X-CONVENE-RDATE-UNTIL tells up to when.
// - shown as: FREE -> TRANSP:TRANSPARENT; TEMPORARY -> STATUS:TENTATIVE; ABSENT ->
//   X-MICROSOFT-CDO-BUSYSTATUS:OOF (Outlook's out of office); RESERVED -> OPAQUE, CONFIRMED. Each
//   also as X-MICROSOFT-CDO-BUSYSTATUS. The importer (src/ical/events.ts) reads them back to the
//   same value.

import ICAL from 'ical.js';
import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  type ICalCalendar,
  ICalCalendarMethod,
  ICalEventBusyStatus,
  type ICalEventData,
  ICalEventStatus,
  ICalEventTransparency,
  type ICalLuxonDateTimeStub,
} from 'ical-generator';
import { Temporal } from 'temporal-polyfill';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { localDate, seriesOf } from '../calendar/appointments/occurrences.ts';
import { expand, localDateTime, occurrenceOn, type Recurrence, type Series, type Weekday } from '../calendar/recurrence.ts';
import type { ShownAs, TaskPriority, TaskStatus } from '../generated/prisma/client.ts';

/** Raised whenever the text written for the same data changes: part of the feeds' ETag. */
export const EXPORT_FORMAT_VERSION = 1;

/** At most this many RDATEs stand for a rule RRULE cannot say. */
export const MAX_RDATES = 1000;

export interface ExportAttendee {
  email: string;
  name?: string | null;
}

/** One VEVENT: an event, a series, or a change exception of a series (recurrenceOf set). */
export interface ExportEvent {
  uid: string;
  /** DTSTAMP. */
  stamp: Date;
  sequence?: number;
  summary: string;
  location?: string | null;
  description?: string | null;
  /** IANA zone the times are written in (a change exception: its series'). */
  timezone: string;
  fullTime: boolean;
  /** Instants; full-time: local midnights in `timezone`, the end exclusive. */
  start: Date;
  end: Date;
  /** A series: its rule and the local dates of its deleted occurrences. */
  recurrence?: { rule: Recurrence; deleted: readonly string[] } | null;
  /** A change exception: its series' timing and rule, and the local date of the occurrence it replaces. */
  recurrenceOf?: { series: Series; rule: Recurrence; date: string } | null;
  shownAs?: ShownAs;
  cancelled?: boolean;
  organizer?: { name: string; email: string } | null;
  attendees?: readonly ExportAttendee[];
  lastModified?: Date | null;
  created?: Date | null;
}

export interface CalendarOptions {
  /** iTIP messages: REQUEST or CANCEL; a feed has none. */
  method?: 'REQUEST' | 'CANCEL';
  /** Where RDATEs standing for a rule RRULE cannot say end. Default: two years from now. */
  rdateHorizon?: Date;
}

const isUtc = (zone: string) => ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT'].includes(zone);

const vtimezones = new Map<string, { tzid: string; block: string }>();

/**
 * The VTIMEZONE of an IANA zone, by its canonical name: the library answers an alias (US/Pacific,
 * Europe/Kiev) with the zone it links to, and DTSTART's TZID must name that same block.
 * Throws for a zone the library does not know (callers validate zones). Cached: a feed asks
 * once per event.
 */
function vtimezone(zone: string): { tzid: string; block: string } {
  let found = vtimezones.get(zone);
  if (!found) {
    const block = tzlib_get_ical_block(zone);
    const tzid = Array.isArray(block) ? /^TZID=(.+)$/.exec(block[1] ?? '')?.[1] : undefined;
    if (!tzid || !block[0]?.startsWith('BEGIN:VTIMEZONE')) throw new Error(`no VTIMEZONE for time zone ${zone}`);
    found = { tzid, block: block[0] };
    vtimezones.set(zone, found);
    vtimezones.set(tzid, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Recurrence.

const BYDAY: Record<Weekday, string> = {
  SUNDAY: 'SU',
  MONDAY: 'MO',
  TUESDAY: 'TU',
  WEDNESDAY: 'WE',
  THURSDAY: 'TH',
  FRIDAY: 'FR',
  SATURDAY: 'SA',
};

/**
 * The RRULE (without "RRULE:" and without UNTIL/COUNT) saying what `rule` says, or null when
 * RFC 5545 has none that calendars read alike. Weeks start on Monday in convene (WKST=MO).
 * convene's dayInMonth is "the nth selected day of the month, the last when the month has
 * fewer"; RFC 5545 skips a month without an nth, so:
 * - all seven days: day n is BYMONTHDAY=n when every month it applies to has it (n <= 28; a
 *   yearly rule: the month's shortest length), BYMONTHDAY=-1 when none has more (31; February
 *   29), else nothing: "the 30th or the month's last" would be BYMONTHDAY=28,29,30;BYSETPOS=-1,
 *   which ical.js (and with it many calendars) expands as every one of those days;
 * - k weekdays: every month has at least 4k of them, so n <= 4k is BYSETPOS=n (one weekday: nMO);
 *   n at or past the most a month can have (4k + min(k, 3)) is the last (BYSETPOS=-1, -1MO);
 *   in between there is no RRULE.
 */
export function rruleOf(rule: Recurrence): string | null {
  const interval = rule.interval > 1 ? `;INTERVAL=${rule.interval}` : '';
  switch (rule.type) {
    case 'NONE':
      return null;
    case 'DAILY':
      return `FREQ=DAILY${interval}`;
    case 'WEEKLY':
      return `FREQ=WEEKLY${interval};BYDAY=${(rule.days ?? []).map((d) => BYDAY[d]).join(',')};WKST=MO`;
    case 'MONTHLY':
    case 'YEARLY': {
      const inMonth = monthDaysOf(rule.dayInMonth!, rule.days, rule.type === 'YEARLY' ? rule.month! : null);
      if (!inMonth) return null;
      const month = rule.type === 'YEARLY' ? `;BYMONTH=${rule.month}` : '';
      return `FREQ=${rule.type}${interval}${month};${inMonth}`;
    }
  }
}

/** Shortest and longest length of each month, January first. */
const MONTH_LENGTHS: ReadonlyArray<readonly [number, number]> = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31].map((days, i) =>
  i === 1 ? [28, 29] : [days, days],
);

function monthDaysOf(n: number, days: readonly Weekday[] | null, month: number | null): string | null {
  if (!days || days.length === 7) {
    const [shortest, longest] = month ? MONTH_LENGTHS[month - 1]! : [28, 31];
    if (n <= shortest) return `BYMONTHDAY=${n}`;
    return n >= longest ? 'BYMONTHDAY=-1' : null;
  }
  const k = days.length;
  const position = n <= 4 * k ? n : n >= 4 * k + Math.min(k, 3) ? -1 : null;
  if (position === null) return null;
  if (k === 1) return `BYDAY=${position}${BYDAY[days[0]!]}`;
  return `BYDAY=${days.map((d) => BYDAY[d]).join(',')};BYSETPOS=${position}`;
}

/** UNTIL or COUNT: convene's until is an inclusive local date, so UNTIL is the last instant of that day (UTC for timed series). */
function endOfRule(rule: Recurrence, series: Series): string {
  if (rule.occurrences !== null) return `;COUNT=${rule.occurrences}`;
  if (rule.until === null) return '';
  if (series.fullTime) return `;UNTIL=${compactDate(rule.until)}`;
  const nextDay = Temporal.PlainDate.from(rule.until).add({ days: 1 }).toZonedDateTime(series.timezone);
  return `;UNTIL=${utcStamp(new Date(nextDay.epochMilliseconds - 1000))}`;
}

const compactDate = (date: string) => date.replaceAll('-', '');
/** The wall time of an instant in a zone, as iCalendar writes it: 20270301T090000. */
const compactLocal = (instant: Date, zone: string) => localDateTime(instant, zone).replace(/[-:]/g, '').padEnd(15, '0');
const utcStamp = (instant: Date) => `${instant.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/** DATE or DATE-TIME values of a recurrence property, with their parameters, for a series' zone. */
function values(name: string, series: Series, tzid: string | null, instants: readonly Date[]): string {
  if (series.fullTime) return `${name};VALUE=DATE:${instants.map((i) => compactDate(localDate(i, series.timezone))).join(',')}`;
  if (!tzid) return `${name}:${instants.map(utcStamp).join(',')}`;
  return `${name};TZID=${tzid}:${instants.map((i) => compactLocal(i, series.timezone)).join(',')}`;
}

/**
 * The recurrence lines of a VEVENT (RRULE or RDATEs, EXDATE, a full-time RECURRENCE-ID) as
 * ical-generator's `repeating` takes them: as text, one property a line. A lone line that is
 * not an RRULE would get "RRULE:" put before it, so it is folded after its colon (RFC 5545
 * section 3.1 folding, which every reader undoes).
 */
function recurrenceLines(event: ExportEvent, tzid: string | null, rdateHorizon: Date): string | null {
  const lines: string[] = [];
  const { recurrence, recurrenceOf } = event;
  if (recurrence && recurrence.rule.type !== 'NONE') {
    const series = seriesOf(event);
    const rrule = rruleOf(recurrence.rule);
    if (rrule) lines.push(`RRULE:${rrule}${endOfRule(recurrence.rule, series)}`);
    else {
      // DTSTART is the first instance by RFC 5545, but ical.js leaves it out of an RRULE-less
      // set: listed again, it is still one instance (the set has no duplicates).
      const occurrences = expand(series, recurrence.rule, event.start, rdateHorizon, { limit: Number.MAX_SAFE_INTEGER })
        .slice(0, MAX_RDATES)
        .map((o) => o.start);
      if (occurrences.length) lines.push(values('RDATE', series, tzid, occurrences));
      lines.push(`X-CONVENE-RDATE-UNTIL:${utcStamp(rdateHorizon)}`);
    }
    const deleted = recurrence.deleted.flatMap((date) => occurrenceOn(series, recurrence.rule, date)?.start ?? []);
    if (deleted.length) lines.push(values('EXDATE', series, tzid, deleted));
  }
  if (recurrenceOf?.series.fullTime) lines.push(`RECURRENCE-ID;VALUE=DATE:${compactDate(recurrenceOf.date)}`);
  if (!lines.length) return null;
  return lines.length === 1 && !lines[0]!.startsWith('RRULE:') ? lines[0]!.replace(':', ':\r\n ') : lines.join('\r\n');
}

// ---------------------------------------------------------------------------------------------
// Events.

const busyStatus: Record<ShownAs, ICalEventBusyStatus> = {
  RESERVED: ICalEventBusyStatus.BUSY,
  TEMPORARY: ICalEventBusyStatus.TENTATIVE,
  ABSENT: ICalEventBusyStatus.OOF,
  FREE: ICalEventBusyStatus.FREE,
};

/**
 * An instant as the wall time of a zone, in the shape ical-generator reads luxon's DateTime
 * (ICalLuxonDateTimeStub): it writes `toFormat` of it after the TZID. The local time comes from
 * the recurrence engine's per-zone offset cache; temporal-polyfill's ZonedDateTime, which
 * ical-generator also takes, cost ~0.1 ms per value (most of a 5,500-event feed's time).
 */
class WallTime implements ICalLuxonDateTimeStub {
  readonly isValid = true;
  readonly zone = { type: 'iana' };
  readonly #instant: Date;
  readonly #local: string;

  constructor(instant: Date, timeZone: string) {
    this.#instant = instant;
    this.#local = compactLocal(instant, timeZone);
  }

  /** Already in the event's zone, the only one ical-generator asks for. */
  setZone(): this {
    return this;
  }

  toFormat(format: string): string {
    if (format === 'yyyyLLdd') return this.#local.slice(0, 8);
    if (format === 'HHmmss') return this.#local.slice(9, 15);
    throw new Error(`WallTime: no format ${format}`);
  }

  toJSDate(): Date {
    return this.#instant;
  }

  toJSON(): string {
    return this.#instant.toISOString();
  }
}

/** ical-generator's data for one event. */
function eventData(event: ExportEvent, rdateHorizon: Date): ICalEventData {
  const zone = event.fullTime || isUtc(event.timezone) ? null : vtimezone(event.timezone).tzid;
  const at = (instant: Date) =>
    event.fullTime ? Temporal.PlainDate.from(localDate(instant, event.timezone)) : zone ? new WallTime(instant, event.timezone) : instant;
  const shownAs = event.shownAs ?? 'RESERVED';
  const original = event.recurrenceOf ? occurrenceOn(event.recurrenceOf.series, event.recurrenceOf.rule, event.recurrenceOf.date) : null;
  return {
    id: event.uid,
    sequence: event.sequence ?? 0,
    stamp: event.stamp,
    start: at(event.start),
    end: at(event.end),
    allDay: event.fullTime,
    timezone: zone,
    summary: event.summary,
    location: event.location || null,
    description: event.description || null,
    repeating: recurrenceLines(event, zone, rdateHorizon),
    recurrenceId: original && !event.fullTime ? at(original.start) : null,
    transparency: shownAs === 'FREE' ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
    status: event.cancelled ? ICalEventStatus.CANCELLED : shownAs === 'TEMPORARY' ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED,
    busystatus: busyStatus[shownAs],
    organizer: event.organizer ?? null,
    attendees: (event.attendees ?? []).map((attendee) => ({
      email: attendee.email,
      name: attendee.name ?? null,
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      rsvp: true,
    })),
    lastModified: event.lastModified ?? null,
    created: event.created ?? null,
  };
}

function newCalendar(options: CalendarOptions): ICalCalendar {
  return ical({
    prodId: { company: 'convene', product: 'convene', language: 'EN' },
    method: options.method ? ICalCalendarMethod[options.method] : null,
    // No calendar-wide zone (name null): that would also write DTSTAMP in it, without the Z
    // RFC 5545 requires; the generator adds the VTIMEZONE of each zone the events use.
    timezone: { name: null, generator: (tzid) => vtimezone(tzid).block },
  });
}

const defaultHorizon = () => new Date(Date.now() + 2 * 366 * 86_400_000);

// CalDAV writes one calendar per resource, so what is the same in every one is made once: the
// head (ical-generator folds it a character at a time, with a TextEncoder for each, which was
// most of a small calendar's time) and each zone's VTIMEZONE text with CRLF line ends.
const heads = new Map<string, string>();
const headOf = (options: CalendarOptions) => {
  const key = options.method ?? '';
  let head = heads.get(key);
  if (head === undefined) {
    head = newCalendar(options)
      .toString()
      .replace(/END:VCALENDAR$/, '');
    heads.set(key, head);
  }
  return head;
};
const vtimezoneTexts = new Map<string, string>();
const vtimezoneText = (zone: string) => {
  let text = vtimezoneTexts.get(zone);
  if (text === undefined) {
    text = `${vtimezone(zone).block.replace(/\r?\n/g, '\r\n').trim()}\r\n`;
    vtimezoneTexts.set(zone, text);
  }
  return text;
};

/**
 * The iCalendar text (CRLF lines, folded at 75 octets) of these events.
 *
 * ical-generator writes every property; only the folding is done here. Its own folds the whole
 * text with a TextEncoder call per character, which took ~4 of the 4.5 s a 5,500-event feed
 * took (bench/README.md, "Calendar feed export"). So the calendar's head (PRODID, METHOD,
 * name) comes from an event-less calendar, the VTIMEZONE blocks of the zones used from the same
 * generator ical-generator would call, and each event's unfolded text (ICalEvent.toString) is
 * folded by foldLines.
 */
export function calendarText(events: Iterable<ExportEvent>, options: CalendarOptions = {}): string {
  const calendar = newCalendar(options);
  const horizon = options.rdateHorizon ?? defaultHorizon();
  const written = Array.from(events, (event) => calendar.createEvent(eventData(event, horizon)));
  const zones = new Set(written.map((event) => event.timezone()).filter((zone) => zone !== null));
  const parts = [headOf(options), ...[...zones].map(vtimezoneText)];
  for (const event of written) parts.push(foldLines(event.toString()));
  parts.push('END:VCALENDAR');
  return parts.join('');
}

/**
 * RFC 5545 section 3.1 folding: a line longer than 75 octets (UTF-8, CRLF not counted) goes on
 * in lines that start with one space, never splitting a character. Lines end with CRLF.
 */
export function foldLines(text: string): string {
  let out = '';
  for (const line of text.split('\r\n')) {
    if (!line) continue;
    if (line.length <= 75 && (line.length <= 25 || Buffer.byteLength(line) <= 75)) {
      out += `${line}\r\n`;
      continue;
    }
    let octets = 0;
    let start = 0;
    for (let i = 0; i < line.length; ) {
      const code = line.codePointAt(i)!;
      const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (octets + width > 75) {
        out += `${line.slice(start, i)}\r\n `;
        start = i;
        octets = 1; // the space
      }
      octets += width;
      i += code >= 0x10000 ? 2 : 1;
    }
    out += `${line.slice(start)}\r\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tasks.

/** One VTODO: a task as the Task model has it. */
export interface ExportTask {
  uid: string;
  stamp: Date;
  summary: string;
  description: string | null;
  start: Date | null;
  due: Date | null;
  status: TaskStatus;
  priority: TaskPriority;
  percentComplete: number;
  /** When the task was completed (COMPLETED), for a completed one. */
  completed: Date | null;
  created: Date;
  lastModified: Date;
}

/**
 * convene's task states as VTODO STATUS (RFC 5545 §3.8.1.11 has four): WAITING and DEFERRED
 * have none, and are written as NEEDS-ACTION with X-CONVENE-STATUS naming them, which the
 * importer reads back.
 */
const todoStatus: Record<TaskStatus, string> = {
  NOT_STARTED: 'NEEDS-ACTION',
  IN_PROGRESS: 'IN-PROCESS',
  COMPLETED: 'COMPLETED',
  WAITING: 'NEEDS-ACTION',
  DEFERRED: 'NEEDS-ACTION',
};

/** PRIORITY (RFC 5545 §3.8.1.9: 1 highest, 9 lowest; 0 undefined): the middle of each third. */
export const todoPriority: Record<TaskPriority, number> = { HIGH: 1, NORMAL: 5, LOW: 9 };

const utcTime = (instant: Date) => ICAL.Time.fromJSDate(instant, true);

/**
 * The iCalendar text of tasks as VTODOs, in UTC (a task has no zone). ical-generator writes no
 * VTODO, so these are built with ical.js (which also folds the lines).
 */
export function todoCalendarText(tasks: Iterable<ExportTask>): string {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', '-//convene//convene//EN');
  calendar.addPropertyWithValue('version', '2.0');
  for (const task of tasks) {
    const todo = new ICAL.Component('vtodo');
    todo.addPropertyWithValue('uid', task.uid);
    todo.addPropertyWithValue('dtstamp', utcTime(task.stamp));
    todo.addPropertyWithValue('created', utcTime(task.created));
    todo.addPropertyWithValue('last-modified', utcTime(task.lastModified));
    todo.addPropertyWithValue('summary', task.summary);
    if (task.description) todo.addPropertyWithValue('description', task.description);
    if (task.start) todo.addPropertyWithValue('dtstart', utcTime(task.start));
    if (task.due) todo.addPropertyWithValue('due', utcTime(task.due));
    todo.addPropertyWithValue('status', todoStatus[task.status]);
    if (task.status === 'WAITING' || task.status === 'DEFERRED') todo.addPropertyWithValue('x-convene-status', task.status);
    if (task.completed && task.status === 'COMPLETED') todo.addPropertyWithValue('completed', utcTime(task.completed));
    todo.addPropertyWithValue('percent-complete', task.percentComplete);
    todo.addPropertyWithValue('priority', todoPriority[task.priority]);
    calendar.addSubcomponent(todo);
  }
  return calendar.toString().replace(/\r?\n/g, '\r\n').concat('\r\n');
}
