// Where appointments are stored, for the change feed and syncCommit (a SyncStore), and the
// query that lists a user's appointments in a window.
import { connectedAccounts } from '../../accounts/connections.ts';
import type { Db } from '../../db/database.ts';
import { forbidden } from '../../errors.ts';
import type { Appointment, Prisma } from '../../generated/prisma/client.ts';
import { insertObjects, type NewObjectOf, type SyncStore, updateObjects } from '../../sync/store.ts';
import type { WriteContext } from '../../write.ts';
import { type AppointmentData, type AppointmentInput, appointmentColumns, parseAppointmentInput } from './input.ts';
import type { Expandable } from './occurrences.ts';
import { removeAppointments } from './writes.ts';

/**
 * What the user sees of their calendar in [from, to): their appointments that may occur in it on
 * these of their accounts (all of theirs when null), as appointmentsIn. FORBIDDEN when one of
 * `accountIds` is not theirs (null stands for an id that names no account).
 */
export async function visibleAppointmentsIn(
  db: Db,
  userId: string,
  accountIds: ReadonlyArray<string | null> | null,
  from: Date,
  to: Date,
): Promise<Array<Appointment & Expandable>> {
  const own = (await db.userAccount.findMany({ where: { userId }, select: { accountId: true } })).map((l) => l.accountId);
  if (accountIds?.some((id) => !id || !own.includes(id))) throw forbidden('not one of your accounts');
  return appointmentsIn(db, userId, (accountIds as string[] | null) ?? own, from, to);
}

/**
 * The appointments (singles, series and change exceptions) that may have occurrences in
 * [from, to): starting before its end and, by seriesEnd, not over before its start (a series
 * without an end always may). Series still need expanding to tell; CalDAV's calendar-query
 * narrows its time range with the same condition.
 */
export const mayOccurIn = (from: Date, to: Date) =>
  ({ start: { lt: to }, OR: [{ seriesEnd: null }, { seriesEnd: { gt: from } }] }) satisfies Prisma.AppointmentWhereInput;

/**
 * The user's appointments on these accounts that may have occurrences in [from, to), each
 * series with the dates its change exceptions replace (wherever the exceptions moved to).
 */
export async function appointmentsIn(
  db: Db,
  userId: string,
  accountIds: string[],
  from: Date,
  to: Date,
): Promise<Array<Appointment & Expandable>> {
  const appointments = await db.appointment.findMany({
    where: { userId, accountId: { in: accountIds }, ...mayOccurIn(from, to) },
  });
  const seriesIds = appointments.filter((a) => a.recurrenceType !== 'NONE').map((a) => a.id);
  const exceptions = seriesIds.length
    ? await db.appointment.findMany({ where: { seriesId: { in: seriesIds } }, select: { seriesId: true, recurrenceDatePosition: true } })
    : [];
  return withReplaced(appointments, exceptions);
}

/** The appointments, each series with the dates those of `exceptions` that are its own replace. */
export function withReplaced<A extends Appointment>(
  appointments: A[],
  exceptions: Array<Pick<Appointment, 'seriesId' | 'recurrenceDatePosition'>>,
): Array<A & Expandable> {
  const replaced = new Map<string, string[]>();
  for (const e of exceptions) if (e.seriesId) replaced.set(e.seriesId, [...(replaced.get(e.seriesId) ?? []), e.recurrenceDatePosition!]);
  return appointments.map((a) => ({ ...a, replaced: replaced.get(a.id) ?? [] }));
}

/** A new appointment's columns: its data, and its place in a series and in a synchronization's source. */
export type NewAppointment = AppointmentData &
  Pick<
    Appointment,
    'deleteExceptions' | 'seriesId' | 'recurrencePosition' | 'recurrenceDatePosition' | 'externalKey' | 'icalText' | 'icalTextAt'
  >;
const newAppointmentColumns = [
  ...appointmentColumns,
  'deleteExceptions',
  'seriesId',
  'recurrencePosition',
  'recurrenceDatePosition',
  'externalKey',
  'icalText',
  'icalTextAt',
] as const;

/** A client's new appointment: its data, no deleted occurrences, it replaces no occurrence of a series. */
const newAppointment = (data: AppointmentData): NewAppointment => ({
  ...data,
  deleteExceptions: [],
  seriesId: null,
  recurrencePosition: null,
  recurrenceDatePosition: null,
  externalKey: null,
  icalText: null,
  icalTextAt: null,
});

/**
 * Inserts new appointments of the acting user in one statement, recording them for the feed;
 * null where the clientSyncId was taken meanwhile (see insertObjects).
 */
export async function insertAppointments(w: WriteContext, creates: Array<NewObjectOf<NewAppointment>>) {
  const rows = await insertObjects(w, 'Appointment', newAppointmentColumns, creates);
  for (const row of rows) if (row) w.changes.recordObject('APPOINTMENT', row, false, w.origin);
  return rows;
}

export const appointmentStore: SyncStore<Appointment, AppointmentInput, AppointmentData> = {
  feedKind: 'APPOINTMENT',
  load: (db, userId, ids) => db.appointment.findMany({ where: { userId, id: { in: ids } } }),
  findByClientSyncIds: (db, userId, clientSyncIds) => db.appointment.findMany({ where: { userId, clientSyncId: { in: clientSyncIds } } }),
  parse: parseAppointmentInput,
  async check(w, data) {
    const connected = await connectedAccounts(
      w.tx,
      w.userId,
      data.map((d) => d.accountId),
    );
    return data.map((d) => (connected.has(d.accountId) ? null : 'accountId: not one of your accounts'));
  },
  create: (w, creates) =>
    insertAppointments(
      w,
      creates.map(({ data, clientSyncId }) => ({ data: newAppointment(data), clientSyncId })),
    ),
  async update(w, updates) {
    const rows = await updateObjects(w.tx, 'Appointment', appointmentColumns, updates, (ids) => appointmentStore.load(w.tx, w.userId, ids));
    for (const row of rows) if (row) w.changes.recordObject('APPOINTMENT', row, false, w.origin);
    return rows;
  },
  async remove(w, rows) {
    await removeAppointments(w, rows);
  },
};
