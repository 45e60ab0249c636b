// iCalendar text -> convene appointment inputs (src/ical/events.ts, zones.ts): series the
// Open-Xchange model expresses, everything else expanded over the horizon and compared with
// ical.js's own expansion; zones (IANA, Windows, prefixed, feed-defined, unknown), DST, EXDATE,
// overrides in another zone, shown-as, full-day events, and malformed input.
import { describe, expect, it } from 'vitest';
import { parseAppointmentInput } from '../../src/calendar/appointments/input.ts';
import { ruleOf, seriesOf } from '../../src/calendar/appointments/occurrences.ts';
import { expand } from '../../src/calendar/recurrence.ts';
import { type FeedEvent, type Horizon, parseFeed } from '../../src/ical/events.ts';
import { namedZone } from '../../src/ical/zones.ts';
import { centralEuropeanVtimezone, icalJsOccurrences } from '../support/ical.ts';

const horizon: Horizon = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2028-01-01T00:00:00Z') };

const calendar = (body: string, extra = '') =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//convene tests//EN\r\n${extra}${body.trim().replaceAll('\n', '\r\n')}\r\nEND:VCALENDAR\r\n`;
const vevent = (lines: string, uid = 'e1@example.org') =>
  `BEGIN:VEVENT\nUID:${uid}\nDTSTAMP:20260101T000000Z\n${lines.trim()}\nEND:VEVENT\n`;

function events(text: string, window = horizon): FeedEvent[] {
  const parsed = parseFeed(text, window);
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.data.skipped).toEqual([]);
  return parsed.data.events;
}

/** Every occurrence start (ISO) in the window: series expanded by convene (less exceptions, with overrides), singles as they are. */
function starts(list: FeedEvent[], from = horizon.from, to = horizon.to): string[] {
  const result: string[] = [];
  for (const event of list) {
    const parsed = parseAppointmentInput({ ...event.fields, accountId: 'a' }, null);
    if (!parsed.ok) throw new Error(parsed.message);
    const a = parsed.data;
    if (a.recurrenceType === 'NONE') {
      if (a.start < to && a.end > from) result.push(a.start.toISOString());
      continue;
    }
    const replaced = new Set([...event.deleteExceptions, ...event.overrides.map((o) => o.date)]);
    for (const o of expand(seriesOf(a), ruleOf(a), from, to)) if (!replaced.has(o.date)) result.push(o.start.toISOString());
    for (const o of event.overrides) result.push(o.fields.start!.toISOString());
  }
  return result.sort();
}

/** ical.js's own occurrence starts of the same text (zones only through the text's VTIMEZONEs, or UTC). */
const icalStarts = (text: string) => icalJsOccurrences(text, horizon.from, horizon.to).map((o) => o.start);

const berlin = centralEuropeanVtimezone('Europe/Berlin');

describe('series the model expresses', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['daily, every 2nd day, 5 times', 'FREQ=DAILY;INTERVAL=2;COUNT=5', { type: 'DAILY', interval: 2, occurrences: 5 }],
    ['weekly on Monday and Wednesday', 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6', { type: 'WEEKLY', days: ['MONDAY', 'WEDNESDAY'] }],
    ['weekly without BYDAY: the start’s weekday', 'FREQ=WEEKLY;INTERVAL=3;COUNT=4', { type: 'WEEKLY', interval: 3, days: ['MONDAY'] }],
    ['monthly on the 5th (the start’s day)', 'FREQ=MONTHLY;COUNT=12', { type: 'MONTHLY', dayInMonth: 5 }],
    ['monthly, first Monday', 'FREQ=MONTHLY;BYDAY=1MO;COUNT=12', { type: 'MONTHLY', dayInMonth: 1, days: ['MONDAY'] }],
    ['monthly on every Monday (a weekly rule)', 'FREQ=MONTHLY;BYDAY=MO;COUNT=9', { type: 'WEEKLY', days: ['MONDAY'] }],
    ['yearly on the start’s date', 'FREQ=YEARLY;COUNT=3', { type: 'YEARLY', month: 1, dayInMonth: 5 }],
    [
      'yearly, first Monday of January',
      'FREQ=YEARLY;BYMONTH=1;BYDAY=1MO;COUNT=3',
      { type: 'YEARLY', month: 1, dayInMonth: 1, days: ['MONDAY'] },
    ],
  ];
  // January 5, 2026 is a Monday (and the first of the month, and of the year).
  for (const [name, rule, expected] of cases) {
    it(name, () => {
      const text = calendar(vevent(`DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\nRRULE:${rule}`));
      const [event] = events(text);
      expect(event!.fields.recurrence).toMatchObject(expected);
      expect(starts(events(text))).toEqual(icalStarts(text));
    });
  }

  it('the last weekday of the month (BYDAY=MO..FR;BYSETPOS=-1) is dayInMonth 31 of Monday to Friday', () => {
    const text = calendar(vevent('DTSTART:20260130T160000Z\nDURATION:PT1H\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=14'));
    expect(events(text)[0]!.fields.recurrence).toMatchObject({
      type: 'MONTHLY',
      dayInMonth: 31,
      days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
    });
    expect(starts(events(text))).toEqual(icalStarts(text));
  });

  it('the last Friday (-1FR) is dayInMonth 5 of Friday', () => {
    const text = calendar(vevent('DTSTART:20260130T160000Z\nDURATION:PT1H\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=14'));
    expect(events(text)[0]!.fields.recurrence).toMatchObject({ type: 'MONTHLY', dayInMonth: 5, days: ['FRIDAY'] });
    expect(starts(events(text))).toEqual(icalStarts(text));
  });

  it('keeps 09:00 local across both DST changes, in a Windows zone', () => {
    const text = calendar(
      vevent(
        'DTSTART;TZID=W. Europe Standard Time:20260320T090000\nDTEND;TZID=W. Europe Standard Time:20260320T093000\nRRULE:FREQ=DAILY;COUNT=230',
      ),
      centralEuropeanVtimezone('W. Europe Standard Time'),
    );
    const list = events(text);
    expect(list[0]!.fields).toMatchObject({ timezone: 'Europe/Berlin', recurrence: { type: 'DAILY', occurrences: 230 } });
    const all = starts(list);
    expect(all).toEqual(icalStarts(text));
    expect(all.filter((s) => s.startsWith('2026-03-28') || s.startsWith('2026-03-30'))).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    expect(all.filter((s) => s.startsWith('2026-10-24') || s.startsWith('2026-10-26'))).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('UNTIL (UTC) is the inclusive local date of the last occurrence', () => {
    const rule = 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260330T075959Z'; // 09:59:59 CEST on Monday, March 30
    const text = calendar(vevent(`DTSTART;TZID=Europe/Berlin:20260105T090000\nDTEND;TZID=Europe/Berlin:20260105T100000\n${rule}`), berlin);
    expect(events(text)[0]!.fields.recurrence).toMatchObject({ until: '2026-03-30' });
    expect(starts(events(text))).toEqual(icalStarts(text));
    const before = calendar(
      vevent(
        'DTSTART;TZID=Europe/Berlin:20260105T090000\nDTEND;TZID=Europe/Berlin:20260105T100000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260330T065959Z',
      ),
      berlin,
    );
    expect(events(before)[0]!.fields.recurrence).toMatchObject({ until: '2026-03-29' });
    expect(starts(events(before))).toEqual(icalStarts(before));
  });

  it('EXDATEs (in another zone too) become delete exceptions; overrides in another zone become change exceptions', () => {
    const master = vevent(`DTSTART;TZID=Europe/Berlin:20260302T090000
DTEND;TZID=Europe/Berlin:20260302T100000
RRULE:FREQ=WEEKLY;COUNT=8
EXDATE;TZID=America/New_York:20260309T040000
EXDATE:20260316T080000Z`);
    const moved = vevent(
      `RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000
DTSTART;TZID=America/New_York:20260330T060000
DTEND;TZID=America/New_York:20260330T070000
SUMMARY:moved`,
    );
    const cancelled = vevent('RECURRENCE-ID:20260406T070000Z\nDTSTART:20260406T070000Z\nDURATION:PT1H\nSTATUS:CANCELLED');
    const [event] = events(calendar(master + moved + cancelled, berlin));
    expect(event!.deleteExceptions).toEqual(['2026-03-09', '2026-03-16', '2026-04-06']);
    expect(event!.overrides).toEqual([
      {
        key: 'e1@example.org#20260330T070000Z',
        date: '2026-03-30',
        fields: expect.objectContaining({ title: 'moved', timezone: 'America/New_York', start: new Date('2026-03-30T10:00:00Z') }),
      },
    ]);
  });

  it('an override of no occurrence stands alone; an EXDATE wins over an override of the same date', () => {
    const master = vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY;COUNT=3\nEXDATE:20260112T090000Z');
    const stray = vevent('RECURRENCE-ID:20260106T090000Z\nDTSTART:20260106T100000Z\nDURATION:PT1H\nSUMMARY:stray');
    const excluded = vevent('RECURRENCE-ID:20260112T090000Z\nDTSTART:20260112T100000Z\nDURATION:PT1H\nSUMMARY:excluded');
    const list = events(calendar(master + stray + excluded));
    expect(list.map((e) => [e.key, e.fields.title, e.overrides.length])).toEqual([
      ['e1@example.org', '(no title)', 0],
      ['e1@example.org#20260106T090000Z', 'stray', 0],
    ]);
  });
});

describe('rules the model lacks are expanded over the horizon', () => {
  const cases: Array<[string, string]> = [
    ['several BYMONTHDAYs', 'FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=8'],
    ['BYMONTHDAY=31 (RFC 5545 skips shorter months; OX would take their last day)', 'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=7'],
    ['the 5th Monday (skipped where there is none)', 'FREQ=MONTHLY;BYDAY=5MO;COUNT=4'],
    ['BYSETPOS with a day the start is not on', 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=2;COUNT=5'],
    ['BYHOUR', 'FREQ=DAILY;BYHOUR=9,15;COUNT=6'],
    ['HOURLY', 'FREQ=HOURLY;INTERVAL=8;COUNT=5'],
    ['yearly with an interval', 'FREQ=YEARLY;INTERVAL=2;COUNT=2'],
    ['February 29', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1'],
    ['weekly, two days, every 2nd week starting Sunday', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=SU;COUNT=6'],
    ['BYWEEKNO', 'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;COUNT=2'],
  ];
  for (const [name, rule] of cases) {
    it(name, () => {
      const text = calendar(vevent(`DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\nRRULE:${rule}`));
      const list = events(text);
      if (list.length > 1) expect(list.every((e) => e.fields.recurrence === null)).toBe(true);
      expect(starts(list)).toEqual(icalStarts(text));
    });
  }

  it('RDATEs add occurrences, EXDATEs remove them, overrides replace theirs, keyed by UID#RECURRENCE-ID', () => {
    const master = vevent(
      'DTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=3\nRDATE:20260110T090000Z,20260111T090000Z\nEXDATE:20260106T090000Z\nSUMMARY:m',
    );
    const override = vevent('RECURRENCE-ID:20260110T090000Z\nDTSTART:20260110T140000Z\nDURATION:PT2H\nSUMMARY:o');
    const list = events(calendar(master + override));
    expect(list.map((e) => [e.key, e.fields.title, e.fields.start!.toISOString(), e.fields.end!.toISOString()])).toEqual([
      ['e1@example.org#20260105T090000Z', 'm', '2026-01-05T09:00:00.000Z', '2026-01-05T10:00:00.000Z'],
      ['e1@example.org#20260107T090000Z', 'm', '2026-01-07T09:00:00.000Z', '2026-01-07T10:00:00.000Z'],
      ['e1@example.org#20260110T090000Z', 'o', '2026-01-10T14:00:00.000Z', '2026-01-10T16:00:00.000Z'],
      ['e1@example.org#20260111T090000Z', 'm', '2026-01-11T09:00:00.000Z', '2026-01-11T10:00:00.000Z'],
    ]);
  });

  it('keeps only what overlaps the horizon, for an endless rule too', () => {
    const window = { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') };
    const list = events(calendar(vevent('DTSTART:20200106T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;BYHOUR=9,21')), window);
    expect(list).toHaveLength(56);
    expect(list[0]!.fields.start).toEqual(new Date('2026-02-01T09:00:00Z'));
  });

  it('expands in the event’s zone across DST (a DTSTART off its rule: the rule’s dates, as ical.js gives them)', () => {
    // Sunday March 1, then every Monday and Tuesday: RFC 5545 leaves whether DTSTART counts undefined.
    const text = calendar(
      vevent(
        'DTSTART;TZID=Europe/Berlin:20260301T090000\nDTEND;TZID=Europe/Berlin:20260301T100000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU;COUNT=12',
      ),
      berlin,
    );
    const list = events(text);
    expect(list[0]!.fields).toMatchObject({ recurrence: null, timezone: 'Europe/Berlin', start: new Date('2026-03-02T08:00:00Z') });
    expect(starts(list)).toEqual(icalStarts(text));
    expect(starts(list)).toContain('2026-03-30T07:00:00.000Z');
  });

  it('skips an event with more occurrences in the horizon than the cap, saying why', () => {
    const parsed = parseFeed(calendar(vevent('DTSTART:20260105T090000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY;INTERVAL=5')), horizon);
    expect(parsed.ok && parsed.data.skipped).toEqual([{ uid: 'e1@example.org', reason: expect.stringMatching(/more than/) }]);
  });
});

describe('zones', () => {
  it('names IANA zones, prefixed ones and Windows names', () => {
    expect(namedZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(namedZone('/mozilla.org/20050126_1/Europe/Berlin')).toBe('Europe/Berlin');
    expect(namedZone('europe/berlin')).toBe('Europe/Berlin');
    expect(namedZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(namedZone('Eastern Standard Time')).toBe('America/New_York');
    expect(namedZone('Tokyo Standard Time')).toBe('Asia/Tokyo');
    expect(namedZone('Nowhere Standard Time')).toBeNull();
  });

  it('maps a VTIMEZONE of another name to the IANA zone with the same offsets', () => {
    const text = calendar(
      vevent('DTSTART;TZID=Custom Berlin:20260701T090000\nDTEND;TZID=Custom Berlin:20260701T100000\nRRULE:FREQ=WEEKLY;COUNT=30'),
      centralEuropeanVtimezone('Custom Berlin'),
    );
    const [event] = events(text);
    expect(event!.fields).toMatchObject({
      timezone: 'Europe/Berlin',
      start: new Date('2026-07-01T07:00:00Z'),
      recurrence: { type: 'WEEKLY' },
    });
    expect(starts(events(text))).toEqual(icalStarts(text));
  });

  it('uses a VTIMEZONE no IANA zone matches for the instants, and expands its series', () => {
    // +05:17, with an hour of DST from April to September: no real zone.
    const odd = `BEGIN:VTIMEZONE
TZID:Odd Zone
BEGIN:STANDARD
DTSTART:19700927T030000
TZOFFSETFROM:+0617
TZOFFSETTO:+0517
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=9
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700405T020000
TZOFFSETFROM:+0517
TZOFFSETTO:+0617
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
END:DAYLIGHT
END:VTIMEZONE
`;
    const text = calendar(vevent('DTSTART;TZID=Odd Zone:20260301T090000\nDURATION:PT1H\nRRULE:FREQ=WEEKLY;COUNT=10'), odd);
    const list = events(text);
    expect(list).toHaveLength(10);
    expect(list[0]!.fields).toMatchObject({ timezone: 'UTC', recurrence: null, start: new Date('2026-03-01T03:43:00Z') });
    expect(starts(list)).toEqual(icalStarts(text));
  });

  it('reads UTC as UTC, and floating times and unknown TZIDs in X-WR-TIMEZONE (else UTC)', () => {
    const body =
      vevent('DTSTART:20260105T090000\nDURATION:PT1H', 'floating') +
      vevent('DTSTART;TZID=Mars/Olympus:20260105T090000\nDURATION:PT1H', 'unknown');
    const declared = events(calendar(body, 'X-WR-TIMEZONE:Europe/Berlin\n'));
    expect(declared.map((e) => [e.fields.timezone, e.fields.start])).toEqual([
      ['Europe/Berlin', new Date('2026-01-05T08:00:00Z')],
      ['Europe/Berlin', new Date('2026-01-05T08:00:00Z')],
    ]);
    expect(events(calendar(body)).map((e) => e.fields.timezone)).toEqual(['UTC', 'UTC']);
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    const [event] = events(calendar(vevent('DTSTART;TZID=Europe/Berlin:20260329T023000\nDURATION:PT1H')));
    expect(event!.fields.start).toEqual(new Date('2026-03-29T01:30:00Z')); // 03:30 CEST
  });
});

describe('fields', () => {
  it('maps TRANSP, X-MICROSOFT-CDO-BUSYSTATUS:OOF and STATUS to shown-as, and leaves cancelled events out', () => {
    const body = [
      vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nTRANSP:TRANSPARENT\nSTATUS:TENTATIVE', 'free'),
      vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nX-MICROSOFT-CDO-BUSYSTATUS:OOF\nSTATUS:TENTATIVE', 'absent'),
      vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nSTATUS:TENTATIVE', 'tentative'),
      vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nTRANSP:OPAQUE\nSTATUS:CONFIRMED', 'reserved'),
      vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nSTATUS:CANCELLED', 'cancelled'),
    ].join('');
    expect(events(calendar(body)).map((e) => [e.key, e.fields.shownAs])).toEqual([
      ['free', 'FREE'],
      ['absent', 'ABSENT'],
      ['tentative', 'TEMPORARY'],
      ['reserved', 'RESERVED'],
    ]);
  });

  it('makes DATE events full-time: DTEND exclusive, one day by default, a yearly birthday a series', () => {
    const body =
      vevent('DTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260313', 'trip') +
      vevent('DTSTART;VALUE=DATE:20260401', 'day') +
      vevent('DTSTART;VALUE=DATE:20260704\nRRULE:FREQ=YEARLY', 'birthday');
    const list = events(calendar(body, 'X-WR-TIMEZONE:America/New_York\n'));
    expect(list.map((e) => [e.key, e.fields.fullTime, e.fields.startDate, e.fields.endDate, e.fields.timezone])).toEqual([
      ['trip', true, '2026-03-10', '2026-03-13', 'America/New_York'],
      ['day', true, '2026-04-01', '2026-04-02', 'America/New_York'],
      ['birthday', true, '2026-07-04', '2026-07-05', 'America/New_York'],
    ]);
    expect(list[2]!.fields.recurrence).toMatchObject({ type: 'YEARLY', month: 7, dayInMonth: 4 });
  });

  it('fits text to what convene keeps, and gives a timed event without length a minute', () => {
    const [event] = events(
      calendar(vevent(`DTSTART:20260105T090000Z\nSUMMARY:${'t'.repeat(600)}\nDESCRIPTION:a\\u0000b\\nline\nLOCATION:  `)),
    );
    expect(event!.fields.title).toHaveLength(500);
    expect(event!.fields.location).toBeNull();
    expect(event!.fields.end!.getTime() - event!.fields.start!.getTime()).toBe(60_000);
    expect(parseAppointmentInput({ ...event!.fields, accountId: 'a' }, null).ok).toBe(true);
  });

  it('keys a UID-less event by its text, and keeps the first of two events with one UID', () => {
    const text = calendar(
      `BEGIN:VEVENT\nDTSTART:20260105T090000Z\nDURATION:PT1H\nSUMMARY:anonymous\nEND:VEVENT\n` +
        vevent('DTSTART:20260105T090000Z\nDURATION:PT1H\nSUMMARY:first', 'twice') +
        vevent('DTSTART:20260106T090000Z\nDURATION:PT1H\nSUMMARY:second', 'twice'),
    );
    const parsed = parseFeed(text, horizon);
    expect(parsed.ok && parsed.data.events.map((e) => e.fields.title)).toEqual(['anonymous', 'first']);
    expect(parsed.ok && parsed.data.events[0]!.key).toMatch(/^no-uid:/);
    expect(parsed.ok && parsed.data.skipped).toEqual([{ uid: 'twice', reason: 'a second event with this UID' }]);
  });
});

describe('malformed input', () => {
  it('refuses what is not iCalendar, with a clear message', () => {
    expect(parseFeed('<!doctype html><html><body>Please sign in</body></html>', horizon)).toEqual({
      ok: false,
      message: expect.stringMatching(/^not valid iCalendar/),
    });
    expect(parseFeed('', horizon)).toEqual({ ok: false, message: expect.stringMatching(/^not valid iCalendar/) });
    expect(parseFeed('BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n', horizon)).toEqual({ ok: false, message: 'not valid iCalendar: no VCALENDAR' });
  });

  it('skips the events it cannot read, with the reason, and keeps the rest', () => {
    const text = calendar(vevent('SUMMARY:no start', 'nostart') + vevent('DTSTART:20260105T090000Z\nDURATION:PT1H', 'fine'));
    const parsed = parseFeed(text, horizon);
    expect(parsed.ok && parsed.data.events.map((e) => e.key)).toEqual(['fine']);
    expect(parsed.ok && parsed.data.skipped).toEqual([{ uid: 'nostart', reason: 'no DTSTART' }]);
  });

  it('survives broken values without throwing', () => {
    for (const lines of [
      'DTSTART:yesterday',
      'DTSTART:20260105T090000Z\nRRULE:FREQ=SOMETIMES',
      'DTSTART:20260105T090000Z\nDTEND:garbage',
    ]) {
      expect(() => parseFeed(calendar(vevent(lines)), horizon)).not.toThrow();
    }
  });
});
