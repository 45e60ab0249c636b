// The iCalendar writer (src/ical/export.ts): convene's rules as RRULEs (or RDATEs where RFC 5545
// has none), each checked against ical.js's expansion of the written text, occurrence by
// occurrence over three years in zones with and without DST (both hemispheres); full-day
// events, EXDATEs and overrides in the series' zone, shown-as, escaping, folding, meetings.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { expand, parseRecurrence, type Recurrence, type RecurrenceInput, type Series } from '../../src/calendar/recurrence.ts';
import { calendarText, type ExportEvent, MAX_RDATES, rruleOf } from '../../src/ical/export.ts';
import { icalJsOccurrences } from '../support/ical.ts';

const rule = (input: RecurrenceInput): Recurrence => {
  const parsed = parseRecurrence(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.data;
};

const stamp = new Date('2026-11-01T00:00:00Z');
const event = (fields: Partial<ExportEvent>): ExportEvent => ({
  uid: 'uid-1',
  stamp,
  summary: 'Event',
  timezone: 'Europe/Amsterdam',
  fullTime: false,
  start: new Date('2027-01-04T08:00:00Z'),
  end: new Date('2027-01-04T09:00:00Z'),
  ...fields,
});

const vevents = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]).getAllSubcomponents('vevent');
const window = { from: new Date('2027-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') };

describe('rruleOf', () => {
  it.each([
    [{ type: 'DAILY' }, 'FREQ=DAILY'],
    [{ type: 'DAILY', interval: 3 }, 'FREQ=DAILY;INTERVAL=3'],
    [{ type: 'WEEKLY', interval: 2, days: ['MONDAY', 'FRIDAY'] }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=MO'],
    [{ type: 'MONTHLY', dayInMonth: 15 }, 'FREQ=MONTHLY;BYMONTHDAY=15'],
    [{ type: 'MONTHLY', dayInMonth: 31 }, 'FREQ=MONTHLY;BYMONTHDAY=-1'],
    [{ type: 'MONTHLY', dayInMonth: 30 }, null],
    [{ type: 'MONTHLY', dayInMonth: 29 }, null],
    [{ type: 'MONTHLY', dayInMonth: 28 }, 'FREQ=MONTHLY;BYMONTHDAY=28'],
    [{ type: 'MONTHLY', interval: 2, dayInMonth: 2, days: ['MONDAY'] }, 'FREQ=MONTHLY;INTERVAL=2;BYDAY=2MO'],
    [{ type: 'MONTHLY', dayInMonth: 5, days: ['FRIDAY'] }, 'FREQ=MONTHLY;BYDAY=-1FR'],
    [{ type: 'MONTHLY', dayInMonth: 3, days: ['MONDAY', 'TUESDAY'] }, 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=3'],
    [{ type: 'MONTHLY', dayInMonth: 10, days: ['MONDAY', 'TUESDAY'] }, 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1'],
    [{ type: 'MONTHLY', dayInMonth: 9, days: ['MONDAY', 'TUESDAY'] }, null],
    [{ type: 'MONTHLY', dayInMonth: 22, days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }, null],
    [
      { type: 'MONTHLY', dayInMonth: 23, days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] },
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    ],
    [
      { type: 'MONTHLY', dayInMonth: 31, days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] },
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    ],
    [{ type: 'YEARLY', month: 2, dayInMonth: 29 }, 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1'],
    [{ type: 'YEARLY', month: 4, dayInMonth: 30 }, 'FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30'],
    [{ type: 'YEARLY', month: 4, dayInMonth: 31 }, 'FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=-1'],
    [{ type: 'YEARLY', month: 1, dayInMonth: 31 }, 'FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=31'],
    [{ type: 'YEARLY', month: 11, dayInMonth: 4, days: ['THURSDAY'] }, 'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH'],
  ] as Array<[RecurrenceInput, string | null]>)('%j is %s', (input, expected) => {
    expect(rruleOf(rule(input))).toBe(expected);
  });
});

/** A series' first occurrence by convene, so that its start is on the rule. */
function firstOccurrence(series: Series, recurrence: Recurrence) {
  return expand(series, recurrence, new Date('2026-12-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z'))[0]!;
}

describe('recurrence: ical.js expands the text as convene expands the rule', () => {
  const zones = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
  const rules: RecurrenceInput[] = [
    { type: 'DAILY', interval: 3, occurrences: 40 },
    { type: 'WEEKLY', days: ['MONDAY', 'WEDNESDAY', 'SUNDAY'] },
    { type: 'WEEKLY', interval: 2, days: ['TUESDAY', 'SATURDAY'], until: '2028-06-30' },
    { type: 'MONTHLY', dayInMonth: 31 },
    { type: 'MONTHLY', dayInMonth: 30, interval: 5 }, // RDATEs
    { type: 'MONTHLY', dayInMonth: 28, interval: 2 },
    { type: 'MONTHLY', dayInMonth: 2, days: ['SUNDAY'] },
    { type: 'MONTHLY', dayInMonth: 5, days: ['FRIDAY'] },
    { type: 'MONTHLY', dayInMonth: 3, days: ['MONDAY', 'WEDNESDAY', 'FRIDAY'] },
    { type: 'MONTHLY', dayInMonth: 22, days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }, // RDATEs
    { type: 'MONTHLY', dayInMonth: 23, days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] },
    { type: 'MONTHLY', dayInMonth: 9, days: ['MONDAY', 'TUESDAY'], occurrences: 12 }, // RDATEs
    { type: 'YEARLY', month: 2, dayInMonth: 29 },
    { type: 'YEARLY', month: 9, dayInMonth: 31 },
    { type: 'YEARLY', month: 3, dayInMonth: 5, days: ['SUNDAY'], until: '2029-12-31' },
  ];
  const cases = zones.flatMap((zone) => rules.flatMap((input) => [false, true].map((fullTime) => [zone, input, fullTime] as const)));

  it.each(cases)('%s %j full-day %s', (zone, input, fullTime) => {
    const recurrence = rule(input);
    // 00:30 local: the day before in UTC east of it. Not a time inside a DST change: ical.js
    // resolves those against RFC 5545 (a skipped 02:30 to the hour before, a repeated one to the
    // second, an end by wall-clock time), where convene follows it (the hour after, the first,
    // the exact duration).
    const series: Series = fullTime
      ? { timezone: zone, fullTime: true, start: '2027-01-01', days: 2 }
      : { timezone: zone, fullTime: false, start: '2027-01-01T00:30', durationMs: 20 * 60_000 };
    const first = firstOccurrence(series, recurrence);
    const start = fullTime ? { ...series, start: first.date } : { ...series, start: `${first.date}T00:30` };
    const ours = expand(start, recurrence, window.from, window.to, { limit: 100_000 });
    const text = calendarText(
      [event({ timezone: zone, fullTime, start: first.start, end: first.end, recurrence: { rule: recurrence, deleted: [] } })],
      { rdateHorizon: window.to },
    );
    const theirs = icalJsOccurrences(text, window.from, window.to);
    if (fullTime) {
      const date = (instant: Date) => instant.toLocaleDateString('sv', { timeZone: zone });
      expect(theirs.map((o) => [o.start.slice(0, 10), o.end.slice(0, 10)])).toEqual(ours.map((o) => [date(o.start), date(o.end)]));
    } else {
      expect(theirs.map((o) => [o.start, o.end])).toEqual(ours.map((o) => [o.start.toISOString(), o.end.toISOString()]));
    }
  });
});

describe('series with exceptions', () => {
  const recurrence = rule({ type: 'WEEKLY', days: ['MONDAY'], occurrences: 10 });
  const amsterdam: Series = { timezone: 'Europe/Amsterdam', fullTime: false, start: '2027-03-01T09:00', durationMs: 3_600_000 };
  const series = event({
    start: new Date('2027-03-01T08:00:00Z'),
    end: new Date('2027-03-01T09:00:00Z'),
    recurrence: { rule: recurrence, deleted: ['2027-03-15'] },
  });

  it('writes EXDATE and an override in the series’ zone: RECURRENCE-ID the original local time, across the DST change', () => {
    // The occurrence of March 29 (after the change: 07:00Z) moved to 14:00, an appointment in New York's zone.
    const override = event({
      summary: 'Moved',
      timezone: 'Europe/Amsterdam',
      start: new Date('2027-03-29T12:00:00Z'),
      end: new Date('2027-03-29T13:00:00Z'),
      recurrenceOf: { series: amsterdam, rule: recurrence, date: '2027-03-29' },
    });
    const text = calendarText([series, override]);
    expect(text).toContain('EXDATE;TZID=Europe/Brussels:20270315T090000\r\n');
    expect(text).toContain('RECURRENCE-ID;TZID=Europe/Brussels:20270329T090000\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Brussels:20270329T140000\r\n');
    expect(vevents(text).map((v) => v.getFirstPropertyValue('uid'))).toEqual(['uid-1', 'uid-1']);
    const starts = icalJsOccurrences(text, window.from, window.to).map((o) => [o.start, o.title]);
    expect(starts).toEqual([
      ['2027-03-01T08:00:00.000Z', 'Event'],
      ['2027-03-08T08:00:00.000Z', 'Event'],
      ['2027-03-22T08:00:00.000Z', 'Event'],
      ['2027-03-29T12:00:00.000Z', 'Moved'],
      ...['04-05', '04-12', '04-19', '04-26', '05-03'].map((d) => [`2027-${d}T07:00:00.000Z`, 'Event']),
    ]);
  });

  it('full-day: DATE values for DTSTART, DTEND (exclusive), EXDATE and RECURRENCE-ID', () => {
    const daily: Series = { timezone: 'America/New_York', fullTime: true, start: '2027-03-12', days: 1 };
    const every = rule({ type: 'DAILY', occurrences: 5 });
    const at = (date: string) => new Date(`${date}T05:00:00Z`); // midnight in New York, EST
    const text = calendarText([
      event({
        timezone: 'America/New_York',
        fullTime: true,
        start: at('2027-03-12'),
        end: at('2027-03-13'),
        recurrence: { rule: every, deleted: ['2027-03-13'] },
      }),
      event({
        summary: 'Longer',
        timezone: 'America/New_York',
        fullTime: true,
        start: at('2027-03-14'),
        end: new Date('2027-03-16T04:00:00Z'), // EDT midnight
        recurrenceOf: { series: daily, rule: every, date: '2027-03-14' },
      }),
    ]);
    expect(text).toContain('DTSTART;VALUE=DATE:20270312\r\nDTEND;VALUE=DATE:20270313\r\n');
    expect(text).toContain('EXDATE;VALUE=DATE:20270313\r\n');
    expect(text).not.toContain('VTIMEZONE');
    const override = vevents(text)[1]!;
    expect((override.getFirstPropertyValue('recurrence-id') as ICAL.Time).toString()).toBe('2027-03-14');
    expect(icalJsOccurrences(text, window.from, window.to).map((o) => [o.start.slice(0, 10), o.end.slice(0, 10), o.title])).toEqual([
      ['2027-03-12', '2027-03-13', 'Event'],
      ['2027-03-14', '2027-03-16', 'Longer'],
      ['2027-03-15', '2027-03-16', 'Event'],
      ['2027-03-16', '2027-03-17', 'Event'],
    ]);
  });

  it('UNTIL is the end of the until day: a timed series keeps its occurrence on that day, in UTC', () => {
    const until = rule({ type: 'DAILY', until: '2027-03-30' });
    const text = calendarText([
      event({
        timezone: 'Europe/Amsterdam',
        start: new Date('2027-03-27T22:30:00Z'),
        end: new Date('2027-03-27T23:00:00Z'),
        recurrence: { rule: until, deleted: [] },
      }),
    ]);
    expect(text).toContain('RRULE:FREQ=DAILY;UNTIL=20270330T215959Z\r\n');
    expect(icalJsOccurrences(text, window.from, window.to).map((o) => o.start)).toEqual([
      '2027-03-27T22:30:00.000Z', // 23:30 CET
      '2027-03-28T21:30:00.000Z', // 23:30 CEST
      '2027-03-29T21:30:00.000Z',
      '2027-03-30T21:30:00.000Z',
    ]);
  });

  it('RDATEs stand for a rule RRULE lacks, capped at MAX_RDATES and marked with where they end', () => {
    const lacking = rule({ type: 'MONTHLY', dayInMonth: 9, days: ['MONDAY', 'TUESDAY'] });
    const horizon = new Date('2500-01-01T00:00:00Z');
    const text = calendarText(
      [
        event({
          start: new Date('2027-02-23T09:00:00Z'),
          end: new Date('2027-02-23T10:00:00Z'),
          recurrence: { rule: lacking, deleted: [] },
        }),
      ],
      {
        rdateHorizon: horizon,
      },
    );
    const vevent = vevents(text)[0]!;
    expect(vevent.getFirstProperty('rrule')).toBeNull();
    expect(vevent.getAllProperties('rdate').flatMap((p) => p.getValues())).toHaveLength(MAX_RDATES);
    expect(vevent.getFirstPropertyValue('x-convene-rdate-until')).toBe('25000101T000000Z');
  });

  it('a lone RDATE still reads as one (not as an RRULE)', () => {
    const once = rule({ type: 'MONTHLY', dayInMonth: 9, days: ['MONDAY', 'TUESDAY'], occurrences: 1 });
    const text = calendarText([
      event({ start: new Date('2027-02-23T09:00:00Z'), end: new Date('2027-02-23T10:00:00Z'), recurrence: { rule: once, deleted: [] } }),
    ]);
    expect(icalJsOccurrences(text, window.from, window.to).map((o) => o.start)).toEqual(['2027-02-23T09:00:00.000Z']);
  });
});

describe('fields', () => {
  it.each([
    ['RESERVED', 'OPAQUE', 'CONFIRMED', 'BUSY'],
    ['TEMPORARY', 'OPAQUE', 'TENTATIVE', 'TENTATIVE'],
    ['ABSENT', 'OPAQUE', 'CONFIRMED', 'OOF'],
    ['FREE', 'TRANSPARENT', 'CONFIRMED', 'FREE'],
  ] as const)('shown as %s: TRANSP %s, STATUS %s, X-MICROSOFT-CDO-BUSYSTATUS %s', (shownAs, transp, status, busy) => {
    const vevent = vevents(calendarText([event({ shownAs })]))[0]!;
    expect([
      vevent.getFirstPropertyValue('transp'),
      vevent.getFirstPropertyValue('status'),
      vevent.getFirstPropertyValue('x-microsoft-cdo-busystatus'),
    ]).toEqual([transp, status, busy]);
  });

  it('escapes text and reads back the same', () => {
    const summary = 'Planning; Q4, "all hands" \\ back\\slash';
    const description = 'Agenda:\n1. budget; 2. hiring, maybe\n\nEnd';
    const vevent = vevents(calendarText([event({ summary, description, location: 'Room 1, Main St. 5; 2nd floor' })]))[0]!;
    expect([
      vevent.getFirstPropertyValue('summary'),
      vevent.getFirstPropertyValue('description'),
      vevent.getFirstPropertyValue('location'),
    ]).toEqual([summary, description, 'Room 1, Main St. 5; 2nd floor']);
  });

  it('folds lines at 75 octets without splitting a character, and unfolds to the same text', () => {
    const description = `${'Zürich ✓ 日本語 '.repeat(40)}🎉 emoji 👩‍👩‍👧 end`;
    const text = calendarText([event({ description })]);
    const lines = text.split('\r\n');
    expect(lines.every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true);
    expect(text).not.toContain('\uFFFD');
    expect(vevents(text)[0]!.getFirstPropertyValue('description')).toBe(description);
  });

  it('a meeting: ORGANIZER and ATTENDEEs, UID and SEQUENCE as given, no VTIMEZONE for UTC', () => {
    const text = calendarText([
      event({
        uid: 'meeting-1@convene',
        sequence: 3,
        timezone: 'UTC',
        organizer: { name: 'Olga Organizer', email: 'olga@example.com' },
        attendees: [{ email: 'ann@example.com', name: 'Ann, from sales' }, { email: 'bob@example.com' }],
      }),
    ]);
    expect(text).toContain('DTSTART:20270104T080000Z\r\n');
    expect(text).not.toContain('VTIMEZONE');
    const vevent = vevents(text)[0]!;
    expect([vevent.getFirstPropertyValue('uid'), vevent.getFirstPropertyValue('sequence')]).toEqual(['meeting-1@convene', 3]);
    expect(vevent.getFirstProperty('organizer')!.getParameter('cn')).toBe('Olga Organizer');
    expect(vevent.getAllProperties('attendee').map((a) => [String(a.getFirstValue()).toLowerCase(), a.getParameter('cn') ?? null])).toEqual(
      [
        ['mailto:ann@example.com', 'Ann, from sales'],
        ['mailto:bob@example.com', null],
      ],
    );
  });

  it('one VTIMEZONE per zone used, whatever the number of events in it', () => {
    const text = calendarText([
      event({ uid: 'a' }),
      event({ uid: 'b', timezone: 'America/New_York' }),
      event({ uid: 'c' }),
      event({ uid: 'd', timezone: 'UTC' }),
    ]);
    const zones = new ICAL.Component(ICAL.parse(text) as unknown[])
      .getAllSubcomponents('vtimezone')
      .map((z) => z.getFirstPropertyValue('tzid'));
    expect(zones.sort()).toEqual(['America/New_York', 'Europe/Brussels']);
  });
});
