// Writes of appointments beyond the store's plain create/update/delete: removing series with
// their exceptions, and changing or deleting one occurrence of a series.
//
// Lock order: feed rows (src/sync/feed.ts) are the locks of synced objects. A series' row is
// locked before its exceptions' rows on every path, and both before the booking lock
// (src/calendar/booking.ts), so that writers of a series and of its exceptions wait for each
// other instead of deadlocking.
import type { Appointment } from '../../generated/prisma/client.ts';
import { lockFeedRows } from '../../sync/feed.ts';
import { noOrigin, type WriteContext } from '../../write.ts';
import type { Occurrence } from '../recurrence.ts';
import type { AppointmentData } from './input.ts';

/**
 * Deletes the acting user's appointments, and series' change exceptions with them, leaving
 * tombstones. Feed rows are locked first, the series' before their exceptions' (as every
 * writer of an exception that also touches its series does), so that a writer of one of them
 * is waited for, not deadlocked with. Holding a series, no exception can be added meanwhile.
 * Returns how many appointments went (exceptions included).
 */
export async function removeAppointments(w: WriteContext, appointments: Appointment[]): Promise<number> {
  const ids = appointments.map((a) => a.id);
  if (!ids.length) return 0;
  await lockFeedRows(w.tx, w.userId, 'APPOINTMENT', ids);
  const exceptions = (await w.tx.appointment.findMany({ where: { seriesId: { in: ids } } })).filter((e) => !ids.includes(e.id));
  await lockFeedRows(
    w.tx,
    w.userId,
    'APPOINTMENT',
    exceptions.map((e) => e.id),
  );
  // The exceptions go as a consequence: their tombstones have no origin, so that even the
  // synchronization that deleted the series is told (its own changes are not sent back to it).
  for (const e of exceptions) w.changes.recordObject('APPOINTMENT', e, true, noOrigin);
  for (const a of appointments) w.changes.recordObject('APPOINTMENT', a, true, w.origin);
  const { count } = await w.tx.appointment.deleteMany({ where: { id: { in: [...ids, ...exceptions.map((e) => e.id)] } } });
  return count;
}

/** Removes one occurrence of a series (a delete exception), replacing any change exception of it. */
export async function deleteOccurrence(w: WriteContext, series: Appointment, date: string) {
  const exception = await w.tx.appointment.findUnique({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: date } },
  });
  if (exception) await removeAppointments(w, [exception]);
  const updated = await w.tx.appointment.update({
    where: { id: series.id },
    data: { deleteExceptions: [...new Set([...series.deleteExceptions, date])].sort() },
  });
  w.changes.recordObject('APPOINTMENT', updated, false, w.origin);
}

/** Locks the change exception of the series' occurrence on `date`, if there is one; the caller holds the series. */
export async function lockException(w: WriteContext, series: Appointment, date: string) {
  const exception = await w.tx.appointment.findUnique({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: date } },
    select: { id: true },
  });
  if (exception) await lockFeedRows(w.tx, series.userId, 'APPOINTMENT', [exception.id]);
}

/**
 * The change exception for the occurrence of `series` on `date` with `data` applied: created
 * on the first change of that occurrence, updated after. The caller holds the series and,
 * through lockException, an exception already there.
 */
export async function changeOccurrence(
  w: WriteContext,
  series: Appointment,
  occurrence: Occurrence,
  /** From parseOccurrenceChange. */
  data: AppointmentData,
): Promise<Appointment> {
  const exception = await w.tx.appointment.upsert({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: occurrence.date } },
    create: {
      ...data,
      userId: series.userId,
      seriesId: series.id,
      recurrencePosition: occurrence.position,
      recurrenceDatePosition: occurrence.date,
      synchronizationId: w.origin.synchronizationId,
    },
    update: data,
  });
  w.changes.recordObject('APPOINTMENT', exception, false, w.origin);
  return exception;
}
