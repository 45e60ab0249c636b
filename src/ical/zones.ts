// TZIDs of an iCalendar object -> IANA zones, and its local times -> instants.
//
// A TZID is only a label; what it names is decided here, in this order:
//   1. an IANA name, also as the tail of a prefixed one ("/mozilla.org/20050126_1/Europe/Berlin");
//   2. a Windows zone name ("W. Europe Standard Time", as Outlook and Exchange write), through
//      the CLDR mapping of windows-iana;
//   3. a VTIMEZONE of the object with any other name: the IANA zone whose UTC offsets agree
//      with the definition's at every sample instant over its year and the current one
//      (Windows' own representative zones first, so "Custom Berlin" becomes Europe/Berlin, not
//      Africa/Ceuta);
//   4. a VTIMEZONE no IANA zone agrees with: its own rules give the instants (through ical.js)
//      and the event is kept in UTC; a series in it is expanded into single occurrences
//      (src/ical/events.ts), as convene cannot expand one in a zone it does not know;
//   5. anything else (an unknown TZID without a definition, a floating time): the calendar's
//      X-WR-TIMEZONE if that resolves, else UTC.
// For 1-3, local times are read in the IANA zone (its rules, not the feed's copy of them, are
// the ones kept up to date); a time in a DST gap moves forward by the gap (RFC 5545 3.3.5).
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';
import { findIana, WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { isTimeZone } from '../validation.ts';

export interface Zone {
  /** The IANA zone appointments in it are stored in. */
  iana: string;
  /** The instant of a local time (an ical.js Time's fields, whatever zone the Time claims). */
  instant(time: ICAL.Time): Date;
  /** The local time of an instant (floating: no zone of ical.js's attached). */
  local(instant: Date): ICAL.Time;
  /** Rule 4: the instants come from the feed's own definition, not from `iana`. */
  definedByFeed?: true;
}

/** Local days whose offset is remembered, per zone; past this the memory starts afresh. */
const maxRememberedDays = 50_000;
const DAY_MS = 86_400_000;

/**
 * A zone read through Temporal. Most days have one offset: it is remembered per local day
 * (from the day's first and last second), so that a feed's thousands of times cost a few
 * Temporal calls; a day with a change (or a time outside years 1000-9999) is resolved exactly.
 */
function inIana(iana: string): Zone {
  const exact = (year: number, month: number, day: number, hour: number, minute: number, second: number) =>
    Temporal.PlainDateTime.from({ year, month, day, hour, minute, second }).toZonedDateTime(iana, { disambiguation: 'compatible' })
      .epochMilliseconds;
  const dayOffsets = new Map<number, number | null>();
  const offsetOf = (localDay: number, t: ICAL.Time): number | null => {
    let offset = dayOffsets.get(localDay);
    if (offset === undefined) {
      const first = localDay * DAY_MS - exact(t.year, t.month, t.day, 0, 0, 0);
      const last = localDay * DAY_MS + DAY_MS - 1000 - exact(t.year, t.month, t.day, 23, 59, 59);
      offset = first === last ? first : null;
      if (dayOffsets.size >= maxRememberedDays) dayOffsets.clear();
      dayOffsets.set(localDay, offset);
    }
    return offset;
  };
  return {
    iana,
    instant: (t) => {
      const localMs = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
      const offset = t.year >= 1000 && t.year <= 9999 ? offsetOf(Math.floor(localMs / DAY_MS), t) : null;
      return new Date(offset === null ? exact(t.year, t.month, t.day, t.hour, t.minute, t.second) : localMs - offset);
    },
    local: (instant) => {
      const t = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(iana);
      return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second });
    },
  };
}

const ianaZones = new Map<string, Zone>();
/** The zone for an IANA name (one object per name, so that callers can cache by it). */
export function ianaZone(iana: string): Zone {
  let zone = ianaZones.get(iana);
  if (!zone) {
    zone = inIana(iana);
    ianaZones.set(iana, zone);
  }
  return zone;
}

export const utc = ianaZone('UTC');

/** The IANA zone a TZID names by itself (rules 1 and 2), or null. */
export function namedZone(tzid: string): string | null {
  const name = tzid.trim();
  if (isTimeZone(name)) return canonical(name);
  const segments = name.split('/').filter(Boolean);
  for (let take = Math.min(3, segments.length); take >= 1; take--) {
    const tail = segments.slice(-take).join('/');
    if (tail.includes('/') && isTimeZone(tail)) return canonical(tail);
  }
  const windows = findIana(name)[0];
  return windows && isTimeZone(windows) ? canonical(windows) : null;
}

/** The zone's own spelling (isTimeZone accepts any case). */
const canonical = (name: string) => new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;

/** The zones of one iCalendar object: its VTIMEZONEs and default zone, resolved once per TZID. */
export class ZoneResolver {
  private readonly resolved = new Map<string, Zone>();
  private readonly definitions = new Map<string, ICAL.Component>();
  readonly floating: Zone;

  constructor(calendar: ICAL.Component) {
    for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
      const tzid = vtimezone.getFirstPropertyValue('tzid');
      if (typeof tzid === 'string') this.definitions.set(tzid, vtimezone);
    }
    const declared = calendar.getFirstPropertyValue('x-wr-timezone');
    const named = typeof declared === 'string' ? namedZone(declared) : null;
    this.floating = named ? ianaZone(named) : utc;
  }

  /** The zone of a date or date-time property (its TZID, or UTC, or floating). */
  zoneOf(property: ICAL.Property): Zone {
    const tzid = property.getParameter('tzid');
    if (typeof tzid !== 'string' || !tzid) return String(property.jCal[3]).endsWith('Z') ? utc : this.floating;
    let zone = this.resolved.get(tzid);
    if (!zone) {
      zone = this.resolve(tzid);
      this.resolved.set(tzid, zone);
    }
    return zone;
  }

  private resolve(tzid: string): Zone {
    const named = namedZone(tzid);
    if (named) return ianaZone(named);
    const definition = this.definitions.get(tzid);
    if (!definition) return this.floating;
    const timezone = new ICAL.Timezone(definition);
    const matching = matchingZone(timezone);
    if (matching) return ianaZone(matching);
    return {
      iana: 'UTC',
      definedByFeed: true,
      instant: (t) => {
        const local = t.clone();
        local.zone = timezone;
        return new Date(local.toUnixTime() * 1000);
      },
      local: (instant) => {
        const t = ICAL.Time.fromJSDate(instant, true).convertToZone(timezone);
        return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second });
      },
    };
  }
}

/** Windows' representative zones first, then every other IANA zone. */
let candidates: string[] | undefined;
function candidateZones(): string[] {
  candidates ??= [
    ...new Set([
      // Territory 001 is each Windows zone's representative.
      ...WINDOWS_TO_IANA_MAP.filter((entry) => entry.territory === '001')
        .map((entry) => entry.iana[0] as string)
        .filter(isTimeZone),
      ...Intl.supportedValuesOf('timeZone'),
    ]),
  ];
  return candidates;
}

/**
 * Samples: four a month at noon UTC, over the current year and the one before. (ical.js reads
 * them as local noon: transitions happen at night, so both sides fall on the same side of one.)
 */
function sampleInstants(): number[] {
  const year = new Date().getUTCFullYear();
  const samples: number[] = [];
  for (const y of [year - 1, year]) for (let m = 0; m < 12; m++) for (const d of [1, 8, 15, 22]) samples.push(Date.UTC(y, m, d, 12));
  return samples;
}

const matchesByDefinition = new Map<string, string | null>();

/** The first candidate IANA zone whose offsets agree with this VTIMEZONE at every sample (rule 3). */
function matchingZone(timezone: ICAL.Timezone): string | null {
  const key = timezone.component.toString().replace(/^TZID:.*$/m, '');
  const known = matchesByDefinition.get(key);
  if (known !== undefined) return known;
  const samples = sampleInstants();
  const offsets = samples.map((ms) => timezone.utcOffset(ICAL.Time.fromData({ ...utcFields(ms) }, ICAL.Timezone.utcTimezone)));
  const match =
    candidateZones().find((iana) =>
      samples.every((ms, i) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(iana).offsetNanoseconds / 1e9 === offsets[i]),
    ) ?? null;
  matchesByDefinition.set(key, match);
  return match;
}

function utcFields(ms: number) {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: 0, second: 0 };
}
