// DELETE_FUTURE_EVENTS for one pushed appointment, given now: single appointments, series that
// start after now, series cut at their last occurrence started by now (across DST changes, in
// several zones, full-time, with count and until rules, sparse rules far back), and change
// exceptions on either side of the cut.
import { describe, expect, it } from 'vitest';
import { parseAppointmentInput } from '../../src/calendar/appointments/input.ts';
import type { RecurrenceInput } from '../../src/calendar/recurrence.ts';
import { futureCut } from '../../src/synchronizations/future-cut.ts';

const B = 'Europe/Berlin';
const NY = 'America/New_York';
const SYD = 'Australia/Sydney';

/** An appointment as stored, through the same parser as the API. */
function appointment(input: {
  start?: string;
  end?: string;
  startDate?: string;
  endDate?: string;
  timezone?: string;
  recurrence?: RecurrenceInput;
}) {
  const parsed = parseAppointmentInput(
    {
      accountId: 'a',
      title: 't',
      timezone: input.timezone ?? B,
      start: input.start ? new Date(input.start) : null,
      end: input.end ? new Date(input.end) : null,
      startDate: input.startDate ?? null,
      endDate: input.endDate ?? null,
      fullTime: !!input.startDate,
      recurrence: input.recurrence ?? null,
    },
    null,
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.data;
}

const exception = (id: string, date: string, start: string) => ({ id, recurrenceDatePosition: date, start: new Date(start) });
const cut = (until: string, removeExceptions: string[] = [], deleteOccurrences: string[] = []) => ({
  action: 'cut',
  until,
  removeExceptions,
  deleteOccurrences,
});
const daily = { type: 'DAILY' } as const;
/** Every day at 09:00 UTC from 1 June 2026, by this rule. */
const fromJuneFirst = (recurrence: RecurrenceInput) =>
  appointment({ start: '2026-06-01T09:00:00Z', end: '2026-06-01T10:00:00Z', timezone: 'UTC', recurrence });

describe('single appointments', () => {
  const single = appointment({ start: '2026-06-10T09:00:00Z', end: '2026-06-10T10:00:00Z' });
  it.each([
    ['before it', '2026-06-10T08:59:59Z', { action: 'remove' }],
    ['at its start (not after now)', '2026-06-10T09:00:00Z', { action: 'keep' }],
    ['while it runs', '2026-06-10T09:30:00Z', { action: 'keep' }],
    ['after it', '2026-06-11T00:00:00Z', { action: 'keep' }],
  ])('now %s', (_when, now, expected) => {
    expect(futureCut(single, [], new Date(now))).toEqual(expected);
  });

  it('full-time: starts at local midnight in its zone', () => {
    const day = appointment({ startDate: '2026-06-10', endDate: '2026-06-11', timezone: SYD }); // 2026-06-09T14:00Z
    expect(futureCut(day, [], new Date('2026-06-09T13:59:00Z'))).toEqual({ action: 'remove' });
    expect(futureCut(day, [], new Date('2026-06-09T14:00:00Z'))).toEqual({ action: 'keep' });
  });
});

describe('series', () => {
  it('a series whose first occurrence starts after now goes whole, exceptions and all', () => {
    const series = appointment({ start: '2026-06-10T07:00:00Z', end: '2026-06-10T08:00:00Z', recurrence: daily });
    const exceptions = [exception('x', '2026-06-12', '2026-06-12T12:00:00Z')];
    expect(futureCut(series, exceptions, new Date('2026-06-09T00:00:00Z'))).toEqual({ action: 'remove' });
  });

  describe('daily at 09:00 Berlin, across the change to summer time (29 March 2026)', () => {
    const series = appointment({ start: '2026-03-20T08:00:00Z', end: '2026-03-20T09:00:00Z', recurrence: daily }); // 09:00 CET
    it.each([
      // 09:00 CEST on the 29th is 07:00Z: started by 07:30Z, although 08:00Z (CET) has not come.
      ['2026-03-29T07:30:00Z', '2026-03-29'],
      ['2026-03-29T06:59:59Z', '2026-03-28'],
      ['2026-03-29T07:00:00Z', '2026-03-29'],
      ['2026-03-28T08:00:00Z', '2026-03-28'],
      ['2026-03-28T07:59:59Z', '2026-03-27'],
      ['2026-03-20T08:00:00Z', '2026-03-20'],
    ])('now %s: ends on %s', (now, until) => {
      expect(futureCut(series, [], new Date(now))).toEqual(cut(until));
    });
  });

  it('daily at 09:00 Berlin across the change back (25 October 2026): 09:00 CET is 08:00Z', () => {
    const series = appointment({ start: '2026-10-20T07:00:00Z', end: '2026-10-20T08:00:00Z', recurrence: daily }); // 09:00 CEST
    expect(futureCut(series, [], new Date('2026-10-25T07:30:00Z'))).toEqual(cut('2026-10-24'));
    expect(futureCut(series, [], new Date('2026-10-25T08:00:00Z'))).toEqual(cut('2026-10-25'));
  });

  it('New York and Sydney: the local date of the occurrence is the until, not the UTC date', () => {
    // 20:00 in New York is 00:00Z the next day (EDT).
    const ny = appointment({ start: '2026-07-01T00:00:00Z', end: '2026-07-01T01:00:00Z', timezone: NY, recurrence: daily });
    expect(futureCut(ny, [], new Date('2026-07-05T00:30:00Z'))).toEqual(cut('2026-07-04'));
    // 08:00 in Sydney is 22:00Z the day before (AEST); Sydney's summer time starts 4 October 2026.
    const syd = appointment({ start: '2026-09-30T22:00:00Z', end: '2026-09-30T23:00:00Z', timezone: SYD, recurrence: daily });
    expect(futureCut(syd, [], new Date('2026-10-03T21:30:00Z'))).toEqual(cut('2026-10-04')); // 08:00 AEDT = 21:00Z
    expect(futureCut(syd, [], new Date('2026-10-03T20:59:00Z'))).toEqual(cut('2026-10-03'));
  });

  it('full-time series: an occurrence starts at local midnight', () => {
    const series = appointment({ startDate: '2026-03-27', endDate: '2026-03-28', recurrence: daily });
    expect(futureCut(series, [], new Date('2026-03-28T23:00:00Z'))).toEqual(cut('2026-03-29')); // midnight CET
    expect(futureCut(series, [], new Date('2026-03-29T22:00:00Z'))).toEqual(cut('2026-03-30')); // midnight CEST
    expect(futureCut(series, [], new Date('2026-03-29T21:59:00Z'))).toEqual(cut('2026-03-29'));
  });

  it('weekly on Monday and Thursday: the last started one, whichever weekday', () => {
    const series = appointment({
      start: '2026-06-01T10:00:00Z', // Monday
      end: '2026-06-01T11:00:00Z',
      recurrence: { type: 'WEEKLY', days: ['MONDAY', 'THURSDAY'] },
    });
    expect(futureCut(series, [], new Date('2026-06-07T12:00:00Z'))).toEqual(cut('2026-06-04'));
    expect(futureCut(series, [], new Date('2026-06-08T10:00:00Z'))).toEqual(cut('2026-06-08'));
  });

  it('a sparse rule started long ago (every 24 months since 1990) is found by looking further back', () => {
    const series = appointment({
      start: '1990-05-15T09:00:00Z',
      end: '1990-05-15T10:00:00Z',
      timezone: 'UTC',
      recurrence: { type: 'MONTHLY', interval: 24, dayInMonth: 15 },
    });
    expect(futureCut(series, [], new Date('2025-09-01T00:00:00Z'))).toEqual(cut('2024-05-15'));
  });

  it('a count rule still running is cut; one that ended, or whose last occurrence is under way, is kept', () => {
    const count = fromJuneFirst({ ...daily, occurrences: 5 });
    expect(futureCut(count, [], new Date('2026-06-02T12:00:00Z'))).toEqual(cut('2026-06-02'));
    expect(futureCut(count, [], new Date('2026-06-05T09:30:00Z'))).toEqual({ action: 'keep' }); // the fifth, under way
    expect(futureCut(count, [], new Date('2026-07-01T00:00:00Z'))).toEqual({ action: 'keep' });
    const until = fromJuneFirst({ ...daily, until: '2026-06-03' });
    expect(futureCut(until, [], new Date('2026-06-04T00:00:00Z'))).toEqual({ action: 'keep' });
    expect(futureCut(until, [], new Date('2026-06-02T09:00:00Z'))).toEqual(cut('2026-06-02'));
  });

  it('exceptions: before the cut kept, after it removed, moved across now handled by their occurrence', () => {
    const series = fromJuneFirst(daily);
    const now = new Date('2026-06-10T12:00:00Z');
    const exceptions = [
      exception('past', '2026-06-03', '2026-06-03T15:00:00Z'), // kept
      exception('today-earlier', '2026-06-10', '2026-06-10T08:00:00Z'), // kept: started
      exception('past-moved-to-future', '2026-06-08', '2026-06-20T09:00:00Z'), // its occurrence goes
      exception('future', '2026-06-12', '2026-06-12T09:00:00Z'), // removed with the cut
      exception('future-moved-to-past', '2026-06-15', '2026-06-09T09:00:00Z'), // its occurrence is after the cut
    ];
    expect(futureCut(series, exceptions, now)).toEqual(cut('2026-06-10', ['future', 'future-moved-to-past'], ['2026-06-08']));
  });

  it('today’s occurrence moved to later today: the cut keeps yesterday’s date and deletes today’s occurrence', () => {
    const series = fromJuneFirst(daily);
    const exceptions = [exception('later', '2026-06-10', '2026-06-10T18:00:00Z')];
    expect(futureCut(series, exceptions, new Date('2026-06-10T12:00:00Z'))).toEqual(cut('2026-06-10', [], ['2026-06-10']));
  });
});
