// Deleting synchronizations with an unlink mode (MyTimetable): what becomes of what they pushed.
// All of it in the one transaction of the caller's write, with change-feed entries, so that
// every device learns of the removals (and of a cut series as an update).
//
// What a synchronization "pushed": the appointments and calendar entries it created (their
// synchronizationId). A series' change exceptions follow their series, whoever made them: an
// exception is one occurrence of the series, not an event of its own. Tasks and meetings are
// never removed, only unlinked: tasks are not calendar events, and removing a meeting would
// cancel it and mail its invitees (meetings are made by their organizer, whatever device sent
// them). Whatever a mode keeps stays with the user, its synchronizationId cleared (ON DELETE SET
// NULL), so a later CLEANUP no longer counts it as pushed.

import { parseAppointmentInput } from '../calendar/appointments/input.ts';
import { ruleOf } from '../calendar/appointments/occurrences.ts';
import { appointmentStore } from '../calendar/appointments/store.ts';
import { deleteOccurrence, removeAppointments } from '../calendar/appointments/writes.ts';
import { notFound, orThrow } from '../errors.ts';
import type { Appointment, Prisma, SynchronizationType } from '../generated/prisma/client.ts';
import { lockFeedRows } from '../sync/feed.ts';
import type { WriteContext } from '../write.ts';
import { futureCut } from './future-cut.ts';

export type UnlinkMode = 'UNLINK_ONLY' | 'DELETE_FUTURE_EVENTS' | 'DELETE_ALL_EVENTS' | 'CLEANUP';

export interface UnlinkResult {
  synchronizations: number;
  /** Appointments removed, change exceptions included. */
  appointments: number;
  calendarEntries: number;
  /** Series that started before now, cut to end then (DELETE_FUTURE_EVENTS). */
  cutSeries: number;
}

/** Which of the acting user's synchronizations to delete: one by id, those of a type, or all. */
export type SynchronizationSelection = { id: string } | { type: SynchronizationType | null };

/**
 * Deletes the acting user's (w.userId) selected synchronizations, handling what they pushed as
 * `mode` says; NOT_FOUND when an id or a type selects none. The user's synchronizations are
 * locked first, as a commit locks its own before the objects it writes: no commit of theirs can
 * push anything meanwhile.
 */
export async function deleteSynchronizations(
  w: WriteContext,
  selection: SynchronizationSelection,
  mode: UnlinkMode,
  now = new Date(),
): Promise<UnlinkResult> {
  const locked = await w.tx.$queryRaw<Array<{ id: string; type: SynchronizationType }>>`
    SELECT id, type FROM "Synchronization" WHERE "userId" = ${w.userId}::uuid ORDER BY id FOR UPDATE`;
  const ids = locked
    .filter((s) => ('id' in selection ? s.id === selection.id : !selection.type || s.type === selection.type))
    .map((s) => s.id);
  // MyTimetable: deleting all of a user's synchronizations when there are none succeeds; a
  // synchronization or a type that names none is not found (its 422).
  if (!ids.length && ('id' in selection || selection.type)) throw notFound('synchronization');
  const pushed: { not: null } | { in: string[] } | null = mode === 'UNLINK_ONLY' ? null : mode === 'CLEANUP' ? { not: null } : { in: ids };
  const result = { synchronizations: ids.length, appointments: 0, calendarEntries: 0, cutSeries: 0 };
  if (pushed && (ids.length || mode === 'CLEANUP')) {
    const future = mode === 'DELETE_FUTURE_EVENTS';
    const entries = await w.tx.calendarEntry.deleteMany({
      where: { userId: w.userId, synchronizationId: pushed, ...(future ? { start: { gt: now } } : {}) },
    });
    result.calendarEntries = entries.count;
    const appointments = await lockedAppointments(w, { synchronizationId: pushed, seriesId: null });
    if (future) Object.assign(result, await removeFuture(w, appointments, now));
    else result.appointments = await removeAppointments(w, appointments);
  }
  await w.tx.synchronization.deleteMany({ where: { id: { in: ids } } });
  return result;
}

/** The acting user's appointments matching `where`, read under their feed-row locks. */
async function lockedAppointments(w: WriteContext, where: Prisma.AppointmentWhereInput): Promise<Appointment[]> {
  const found = await w.tx.appointment.findMany({ where: { ...where, userId: w.userId }, select: { id: true } });
  const ids = found.map((a) => a.id);
  await lockFeedRows(w.tx, w.userId, 'APPOINTMENT', ids);
  return w.tx.appointment.findMany({ where: { id: { in: ids } } });
}

/** DELETE_FUTURE_EVENTS on these appointments (no change exceptions): future ones go, series started before now are cut. */
async function removeFuture(w: WriteContext, appointments: Appointment[], now: Date) {
  const exceptions = await lockedAppointments(w, { seriesId: { in: appointments.map((a) => a.id) } });
  const plans = appointments.map((a) => ({
    series: a,
    cut: futureCut(
      a,
      exceptions.filter((e) => e.seriesId === a.id),
      now,
    ),
  }));
  let removed = await removeAppointments(
    w,
    plans.filter((p) => p.cut.action === 'remove').map((p) => p.series),
  );
  let cutSeries = 0;
  for (const { series, cut } of plans) {
    if (cut.action !== 'cut') continue;
    cutSeries++;
    const data = orThrow(parseAppointmentInput({ recurrence: { ...ruleOf(series), until: cut.until, occurrences: null } }, series));
    let [updated] = await appointmentStore.update(w, [{ row: series, data }]);
    removed += await removeAppointments(
      w,
      exceptions.filter((e) => cut.removeExceptions.includes(e.id)),
    );
    for (const date of cut.deleteOccurrences) {
      await deleteOccurrence(w, updated!, date);
      removed++;
      [updated] = await appointmentStore.load(w.tx, w.userId, [series.id]);
    }
  }
  return { appointments: removed, cutSeries };
}
