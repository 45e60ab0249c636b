// Recurrence (Open-Xchange model) expanded in the series' zone: presence rules, RFC 5545
// examples, DST, skip-ahead, and vectors computed with python-dateutil
// (scripts/recurrence-vectors.py -> test/data/recurrence-vectors.json).
import { readFileSync } from 'node:fs';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  checkSeries,
  expand,
  localDateTime,
  MAX_OCCURRENCES,
  type Occurrence,
  occurrenceAt,
  occurrenceOn,
  parseRecurrence,
  type Recurrence,
  type RecurrenceInput,
  type Series,
  seriesEnd,
  startsOnOccurrence,
} from '../../src/calendar/recurrence.ts';
import { seededRandom, shuffle } from '../support/random.ts';

const B = 'Europe/Berlin';
const NY = 'America/New_York';
const SYD = 'Australia/Sydney';
const HOUR = 3_600_000;
const ALL_DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
const MONDAY_TO_FRIDAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;

function rule(input: RecurrenceInput): Recurrence {
  const parsed = parseRecurrence(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.data;
}

function refused(input: RecurrenceInput): string {
  const parsed = parseRecurrence(input);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(input)}`);
  return parsed.message;
}

const timed = (timezone: string, start: string, minutes = 60): Series => ({
  timezone,
  fullTime: false,
  start,
  durationMs: minutes * 60_000,
});
const fullDay = (timezone: string, start: string, days = 1): Series => ({ timezone, fullTime: true, start, days });
const utc = (iso: string) => new Date(iso);

/** Local wall time of an instant in a zone, 'YYYY-MM-DDTHH:mm'. */
function local(instant: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' });
}

const plain = (o: Occurrence) => ({ position: o.position, date: o.date, start: o.start.toISOString(), end: o.end.toISOString() });
const dates = (list: Occurrence[]) => list.map((o) => o.date);

/** Everything from the series start to `to`, by a window starting at the series start. */
function fromStart(series: Series, r: Recurrence, to: Date): Occurrence[] {
  return expand(series, r, new Date(Date.UTC(1, 0, 1)), to, { limit: 1_000_000 });
}

describe('parseRecurrence: presence rules and defaults', () => {
  it('NONE: nothing else present, defaults filled', () => {
    expect(parseRecurrence({ type: 'NONE' })).toEqual({
      ok: true,
      data: { type: 'NONE', interval: 1, days: null, dayInMonth: null, month: null, until: null, occurrences: null },
    });
    // null means "not present".
    expect(
      parseRecurrence({ type: 'NONE', interval: null, days: null, dayInMonth: null, month: null, until: null, occurrences: null }).ok,
    ).toBe(true);
  });

  it.each([
    [{ interval: 1 }, /^recurrence\.interval: only for a recurring type/],
    [{ days: ['MONDAY'] }, /^recurrence\.days: only for WEEKLY, MONTHLY or YEARLY/],
    [{ dayInMonth: 1 }, /^recurrence\.dayInMonth: only for MONTHLY or YEARLY/],
    [{ month: 1 }, /^recurrence\.month: only for YEARLY/],
    [{ until: '2030-01-01' }, /^recurrence\.until: only for a recurring type/],
    [{ occurrences: 3 }, /^recurrence\.occurrences: only for a recurring type/],
  ] as Array<[Partial<RecurrenceInput>, RegExp]>)('NONE refuses %j', (fields, message) => {
    expect(refused({ type: 'NONE', ...fields })).toMatch(message);
  });

  it('refuses an unknown type', () => {
    expect(refused({ type: 'HOURLY' as never })).toMatch(/^recurrence\.type: one of NONE, DAILY, WEEKLY, MONTHLY, YEARLY/);
  });

  it('interval: defaults to 1 for a recurring type, whole number 1..999', () => {
    expect(rule({ type: 'DAILY' }).interval).toBe(1);
    expect(rule({ type: 'DAILY', interval: null }).interval).toBe(1);
    expect(rule({ type: 'WEEKLY', interval: 999 }).interval).toBe(999);
    for (const interval of [0, -1, 1.5, 1000, Number.NaN, Infinity]) {
      expect(refused({ type: 'DAILY', interval })).toBe('recurrence.interval: a whole number from 1 to 999');
    }
    expect(refused({ type: 'DAILY', interval: '2' as never })).toMatch(/^recurrence\.interval/);
  });

  it('interval: must be 1 for YEARLY', () => {
    expect(refused({ type: 'YEARLY', interval: 2, dayInMonth: 1, month: 1 })).toBe('recurrence.interval: must be 1 for YEARLY');
    expect(rule({ type: 'YEARLY', interval: 1, dayInMonth: 1, month: 1 }).interval).toBe(1);
  });

  it('days: all seven by default where allowed, null where not', () => {
    expect(rule({ type: 'WEEKLY' }).days).toEqual(ALL_DAYS);
    expect(rule({ type: 'MONTHLY', dayInMonth: 3 }).days).toEqual(ALL_DAYS);
    expect(rule({ type: 'YEARLY', dayInMonth: 3, month: 4 }).days).toEqual(ALL_DAYS);
    expect(rule({ type: 'DAILY' }).days).toBeNull();
    expect(rule({ type: 'NONE' }).days).toBeNull();
  });

  it('days: not for DAILY; non-empty, known, no duplicates; sorted Sunday first', () => {
    expect(refused({ type: 'DAILY', days: ['MONDAY'] })).toBe('recurrence.days: only for WEEKLY, MONTHLY or YEARLY (type is DAILY)');
    expect(refused({ type: 'WEEKLY', days: [] })).toMatch(/^recurrence\.days: must not be empty/);
    expect(refused({ type: 'WEEKLY', days: ['MONDAY', 'MONDAY'] })).toBe('recurrence.days: MONDAY is listed twice');
    expect(refused({ type: 'WEEKLY', days: ['MON' as never] })).toMatch(/^recurrence\.days: unknown weekday "MON"/);
    expect(rule({ type: 'WEEKLY', days: ['SATURDAY', 'MONDAY', 'SUNDAY'] }).days).toEqual(['SUNDAY', 'MONDAY', 'SATURDAY']);
  });

  it('dayInMonth: required for MONTHLY and YEARLY, refused elsewhere', () => {
    expect(refused({ type: 'MONTHLY' })).toBe('recurrence.dayInMonth: required for MONTHLY');
    expect(refused({ type: 'YEARLY', month: 3 })).toBe('recurrence.dayInMonth: required for YEARLY');
    expect(refused({ type: 'DAILY', dayInMonth: 3 })).toBe('recurrence.dayInMonth: only for MONTHLY or YEARLY (type is DAILY)');
    expect(refused({ type: 'WEEKLY', dayInMonth: 3 })).toBe('recurrence.dayInMonth: only for MONTHLY or YEARLY (type is WEEKLY)');
  });

  it('dayInMonth: 1..31, with or without days (MONTHLY and YEARLY)', () => {
    expect(rule({ type: 'MONTHLY', dayInMonth: 31 }).dayInMonth).toBe(31);
    expect(rule({ type: 'MONTHLY', dayInMonth: 1 }).dayInMonth).toBe(1);
    for (const dayInMonth of [0, 32, 2.5])
      expect(refused({ type: 'MONTHLY', dayInMonth })).toBe(
        'recurrence.dayInMonth: a whole number from 1 to 31 (too big for a month = its last day)',
      );
    // With days: the nth selected day of the month, any number up to 31 (too big = the last).
    for (const dayInMonth of [1, 5, 6, 9, 23, 31]) {
      expect(rule({ type: 'MONTHLY', days: ['FRIDAY'], dayInMonth }).dayInMonth).toBe(dayInMonth);
      expect(rule({ type: 'YEARLY', days: ['MONDAY', 'FRIDAY'], dayInMonth, month: 2 }).dayInMonth).toBe(dayInMonth);
    }
    for (const dayInMonth of [0, 32, -1, 1.5, Number.NaN]) {
      expect(refused({ type: 'MONTHLY', days: ['FRIDAY'], dayInMonth })).toBe(
        'recurrence.dayInMonth: with days, a whole number from 1 to 31 (the nth such day of the month; too big = the last)',
      );
      expect(refused({ type: 'YEARLY', days: ['MONDAY', 'FRIDAY'], dayInMonth, month: 1 })).toMatch(/^recurrence\.dayInMonth: with days/);
    }
    // All seven days listed is the default: a plain day of the month.
    expect(rule({ type: 'MONTHLY', days: [...ALL_DAYS], dayInMonth: 31 })).toEqual(rule({ type: 'MONTHLY', dayInMonth: 31 }));
  });

  it('month: required for YEARLY (1..12), refused elsewhere', () => {
    expect(refused({ type: 'YEARLY', dayInMonth: 1 })).toMatch(/^recurrence\.month: required for YEARLY \(1 = January/);
    expect(refused({ type: 'MONTHLY', dayInMonth: 1, month: 2 })).toBe('recurrence.month: only for YEARLY (type is MONTHLY)');
    expect(refused({ type: 'WEEKLY', month: 2 })).toBe('recurrence.month: only for YEARLY (type is WEEKLY)');
    for (const month of [0, 13, 1.5])
      expect(refused({ type: 'YEARLY', dayInMonth: 1, month })).toMatch(/^recurrence\.month: a whole number from 1 \(January\) to 12/);
    expect(rule({ type: 'YEARLY', dayInMonth: 1, month: 12 }).month).toBe(12);
  });

  it('until: a real date', () => {
    expect(rule({ type: 'DAILY', until: '2028-02-29' }).until).toBe('2028-02-29');
    for (const until of ['2027-02-29', '2026-13-01', '2026-2-3', '20260203', '2026-02-03T00:00', '']) {
      expect(refused({ type: 'DAILY', until })).toBe('recurrence.until: not a valid date (YYYY-MM-DD)');
    }
  });

  it('occurrences: a whole number >= 1', () => {
    expect(rule({ type: 'WEEKLY', occurrences: 1 }).occurrences).toBe(1);
    for (const occurrences of [0, -3, 2.5])
      expect(refused({ type: 'WEEKLY', occurrences })).toBe('recurrence.occurrences: a whole number of at least 1');
  });

  it('until and occurrences together are refused (RFC 5545)', () => {
    expect(refused({ type: 'DAILY', until: '2030-01-01', occurrences: 3 })).toBe(
      'recurrence.until, recurrence.occurrences: give one or the other, not both (RFC 5545)',
    );
  });

  it('a full rule round-trips', () => {
    const input: RecurrenceInput = { type: 'MONTHLY', interval: 2, days: ['SUNDAY'], dayInMonth: 5, until: '2030-12-31' };
    const data = rule(input);
    expect(data).toEqual({
      type: 'MONTHLY',
      interval: 2,
      days: ['SUNDAY'],
      dayInMonth: 5,
      month: null,
      until: '2030-12-31',
      occurrences: null,
    });
    expect(rule(data)).toEqual(data);
  });
});

describe('checkSeries and startsOnOccurrence', () => {
  it('until must not be before the start date (the start date itself is fine)', () => {
    const series = timed(B, '2026-03-10T09:00');
    expect(checkSeries(series, rule({ type: 'DAILY', until: '2026-03-09' }))).toEqual({
      ok: false,
      message: 'recurrence.until: before the series starts',
    });
    expect(checkSeries(series, rule({ type: 'DAILY', until: '2026-03-10' }))).toEqual({ ok: true, data: true });
  });

  it('the start must be an occurrence', () => {
    expect(checkSeries(timed(B, '2026-03-10T09:00'), rule({ type: 'WEEKLY', days: ['MONDAY'] }))).toEqual({
      ok: false,
      message: 'start: a series must start on one of its occurrences',
    });
  });

  it.each([
    ['daily: always', timed(B, '2026-03-10T09:00'), { type: 'DAILY', interval: 3 }, true],
    ['NONE: always', timed(B, '2026-03-10T09:00'), { type: 'NONE' }, true],
    ['weekly on the start weekday (Tuesday)', timed(B, '2026-03-10T09:00'), { type: 'WEEKLY', days: ['TUESDAY', 'FRIDAY'] }, true],
    ['weekly, start weekday not selected', timed(B, '2026-03-10T09:00'), { type: 'WEEKLY', days: ['MONDAY', 'FRIDAY'] }, false],
    ['weekly default days (all seven)', fullDay(B, '2026-03-10'), { type: 'WEEKLY', interval: 2 }, true],
    ['monthly day 10', timed(NY, '2026-03-10T09:00'), { type: 'MONTHLY', dayInMonth: 10 }, true],
    ['monthly day 11', timed(NY, '2026-03-10T09:00'), { type: 'MONTHLY', dayInMonth: 11 }, false],
    ['monthly 31 on April 30 (too big = last)', timed(NY, '2026-04-30T09:00'), { type: 'MONTHLY', dayInMonth: 31 }, true],
    ['monthly 31 on April 29', timed(NY, '2026-04-29T09:00'), { type: 'MONTHLY', dayInMonth: 31 }, false],
    ['2nd Tuesday: 2026-03-10', timed(SYD, '2026-03-10T09:00'), { type: 'MONTHLY', days: ['TUESDAY'], dayInMonth: 2 }, true],
    ['3rd Tuesday is not 2026-03-10', timed(SYD, '2026-03-10T09:00'), { type: 'MONTHLY', days: ['TUESDAY'], dayInMonth: 3 }, false],
    ['last (5th) Tuesday: 2026-03-31', timed(SYD, '2026-03-31T09:00'), { type: 'MONTHLY', days: ['TUESDAY'], dayInMonth: 5 }, true],
    [
      'last (5) Monday of Feb 2026 is the 4th: 2026-02-23',
      fullDay(SYD, '2026-02-23'),
      { type: 'MONTHLY', days: ['MONDAY'], dayInMonth: 5 },
      true,
    ],
    ['yearly March 10', timed(B, '2026-03-10T09:00'), { type: 'YEARLY', dayInMonth: 10, month: 3 }, true],
    ['yearly April 10 on March 10', timed(B, '2026-03-10T09:00'), { type: 'YEARLY', dayInMonth: 10, month: 4 }, false],
    ['yearly Feb 31 = Feb 28 2026', fullDay(B, '2026-02-28'), { type: 'YEARLY', dayInMonth: 31, month: 2 }, true],
  ] as Array<[string, Series, RecurrenceInput, boolean]>)('%s', (_, series, input, expected) => {
    expect(startsOnOccurrence(series, rule(input))).toBe(expected);
  });

  it('ignores until and occurrences (checkSeries covers until)', () => {
    expect(startsOnOccurrence(timed(B, '2026-03-10T09:00'), rule({ type: 'DAILY', until: '2026-03-01' }))).toBe(true);
  });
});

// RFC 5545 section 3.8.5.3, the examples that map onto the OX model; DTSTART 1997 in
// America/New_York as the RFC does. Not mappable (and so left out): several BYMONTH or
// BYMONTHDAY values (yearly in June and July, monthly on the 2nd and 15th, the 1st and last
// day), negative or mixed BYSETPOS/BYDAY offsets (second-to-last Monday, 3rd-to-last day),
// BYYEARDAY, BYWEEKNO, Friday the 13th, HOURLY/MINUTELY, and "invalid dates are ignored"
// (BYMONTHDAY=30 skips February where OX takes the last day).
describe('RFC 5545 examples (America/New_York)', () => {
  const at9 = (date: string) => `${date}T09:00`;
  const ny = (start: string) => timed(NY, start);
  const window = [utc('1997-01-01T00:00Z'), utc('2000-01-01T00:00Z')] as const;
  const run = (series: Series, input: RecurrenceInput, from = window[0], to = window[1]) => expand(series, rule(input), from, to);
  const localTimes = (list: Occurrence[]) => list.map((o) => local(o.start, NY));

  it('daily for 10 occurrences', () => {
    const list = run(ny('1997-09-02T09:00'), { type: 'DAILY', occurrences: 10 });
    expect(localTimes(list)).toEqual(['02', '03', '04', '05', '06', '07', '08', '09', '10', '11'].map((d) => at9(`1997-09-${d}`)));
    expect(list.map((o) => o.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(list[0]!.start.toISOString()).toBe('1997-09-02T13:00:00.000Z'); // EDT
  });

  it('every other day, forever', () => {
    const list = run(ny('1997-09-02T09:00'), { type: 'DAILY', interval: 2 }, window[0], utc('1997-10-01T00:00Z'));
    expect(dates(list)).toEqual(
      ['02', '04', '06', '08', '10', '12', '14', '16', '18', '20', '22', '24', '26', '28', '30'].map((d) => `1997-09-${d}`),
    );
    expect(list.at(-1)!.position).toBe(15);
  });

  it('every 10 days, 5 occurrences', () => {
    expect(dates(run(ny('1997-09-02T09:00'), { type: 'DAILY', interval: 10, occurrences: 5 }))).toEqual([
      '1997-09-02',
      '1997-09-12',
      '1997-09-22',
      '1997-10-02',
      '1997-10-12',
    ]);
  });

  it('weekly for 10 occurrences, 09:00 local across the end of DST (1997-10-26)', () => {
    const list = run(ny('1997-09-02T09:00'), { type: 'WEEKLY', days: ['TUESDAY'], occurrences: 10 });
    expect(localTimes(list)).toEqual(
      [
        '1997-09-02',
        '1997-09-09',
        '1997-09-16',
        '1997-09-23',
        '1997-09-30',
        '1997-10-07',
        '1997-10-14',
        '1997-10-21',
        '1997-10-28',
        '1997-11-04',
      ].map(at9),
    );
    expect(list[7]!.start.toISOString()).toBe('1997-10-21T13:00:00.000Z'); // EDT
    expect(list[8]!.start.toISOString()).toBe('1997-10-28T14:00:00.000Z'); // EST
  });

  it('weekly until December 24, 1997', () => {
    const list = run(ny('1997-09-02T09:00'), { type: 'WEEKLY', days: ['TUESDAY'], until: '1997-12-24' });
    expect(list).toHaveLength(17);
    expect(list.at(-1)!.date).toBe('1997-12-23');
  });

  it('every other week on Monday, Wednesday, Friday until December 24, 1997', () => {
    // RFC: UNTIL=19971224T000000Z; as an inclusive local date that is December 23.
    const list = run(ny('1997-09-01T09:00'), { type: 'WEEKLY', interval: 2, days: ['MONDAY', 'WEDNESDAY', 'FRIDAY'], until: '1997-12-23' });
    expect(dates(list)).toEqual(
      [
        '09-01',
        '09-03',
        '09-05',
        '09-15',
        '09-17',
        '09-19',
        '09-29',
        '10-01',
        '10-03',
        '10-13',
        '10-15',
        '10-17',
        '10-27',
        '10-29',
        '10-31',
        '11-10',
        '11-12',
        '11-14',
        '11-24',
        '11-26',
        '11-28',
        '12-08',
        '12-10',
        '12-12',
        '12-22',
      ].map((d) => `1997-${d}`),
    );
  });

  it('weekly on Tuesday and Thursday for five weeks', () => {
    const list = run(ny('1997-09-02T09:00'), { type: 'WEEKLY', days: ['TUESDAY', 'THURSDAY'], occurrences: 10 });
    expect(dates(list)).toEqual(
      ['09-02', '09-04', '09-09', '09-11', '09-16', '09-18', '09-23', '09-25', '09-30', '10-02'].map((d) => `1997-${d}`),
    );
    const until = run(ny('1997-09-02T09:00'), { type: 'WEEKLY', days: ['TUESDAY', 'THURSDAY'], until: '1997-10-06' });
    expect(dates(until)).toEqual(dates(list));
  });

  it('every other week on Tuesday and Thursday, for 8 occurrences', () => {
    expect(dates(run(ny('1997-09-02T09:00'), { type: 'WEEKLY', interval: 2, days: ['TUESDAY', 'THURSDAY'], occurrences: 8 }))).toEqual(
      ['09-02', '09-04', '09-16', '09-18', '09-30', '10-02', '10-14', '10-16'].map((d) => `1997-${d}`),
    );
  });

  it('WKST matters: every other week on Tuesday and Sunday, weeks from Monday (RFC: WKST=MO)', () => {
    expect(dates(run(ny('1997-08-05T09:00'), { type: 'WEEKLY', interval: 2, days: ['TUESDAY', 'SUNDAY'], occurrences: 4 }))).toEqual([
      '1997-08-05',
      '1997-08-10',
      '1997-08-19',
      '1997-08-24',
    ]);
  });

  it('monthly on the first Friday for 10 occurrences', () => {
    const list = run(ny('1997-09-05T09:00'), { type: 'MONTHLY', days: ['FRIDAY'], dayInMonth: 1, occurrences: 10 });
    expect(localTimes(list)).toEqual(
      [
        '1997-09-05',
        '1997-10-03',
        '1997-11-07',
        '1997-12-05',
        '1998-01-02',
        '1998-02-06',
        '1998-03-06',
        '1998-04-03',
        '1998-05-01',
        '1998-06-05',
      ].map(at9),
    );
  });

  it('monthly on the first Friday until December 24, 1997', () => {
    expect(dates(run(ny('1997-09-05T09:00'), { type: 'MONTHLY', days: ['FRIDAY'], dayInMonth: 1, until: '1997-12-23' }))).toEqual([
      '1997-09-05',
      '1997-10-03',
      '1997-11-07',
      '1997-12-05',
    ]);
  });

  it('monthly on the last Sunday (dayInMonth 5 with days)', () => {
    expect(dates(run(ny('1997-09-28T09:00'), { type: 'MONTHLY', days: ['SUNDAY'], dayInMonth: 5, occurrences: 6 }))).toEqual([
      '1997-09-28',
      '1997-10-26',
      '1997-11-30',
      '1997-12-28',
      '1998-01-25',
      '1998-02-22',
    ]);
  });

  it('the third instance of Tuesday, Wednesday or Thursday, for the next 3 months', () => {
    expect(
      dates(run(ny('1997-09-04T09:00'), { type: 'MONTHLY', days: ['TUESDAY', 'WEDNESDAY', 'THURSDAY'], dayInMonth: 3, occurrences: 3 })),
    ).toEqual(['1997-09-04', '1997-10-07', '1997-11-06']);
  });

  it('yearly (one month only: the model has a single month)', () => {
    expect(dates(run(ny('1997-06-10T09:00'), { type: 'YEARLY', dayInMonth: 10, month: 6, occurrences: 3 }))).toEqual([
      '1997-06-10',
      '1998-06-10',
      '1999-06-10',
    ]);
  });
});

// OX 213: "If the field days is also present, only days selected by that field are counted. If
// the number is bigger than the number of available days, the last available day is selected."
describe('dayInMonth with days: the nth selected day of the month, or the last (OX 213)', () => {
  const year = (series: Series, input: RecurrenceInput, from: string, to: string) =>
    expand(series, rule(input), utc(`${from}T00:00Z`), utc(`${to}T00:00Z`));
  const monthDays = (list: Occurrence[]) => list.map((o) => o.date.slice(5));

  it('MONDAY..FRIDAY, 23: the 23rd weekday of the month, or the last weekday', () => {
    const input: RecurrenceInput = { type: 'MONTHLY', days: [...MONDAY_TO_FRIDAY], dayInMonth: 23 };
    const list = year(timed(NY, '2026-01-30T09:00'), input, '2026-01-01', '2027-01-01');
    // 2026 has 20 to 23 weekdays a month; July and December have 23, so there it is the 23rd.
    expect(monthDays(list)).toEqual([
      '01-30',
      '02-27',
      '03-31',
      '04-30',
      '05-29',
      '06-30',
      '07-31',
      '08-31',
      '09-30',
      '10-30',
      '11-30',
      '12-31',
    ]);
    expect(list.map((o) => o.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(list.map((o) => local(o.start, NY).slice(11))).toEqual(Array(12).fill('09:00'));
    // 22: the 22nd where there are 22 or 23 (July 30, December 30), else the last.
    const nd22 = year(timed(NY, '2026-01-30T09:00'), { ...input, dayInMonth: 22 }, '2026-01-01', '2027-01-01');
    const swap: Record<string, string> = { '07-31': '07-30', '12-31': '12-30' };
    expect(monthDays(nd22)).toEqual(monthDays(list).map((day) => swap[day] ?? day));
  });

  it('SATURDAY, 9: the last Saturday (as are 5 to 31)', () => {
    const series = timed(SYD, '2026-01-31T10:00');
    const list = year(series, { type: 'MONTHLY', days: ['SATURDAY'], dayInMonth: 9 }, '2026-01-01', '2027-01-01');
    expect(monthDays(list)).toEqual([
      '01-31',
      '02-28',
      '03-28',
      '04-25',
      '05-30',
      '06-27',
      '07-25',
      '08-29',
      '09-26',
      '10-31',
      '11-28',
      '12-26',
    ]);
    for (let n = 5; n <= 31; n++) {
      const other = year(series, { type: 'MONTHLY', days: ['SATURDAY'], dayInMonth: n }, '2026-01-01', '2036-01-01');
      expect(other.map(plain), `dayInMonth ${n}`).toEqual(
        year(series, { type: 'MONTHLY', days: ['SATURDAY'], dayInMonth: 9 }, '2026-01-01', '2036-01-01').map(plain),
      );
    }
  });

  it('all seven days, 31: the last day of the month; every n as without days, in leap and other years', () => {
    const list = year(fullDay(B, '2026-01-31'), { type: 'MONTHLY', days: [...ALL_DAYS], dayInMonth: 31 }, '2026-01-01', '2027-01-01');
    expect(monthDays(list)).toEqual([
      '01-31',
      '02-28',
      '03-31',
      '04-30',
      '05-31',
      '06-30',
      '07-31',
      '08-31',
      '09-30',
      '10-31',
      '11-30',
      '12-31',
    ]);
    for (let n = 1; n <= 31; n++) {
      const start = `2024-01-${String(n).padStart(2, '0')}T08:00`;
      const listed = year(timed(B, start), { type: 'MONTHLY', days: [...ALL_DAYS], dayInMonth: n }, '2024-01-01', '2028-01-01');
      const plainDay = year(timed(B, start), { type: 'MONTHLY', dayInMonth: n }, '2024-01-01', '2028-01-01');
      expect(listed.map(plain), `dayInMonth ${n}`).toEqual(plainDay.map(plain));
      expect(listed).toHaveLength(48);
      const february = listed.filter((o) => o.date.slice(5, 7) === '02').map((o) => o.date);
      expect(february, `dayInMonth ${n}`).toEqual(
        [2024, 2025, 2026, 2027].map((y) => `${y}-02-${String(Math.min(n, y === 2024 ? 29 : 28)).padStart(2, '0')}`),
      );
    }
  });

  it('February, leap and not: the 21st weekday is February 29 in 2024 and 2028 (21 weekdays), else the last', () => {
    const weekdays = year(
      fullDay('UTC', '2024-02-29'),
      { type: 'YEARLY', days: [...MONDAY_TO_FRIDAY], dayInMonth: 21, month: 2 },
      '2024-01-01',
      '2029-01-01',
    );
    expect(dates(weekdays)).toEqual(['2024-02-29', '2025-02-28', '2026-02-27', '2027-02-26', '2028-02-29']);
    // The 5th Thursday: five in February 2024 (the 29th), four in 2025-2028.
    const thursdays = year(
      timed(B, '2024-02-29T18:00'),
      { type: 'YEARLY', days: ['THURSDAY'], dayInMonth: 5, month: 2 },
      '2024-01-01',
      '2029-01-01',
    );
    expect(dates(thursdays)).toEqual(['2024-02-29', '2025-02-27', '2026-02-26', '2027-02-25', '2028-02-24']);
    expect(thursdays.map((o) => o.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it('months with four and with five Fridays: 4 is the 4th, 5 and more the 5th or the 4th (last)', () => {
    const fridays = (n: number) =>
      monthDays(year(timed(NY, '2026-01-02T12:00'), { type: 'MONTHLY', days: ['FRIDAY'], dayInMonth: n }, '2026-01-01', '2027-01-01')).map(
        (d) => Number(d.slice(3)),
      );
    // 2026: five Fridays in January, May, July and October.
    expect(fridays(4)).toEqual([23, 27, 27, 24, 22, 26, 24, 28, 25, 23, 27, 25]);
    expect(fridays(5)).toEqual([30, 27, 27, 24, 29, 26, 31, 28, 25, 30, 27, 25]);
    expect(fridays(6)).toEqual(fridays(5));
    expect(fridays(31)).toEqual(fridays(5));
  });

  it('start, positions, occurrences, until, seriesEnd, occurrenceOn and occurrenceAt, also decades on', () => {
    const input: RecurrenceInput = { type: 'MONTHLY', days: [...MONDAY_TO_FRIDAY], dayInMonth: 23 };
    const series = timed(NY, '2026-01-30T09:00');
    expect(checkSeries(series, rule(input))).toEqual({ ok: true, data: true });
    expect(checkSeries(timed(NY, '2026-01-29T09:00'), rule(input))).toEqual({
      ok: false,
      message: 'start: a series must start on one of its occurrences',
    });
    // 12 occurrences end with the last weekday of 2026, Thursday December 31 (EST).
    expect(seriesEnd(series, rule({ ...input, occurrences: 12 }))?.toISOString()).toBe('2026-12-31T15:00:00.000Z');
    // until is inclusive: December 30 ends with November 30, December 31 with December 31.
    expect(seriesEnd(series, rule({ ...input, until: '2026-12-30' }))?.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(seriesEnd(series, rule({ ...input, until: '2026-12-31' }))?.toISOString()).toBe('2026-12-31T15:00:00.000Z');
    // 35 years on: January 2061 is month 420 after January 2026, so position 421.
    const r = rule(input);
    expect(occurrenceOn(series, r, '2061-01-31')?.position).toBe(421);
    expect(occurrenceOn(series, r, '2061-01-28')).toBeNull();
    expect(occurrenceAt(series, r, 421)?.date).toBe('2061-01-31');
    const far = expand(series, r, utc('2061-01-01T00:00Z'), utc('2061-04-01T00:00Z'));
    expect(far.map((o) => [o.position, o.date])).toEqual([
      [421, '2061-01-31'],
      [422, '2061-02-28'],
      [423, '2061-03-31'],
    ]);
    expect(far.map(plain)).toEqual(fromStart(series, r, utc('2061-04-01T00:00Z')).slice(420).map(plain));
    expect(occurrenceOn(series, rule({ ...input, occurrences: 420 }), '2061-01-31')).toBeNull();
    expect(occurrenceOn(series, rule({ ...input, until: '2061-01-31' }), '2061-01-31')?.position).toBe(421);
  });

  it('the last Sunday at 02:30: in the gap in spring, in the overlap in autumn (Berlin, Auckland)', () => {
    const berlin = year(timed(B, '2026-01-25T02:30'), { type: 'MONTHLY', days: ['SUNDAY'], dayInMonth: 9 }, '2026-03-01', '2026-11-01');
    expect(
      berlin.filter((o) => ['03', '10'].includes(o.date.slice(5, 7))).map((o) => [o.date, o.start.toISOString(), local(o.start, B)]),
    ).toEqual([
      ['2026-03-29', '2026-03-29T01:30:00.000Z', '2026-03-29T03:30'], // moved forward by the gap
      ['2026-10-25', '2026-10-25T00:30:00.000Z', '2026-10-25T02:30'], // the earlier 02:30 (CEST)
    ]);
    // Auckland: the last Sunday of September starts NZDT (gap), the first Sunday of April ends it.
    const auckland = year(
      timed('Pacific/Auckland', '2026-09-27T02:30'),
      { type: 'YEARLY', days: ['SUNDAY'], dayInMonth: 31, month: 9 },
      '2026-01-01',
      '2028-01-01',
    );
    expect(auckland.map((o) => [o.date, o.start.toISOString()])).toEqual([
      ['2026-09-27', '2026-09-26T14:30:00.000Z'], // 03:30 NZDT
      ['2027-09-26', '2027-09-25T14:30:00.000Z'],
    ]);
  });
});

describe('DST: 09:00 stays 09:00 local, both transitions, three zones', () => {
  it.each([
    // zone, weekly series start, window, expected UTC starts
    [B, '2026-03-23T09:00', '2026-03-20', '2026-04-02', ['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z']],
    [B, '2026-10-19T09:00', '2026-10-15', '2026-10-30', ['2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z']],
    [NY, '2026-03-02T09:00', '2026-03-01', '2026-03-12', ['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z']],
    [NY, '2026-10-26T09:00', '2026-10-25', '2026-11-05', ['2026-10-26T13:00:00.000Z', '2026-11-02T14:00:00.000Z']],
    // Southern hemisphere: DST ends in April, starts in October.
    [SYD, '2026-03-30T09:00', '2026-03-28', '2026-04-08', ['2026-03-29T22:00:00.000Z', '2026-04-05T23:00:00.000Z']],
    [SYD, '2026-09-28T09:00', '2026-09-26', '2026-10-07', ['2026-09-27T23:00:00.000Z', '2026-10-04T22:00:00.000Z']],
  ])('%s weekly on Mondays from %s', (zone, start, from, to, starts) => {
    const list = expand(timed(zone, start), rule({ type: 'WEEKLY', days: ['MONDAY'] }), utc(`${from}T00:00Z`), utc(`${to}T00:00Z`));
    expect(list.map((o) => o.start.toISOString())).toEqual(starts);
    expect(list.map((o) => local(o.start, zone).slice(11))).toEqual(['09:00', '09:00']);
    expect(list.map((o) => o.end.getTime() - o.start.getTime())).toEqual([HOUR, HOUR]);
  });

  it.each([
    // A daily 02:30 series through the spring-forward day: 02:30 does not exist -> 03:30 (moved by the gap).
    [
      B,
      '2026-03-28T02:30',
      ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
      ['02:30', '03:30', '02:30'],
    ],
    [
      NY,
      '2026-03-07T02:30',
      ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
      ['02:30', '03:30', '02:30'],
    ],
    [
      SYD,
      '2026-10-03T02:30',
      ['2026-10-02T16:30:00.000Z', '2026-10-03T16:30:00.000Z', '2026-10-04T15:30:00.000Z'],
      ['02:30', '03:30', '02:30'],
    ],
    // Fall-back day: the wall time exists twice -> the first (earlier) instant.
    [
      B,
      '2026-10-24T02:30',
      ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
      ['02:30', '02:30', '02:30'],
    ],
    [
      NY,
      '2026-10-31T01:30',
      ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
      ['01:30', '01:30', '01:30'],
    ],
    [
      SYD,
      '2026-04-04T02:30',
      ['2026-04-03T15:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z'],
      ['02:30', '02:30', '02:30'],
    ],
  ])('%s daily from %s: gap and overlap', (zone, start, starts, wall) => {
    const list = expand(
      timed(zone, start, 30),
      rule({ type: 'DAILY', occurrences: 3 }),
      utc('2026-01-01T00:00Z'),
      utc('2027-01-01T00:00Z'),
    );
    expect(list.map((o) => o.start.toISOString())).toEqual(starts);
    expect(list.map((o) => local(o.start, zone).slice(11))).toEqual(wall);
    expect(list.map((o) => o.position)).toEqual([1, 2, 3]);
    // The date is the local date of the wall time asked for, even in Sydney where UTC is a day behind.
    expect(dates(list)).toEqual([0, 1, 2].map((n) => Temporal.PlainDate.from(start.slice(0, 10)).add({ days: n }).toString()));
  });

  it('a series that starts at 02:30 on a spring-forward day', () => {
    const series = timed(B, '2026-03-29T02:30');
    const r = rule({ type: 'YEARLY', days: ['SUNDAY'], dayInMonth: 5, month: 3 }); // last Sunday of March: every year in the gap
    expect(startsOnOccurrence(series, r)).toBe(true);
    const list = expand(series, r, utc('2026-01-01T00:00Z'), utc('2029-01-01T00:00Z'));
    expect(list.map((o) => [o.date, o.start.toISOString(), local(o.start, B)])).toEqual([
      ['2026-03-29', '2026-03-29T01:30:00.000Z', '2026-03-29T03:30'],
      ['2027-03-28', '2027-03-28T01:30:00.000Z', '2027-03-28T03:30'],
      ['2028-03-26', '2028-03-26T01:30:00.000Z', '2028-03-26T03:30'],
    ]);
    expect(occurrenceOn(series, r, '2027-03-28')?.start.toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('an occurrence at 02:30 on a fall-back day (last Sunday of October, Berlin)', () => {
    const list = expand(
      timed(B, '2026-10-25T02:30'),
      rule({ type: 'YEARLY', days: ['SUNDAY'], dayInMonth: 5, month: 10 }),
      utc('2026-01-01T00:00Z'),
      utc('2028-01-01T00:00Z'),
    );
    expect(list.map((o) => [o.date, o.start.toISOString()])).toEqual([
      ['2026-10-25', '2026-10-25T00:30:00.000Z'], // 02:30 CEST, the first of the two
      ['2027-10-31', '2027-10-31T00:30:00.000Z'],
    ]);
  });

  it('timed length is exact across a change: 2 h from 01:30 on the spring-forward day ends at 04:30 local', () => {
    const [o] = expand(timed(B, '2026-03-29T01:30', 120), rule({ type: 'DAILY' }), utc('2026-03-29T00:00Z'), utc('2026-03-29T02:00Z'));
    expect(plain(o!)).toEqual({ position: 1, date: '2026-03-29', start: '2026-03-29T00:30:00.000Z', end: '2026-03-29T02:30:00.000Z' });
    expect(local(o!.end, B)).toBe('2026-03-29T04:30');
  });

  it.each([
    [B, '2026-03-29', 23, '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    [B, '2026-10-25', 25, '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    [NY, '2026-03-08', 23, '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    [NY, '2026-11-01', 25, '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    [SYD, '2026-04-05', 25, '2026-04-04T13:00:00.000Z', '2026-04-05T14:00:00.000Z'],
    [SYD, '2026-10-04', 23, '2026-10-03T14:00:00.000Z', '2026-10-04T13:00:00.000Z'],
  ])('full-day %s %s lasts %i h', (zone, date, hours, start, end) => {
    // A weekly full-day series on Sundays that reaches the transition day.
    const series = fullDay(zone, '2026-01-04');
    const r = rule({ type: 'WEEKLY', days: ['SUNDAY'] });
    const o = occurrenceOn(series, r, date)!;
    expect([o.start.toISOString(), o.end.toISOString()]).toEqual([start, end]);
    expect(o.end.getTime() - o.start.getTime()).toBe(hours * HOUR);
    const [viaExpand] = expand(series, r, new Date(o.start.getTime() + HOUR), new Date(o.start.getTime() + 2 * HOUR));
    expect(plain(viaExpand!)).toEqual(plain(o));
  });

  it('multi-day full-time occurrences span local midnights (3 days over the spring change: 71 h)', () => {
    const o = occurrenceOn(fullDay(B, '2026-03-28', 3), rule({ type: 'YEARLY', dayInMonth: 28, month: 3 }), '2026-03-28')!;
    expect(plain(o)).toEqual({ position: 1, date: '2026-03-28', start: '2026-03-27T23:00:00.000Z', end: '2026-03-30T22:00:00.000Z' });
  });
});

describe('windows', () => {
  const series = timed(B, '2026-01-05T09:00', 60);
  const daily = rule({ type: 'DAILY' });

  it('is half-open: [from, to)', () => {
    // 2026-01-06 09:00 CET = 08:00Z .. 09:00Z
    expect(expand(series, daily, utc('2026-01-06T09:00Z'), utc('2026-01-07T08:00Z'))).toEqual([]);
    expect(dates(expand(series, daily, utc('2026-01-06T08:59:59.999Z'), utc('2026-01-07T08:00:00.001Z')))).toEqual([
      '2026-01-06',
      '2026-01-07',
    ]);
    expect(expand(series, daily, utc('2026-01-07T00:00Z'), utc('2026-01-07T00:00Z'))).toEqual([]);
    expect(expand(series, daily, utc('2026-01-08T00:00Z'), utc('2026-01-07T00:00Z'))).toEqual([]);
  });

  it('nothing before the series start', () => {
    expect(expand(series, daily, utc('2025-01-01T00:00Z'), utc('2026-01-05T08:00Z'))).toEqual([]);
    expect(expand(series, daily, utc('2025-01-01T00:00Z'), utc('2026-01-05T08:00:00.001Z')).map((o) => o.position)).toEqual([1]);
  });

  it('includes a long occurrence that began before the window (look-back by the duration)', () => {
    const long = timed(B, '2026-01-05T09:00', 3 * 24 * 60 + 1); // 3 days and a minute, every other day
    const list = expand(long, rule({ type: 'DAILY', interval: 2 }), utc('2026-02-01T08:00Z'), utc('2026-02-01T08:01Z'));
    // Occurrences start on 01-05 + 2k days: 01-29 (ends 02-01 08:01Z) and 01-31 overlap the minute; 02-01 is not one.
    expect(dates(list)).toEqual(['2026-01-29', '2026-01-31']);
    expect(list.map((o) => o.position)).toEqual([13, 14]);
  });

  it('includes a full-time multi-day occurrence that began before the window', () => {
    const list = expand(
      fullDay(NY, '2026-01-05', 5),
      rule({ type: 'WEEKLY', days: ['MONDAY'] }),
      utc('2030-01-11T12:00Z'),
      utc('2030-01-11T13:00Z'),
    );
    expect(list.map(plain)).toEqual([
      { position: 210, date: '2030-01-07', start: '2030-01-07T05:00:00.000Z', end: '2030-01-12T05:00:00.000Z' },
    ]);
  });

  it('NONE: the single event, position 1', () => {
    const single = timed(NY, '2026-05-01T10:00', 30);
    const none = rule({ type: 'NONE' });
    expect(expand(single, none, utc('2026-05-01T00:00Z'), utc('2026-05-02T00:00Z')).map(plain)).toEqual([
      { position: 1, date: '2026-05-01', start: '2026-05-01T14:00:00.000Z', end: '2026-05-01T14:30:00.000Z' },
    ]);
    expect(expand(single, none, utc('2026-05-01T14:30Z'), utc('2026-05-02T00:00Z'))).toEqual([]);
    expect(occurrenceOn(single, none, '2026-05-01')?.position).toBe(1);
    expect(occurrenceOn(single, none, '2026-05-02')).toBeNull();
    expect(seriesEnd(single, none)?.toISOString()).toBe('2026-05-01T14:30:00.000Z');
  });

  it(`refuses more than ${MAX_OCCURRENCES} occurrences in one window (RangeError), or the given limit`, () => {
    expect(() => expand(series, daily, utc('2026-01-01T00:00Z'), utc('2056-01-01T00:00Z'))).toThrow(RangeError);
    expect(expand(series, daily, utc('2026-01-01T00:00Z'), utc('2046-01-01T00:00Z'))).toHaveLength(7301);
    expect(() => expand(series, daily, utc('2026-01-01T00:00Z'), utc('2026-02-01T00:00Z'), { limit: 10 })).toThrow(
      /more than 10 occurrences/,
    );
    expect(expand(series, daily, utc('2026-01-01T00:00Z'), utc('2026-01-15T08:00Z'), { limit: 10 })).toHaveLength(10);
  });

  it('refuses invalid instants', () => {
    expect(() => expand(series, daily, new Date(Number.NaN), utc('2026-01-01T00:00Z'))).toThrow(RangeError);
  });
});

describe('skip-ahead: positions by arithmetic', () => {
  it('a daily series from 1990 expanded for a week in 2030', () => {
    const series = timed(B, '1990-01-01T09:00');
    const t0 = performance.now();
    const list = expand(series, rule({ type: 'DAILY' }), utc('2030-03-28T00:00Z'), utc('2030-04-04T00:00Z'));
    const ms = performance.now() - t0;
    expect(list.map((o) => [o.position, o.date, o.start.toISOString()])).toEqual([
      [14697, '2030-03-28', '2030-03-28T08:00:00.000Z'],
      [14698, '2030-03-29', '2030-03-29T08:00:00.000Z'],
      [14699, '2030-03-30', '2030-03-30T08:00:00.000Z'],
      [14700, '2030-03-31', '2030-03-31T07:00:00.000Z'], // CEST from 2030-03-31
      [14701, '2030-04-01', '2030-04-01T07:00:00.000Z'],
      [14702, '2030-04-02', '2030-04-02T07:00:00.000Z'],
      [14703, '2030-04-03', '2030-04-03T07:00:00.000Z'],
    ]);
    expect(ms).toBeLessThan(250);
  });

  it('does not iterate: a daily series from year 1 expanded in year 9000 (3.3 million days later)', () => {
    const series = timed('UTC', '0001-01-01T12:00');
    const t0 = performance.now();
    const list = expand(series, rule({ type: 'DAILY' }), utc('9000-01-01T00:00Z'), utc('9000-01-03T00:00Z'));
    expect(performance.now() - t0).toBeLessThan(250);
    // Days from 0001-01-01 to 9000-01-01: Date.UTC counts them too.
    const days = (Date.UTC(9000, 0, 1) - new Date('0001-01-01T00:00Z').getTime()) / 86_400_000;
    expect(list.map((o) => [o.position, o.date])).toEqual([
      [days + 1, '9000-01-01'],
      [days + 2, '9000-01-02'],
    ]);
  });

  it('occurrences respected when skipping', () => {
    const series = timed('UTC', '1990-01-01T00:00');
    const r = rule({ type: 'DAILY', occurrences: 15000 });
    // The 15000th day from 1990-01-01 is 2031-01-25.
    const list = expand(series, r, utc('2031-01-20T00:00Z'), utc('2031-02-01T00:00Z'));
    expect(list.map((o) => o.position)).toEqual([14995, 14996, 14997, 14998, 14999, 15000]);
    expect(list.at(-1)!.date).toBe('2031-01-25');
    expect(expand(series, r, utc('2031-01-26T00:00Z'), utc('2040-01-01T00:00Z'))).toEqual([]);
    expect(seriesEnd(series, r)?.toISOString()).toBe('2031-01-25T01:00:00.000Z');
    expect(occurrenceOn(series, r, '2031-01-25')?.position).toBe(15000);
    expect(occurrenceOn(series, r, '2031-01-26')).toBeNull();
  });

  it('occurrences respected in a weekly series with a day set (positions count the days)', () => {
    // Every 3rd week on Mon/Wed/Sat from Wednesday 2026-01-07: week 0 holds Wed and Sat only.
    const series = timed(B, '2026-01-07T07:00');
    const r = rule({ type: 'WEEKLY', interval: 3, days: ['MONDAY', 'WEDNESDAY', 'SATURDAY'], occurrences: 40 });
    const all = fromStart(series, r, utc('2030-01-01T00:00Z'));
    expect(all).toHaveLength(40);
    expect(dates(all.slice(0, 5))).toEqual(['2026-01-07', '2026-01-10', '2026-01-26', '2026-01-28', '2026-01-31']);
    const later = expand(series, r, utc('2026-09-01T00:00Z'), utc('2027-01-01T00:00Z'));
    expect(later.map(plain)).toEqual(all.filter((o) => o.start >= utc('2026-09-01T00:00Z')).map(plain));
    expect(later.at(-1)!.position).toBe(40);
    expect(seriesEnd(series, r)).toEqual(all.at(-1)!.end);
  });

  it('until respected when skipping, and inclusive (an occurrence late on the until date counts)', () => {
    const series = timed(SYD, '2000-01-03T23:30', 20);
    const r = rule({ type: 'WEEKLY', days: ['MONDAY', 'THURSDAY'], until: '2030-06-13' }); // a Thursday
    const list = expand(series, r, utc('2030-06-01T00:00Z'), utc('2030-07-01T00:00Z'));
    expect(dates(list)).toEqual(['2030-06-03', '2030-06-06', '2030-06-10', '2030-06-13']);
    expect(local(list.at(-1)!.start, SYD)).toBe('2030-06-13T23:30');
    expect(seriesEnd(series, r)).toEqual(list.at(-1)!.end);
    expect(occurrenceOn(series, r, '2030-06-13')?.position).toBe(list.at(-1)!.position);
    expect(occurrenceOn(series, r, '2030-06-17')).toBeNull();
    // Position: 2 per week since the Monday 2000-01-03.
    const weeks = (Date.UTC(2030, 5, 10) - Date.UTC(2000, 0, 3)) / (7 * 86_400_000);
    expect(list.map((o) => o.position)).toEqual([2 * weeks - 1, 2 * weeks, 2 * weeks + 1, 2 * weeks + 2]);
  });

  // Random rules: a window far into the series gives the same occurrences, positions included,
  // as expanding everything from the start.
  const random = seededRandom(42);
  const zones = [B, NY, SYD, 'UTC', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Sao_Paulo'];
  const weekdays = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
  const cases = Array.from({ length: 60 }, (_, i) => {
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const type = pick(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const);
    const input: RecurrenceInput = { type, interval: type === 'YEARLY' ? 1 : 1 + Math.floor(random() * 4) };
    if (type !== 'DAILY' && random() < 0.7) input.days = weekdays.filter(() => random() < 0.4).slice(0, type === 'WEEKLY' ? 7 : 6);
    if (input.days?.length === 0) input.days = [pick(weekdays)];
    if (type === 'MONTHLY' || type === 'YEARLY') input.dayInMonth = 1 + Math.floor(random() * 31);
    if (type === 'YEARLY') input.month = 1 + Math.floor(random() * 12);
    if (random() < 0.3) input.occurrences = 1 + Math.floor(random() * 400);
    const zone = pick(zones);
    const year = 1995 + Math.floor(random() * 20);
    const start = `${year}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    const series =
      random() < 0.3
        ? fullDay(zone, start, 1 + Math.floor(random() * 3))
        : timed(zone, `${start}T${pick(['00:00', '00:30', '02:15', '02:30', '09:00', '23:45'])}`, pick([30, 60, 1500]));
    const fromYear = year + 3 + Math.floor(random() * 15);
    return [`#${i} ${zone} ${series.start} ${JSON.stringify(input)}`, series, input, fromYear] as const;
  });
  it.each(cases)('%s', (_, series, input, fromYear) => {
    const r = rule(input);
    const from = utc(`${fromYear}-03-01T00:00Z`);
    const to = utc(`${fromYear + 1}-01-01T00:00Z`);
    const all = fromStart(series, r, to).filter((o) => o.end > from);
    expect(expand(series, r, from, to).map(plain)).toEqual(all.map(plain));
    for (const o of all.slice(0, 20)) expect(plain(occurrenceOn(series, r, o.date)!)).toEqual(plain(o));
    for (const o of all.slice(0, 5)) expect(plain(occurrenceAt(series, r, o.position)!)).toEqual(plain(o));
  });
});

describe('occurrenceOn, occurrenceAt and seriesEnd', () => {
  const series = timed(B, '2026-01-05T09:00');
  const weekly = rule({ type: 'WEEKLY', interval: 2, days: ['MONDAY', 'THURSDAY'] });

  it('finds occurrences by date and refuses other dates', () => {
    expect(plain(occurrenceOn(series, weekly, '2026-01-05')!)).toEqual({
      position: 1,
      date: '2026-01-05',
      start: '2026-01-05T08:00:00.000Z',
      end: '2026-01-05T09:00:00.000Z',
    });
    expect(occurrenceOn(series, weekly, '2026-01-08')?.position).toBe(2);
    expect(occurrenceOn(series, weekly, '2026-01-19')?.position).toBe(3);
    expect(occurrenceOn(series, weekly, '2026-01-12')).toBeNull(); // an off week
    expect(occurrenceOn(series, weekly, '2026-01-20')).toBeNull(); // not a selected day
    expect(occurrenceOn(series, weekly, '2025-12-25')).toBeNull(); // before the start
    expect(occurrenceOn(series, weekly, '2026-02-30')).toBeNull(); // not a date
    expect(occurrenceOn(series, weekly, 'soon')).toBeNull();
  });

  it('respects until and occurrences', () => {
    expect(occurrenceOn(series, { ...weekly, occurrences: 2 }, '2026-01-19')).toBeNull();
    expect(occurrenceOn(series, { ...weekly, until: '2026-01-19' }, '2026-01-19')?.position).toBe(3);
    expect(occurrenceOn(series, { ...weekly, until: '2026-01-18' }, '2026-01-19')).toBeNull();
  });

  it('monthly: too-big day of month and nth weekday', () => {
    const m31 = rule({ type: 'MONTHLY', dayInMonth: 31 });
    const s31 = fullDay(NY, '2026-01-31');
    expect(['2026-02-28', '2026-04-30', '2028-02-29'].map((d) => occurrenceOn(s31, m31, d)?.position)).toEqual([2, 4, 26]);
    expect(occurrenceOn(s31, m31, '2026-04-29')).toBeNull();
    const lastFriday = rule({ type: 'MONTHLY', days: ['FRIDAY'], dayInMonth: 5 });
    const sf = timed(NY, '2026-01-30T10:00');
    expect(occurrenceOn(sf, lastFriday, '2026-02-27')?.position).toBe(2); // February 2026 has four Fridays
    expect(occurrenceOn(sf, lastFriday, '2026-05-29')?.position).toBe(5); // May has five
    expect(occurrenceOn(sf, lastFriday, '2026-05-22')).toBeNull();
  });

  it('occurrenceAt: by position', () => {
    expect(occurrenceAt(series, weekly, 3)?.date).toBe('2026-01-19');
    expect(occurrenceAt(series, weekly, 1000)?.date).toBe('2045-02-23'); // period 499 (Monday + 499 * 14 days), its Thursday
    expect(occurrenceAt(series, { ...weekly, occurrences: 5 }, 6)).toBeNull();
    expect(occurrenceAt(series, weekly, 0)).toBeNull();
  });

  it('seriesEnd: null when unbounded, else the last occurrence end', () => {
    expect(seriesEnd(series, weekly)).toBeNull();
    expect(seriesEnd(series, { ...weekly, occurrences: 3 })?.toISOString()).toBe('2026-01-19T09:00:00.000Z');
    // until on a non-occurrence date: the last occurrence before it.
    expect(seriesEnd(series, { ...weekly, until: '2026-01-21' })?.toISOString()).toBe('2026-01-19T09:00:00.000Z');
    // full-time: local midnight after the last day.
    expect(seriesEnd(fullDay(B, '2026-03-27', 2), rule({ type: 'DAILY', occurrences: 2 }))?.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // until before the first occurrence (only possible without checkSeries): ends at its start.
    expect(seriesEnd(series, { ...weekly, until: '2026-01-01' })?.toISOString()).toBe('2026-01-05T08:00:00.000Z');
  });
});

describe('zone resolution matches Temporal (compatible) everywhere, cache or not', () => {
  it.each([
    ['Pacific/Apia', '2011-12-25T09:00'], // skipped 2011-12-30 entirely
    ['America/Sao_Paulo', '2018-10-28T00:30'], // DST began at midnight
    ['Australia/Lord_Howe', '2026-03-28T02:15'], // 30-minute DST
    ['Asia/Kathmandu', '1985-12-25T23:50'], // +05:30 -> +05:45 in 1986
    [B, '1995-03-20T02:30'],
    [NY, '2006-10-25T01:30'],
  ])('%s daily from %s', (zone, start) => {
    const list = expand(
      timed(zone, start, 30),
      rule({ type: 'DAILY' }),
      utc('1980-01-01T00:00Z'),
      new Date(utc(`${start}Z`).getTime() + 400 * 86_400_000),
    );
    expect(list.length).toBeGreaterThan(390);
    for (const o of list) {
      const expected = Temporal.PlainDateTime.from(`${o.date}T${start.slice(11)}`).toZonedDateTime(zone, {
        disambiguation: 'compatible',
      }).epochMilliseconds;
      expect(o.start.getTime(), `${zone} ${o.date}`).toBe(expected);
    }
  });
});

describe('zone resolution around every transition 1990-2030 (against Temporal, shuffled order)', () => {
  const zones = [
    B,
    NY,
    SYD,
    'Europe/Dublin',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'America/Sao_Paulo',
    'Pacific/Chatham',
    'Africa/Casablanca',
    'Asia/Tehran',
  ];
  it.each(zones)('%s', (zone) => {
    const wallTimes: string[] = [];
    let at: Temporal.ZonedDateTime | null = Temporal.ZonedDateTime.from({ year: 1990, month: 1, day: 1, timeZone: zone });
    for (;;) {
      at = at.getTimeZoneTransition('next');
      if (!at || at.year >= 2030) break;
      // Wall times from 3 h before to 3 h after the transition's two local readings, every 10 min.
      const before = at.subtract({ nanoseconds: 1 }).toPlainDateTime().round({ smallestUnit: 'minute', roundingMode: 'floor' });
      for (let m = -180; m <= 180 + Math.abs(at.offsetNanoseconds - at.subtract({ nanoseconds: 1 }).offsetNanoseconds) / 60e9; m += 10) {
        wallTimes.push(before.add({ minutes: m }).toString({ smallestUnit: 'minute' }));
      }
    }
    expect(wallTimes.length).toBeGreaterThan(100);
    shuffle(wallTimes, seededRandom(7));
    const none = rule({ type: 'NONE' });
    for (const wall of wallTimes) {
      const expected = Temporal.PlainDateTime.from(wall).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
      expect(occurrenceOn(timed(zone, wall), none, wall.slice(0, 10))!.start.getTime(), `${zone} ${wall}`).toBe(expected);
    }
  });
});

describe('localDateTime: the wall time of an instant, against Temporal', () => {
  const zones = [B, NY, SYD, 'UTC', 'Australia/Lord_Howe', 'Pacific/Apia', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'];
  it.each(zones)('%s: around every transition 1960-2040 and at random instants, shuffled', (zone) => {
    const instants: number[] = [];
    let at: Temporal.ZonedDateTime | null = Temporal.ZonedDateTime.from({ year: 1960, month: 1, day: 1, timeZone: zone });
    for (;;) {
      at = at.getTimeZoneTransition('next');
      if (!at || at.year >= 2040) break;
      for (const delta of [-3_600_001, -1, 0, 1, 999, 3_600_000]) instants.push(at.epochMilliseconds + delta);
    }
    const random = seededRandom(11);
    for (let i = 0; i < 500; i++) instants.push(Math.floor((random() * 2 - 0.5) * 4e12));
    shuffle(instants, random);
    for (const ms of instants) {
      const expected = Temporal.Instant.fromEpochMilliseconds(ms)
        .toZonedDateTimeISO(zone)
        .toPlainDateTime()
        .toString({ smallestUnit: 'second' });
      expect(localDateTime(new Date(ms), zone), `${zone} ${new Date(ms).toISOString()}`).toBe(expected);
    }
  });

  it('refuses an invalid instant or zone', () => {
    expect(() => localDateTime(new Date(NaN), B)).toThrow(RangeError);
    expect(() => localDateTime(new Date(0), 'Mars/Olympus')).toThrow(RangeError);
  });
});

interface Vector {
  id: string;
  series: Series;
  rule: RecurrenceInput;
  rrule: string;
  from: string;
  to: string;
  expected: Array<{ position: number; date: string; start: string; end: string }>;
  startsOnOccurrence: boolean;
  seriesEnd: string | null;
}

describe('vectors from python-dateutil (scripts/recurrence-vectors.py)', () => {
  const file = JSON.parse(readFileSync(new URL('../data/recurrence-vectors.json', import.meta.url), 'utf8')) as {
    count: number;
    vectors: Vector[];
  };

  it('has a few hundred vectors', () => {
    expect(file.vectors.length).toBe(file.count);
    expect(file.count).toBeGreaterThanOrEqual(1000);
    // OX 213's "nth selected day, too big = the last" beyond the fifth.
    expect(file.vectors.filter((v) => v.rule.days && v.rule.dayInMonth! > 5).length).toBeGreaterThanOrEqual(500);
  });

  it.each(file.vectors.map((v) => [v.id, v] as const))('%s', (_, v) => {
    const r = rule(v.rule);
    expect(expand(v.series, r, new Date(v.from), new Date(v.to)).map(plain)).toEqual(v.expected);
    expect(startsOnOccurrence(v.series, r)).toBe(v.startsOnOccurrence);
    expect(seriesEnd(v.series, r)?.toISOString() ?? null).toBe(v.seriesEnd);
    for (const o of v.expected) {
      expect(plain(occurrenceOn(v.series, r, o.date)!)).toEqual(o);
      expect(plain(occurrenceAt(v.series, r, o.position)!)).toEqual(o);
    }
  });
});
