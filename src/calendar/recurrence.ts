// Recurrence of appointments (Open-Xchange, reference 004: fields 206-222), expanded in the
// series' own IANA time zone. Pure functions, no I/O.
//
// The model (OX's, with a 1-based month):
//   type NONE | DAILY | WEEKLY | MONTHLY | YEARLY, interval, days (weekday set), dayInMonth,
//   month, until (inclusive local date), occurrences (count).
//
// How it is computed. A series is a grid of *periods* anchored at its start:
//   DAILY    period k = the day   start + k*interval days          (one date)
//   WEEKLY   period k = the week  (Monday-based) of start + k*interval weeks, on `days`
//   MONTHLY  period k = the month of start + k*interval months     (one date: dayInMonth logic)
//   YEARLY   period k = the year  of start + k*interval years, in `month` (one date)
// Only dates on or after the start date count (period 0 may lose some of its dates), so every
// period but the first holds the same number of occurrences. The 1-based position of the j-th
// date of period k is therefore pure arithmetic, as is the period holding a date: `expand` jumps
// straight to the first period that can overlap its window, whatever the series' age.
//
// Dates are handled as integer epoch days (proleptic Gregorian, exact), and a local date plus
// wall time becomes an instant in the series' zone from the zone's offset history as Temporal
// reports it (cached per zone, so that most occurrences need no Temporal call; see ZoneResolver).
import { Temporal } from 'temporal-polyfill';
import type { Parsed } from '../errors.ts';

export type RecurrenceType = 'NONE' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
export type Weekday = 'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY';

/** As a client sends it: absent and null mean "not present". */
export interface RecurrenceInput {
  type: RecurrenceType;
  interval?: number | null;
  days?: Weekday[] | null;
  dayInMonth?: number | null;
  /** 1 = January ... 12 = December (OX uses 0-based; we use 1-based). */
  month?: number | null;
  /** ISO date 'YYYY-MM-DD', inclusive: the whole local day counts. */
  until?: string | null;
  occurrences?: number | null;
}

/**
 * Validated, with defaults applied: `days` = all seven where allowed (WEEKLY, MONTHLY, YEARLY)
 * and absent, null otherwise; `interval` = 1 for NONE (where it is not present) and when a
 * recurring type leaves it out. Days are in OX's order, Sunday first.
 */
export interface Recurrence {
  type: RecurrenceType;
  interval: number;
  days: Weekday[] | null;
  dayInMonth: number | null;
  month: number | null;
  until: string | null;
  occurrences: number | null;
}

/** The series' timing: the first occurrence in local time, in its IANA zone. */
export interface Series {
  /** IANA, e.g. 'Europe/Berlin'. */
  timezone: string;
  fullTime: boolean;
  /** Local start of the first occurrence: 'YYYY-MM-DDTHH:mm[:ss]' for timed, 'YYYY-MM-DD' for full-time. */
  start: string;
  /** Timed: exact length in ms (end - start as instants). Full-time: length in whole days (>= 1). */
  durationMs?: number;
  days?: number;
}

export interface Occurrence {
  /** 1-based position in the series (OX recurrence_position). */
  position: number;
  /** 'YYYY-MM-DD': local date of the occurrence's start (OX recurrence_date_position). */
  date: string;
  /** Instant. */
  start: Date;
  /** Instant (exclusive). */
  end: Date;
}

/** OX's weekday order: bit 0 = Sunday, bit 1 = Monday, ... (field 212). */
const WEEKDAYS: readonly Weekday[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const RECURRENCE_TYPES: readonly RecurrenceType[] = ['NONE', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];

/** Largest accepted interval (OX gives none; this keeps rules sane). */
const MAX_INTERVAL = 999;

/**
 * `expand` refuses (RangeError) a window that holds more occurrences than this, rather than
 * building an unbounded array: ask for a smaller window. Pass `{ limit }` to change it.
 */
export const MAX_OCCURRENCES = 10_000;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Validation: OX's presence rules (reference 004, fields 209-222).

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const wholeNumber = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const present = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/**
 * Checks a recurrence as a client sends it and applies the defaults. Messages name the field
 * (`recurrence.<field>: ...`). The rules, from OX's appointment fields:
 * - interval (215): present if and only if type is not NONE; must be 1 for YEARLY. Decision: a
 *   recurring type that leaves it out gets 1 (every day / week / month / year), the common
 *   client expectation; an explicit value must be a whole number from 1 to MAX_INTERVAL (999).
 * - days (212): may be present only if type > 1, i.e. WEEKLY, MONTHLY or YEARLY; "if allowed but
 *   not present, the value defaults to 127 (all 7 days)". Present means non-empty, no duplicates.
 * - dayInMonth (213): present if and only if type > 2 (MONTHLY, YEARLY). "If the field days is
 *   also present, only days selected by that field are counted. If the number is bigger than the
 *   number of available days, the last available day is selected." So it is the nth selected
 *   day of the month, 1..31, and the last selected day when the month has fewer: with all seven
 *   days (the default) a day of the month (31 = the month's last day); with MONDAY..FRIDAY, 23 is
 *   the 23rd weekday or the last; with SATURDAY alone, 5 or more is the last Saturday.
 * - month (214): present if and only if type is YEARLY; 1..12 here (OX counts from 0).
 * - until (216) and occurrences (222): may be present only if type is not NONE. until is an
 *   inclusive local date; occurrences a whole number >= 1. Both together are refused: RFC 5545
 *   forbids COUNT with UNTIL. (Whether until is on or after the series' start date needs the
 *   series: see `checkSeries`.)
 */
export function parseRecurrence(input: RecurrenceInput): Parsed<Recurrence> {
  const fail = (message: string): Parsed<Recurrence> => ({ ok: false, message });
  if (!input || typeof input !== 'object') return fail('recurrence: expected an object');
  const type = input.type;
  if (!RECURRENCE_TYPES.includes(type)) return fail(`recurrence.type: one of ${RECURRENCE_TYPES.join(', ')}`);
  const recurring = type !== 'NONE';
  const monthly = type === 'MONTHLY' || type === 'YEARLY';

  // interval: present iff recurring (a recurring type without one defaults to 1).
  let interval = 1;
  if (present(input.interval)) {
    if (!recurring) return fail('recurrence.interval: only for a recurring type (type is NONE)');
    if (!wholeNumber(input.interval) || input.interval < 1 || input.interval > MAX_INTERVAL) {
      return fail(`recurrence.interval: a whole number from 1 to ${MAX_INTERVAL}`);
    }
    if (type === 'YEARLY' && input.interval !== 1) return fail('recurrence.interval: must be 1 for YEARLY');
    interval = input.interval;
  }

  // days: may be present only for WEEKLY, MONTHLY, YEARLY; all seven when allowed and absent.
  const daysAllowed = type === 'WEEKLY' || monthly;
  let days: Weekday[] | null = daysAllowed ? [...WEEKDAYS] : null;
  if (present(input.days)) {
    if (!daysAllowed) return fail(`recurrence.days: only for WEEKLY, MONTHLY or YEARLY (type is ${type})`);
    if (!Array.isArray(input.days) || input.days.length === 0) {
      return fail('recurrence.days: must not be empty (leave it out for all seven days)');
    }
    const seen = new Set<Weekday>();
    for (const day of input.days) {
      if (!WEEKDAYS.includes(day)) return fail(`recurrence.days: unknown weekday ${JSON.stringify(day)} (SUNDAY ... SATURDAY)`);
      if (seen.has(day)) return fail(`recurrence.days: ${day} is listed twice`);
      seen.add(day);
    }
    days = WEEKDAYS.filter((day) => seen.has(day));
  }

  // dayInMonth: present iff MONTHLY or YEARLY; 1..31, the nth selected day (see dayOfMonth).
  let dayInMonth: number | null = null;
  if (present(input.dayInMonth)) {
    if (!monthly) return fail(`recurrence.dayInMonth: only for MONTHLY or YEARLY (type is ${type})`);
    if (!wholeNumber(input.dayInMonth) || input.dayInMonth < 1 || input.dayInMonth > 31) {
      return fail(
        days!.length === 7
          ? 'recurrence.dayInMonth: a whole number from 1 to 31 (too big for a month = its last day)'
          : 'recurrence.dayInMonth: with days, a whole number from 1 to 31 (the nth such day of the month; too big = the last)',
      );
    }
    dayInMonth = input.dayInMonth;
  } else if (monthly) {
    return fail(`recurrence.dayInMonth: required for ${type}`);
  }

  // month: present iff YEARLY, 1 = January ... 12 = December.
  let month: number | null = null;
  if (present(input.month)) {
    if (type !== 'YEARLY') return fail(`recurrence.month: only for YEARLY (type is ${type})`);
    if (!wholeNumber(input.month) || input.month < 1 || input.month > 12) {
      return fail('recurrence.month: a whole number from 1 (January) to 12 (December)');
    }
    month = input.month;
  } else if (type === 'YEARLY') {
    return fail('recurrence.month: required for YEARLY (1 = January ... 12 = December)');
  }

  // until / occurrences: only when recurring; not both.
  let until: string | null = null;
  if (present(input.until)) {
    if (!recurring) return fail('recurrence.until: only for a recurring type (type is NONE)');
    if (typeof input.until !== 'string' || parseDay(input.until) === null) {
      return fail('recurrence.until: not a valid date (YYYY-MM-DD)');
    }
    until = input.until;
  }
  let occurrences: number | null = null;
  if (present(input.occurrences)) {
    if (!recurring) return fail('recurrence.occurrences: only for a recurring type (type is NONE)');
    if (!wholeNumber(input.occurrences) || input.occurrences < 1) {
      return fail('recurrence.occurrences: a whole number of at least 1');
    }
    occurrences = input.occurrences;
  }
  if (until !== null && occurrences !== null) {
    return fail('recurrence.until, recurrence.occurrences: give one or the other, not both (RFC 5545)');
  }
  return { ok: true, data: { type, interval, days, dayInMonth, month, until, occurrences } };
}

/**
 * The checks that need the series as well as the rule: the start itself an occurrence of the
 * rule (OX 201: "sequences always start at this date"), and `until` not before the start's
 * local date. Messages name the field.
 */
export function checkSeries(series: Series, rule: Recurrence): Parsed<true> {
  if (rule.type === 'NONE') return { ok: true, data: true };
  const plan = planOf(series, rule);
  if (!plan.startsOnOccurrence) return { ok: false, message: 'start: a series must start on one of its occurrences' };
  if (rule.until !== null && plan.untilDay !== null && plan.untilDay < plan.startDay) {
    return { ok: false, message: 'recurrence.until: before the series starts' };
  }
  return { ok: true, data: true };
}

// ---------------------------------------------------------------------------------------------
// Public expansion API.

/**
 * Whether the series start is itself an occurrence of the rule (OX 201: "for sequences, this
 * date must be part of the sequence, i.e. sequences always start at this date"). It looks at the
 * pattern only (type, interval, days, dayInMonth, month), not at until / occurrences: see
 * `checkSeries` for those. NONE: always true.
 */
export function startsOnOccurrence(series: Series, rule: Recurrence): boolean {
  if (rule.type === 'NONE') return true;
  return planOf(series, rule).startsOnOccurrence;
}

/**
 * The occurrences that overlap [from, to) (start < to and end > from), in order. NONE: the
 * single event, position 1. A series whose start is not an occurrence (see startsOnOccurrence)
 * yields the rule's dates on or after the start date, numbered from 1, as python-dateutil does.
 *
 * Bounded work: the first period that can overlap `from` (looking back by the occurrence length,
 * so a long or full-time occurrence that began before `from` is included) is computed, not
 * iterated to; then at most the window's occurrences (plus those of the look-back) are built.
 * More than `limit` (default MAX_OCCURRENCES = 10,000) overlapping occurrences throws a
 * RangeError instead of returning a huge, silently truncated list.
 */
export function expand(series: Series, rule: Recurrence, from: Date, to: Date, options: { limit?: number } = {}): Occurrence[] {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  const limit = options.limit ?? MAX_OCCURRENCES;
  const plan = planOf(series, rule);
  const result: Occurrence[] = [];
  if (toMs <= fromMs || plan.last === 0) return result;
  if (plan.type === 'NONE') {
    const single = build(plan, plan.startDay, 1);
    if (single.start.getTime() < toMs && single.end.getTime() > fromMs) result.push(single);
    return result;
  }

  // Look back by the occurrence's length (full-time: days of up to 25 hours), then widen by two
  // days for the zone's offset (local dates run up to 14 h ahead of and 12 h behind UTC) and for
  // gap shifts. Exactness comes from the instant comparison below.
  const lookbackMs = plan.fullTime ? plan.lengthDays * (DAY_MS + HOUR_MS) : plan.lengthMs;
  const lowDay = Math.floor((fromMs - lookbackMs) / DAY_MS) - 2;
  let k = Math.max(0, periodOf(plan, lowDay));
  for (;;) {
    const dates = datesOf(plan, k);
    for (let j = 0; j < dates.length; j++) {
      const day = dates[j]!;
      const position = positionOf(plan, k, j);
      if (position > plan.last) return result;
      if (day < lowDay) continue;
      const startMs = plan.zone.resolve(day * DAY_MS + plan.timeMs);
      if (startMs >= toMs) return result;
      const endMs = plan.fullTime ? plan.zone.resolve((day + plan.lengthDays) * DAY_MS) : startMs + plan.lengthMs;
      if (endMs > fromMs) {
        if (result.length >= limit) {
          throw new RangeError(
            `recurrence: more than ${limit} occurrences between ${from.toISOString()} and ${to.toISOString()}; ask for a smaller window`,
          );
        }
        result.push({ position, date: formatDay(day), start: new Date(startMs), end: new Date(endMs) });
      }
    }
    k++;
  }
}

/**
 * The occurrence on this local date (its start's date), if the rule has one there within its
 * until / occurrences limits; null otherwise (also for a malformed date). Used for change and
 * delete exceptions. Computed directly, without iterating.
 */
export function occurrenceOn(series: Series, rule: Recurrence, date: string): Occurrence | null {
  const day = parseDay(date);
  if (day === null) return null;
  const plan = planOf(series, rule);
  if (day < plan.startDay) return null;
  if (plan.type === 'NONE') return day === plan.startDay ? build(plan, day, 1) : null;
  const k = periodOf(plan, day);
  const j = datesOf(plan, k).indexOf(day);
  if (j < 0) return null;
  const position = positionOf(plan, k, j);
  return position > plan.last ? null : build(plan, day, position);
}

/**
 * The instant the series ends (exclusive): the end of its last occurrence, or null when it never
 * ends (no until, no occurrences). NONE: the event's end. A series without any occurrence
 * (until before its first one) ends at its start.
 */
export function seriesEnd(series: Series, rule: Recurrence): Date | null {
  const plan = planOf(series, rule);
  if (plan.type === 'NONE') return build(plan, plan.startDay, 1).end;
  if (plan.last === Infinity) return null;
  if (plan.last === 0) return build(plan, plan.startDay, 1).start;
  return nth(plan, plan.last).end;
}

/** The occurrence at this 1-based position, or null past the series' end. */
export function occurrenceAt(series: Series, rule: Recurrence, position: number): Occurrence | null {
  if (!Number.isSafeInteger(position) || position < 1) return null;
  const plan = planOf(series, rule);
  if (plan.type === 'NONE') return position === 1 ? build(plan, plan.startDay, 1) : null;
  if (position > plan.last) return null;
  return nth(plan, position);
}

// ---------------------------------------------------------------------------------------------
// The plan: a rule and series turned into integers.

interface Plan {
  type: RecurrenceType;
  interval: number;
  startDay: number; // epoch day of the start's local date
  timeMs: number; // timed: local wall time of day in ms; full-time: 0 (midnight)
  fullTime: boolean;
  lengthMs: number; // timed: exact length
  lengthDays: number; // full-time: length in days
  zone: ZoneResolver;
  allDays: boolean; // days = all seven (MONTHLY / YEARLY: dayInMonth is a day of the month)
  mask: number; // OX bits: 1 << 0 = Sunday ...
  offsets: number[]; // WEEKLY: selected days as offsets from Monday (0..6), ascending
  dayInMonth: number;
  month: number;
  week0: number; // WEEKLY: epoch day of the Monday of the start's week
  month0: number; // MONTHLY: year * 12 + (month - 1) of the start
  year0: number; // YEARLY: the start's year
  firstCount: number; // occurrences in period 0 (on or after the start date)
  perPeriod: number; // occurrences in every later period
  untilDay: number | null;
  last: number; // last position: Infinity = never ends, 0 = no occurrence at all
  startsOnOccurrence: boolean;
}

function planOf(series: Series, rule: Recurrence): Plan {
  if (!series || typeof series !== 'object') throw new RangeError('recurrence: series expected');
  if (!rule || !RECURRENCE_TYPES.includes(rule.type)) throw new RangeError(`recurrence: unknown type ${String(rule?.type)}`);
  const zone = resolverFor(series.timezone);
  let startDay: number;
  let timeMs = 0;
  let lengthMs = 0;
  let lengthDays = 0;
  if (series.fullTime) {
    const day = parseDay(series.start);
    if (day === null) throw new RangeError(`recurrence: full-time series start must be YYYY-MM-DD, got ${series.start}`);
    startDay = day;
    lengthDays = series.days ?? 1;
    if (!Number.isSafeInteger(lengthDays) || lengthDays < 1)
      throw new RangeError(`recurrence: full-time length must be whole days >= 1, got ${series.days}`);
  } else {
    const local = parseLocalDateTime(series.start);
    if (!local) throw new RangeError(`recurrence: timed series start must be YYYY-MM-DDTHH:mm[:ss], got ${series.start}`);
    [startDay, timeMs] = local;
    lengthMs = series.durationMs ?? 0;
    if (!Number.isFinite(lengthMs) || lengthMs < 0) throw new RangeError(`recurrence: durationMs must be >= 0, got ${series.durationMs}`);
  }

  const type = rule.type;
  const interval = type === 'NONE' ? 1 : (rule.interval ?? 1);
  if (!Number.isSafeInteger(interval) || interval < 1)
    throw new RangeError(`recurrence: interval must be a whole number >= 1, got ${rule.interval}`);
  // days: null (as stored for "all seven") means all seven.
  let mask = 0;
  for (const day of rule.days ?? WEEKDAYS) {
    const index = WEEKDAYS.indexOf(day);
    if (index < 0) throw new RangeError(`recurrence: unknown weekday ${String(day)}`);
    mask |= 1 << index;
  }
  if (mask === 0) mask = 127;
  const allDays = mask === 127;
  // WEEKLY: weeks start on Monday, RFC 5545's default WKST=MO (OX does not say; it is also
  // ISO 8601's week). It matters with interval > 1: every other week on Monday and Sunday from
  // Monday 2026-01-05 gives Jan 5, 11, 19, 25 (a Sunday belongs to the week it ends), where a
  // Sunday-based week would give Jan 5, 18, 19, Feb 1.
  const offsets: number[] = [];
  for (let offset = 0; offset < 7; offset++) if (mask & (1 << ((offset + 1) % 7))) offsets.push(offset);
  const monthly = type === 'MONTHLY' || type === 'YEARLY';
  const dayInMonth = monthly ? (rule.dayInMonth ?? NaN) : 1;
  if (monthly && (!Number.isSafeInteger(dayInMonth) || dayInMonth < 1)) throw new RangeError(`recurrence: ${type} needs dayInMonth >= 1`);
  const [startYear, startMonth] = civilFromDays(startDay);
  const month = type === 'YEARLY' ? (rule.month ?? NaN) : startMonth;
  if (!(month >= 1 && month <= 12 && Number.isInteger(month))) throw new RangeError('recurrence: YEARLY needs month 1..12');
  let untilDay: number | null = null;
  if (type !== 'NONE' && rule.until !== null && rule.until !== undefined) {
    untilDay = parseDay(rule.until);
    if (untilDay === null) throw new RangeError(`recurrence: until must be YYYY-MM-DD, got ${rule.until}`);
  }
  const count = type !== 'NONE' && rule.occurrences !== null && rule.occurrences !== undefined ? rule.occurrences : null;

  const plan: Plan = {
    type,
    interval,
    startDay,
    timeMs,
    fullTime: series.fullTime,
    lengthMs,
    lengthDays,
    zone,
    allDays,
    mask,
    offsets,
    dayInMonth,
    month,
    week0: startDay - mondayOffset(startDay),
    month0: startYear * 12 + startMonth - 1,
    year0: startYear,
    firstCount: 0,
    perPeriod: type === 'WEEKLY' ? offsets.length : 1,
    untilDay,
    last: Infinity,
    startsOnOccurrence: true,
  };
  if (type === 'NONE') {
    plan.last = 1;
    return plan;
  }
  const first = datesOf(plan, 0);
  plan.firstCount = first.length;
  plan.startsOnOccurrence = first[0] === startDay;
  // until (OX 216) is inclusive: "the entire day after the midnight specified by the value is
  // included", so the last occurrence is the last one whose local date is <= until.
  let last = count ?? Infinity;
  if (untilDay !== null) last = Math.min(last, lastPositionUntil(plan, untilDay));
  plan.last = last;
  return plan;
}

/** The position of the last occurrence on or before `untilDay`; 0 when there is none. */
function lastPositionUntil(plan: Plan, untilDay: number): number {
  if (untilDay < plan.startDay) return 0;
  for (let k = periodOf(plan, untilDay); k >= 0; k--) {
    const dates = datesOf(plan, k);
    for (let j = dates.length - 1; j >= 0; j--) if (dates[j]! <= untilDay) return positionOf(plan, k, j);
  }
  return 0;
}

/** The period (possibly negative) that holds this epoch day. */
function periodOf(plan: Plan, day: number): number {
  switch (plan.type) {
    case 'NONE':
      return 0;
    case 'DAILY':
      return Math.floor((day - plan.startDay) / plan.interval);
    case 'WEEKLY':
      return Math.floor((day - plan.week0) / (7 * plan.interval));
    case 'MONTHLY': {
      const [y, m] = civilFromDays(day);
      return Math.floor((y * 12 + m - 1 - plan.month0) / plan.interval);
    }
    case 'YEARLY':
      return Math.floor((civilFromDays(day)[0] - plan.year0) / plan.interval);
  }
}

/** The occurrence dates (epoch days, ascending) of period k, leaving out those before the start. */
function datesOf(plan: Plan, k: number): number[] {
  if (k < 0) return [];
  let dates: number[];
  switch (plan.type) {
    case 'NONE':
      dates = [plan.startDay];
      break;
    case 'DAILY':
      // DAILY: every `interval` days.
      dates = [plan.startDay + k * plan.interval];
      break;
    case 'WEEKLY': {
      // WEEKLY: every `interval` weeks (Monday-based), on the selected days.
      const monday = plan.week0 + 7 * plan.interval * k;
      dates = plan.offsets.map((offset) => monday + offset);
      break;
    }
    case 'MONTHLY': {
      // MONTHLY: every `interval` months, on dayInMonth (see dayOfMonth).
      const index = plan.month0 + plan.interval * k;
      const year = Math.floor(index / 12);
      dates = [daysFromCivil(year, index - year * 12 + 1, dayOfMonth(plan, year, index - year * 12 + 1))];
      break;
    }
    case 'YEARLY': {
      // YEARLY: every year (interval 1) in `month`, on dayInMonth (see dayOfMonth).
      const year = plan.year0 + plan.interval * k;
      dates = [daysFromCivil(year, plan.month, dayOfMonth(plan, year, plan.month))];
      break;
    }
  }
  return k === 0 ? dates.filter((day) => day >= plan.startDay) : dates;
}

/**
 * OX 213: dayInMonth counts the month's days that are selected by `days` (all seven by default,
 * making it the plain day of the month); "if the number is bigger than the number of available
 * days, the last available day is selected": day 31 of April is April 30, the 5th Monday of a
 * month with four is its last Monday, the 23rd of MONDAY..FRIDAY is a month's last weekday.
 */
function dayOfMonth(plan: Plan, year: number, month: number): number {
  const length = monthLength(year, month);
  if (plan.allDays) return Math.min(plan.dayInMonth, length);
  let weekday = oxWeekday(daysFromCivil(year, month, 1));
  let seen = 0;
  let last = 1;
  for (let day = 1; day <= length; day++, weekday = weekday === 6 ? 0 : weekday + 1) {
    if (plan.mask & (1 << weekday)) {
      if (++seen === plan.dayInMonth) return day;
      last = day;
    }
  }
  return last;
}

/** 1-based position of the j-th date of period k. */
function positionOf(plan: Plan, k: number, j: number): number {
  return k === 0 ? j + 1 : plan.firstCount + (k - 1) * plan.perPeriod + j + 1;
}

/** The occurrence at a 1-based position (within the series' limits). */
function nth(plan: Plan, position: number): Occurrence {
  let k: number;
  let j: number;
  if (position <= plan.firstCount) {
    k = 0;
    j = position - 1;
  } else {
    const rest = position - plan.firstCount - 1;
    k = 1 + Math.floor(rest / plan.perPeriod);
    j = rest % plan.perPeriod;
  }
  return build(plan, datesOf(plan, k)[j]!, position);
}

/**
 * One occurrence on a local date. Timed: the series' wall time on that date, resolved in its
 * zone (see ZoneResolver for gaps and overlaps), ending exactly durationMs later. Full-time:
 * from the date's local midnight to the local midnight `days` days later (23 or 25 hours across
 * a DST change).
 */
function build(plan: Plan, day: number, position: number): Occurrence {
  const startMs = plan.zone.resolve(day * DAY_MS + plan.timeMs);
  const endMs = plan.fullTime ? plan.zone.resolve((day + plan.lengthDays) * DAY_MS) : startMs + plan.lengthMs;
  return { position, date: formatDay(day), start: new Date(startMs), end: new Date(endMs) };
}

function instantMs(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`recurrence: ${name} is not a valid instant`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Local time -> instant.

/**
 * Turns a local wall time (as ms since 1970-01-01T00:00 local) into an instant in one zone.
 *
 * The rule for wall times that do not exist or exist twice is Temporal's
 * `disambiguation: 'compatible'`, which is RFC 5545's (3.3.5): a time in a spring-forward gap
 * moves forward by the gap's length (Berlin 2026-03-29 02:30 -> 03:30 CEST, 01:30Z); a time in a
 * fall-back overlap takes the first, earlier instant (Berlin 2026-10-25 02:30 -> 02:30 CEST,
 * 00:30Z). python-dateutil/zoneinfo with fold=0 agree (checked by the vectors).
 *
 * How: the zone's offset history is read from Temporal (instant -> offset, and
 * getTimeZoneTransition) as *segments* [transition, next transition) of constant offset, cached
 * per zone as they are met. A wall time L has one candidate instant per segment, L - offset,
 * valid when it falls inside that segment. Offsets lie within -12..+14 h, so every candidate is
 * within 26 hours of any one guess; with the segments that cover guess +- 27 h at hand:
 * - one valid candidate: that instant;
 * - two (a fall-back overlap): the earlier one ('compatible' = 'earlier' there);
 * - none (a spring-forward gap): L minus the offset *before* the gap's transition, i.e. L moved
 *   forward by the gap ('compatible' = 'later' there).
 * Most wall times lie deep inside the segment used last and cost one subtraction. The tests check
 * this against Temporal's own toZonedDateTime in zones with odd histories.
 */
class ZoneResolver {
  /** Known segments, sorted by start, disjoint. */
  private segments: Segment[] = [];
  private hint: Segment | null = null;

  constructor(readonly timeZone: string) {
    // Throws RangeError for an unknown zone.
    this.hint = this.fetch(0);
    this.segments.push(this.hint);
  }

  resolve(localMs: number): number {
    const hint = this.hint!;
    const t = localMs - hint.offset;
    if (t - MARGIN_MS >= hint.start && t + MARGIN_MS < hint.end) return t;
    return this.resolveNearTransition(localMs, t);
  }

  /** The UTC offset in ms in force at an instant. */
  offsetAt(t: number): number {
    const hint = this.hint!;
    if (t >= hint.start && t < hint.end) return hint.offset;
    return this.cover(t, t).find((segment) => t >= segment.start && t < segment.end)!.offset;
  }

  private resolveNearTransition(localMs: number, guess: number): number {
    const run = this.cover(guess - MARGIN_MS, guess + MARGIN_MS);
    let best = Infinity;
    let bestSegment: Segment | null = null;
    for (const segment of run) {
      const t = localMs - segment.offset;
      if (t >= segment.start && t < segment.end && t < best) {
        best = t;
        bestSegment = segment;
      }
    }
    if (bestSegment) {
      this.hint = bestSegment;
      return best;
    }
    // A gap: the transition where the offset before it puts L after it and the offset after it
    // puts L before it.
    for (let i = 1; i < run.length; i++) {
      const before = run[i - 1]!;
      const after = run[i]!;
      const t = localMs - before.offset;
      if (t >= after.start && localMs - after.offset < after.start) {
        this.hint = after;
        return t;
      }
    }
    throw new RangeError(`recurrence: cannot resolve a local time in ${this.timeZone}`);
  }

  /** Contiguous segments covering [from, to], fetched from Temporal where not known yet. */
  private cover(from: number, to: number): Segment[] {
    if (this.segments.length > MAX_SEGMENTS) this.segments = [];
    let i = this.indexOf(from);
    if (i < 0) i = this.insert(this.fetch(from));
    const run = [this.segments[i]!];
    for (let last = run[0]!; last.end <= to; ) {
      let next = this.segments[i + 1];
      if (!next || next.start !== last.end) {
        next = this.fetchFrom(last.end);
        this.segments.splice(i + 1, 0, next);
      }
      run.push(next);
      last = next;
      i++;
    }
    return run;
  }

  /** The index of the known segment holding instant t, or -1. */
  private indexOf(t: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const segment = this.segments[mid]!;
      if (t < segment.start) hi = mid - 1;
      else if (t >= segment.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private insert(segment: Segment): number {
    let i = 0;
    while (i < this.segments.length && this.segments[i]!.start < segment.start) i++;
    this.segments.splice(i, 0, segment);
    return i;
  }

  /** The segment holding instant t. */
  private fetch(t: number): Segment {
    const zoned = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(this.timeZone);
    // The last transition at or before t ('previous' is strictly before its argument).
    const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition('previous');
    const next = zoned.getTimeZoneTransition('next');
    return {
      start: previous ? previous.epochMilliseconds : -Infinity,
      end: next ? next.epochMilliseconds : Infinity,
      offset: zoned.offsetNanoseconds / 1e6,
    };
  }

  /** The segment that starts at this transition. */
  private fetchFrom(start: number): Segment {
    const zoned = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(this.timeZone);
    const next = zoned.getTimeZoneTransition('next');
    return { start, end: next ? next.epochMilliseconds : Infinity, offset: zoned.offsetNanoseconds / 1e6 };
  }
}

/** [start, end) in epoch ms, with the UTC offset in ms in force there. */
interface Segment {
  start: number;
  end: number;
  offset: number;
}

/** A zone's cache is dropped (and refilled as needed) beyond this many segments. */
const MAX_SEGMENTS = 10_000;
const MARGIN_MS = 27 * HOUR_MS;
const resolvers = new Map<string, ZoneResolver>();

/** One resolver per zone (a cache of its offset history; it never changes a result). */
function resolverFor(timeZone: string): ZoneResolver {
  if (typeof timeZone !== 'string' || !timeZone) throw new RangeError('recurrence: series timezone missing');
  let resolver = resolvers.get(timeZone);
  if (!resolver) {
    resolver = new ZoneResolver(timeZone);
    if (resolvers.size >= 256) resolvers.clear();
    resolvers.set(timeZone, resolver);
  }
  return resolver;
}

/**
 * The wall time of an instant in a zone, 'YYYY-MM-DDTHH:mm:ss' (milliseconds cut off), from the
 * cached offset history: what Temporal's toZonedDateTimeISO(zone).toPlainDateTime() gives, at
 * a fraction of its cost (busy-time queries turn every loaded series into a Series).
 */
export function localDateTime(instant: Date, timeZone: string): string {
  const t = instantMs(instant, 'instant');
  const localMs = t + resolverFor(timeZone).offsetAt(t);
  const day = Math.floor(localMs / DAY_MS);
  const seconds = Math.floor((localMs - day * DAY_MS) / 1000);
  const time = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  return `${formatDay(day)}T${time.map((n) => String(n).padStart(2, '0')).join(':')}`;
}

// ---------------------------------------------------------------------------------------------
// Proleptic Gregorian calendar on integer epoch days (H. Hinnant's algorithms).

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function monthLength(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** OX weekday index of an epoch day: 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
function oxWeekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Days since the Monday of the day's week: 0 = Monday ... 6 = Sunday. */
function mondayOffset(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The epoch day of a strict 'YYYY-MM-DD' (a real date, year 0001..9999), or null. */
function parseDay(text: string): number | null {
  const match = typeof text === 'string' ? isoDate.exec(text) : null;
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)) return null;
  return daysFromCivil(year, month, day);
}

const isoLocalDateTime = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A strict 'YYYY-MM-DDTHH:mm[:ss]' as [epoch day, ms into the day]; other ISO forms through Temporal; null if invalid. */
function parseLocalDateTime(text: string): [day: number, timeMs: number] | null {
  const match = typeof text === 'string' ? isoLocalDateTime.exec(text) : null;
  if (match) {
    const day = parseDay(match[1]!);
    const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
    if (day === null || hour > 23 || minute > 59 || second > 59) return null;
    return [day, ((hour * 60 + minute) * 60 + second) * 1000];
  }
  try {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return null;
    const local = Temporal.PlainDateTime.from(text, { overflow: 'reject' });
    return [
      daysFromCivil(local.year, local.month, local.day),
      ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond,
    ];
  } catch {
    return null;
  }
}

function formatDay(days: number): string {
  const [year, month, day] = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
