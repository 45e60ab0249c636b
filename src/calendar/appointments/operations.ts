// What the appointment mutations do, callable from anywhere: parse, lock in order (a series'
// feed row before its exceptions', both before the booking lock), book, save.
import { badInput, notFound, orThrow } from '../../errors.ts';
import type { Appointment } from '../../generated/prisma/client.ts';
import { lockOwned } from '../../sync/store.ts';
import type { WriteContext } from '../../write.ts';
import { book, type Conflicts } from '../booking.ts';
import { appointmentSpans } from '../conflicts.ts';
import { type AppointmentInput, parseAppointmentInput, parseOccurrenceChange } from './input.ts';
import { seriesOccurrenceOn } from './occurrences.ts';
import { appointmentStore } from './store.ts';
import { changeOccurrence, deleteOccurrence, lockException, removeAppointments } from './writes.ts';

interface BookingOptions {
  ignoreConflicts: boolean;
}

export async function createAppointment(
  w: WriteContext,
  input: AppointmentInput,
  options: BookingOptions & { clientSyncId: string | null },
): Promise<Appointment | Conflicts> {
  const data = orThrow(parseAppointmentInput(input, null));
  const booking = { accountId: data.accountId, spans: appointmentSpans(data), excludeIds: [], ...options };
  return book(w, booking, async () => {
    const [created] = await appointmentStore.create(w, [{ data, clientSyncId: options.clientSyncId }]);
    if (!created) throw badInput('clientSyncId: you already have an appointment with it');
    return created;
  });
}

/** Changes an appointment or, with `occurrence` (a date of a series), that occurrence only: a change exception. */
export async function updateAppointment(
  w: WriteContext,
  id: string,
  input: AppointmentInput,
  options: BookingOptions & { occurrence: string | null },
): Promise<Appointment | Conflicts> {
  const existing = await lockOwned(w, appointmentStore, id);
  if (!existing) throw notFound('appointment');
  if (!options.occurrence) {
    const data = orThrow(parseAppointmentInput(input, existing));
    const excludeIds = [existing.id, existing.seriesId ?? existing.id];
    return book(w, { accountId: data.accountId, spans: appointmentSpans(data), excludeIds, ...options }, async () => {
      const [updated] = await appointmentStore.update(w, [{ row: existing, data }]);
      return updated!; // locked above, so it exists
    });
  }
  const occurrence = occurrenceOrThrow(existing, options.occurrence);
  const data = orThrow(parseOccurrenceChange(existing, occurrence, input));
  await lockException(w, existing, occurrence.date);
  return book(w, { accountId: data.accountId, spans: appointmentSpans(data), excludeIds: [existing.id], ...options }, () =>
    changeOccurrence(w, existing, occurrence, data),
  );
}

/**
 * Deletes an appointment (a series with its exceptions; a change exception stays deleted from
 * its series) or, with `occurrence`, that occurrence of a series (a delete exception).
 */
export async function deleteAppointment(w: WriteContext, id: string, occurrence: string | null): Promise<Appointment> {
  // A change exception's series is locked before it, as every writer of both does.
  const [target] = await appointmentStore.load(w.tx, w.userId, [id]);
  const series = target?.seriesId ? await lockOwned(w, appointmentStore, target.seriesId) : null;
  const existing = await lockOwned(w, appointmentStore, id);
  if (!existing) throw notFound('appointment');
  if (occurrence) {
    occurrenceOrThrow(existing, occurrence);
    await deleteOccurrence(w, existing, occurrence);
  } else if (existing.seriesId) {
    if (series) await deleteOccurrence(w, series, existing.recurrenceDatePosition!);
  } else {
    await removeAppointments(w, [existing]);
  }
  return existing;
}

/** The series' occurrence on that date, or BAD_USER_INPUT. */
function occurrenceOrThrow(series: Appointment, date: string) {
  const found = seriesOccurrenceOn(series, date);
  if (!found) throw badInput(`occurrence: ${date} is not an occurrence of this series`);
  return found;
}
