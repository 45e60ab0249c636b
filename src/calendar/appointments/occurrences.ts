// Appointments as occurrences: the recurrence engine's view of a stored appointment, and
// series expanded over a window, skipping their delete exceptions and the dates their change
// exceptions (appointments of their own) replace.
import { Temporal } from 'temporal-polyfill';
import type { Appointment } from '../../generated/prisma/client.ts';
import { expand, localDateTime, type Occurrence, occurrenceOn, type Recurrence, type Series } from '../recurrence.ts';

/** The local date of an instant in a zone. */
export function localDate(instant: Date, zone: string): string {
  return localDateTime(instant, zone).slice(0, 10);
}

/** The recurrence engine's view of an appointment. */
export function seriesOf(a: Pick<Appointment, 'start' | 'end' | 'timezone' | 'fullTime'>): Series {
  if (a.fullTime) {
    const start = localDate(a.start, a.timezone);
    const days = Temporal.PlainDate.from(start).until(localDate(a.end, a.timezone), { largestUnit: 'days' }).days;
    return { timezone: a.timezone, fullTime: true, start, days };
  }
  return {
    timezone: a.timezone,
    fullTime: false,
    start: localDateTime(a.start, a.timezone),
    durationMs: a.end.getTime() - a.start.getTime(),
  };
}

export function ruleOf(
  a: Pick<Appointment, 'recurrenceType' | 'interval' | 'days' | 'dayInMonth' | 'month' | 'until' | 'occurrences'>,
): Recurrence {
  return {
    type: a.recurrenceType,
    interval: a.interval ?? 1,
    days: a.recurrenceType === 'NONE' || !a.days.length ? null : a.days,
    dayInMonth: a.dayInMonth,
    month: a.month,
    until: a.until,
    occurrences: a.occurrences,
  };
}

/** What expanding an appointment reads (busy-time queries load only this). */
export type OccurrenceSource = Pick<
  Appointment,
  | 'id'
  | 'userId'
  | 'accountId'
  | 'title'
  | 'start'
  | 'end'
  | 'timezone'
  | 'fullTime'
  | 'shownAs'
  | 'recurrenceType'
  | 'interval'
  | 'days'
  | 'dayInMonth'
  | 'month'
  | 'until'
  | 'occurrences'
  | 'deleteExceptions'
  | 'seriesId'
  | 'recurrencePosition'
  | 'recurrenceDatePosition'
>;

/** One occurrence as clients see it. */
export interface AppointmentOccurrence<A extends OccurrenceSource = Appointment> {
  appointment: A;
  start: Date;
  end: Date;
  /** The series id: on a series' occurrences and on change exceptions. */
  recurrenceId: string | null;
  recurrencePosition: number | null;
  recurrenceDatePosition: string | null;
}

/** An appointment to expand, with (for a series) the dates its change exceptions replace. */
export type Expandable = OccurrenceSource & { replaced: string[] };

/**
 * The occurrences of these appointments that overlap [from, to), by start. A series skips its
 * delete exceptions and the dates in `replaced` (its change exceptions, which are appointments
 * of their own).
 */
export function occurrencesIn<A extends Expandable>(appointments: A[], from: Date, to: Date): AppointmentOccurrence<A>[] {
  const result: AppointmentOccurrence<A>[] = [];
  for (const a of appointments) {
    if (a.recurrenceType === 'NONE') {
      if (a.start < to && a.end > from) {
        result.push({
          appointment: a,
          start: a.start,
          end: a.end,
          recurrenceId: a.seriesId,
          recurrencePosition: a.recurrencePosition,
          recurrenceDatePosition: a.recurrenceDatePosition,
        });
      }
      continue;
    }
    const skip = new Set([...a.deleteExceptions, ...a.replaced]);
    for (const o of expand(seriesOf(a), ruleOf(a), from, to)) {
      if (skip.has(o.date)) continue;
      result.push({
        appointment: a,
        start: o.start,
        end: o.end,
        recurrenceId: a.id,
        recurrencePosition: o.position,
        recurrenceDatePosition: o.date,
      });
    }
  }
  return result.sort((x, y) => x.start.getTime() - y.start.getTime() || x.appointment.id.localeCompare(y.appointment.id));
}

/** The series' occurrence on a local date (for exceptions), or null when it has none there. */
export function seriesOccurrenceOn(series: OccurrenceSource, date: string): Occurrence | null {
  if (series.recurrenceType === 'NONE' || series.deleteExceptions.includes(date)) return null;
  return occurrenceOn(seriesOf(series), ruleOf(series), date);
}
