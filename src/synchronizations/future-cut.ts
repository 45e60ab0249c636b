// DELETE_FUTURE_EVENTS for one appointment a synchronization pushed: what goes, given now. Pure,
// so that every case (series started in the past, exceptions on either side of now, DST) is
// unit-tested (test/unit/future-cut.test.ts); src/synchronizations/unlink.ts applies it.
//
// "In the future" is a start after now. A single appointment goes when it starts after now. A
// series whose first occurrence starts after now goes whole; one that started before is cut to
// end with its last occurrence starting at or before now (an occurrence under way is kept): its
// rule gets that occurrence's date as `until`. Its change exceptions follow their occurrence:
// those of occurrences after the cut go, and an exception kept by the cut that was moved to start
// after now is removed as an occurrence of the series (a delete exception), so that nothing the
// synchronization pushed starts after now.

import { ruleOf, seriesOf } from '../calendar/appointments/occurrences.ts';
import { expand, type Occurrence, occurrenceAt } from '../calendar/recurrence.ts';
import type { Appointment } from '../generated/prisma/client.ts';

export type FutureCut =
  | { action: 'keep' }
  | { action: 'remove' }
  | {
      action: 'cut';
      /** The new `until`: the local date of the last occurrence kept. */
      until: string;
      /** Change exceptions of occurrences after the cut. */
      removeExceptions: string[];
      /** Dates (recurrence date positions) of kept occurrences whose exceptions start after now. */
      deleteOccurrences: string[];
    };

type SeriesFields = Parameters<typeof seriesOf>[0] & Parameters<typeof ruleOf>[0];
type ExceptionFields = Pick<Appointment, 'id' | 'start' | 'recurrenceDatePosition'>;

const DAY_MS = 86_400_000;

/** The last occurrence of the series starting at or before now, looking back in widening windows (bounded work). */
function lastStartedBy(series: SeriesFields, now: Date): Occurrence | null {
  const to = new Date(now.getTime() + 1);
  for (let days = 400; ; days *= 2) {
    const from = new Date(Math.max(now.getTime() - days * DAY_MS, series.start.getTime()));
    const started = expand(seriesOf(series), ruleOf(series), from, to).filter((o) => o.start <= now);
    if (started.length) return started.at(-1)!;
    if (from <= series.start) return null;
  }
}

/** What DELETE_FUTURE_EVENTS does to a pushed appointment (not a change exception) with these exceptions. */
export function futureCut(appointment: SeriesFields, exceptions: ExceptionFields[], now: Date): FutureCut {
  if (appointment.start > now) return { action: 'remove' };
  if (appointment.recurrenceType === 'NONE') return { action: 'keep' };
  const last = lastStartedBy(appointment, now);
  // Started, so an occurrence has: null only for a series without any (an until before its start).
  if (!last || !occurrenceAt(seriesOf(appointment), ruleOf(appointment), last.position + 1)) return { action: 'keep' };
  return {
    action: 'cut',
    until: last.date,
    removeExceptions: exceptions.filter((e) => e.recurrenceDatePosition! > last.date).map((e) => e.id),
    deleteOccurrences: exceptions
      .filter((e) => e.recurrenceDatePosition! <= last.date && e.start > now)
      .map((e) => e.recurrenceDatePosition!)
      .sort(),
  };
}
