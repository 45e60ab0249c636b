// CalDAV's calendar objects, pure parts: the time-range test of RFC 4791 §9.9 over convene's own
// expansion (series across DST, deleted and moved occurrences, tasks by DTSTART and DUE), and
// tasks as VTODO through the writer and back through the importer.
import { describe, expect, it } from 'vitest';
import { type CalendarObject, overlaps } from '../../src/caldav/objects.ts';
import { parseRecurrence, type Recurrence } from '../../src/calendar/recurrence.ts';
import { oneUidMessage, parseTodo } from '../../src/ical/events.ts';
import { type ExportEvent, type ExportTask, todoCalendarText } from '../../src/ical/export.ts';

const at = (iso: string) => new Date(iso);
const range = (start: string | null, end: string | null) => ({ start: start ? at(start) : null, end: end ? at(end) : null });
const rule = (input: Parameters<typeof parseRecurrence>[0]): Recurrence => {
  const parsed = parseRecurrence(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.data;
};

const base: ExportEvent = {
  uid: 'u',
  stamp: at('2026-01-01T00:00:00Z'),
  summary: 's',
  timezone: 'Europe/Berlin',
  fullTime: false,
  start: at('2026-03-16T09:00:00Z'), // Monday 10:00 Berlin (winter time)
  end: at('2026-03-16T10:00:00Z'),
};

describe('time-range (RFC 4791 §9.9)', () => {
  const weekly = rule({ type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 6 });
  const series: CalendarObject = {
    type: 'events',
    events: [
      { ...base, recurrence: { rule: weekly, deleted: ['2026-03-23'] } },
      {
        ...base,
        start: at('2026-04-06T10:00:00Z'),
        end: at('2026-04-06T11:00:00Z'),
        recurrenceOf: {
          series: { timezone: 'Europe/Berlin', fullTime: false, start: '2026-03-16T10:00', durationMs: 3_600_000 },
          rule: weekly,
          date: '2026-04-06',
        },
      },
    ],
  };

  it('expands a series in its zone across the DST change, skipping deleted and replaced occurrences', () => {
    const cases: Array<[string | null, string | null, boolean]> = [
      ['2026-03-16T09:30:00Z', '2026-03-16T09:31:00Z', true], // inside the first
      ['2026-03-16T10:00:00Z', '2026-03-16T11:00:00Z', false], // starts when it ends: no overlap
      ['2026-03-23T00:00:00Z', '2026-03-24T00:00:00Z', false], // deleted
      ['2026-03-30T08:00:00Z', '2026-03-30T08:01:00Z', true], // 10:00 summer time is 08:00 UTC
      ['2026-03-30T09:00:00Z', '2026-03-30T10:00:00Z', false], // where winter time would put it
      ['2026-04-06T08:00:00Z', '2026-04-06T09:00:00Z', false], // replaced by the moved one
      ['2026-04-06T10:30:00Z', '2026-04-06T10:31:00Z', true], // the moved one
      ['2026-04-20T08:00:00Z', null, true], // the sixth, open end
      ['2026-04-21T00:00:00Z', null, false], // after the sixth
      [null, '2026-03-16T09:00:01Z', true], // open start
      [null, '2026-03-16T09:00:00Z', false],
    ];
    for (const [start, end, expected] of cases) expect([start, end, overlaps(series, range(start, end))]).toEqual([start, end, expected]);
  });

  it('matches an endless daily series in a huge range without expanding it all, and not one whose every occurrence in range is deleted', () => {
    const daily = rule({ type: 'DAILY', interval: 1 });
    const endless: CalendarObject = { type: 'events', events: [{ ...base, recurrence: { rule: daily, deleted: [] } }] };
    expect(overlaps(endless, range('2030-01-01T00:00:00Z', null))).toBe(true);
    const gone: CalendarObject = {
      type: 'events',
      events: [{ ...base, recurrence: { rule: daily, deleted: ['2026-03-17', '2026-03-18'] } }],
    };
    expect(overlaps(gone, range('2026-03-17T00:00:00Z', '2026-03-19T00:00:00Z'))).toBe(false);
    expect(overlaps(gone, range('2026-03-17T00:00:00Z', '2026-03-19T09:30:00Z'))).toBe(true);
  });

  it('tests tasks by DTSTART and DUE as the VTODO table says, and matches one with neither', () => {
    const task = (start: string | null, due: string | null): CalendarObject => ({
      type: 'task',
      task: { ...todo, start: start ? at(start) : null, due: due ? at(due) : null },
    });
    const day = range('2026-04-30T00:00:00Z', '2026-05-01T00:00:00Z');
    expect(overlaps(task(null, '2026-04-30T16:00:00Z'), day)).toBe(true);
    expect(overlaps(task(null, '2026-05-01T00:00:00Z'), day)).toBe(true); // DUE at the end counts (end >= DUE)
    expect(overlaps(task(null, '2026-04-30T00:00:00Z'), day)).toBe(false); // start < DUE fails
    expect(overlaps(task('2026-04-30T08:00:00Z', null), day)).toBe(true);
    expect(overlaps(task('2026-05-01T00:00:00Z', null), day)).toBe(false);
    expect(overlaps(task('2026-04-01T00:00:00Z', '2026-06-01T00:00:00Z'), day)).toBe(true); // spans it
    expect(overlaps(task('2026-05-02T00:00:00Z', '2026-06-01T00:00:00Z'), day)).toBe(false);
    expect(overlaps(task(null, null), day)).toBe(true);
  });
});

const todo: ExportTask = {
  uid: 't',
  stamp: at('2026-01-01T00:00:00Z'),
  summary: 'file taxes',
  description: 'all of them',
  start: at('2026-04-01T08:00:00Z'),
  due: at('2026-04-30T16:00:00Z'),
  status: 'IN_PROGRESS',
  priority: 'HIGH',
  percentComplete: 40,
  completed: null,
  created: at('2026-01-01T00:00:00Z'),
  lastModified: at('2026-01-02T00:00:00Z'),
};

describe('tasks as VTODO', () => {
  it('reads back every status, priority and field the writer writes', () => {
    for (const status of ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'WAITING', 'DEFERRED'] as const) {
      for (const priority of ['LOW', 'NORMAL', 'HIGH'] as const) {
        const task = { ...todo, status, priority, completed: status === 'COMPLETED' ? at('2026-02-01T00:00:00Z') : null };
        const read = parseTodo(todoCalendarText([task]));
        expect([status, priority, read]).toEqual([
          status,
          priority,
          {
            ok: true,
            data: {
              uid: 't',
              title: 'file taxes',
              notes: 'all of them',
              start: task.start,
              due: task.due,
              status,
              priority,
              percentComplete: 40,
            },
          },
        ]);
      }
    }
  });

  it('reads what other apps write: zoned DUE, DATE values, CANCELLED, PRIORITY 0, no PERCENT-COMPLETE', () => {
    const text = (lines: string[]) =>
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VTODO', 'UID:x', ...lines, 'END:VTODO', 'END:VCALENDAR'].join('\r\n');
    expect(parseTodo(text(['SUMMARY:a', 'DUE;TZID=Europe/Berlin:20260701T120000', 'STATUS:CANCELLED', 'PRIORITY:0']))).toMatchObject({
      ok: true,
      data: { due: at('2026-07-01T10:00:00Z'), status: 'DEFERRED', priority: 'NORMAL', percentComplete: 0 },
    });
    expect(parseTodo(text(['SUMMARY:b', 'DUE;VALUE=DATE:20260701', 'STATUS:COMPLETED', 'PRIORITY:7']))).toMatchObject({
      ok: true,
      data: { due: at('2026-07-01T00:00:00Z'), status: 'COMPLETED', priority: 'LOW', percentComplete: 100 },
    });
    expect(parseTodo(text([]))).toMatchObject({
      ok: true,
      data: { uid: 'x', title: '(no title)', start: null, due: null, status: 'NOT_STARTED' },
    });
    expect(parseTodo('not iCalendar').ok).toBe(false);
    expect(parseTodo(text(['SUMMARY:a']).replace('BEGIN:VTODO', 'BEGIN:VEVENT').replace('END:VTODO', 'END:VEVENT'))).toEqual({
      ok: false,
      message: 'a task is one VTODO in a VCALENDAR',
      resource: true,
    });
    // VTODOs of two UIDs: not one resource (RFC 4791 §4.1); of one UID (overrides): not one task convene keeps.
    const two = (second: string) =>
      text(['SUMMARY:a']).replace('END:VCALENDAR', `BEGIN:VTODO\r\nUID:${second}\r\nSUMMARY:b\r\nEND:VTODO\r\nEND:VCALENDAR`);
    expect(parseTodo(two('other@example.com'))).toEqual({ ok: false, message: oneUidMessage, resource: true });
    expect(parseTodo(two('x'))).toEqual({ ok: false, message: 'a task is one VTODO in a VCALENDAR', resource: true });
  });
});
