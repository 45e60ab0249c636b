// A client's kept iCalendar with convene's changes re-applied (src/caldav/kept-text.ts): what
// convene models comes from its export, everything else stays the client's, and the importer
// reads the result back to what convene has.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { keptEventsText, keptTodoText } from '../../src/caldav/kept-text.ts';
import { seriesOf } from '../../src/calendar/appointments/occurrences.ts';
import { parseRecurrence, type Recurrence } from '../../src/calendar/recurrence.ts';
import { parseFeed, parseTodo } from '../../src/ical/events.ts';
import type { ExportEvent, ExportTask } from '../../src/ical/export.ts';

const at = (iso: string) => new Date(iso);
const rule = (input: Parameters<typeof parseRecurrence>[0]): Recurrence => {
  const parsed = parseRecurrence(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.data;
};
const lines = (...all: string[]) => `${all.join('\r\n')}\r\n`;
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');
const parse = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);
const vevents = (text: string) => parse(text).getAllSubcomponents('vevent');
const value = (component: ICAL.Component, name: string) => component.getFirstProperty(name)?.toICALString() ?? null;

const alarm = ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:soon', 'TRIGGER:-PT10M', 'END:VALARM'];
const extras = [
  'CATEGORIES:work,weekly',
  'URL:https://example.com/standup',
  'X-CLIENT-COLOR:teal',
  'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;X-NUM-GUESTS=1:mailto:bob@example.com',
];

/** A client's weekly Monday 10:00 Berlin series (six, the second deleted), with extras and an alarm. */
const weeklyText = (overrides: string[][] = []) =>
  lines(
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//client//app//EN',
    'X-WR-CALNAME:Work',
    'BEGIN:VEVENT',
    'UID:standup@example.com',
    'DTSTAMP:20260101T000000Z',
    'CREATED:20251201T000000Z',
    'SEQUENCE:2',
    'DTSTART;TZID=Europe/Berlin:20260316T100000',
    'DTEND;TZID=Europe/Berlin:20260316T110000',
    'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6',
    'EXDATE;TZID=Europe/Berlin:20260323T100000',
    'SUMMARY:standup',
    'LOCATION:room 1',
    ...extras,
    ...alarm,
    'END:VEVENT',
    ...overrides.flat(),
    'BEGIN:X-CLIENT-STATE',
    'X-OPENED:yes',
    'END:X-CLIENT-STATE',
    'END:VCALENDAR',
  );

const movedOverride = [
  'BEGIN:VEVENT',
  'UID:standup@example.com',
  'DTSTAMP:20260101T000000Z',
  'SEQUENCE:4',
  'RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000',
  'DTSTART;TZID=America/New_York:20260406T060000',
  'DTEND;TZID=America/New_York:20260406T070000',
  'SUMMARY:standup, later',
  'X-OVERRIDE-NOTE:moved for the offsite',
  'END:VEVENT',
];

const weekly = rule({ type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 6 });
const changedAt = at('2026-03-10T12:00:00Z');
const series: ExportEvent = {
  uid: 'standup@example.com',
  stamp: changedAt,
  lastModified: changedAt,
  created: at('2026-03-01T00:00:00Z'),
  summary: 'standup',
  location: 'room 1',
  timezone: 'Europe/Berlin',
  fullTime: false,
  start: at('2026-03-16T09:00:00Z'),
  end: at('2026-03-16T10:00:00Z'),
  shownAs: 'RESERVED',
  recurrence: { rule: weekly, deleted: ['2026-03-23'] },
};
const exceptionOf = (base: ExportEvent, date: string, changes: Partial<ExportEvent>): ExportEvent => ({
  ...base,
  recurrence: null,
  recurrenceOf: { series: seriesOf(base), rule: base.recurrence!.rule, date },
  ...changes,
});

/** What the importer reads from a text: events by key, with their fields. */
function imported(text: string) {
  const parsed = parseFeed(text, { from: at('2026-01-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z') });
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.data.skipped).toEqual([]);
  return parsed.data.events;
}

function expectExtras(vevent: ICAL.Component) {
  expect(value(vevent, 'categories')).toBe('CATEGORIES:work,weekly');
  expect(value(vevent, 'url')).toBe('URL:https://example.com/standup');
  expect(value(vevent, 'x-client-color')).toBe('X-CLIENT-COLOR:teal');
  expect(value(vevent, 'attendee')).toBe('ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;X-NUM-GUESTS=1:mailto:bob@example.com');
  expect(vevent.getAllSubcomponents('valarm').map((a) => a.toString())).toEqual([lines(...alarm).trim()]);
}

describe('an event changed through the API, re-applied onto the kept text', () => {
  it('a new title: SUMMARY replaced, alarm, attendee parameters, URL, categories, X- properties and unknown components kept', () => {
    const text = keptEventsText(weeklyText(), [{ ...series, summary: 'daily standup' }]);
    const [master, ...rest] = vevents(text);
    expect(rest).toEqual([]);
    expect(value(master!, 'summary')).toBe('SUMMARY:daily standup');
    expect(value(master!, 'location')).toBe('LOCATION:room 1');
    expect(value(master!, 'uid')).toBe('UID:standup@example.com');
    expectExtras(master!);
    // A server that changes an event raises SEQUENCE and stamps it; CREATED stays the client's.
    expect(value(master!, 'sequence')).toBe('SEQUENCE:3');
    expect(value(master!, 'dtstamp')).toBe('DTSTAMP:20260310T120000Z');
    expect(value(master!, 'last-modified')).toBe('LAST-MODIFIED:20260310T120000Z');
    expect(value(master!, 'created')).toBe('CREATED:20251201T000000Z');
    const calendar = parse(text);
    expect(value(calendar, 'prodid')).toBe('PRODID:-//client//app//EN');
    expect(value(calendar, 'x-wr-calname')).toBe('X-WR-CALNAME:Work');
    expect(calendar.getFirstSubcomponent('x-client-state')?.getFirstPropertyValue('x-opened')).toBe('yes');
    // The rule and the deleted occurrence as convene has them.
    expect(unfold(text)).toMatch(/RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=6\r\n/);
    expect(unfold(text)).toMatch(/EXDATE;TZID=Europe\/Berlin:20260323T100000\r\n/);
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(imported(text).map((e) => [e.key, e.fields.title, e.deleteExceptions])).toEqual([
      ['standup@example.com', 'daily standup', ['2026-03-23']],
    ]);
  });

  it('a cleared location and a changed "shown as": LOCATION removed, TRANSP and STATUS from convene', () => {
    const kept = weeklyText().replace('SUMMARY:standup', 'SUMMARY:standup\r\nTRANSP:OPAQUE\r\nSTATUS:CONFIRMED');
    const free = vevents(keptEventsText(kept, [{ ...series, location: null, shownAs: 'FREE' }]))[0]!;
    expect([value(free, 'location'), value(free, 'transp'), value(free, 'status')]).toEqual([
      null,
      'TRANSP:TRANSPARENT',
      'STATUS:CONFIRMED',
    ]);
    expect(free.getAllProperties('transp')).toHaveLength(1);
    const tentative = vevents(keptEventsText(kept, [{ ...series, shownAs: 'TEMPORARY' }]))[0]!;
    expect([value(tentative, 'transp'), value(tentative, 'status')]).toEqual(['TRANSP:OPAQUE', 'STATUS:TENTATIVE']);
  });

  it("a time moved across the DST change in Europe/Berlin: DTSTART/DTEND in Berlin time, its VTIMEZONE in place of the client's", () => {
    // Outlook's spelling of the zone, with its own VTIMEZONE, and DURATION instead of DTEND.
    const kept = lines(
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Microsoft Corporation//Outlook 16.0//EN',
      'BEGIN:VTIMEZONE',
      'TZID:W. Europe Standard Time',
      'BEGIN:STANDARD',
      'DTSTART:16011028T030000',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010325T020000',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:review@example.com',
      'DTSTAMP:20260101T000000Z',
      'DTSTART;TZID=W. Europe Standard Time:20260320T100000',
      'DURATION:PT1H',
      'SUMMARY:review',
      'X-MICROSOFT-CDO-IMPORTANCE:2',
      ...alarm,
      'END:VEVENT',
      'END:VCALENDAR',
    );
    const moved: ExportEvent = {
      uid: 'review@example.com',
      stamp: changedAt,
      summary: 'review',
      timezone: 'Europe/Berlin',
      fullTime: false,
      start: at('2026-03-30T08:00:00Z'), // 10:00 summer time
      end: at('2026-03-30T09:30:00Z'),
    };
    const text = keptEventsText(kept, [moved]);
    const [vevent] = vevents(text);
    expect(value(vevent!, 'dtstart')).toBe('DTSTART;TZID=Europe/Berlin:20260330T100000');
    expect(value(vevent!, 'dtend')).toBe('DTEND;TZID=Europe/Berlin:20260330T113000');
    expect(value(vevent!, 'duration')).toBeNull();
    expect(value(vevent!, 'x-microsoft-cdo-importance')).toBe('X-MICROSOFT-CDO-IMPORTANCE:2');
    expect(vevent!.getAllSubcomponents('valarm')).toHaveLength(1);
    expect(
      parse(text)
        .getAllSubcomponents('vtimezone')
        .map((z) => z.getFirstPropertyValue('tzid')),
    ).toEqual(['Europe/Berlin']);
    const [event] = imported(text);
    expect([event!.fields.start, event!.fields.end, event!.fields.timezone]).toEqual([moved.start, moved.end, 'Europe/Berlin']);
  });

  it("an exception added through the API: a RECURRENCE-ID override with the series' alarm and extras, in the series' zone", () => {
    const exception = exceptionOf(series, '2026-04-13', {
      summary: 'standup (short)',
      start: at('2026-04-13T08:00:00Z'),
      end: at('2026-04-13T08:15:00Z'),
      location: null,
    });
    const text = keptEventsText(weeklyText(), [series, exception]);
    const [master, override] = vevents(text);
    expect(value(master!, 'summary')).toBe('SUMMARY:standup');
    expect(value(override!, 'uid')).toBe('UID:standup@example.com');
    expect(value(override!, 'recurrence-id')).toBe('RECURRENCE-ID;TZID=Europe/Berlin:20260413T100000');
    expect(value(override!, 'dtstart')).toBe('DTSTART;TZID=Europe/Berlin:20260413T100000');
    expect(value(override!, 'dtend')).toBe('DTEND;TZID=Europe/Berlin:20260413T101500');
    expect(value(override!, 'summary')).toBe('SUMMARY:standup (short)');
    expect(value(override!, 'location')).toBeNull();
    expectExtras(override!);
    // An override carries no rule of its own; its SEQUENCE is raised from the series'.
    for (const name of ['rrule', 'exdate', 'rdate']) expect(override!.hasProperty(name)).toBe(false);
    expect(value(override!, 'sequence')).toBe('SEQUENCE:3');
    const events = imported(text);
    expect(events[0]!.overrides.map((o) => [o.key, o.date, o.fields.title])).toEqual([
      ['standup@example.com#20260413T080000Z', '2026-04-13', 'standup (short)'],
    ]);
  });

  it("an exception the client made keeps its own extras when changed; its RECURRENCE-ID follows the series' zone", () => {
    const exception = exceptionOf(series, '2026-04-06', {
      summary: 'standup, later still',
      start: at('2026-04-06T11:00:00Z'),
      end: at('2026-04-06T12:00:00Z'),
    });
    const text = keptEventsText(weeklyText([movedOverride]), [series, exception]);
    const [, override, ...rest] = vevents(text);
    expect(rest).toEqual([]);
    expect(value(override!, 'recurrence-id')).toBe('RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000');
    expect(value(override!, 'summary')).toBe('SUMMARY:standup\\, later still');
    expect(value(override!, 'x-override-note')).toBe('X-OVERRIDE-NOTE:moved for the offsite');
    expect(value(override!, 'sequence')).toBe('SEQUENCE:5');
    expect(override!.getAllSubcomponents('valarm')).toEqual([]);
    // The client's New York VTIMEZONE is no longer named by anything: gone.
    const zones = parse(text)
      .getAllSubcomponents('vtimezone')
      .map((z) => z.getFirstPropertyValue('tzid'));
    expect(zones).toEqual(['Europe/Berlin']);
  });

  it('an exception deleted through the API: the override gone, its date an EXDATE', () => {
    const deleted: ExportEvent = { ...series, recurrence: { rule: weekly, deleted: ['2026-03-23', '2026-04-06'] } };
    const text = keptEventsText(weeklyText([movedOverride]), [deleted]);
    const all = vevents(text);
    expect(all).toHaveLength(1);
    expect(unfold(text)).toMatch(/EXDATE;TZID=Europe\/Berlin:20260323T100000,20260406T100000\r\n/);
    expectExtras(all[0]!);
    expect(imported(text)[0]!.deleteExceptions).toEqual(['2026-03-23', '2026-04-06']);
  });

  it('full-day on and off: DATE values without a zone, then times in a zone again, no stale all-day flags', () => {
    const single = lines(
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//client//app//EN',
      'BEGIN:VEVENT',
      'UID:trip@example.com',
      'DTSTAMP:20260101T000000Z',
      'DTSTART;TZID=Europe/Berlin:20260601T090000',
      'DTEND;TZID=Europe/Berlin:20260601T100000',
      'SUMMARY:trip',
      ...extras,
      ...alarm,
      'END:VEVENT',
      'END:VCALENDAR',
    );
    const event: ExportEvent = {
      uid: 'trip@example.com',
      stamp: changedAt,
      summary: 'trip',
      timezone: 'Europe/Berlin',
      fullTime: true,
      start: at('2026-05-31T22:00:00Z'), // local midnights
      end: at('2026-06-02T22:00:00Z'),
    };
    const allDay = keptEventsText(single, [event]);
    const [vevent] = vevents(allDay);
    expect(value(vevent!, 'dtstart')).toBe('DTSTART;VALUE=DATE:20260601');
    expect(value(vevent!, 'dtend')).toBe('DTEND;VALUE=DATE:20260603');
    expect(parse(allDay).getAllSubcomponents('vtimezone')).toEqual([]);
    expectExtras(vevent!);
    expect(imported(allDay).map((e) => [e.fields.fullTime, e.fields.startDate, e.fields.endDate])).toEqual([
      [true, '2026-06-01', '2026-06-03'],
    ]);

    const timed = keptEventsText(allDay, [
      { ...event, fullTime: false, start: at('2026-06-01T07:00:00Z'), end: at('2026-06-01T08:00:00Z') },
    ]);
    const [again] = vevents(timed);
    expect(value(again!, 'dtstart')).toBe('DTSTART;TZID=Europe/Berlin:20260601T090000');
    expect(unfold(timed)).not.toMatch(/ALLDAYEVENT|VALUE=DATE/);
    expectExtras(again!);
  });

  it('a series turned single: no RRULE, EXDATE or overrides left, the extras kept', () => {
    const single: ExportEvent = { ...series, recurrence: null, summary: 'once' };
    const text = keptEventsText(weeklyText([movedOverride]), [single]);
    const all = vevents(text);
    expect(all).toHaveLength(1);
    for (const name of ['rrule', 'exdate', 'rdate', 'recurrence-id']) expect(all[0]!.hasProperty(name)).toBe(false);
    expect(value(all[0]!, 'summary')).toBe('SUMMARY:once');
    expectExtras(all[0]!);
    expect(imported(text).map((e) => [e.key, e.fields.title, e.fields.recurrence])).toEqual([['standup@example.com', 'once', null]]);
  });

  it("a rule RRULE cannot say: RDATEs and the horizon marker from convene, none of the client's rule left", () => {
    // The 30th, or the month's last: written as RDATEs (src/ical/export.ts, rruleOf).
    const monthly = rule({ type: 'MONTHLY', interval: 1, dayInMonth: 30, occurrences: 3 });
    const text = keptEventsText(weeklyText(), [
      { ...series, start: at('2026-03-30T08:00:00Z'), end: at('2026-03-30T09:00:00Z'), recurrence: { rule: monthly, deleted: [] } },
    ]);
    const [master] = vevents(text);
    expect(master!.hasProperty('rrule')).toBe(false);
    expect(master!.hasProperty('exdate')).toBe(false);
    expect(value(master!, 'rdate')).toBe('RDATE;TZID=Europe/Berlin:20260330T100000,20260430T100000,20260530T100000');
    expect(master!.hasProperty('x-convene-rdate-until')).toBe(true);
    expectExtras(master!);
  });
});

describe('a task changed through the API, re-applied onto the kept VTODO', () => {
  const keptTodo = lines(
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//client//tasks//EN',
    'BEGIN:VTODO',
    'UID:taxes@example.com',
    'DTSTAMP:20260101T000000Z',
    'CREATED:20251215T000000Z',
    'SUMMARY:file taxes',
    'DUE;TZID=Europe/Berlin:20260430T180000',
    'STATUS:IN-PROCESS',
    'PERCENT-COMPLETE:40',
    'PRIORITY:2',
    'CATEGORIES:admin',
    'RRULE:FREQ=YEARLY',
    'X-APPLE-SORT-ORDER:12',
    ...alarm,
    'END:VTODO',
    'END:VCALENDAR',
  );
  const task: ExportTask = {
    uid: '1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b',
    stamp: changedAt,
    summary: 'file taxes',
    description: null,
    start: null,
    due: at('2026-04-30T16:00:00Z'),
    status: 'IN_PROGRESS',
    priority: 'HIGH',
    percentComplete: 40,
    completed: null,
    created: at('2026-03-01T00:00:00Z'),
    lastModified: changedAt,
  };

  it('completed: STATUS, COMPLETED and PERCENT-COMPLETE from convene; alarm, categories, RRULE, X- properties and the UID kept', () => {
    const text = keptTodoText(keptTodo, { ...task, status: 'COMPLETED', percentComplete: 100, completed: changedAt });
    const todo = parse(text).getFirstSubcomponent('vtodo')!;
    expect(value(todo, 'status')).toBe('STATUS:COMPLETED');
    expect(value(todo, 'completed')).toBe('COMPLETED:20260310T120000Z');
    expect(value(todo, 'percent-complete')).toBe('PERCENT-COMPLETE:100');
    expect(value(todo, 'uid')).toBe('UID:taxes@example.com');
    expect(value(todo, 'categories')).toBe('CATEGORIES:admin');
    expect(value(todo, 'rrule')).toBe('RRULE:FREQ=YEARLY');
    expect(value(todo, 'x-apple-sort-order')).toBe('X-APPLE-SORT-ORDER:12');
    expect(value(todo, 'created')).toBe('CREATED:20251215T000000Z');
    expect(value(todo, 'sequence')).toBe('SEQUENCE:1');
    expect(todo.getAllSubcomponents('valarm')).toHaveLength(1);
    expect(parseTodo(text)).toEqual({
      ok: true,
      data: {
        uid: 'taxes@example.com',
        title: 'file taxes',
        notes: null,
        start: null,
        due: task.due,
        status: 'COMPLETED',
        priority: 'HIGH',
        percentComplete: 100,
      },
    });
  });

  it('states VTODO has no word for, new notes and a cleared due date', () => {
    const text = keptTodoText(keptTodo, { ...task, status: 'WAITING', description: 'ask the accountant', due: null, priority: 'LOW' });
    const todo = parse(text).getFirstSubcomponent('vtodo')!;
    expect([value(todo, 'status'), value(todo, 'x-convene-status'), value(todo, 'due'), value(todo, 'priority')]).toEqual([
      'STATUS:NEEDS-ACTION',
      'X-CONVENE-STATUS:WAITING',
      null,
      'PRIORITY:9',
    ]);
    expect(parseTodo(text)).toMatchObject({
      ok: true,
      data: { status: 'WAITING', notes: 'ask the accountant', due: null, priority: 'LOW' },
    });
    expect(todo.getAllSubcomponents('valarm')).toHaveLength(1);
  });
});
