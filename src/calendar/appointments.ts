// Appointments (Open-Xchange): single events and series on an account, owned by the user who
// made them, with change exceptions (their own appointment pointing at the series) and delete
// exceptions (dates removed from the series). Times are instants; a series expands in its own
// time zone (src/calendar/recurrence.ts).
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { connectedAccounts } from '../accounts/accounts.ts';
import { issuesMessage, type Parsed } from '../errors.ts';
import type { Appointment } from '../generated/prisma/client.ts';
import { RecurrenceType, ShownAs, Weekday } from '../generated/prisma/client.ts';
import { type ChangeRecorder, lockFeedRows, type Tx } from '../sync/feed.ts';
import { insertObjects, noOrigin, type Origin, type SyncStore, updateObjects } from '../sync/store.ts';
import {
  checkSeries,
  expand,
  localDateTime,
  type Occurrence,
  occurrenceOn,
  parseRecurrence,
  type Recurrence,
  type RecurrenceInput,
  type Series,
  seriesEnd,
} from './recurrence.ts';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function isTimeZone(zone: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

const appointmentInputSchema = z
  .object({
    accountId: z.string(),
    title: z.string().trim().min(1, 'title: must not be empty').max(500, 'title: at most 500 characters').nullable(),
    location: z.string().max(500, 'location: at most 500 characters').nullable(),
    notes: z.string().max(20_000, 'notes: at most 20000 characters').nullable(),
    start: z.date().nullable(),
    end: z.date().nullable(),
    startDate: z.string().regex(isoDate, 'startDate: YYYY-MM-DD').nullable(),
    endDate: z.string().regex(isoDate, 'endDate: YYYY-MM-DD').nullable(),
    fullTime: z.boolean().nullable(),
    timezone: z.string().refine(isTimeZone, 'timezone: not an IANA time zone (e.g. Europe/Berlin)').nullable(),
    shownAs: z.enum(ShownAs).nullable(),
    recurrence: z
      .object({
        type: z.enum(RecurrenceType),
        interval: z.number().nullish(),
        days: z.array(z.enum(Weekday)).nullish(),
        dayInMonth: z.number().nullish(),
        month: z.number().nullish(),
        until: z.string().regex(isoDate, 'recurrence.until: YYYY-MM-DD').nullish(),
        occurrences: z.number().nullish(),
      })
      .nullable(),
  })
  .partial();

/** As a client sends it. Absent fields keep their value; null clears an optional one. */
export type AppointmentInput = z.input<typeof appointmentInputSchema>;

/** What is stored of an appointment's own fields (not its place in a series). */
const appointmentColumns = [
  'accountId',
  'title',
  'location',
  'notes',
  'start',
  'end',
  'timezone',
  'fullTime',
  'shownAs',
  'recurrenceType',
  'interval',
  'days',
  'dayInMonth',
  'month',
  'until',
  'occurrences',
  'seriesEnd',
] as const satisfies ReadonlyArray<keyof Appointment>;
export type AppointmentData = Pick<Appointment, (typeof appointmentColumns)[number]>;

/** The local date of an instant in a zone. */
export function localDate(instant: Date, zone: string): string {
  return localDateTime(instant, zone).slice(0, 10);
}

/** The instant a local date begins in a zone (midnight, or the first moment after a midnight gap). */
function startOfDay(date: string, zone: string): Date {
  return new Date(Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds);
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

/**
 * The appointment after applying `input` to `existing` (or to a new one), checked as a whole:
 * times, zone, and the recurrence's presence rules; a series must start on an occurrence.
 */
export function parseAppointmentInput(input: AppointmentInput, existing: AppointmentData | null): Parsed<AppointmentData> {
  const parsed = appointmentInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: issuesMessage(parsed.error.issues) };
  const changes = parsed.data;
  if (existing && changes.accountId !== undefined && changes.accountId !== existing.accountId) {
    return { ok: false, message: 'accountId: an appointment cannot move to another account' };
  }
  if (!existing && (changes.title === undefined || changes.accountId === undefined)) {
    return { ok: false, message: 'title and accountId: required for a new appointment' };
  }
  for (const field of ['title', 'timezone', 'shownAs', 'fullTime'] as const) {
    if (changes[field] === null) return { ok: false, message: `${field}: cannot be null` };
  }
  const timezone = changes.timezone ?? existing?.timezone;
  if (!timezone) return { ok: false, message: 'timezone: required for a new appointment (IANA, e.g. Europe/Berlin)' };
  const fullTime = changes.fullTime ?? existing?.fullTime ?? false;

  // Times: instants for timed appointments, local dates for full-time ones.
  let start: Date | undefined;
  let end: Date | undefined;
  if (fullTime) {
    if (changes.start != null || changes.end != null) {
      return { ok: false, message: 'start and end: a full-time appointment takes startDate and endDate' };
    }
    const startDate = changes.startDate ?? (existing ? localDate(existing.start, timezone) : undefined);
    const endDate = changes.endDate ?? (existing ? localDate(existing.end, timezone) : undefined);
    if (!startDate || !endDate) return { ok: false, message: 'startDate and endDate: required for a full-time appointment' };
    if (!validDate(startDate) || !validDate(endDate)) return { ok: false, message: 'startDate, endDate: not valid dates' };
    if (endDate <= startDate) return { ok: false, message: 'endDate: exclusive, so after startDate' };
    start = startOfDay(startDate, timezone);
    end = startOfDay(endDate, timezone);
  } else {
    if (changes.startDate != null || changes.endDate != null) {
      return { ok: false, message: 'startDate and endDate: only for full-time appointments (fullTime: true)' };
    }
    start = changes.start ?? existing?.start;
    end = changes.end ?? existing?.end;
    if (!start || !end) return { ok: false, message: 'start and end: required' };
    if (end <= start) return { ok: false, message: 'end: exclusive, so after start' };
  }
  if (end.getTime() - start.getTime() > 366 * 86_400_000) return { ok: false, message: 'end: at most a year after start' };

  const rule = parseRecurrence(
    changes.recurrence === undefined && existing ? ruleInputOf(existing) : (changes.recurrence ?? { type: 'NONE' }),
  );
  if (!rule.ok) return { ok: false, message: rule.message };
  const series = seriesOf({ start, end, timezone, fullTime });
  const checked = checkSeries(series, rule.data);
  if (!checked.ok) return checked;
  return {
    ok: true,
    data: {
      accountId: changes.accountId ?? existing!.accountId,
      title: changes.title ?? existing!.title,
      location: changes.location === undefined ? (existing?.location ?? null) : changes.location,
      notes: changes.notes === undefined ? (existing?.notes ?? null) : changes.notes,
      start,
      end,
      timezone,
      fullTime,
      shownAs: changes.shownAs ?? existing?.shownAs ?? ShownAs.RESERVED,
      recurrenceType: rule.data.type,
      interval: rule.data.type === 'NONE' ? null : rule.data.interval,
      days: rule.data.days ?? [],
      dayInMonth: rule.data.dayInMonth,
      month: rule.data.month,
      until: rule.data.until,
      occurrences: rule.data.occurrences,
      seriesEnd: rule.data.type === 'NONE' ? end : seriesEnd(series, rule.data),
    },
  };
}

function validDate(date: string): boolean {
  try {
    return Temporal.PlainDate.from(date, { overflow: 'reject' }).toString() === date;
  } catch {
    return false;
  }
}

/** A stored rule as input again (NONE carries no fields), to re-check it against new times. */
function ruleInputOf(a: AppointmentData): RecurrenceInput {
  return a.recurrenceType === 'NONE' ? { type: 'NONE' } : ruleOf(a);
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

/**
 * The user's appointments on these accounts that may have occurrences in [from, to), each
 * series with the dates its change exceptions replace (wherever the exceptions moved to).
 */
export async function appointmentsIn(
  db: Tx,
  userId: string,
  accountIds: string[],
  from: Date,
  to: Date,
): Promise<Array<Appointment & Expandable>> {
  const appointments = await db.appointment.findMany({
    where: { userId, accountId: { in: accountIds }, start: { lt: to }, OR: [{ seriesEnd: null }, { seriesEnd: { gt: from } }] },
  });
  const seriesIds = appointments.filter((a) => a.recurrenceType !== 'NONE').map((a) => a.id);
  const exceptions = seriesIds.length
    ? await db.appointment.findMany({ where: { seriesId: { in: seriesIds } }, select: { seriesId: true, recurrenceDatePosition: true } })
    : [];
  const replaced = new Map<string, string[]>();
  for (const e of exceptions) replaced.set(e.seriesId!, [...(replaced.get(e.seriesId!) ?? []), e.recurrenceDatePosition!]);
  return appointments.map((a) => ({ ...a, replaced: replaced.get(a.id) ?? [] }));
}

/** The series' occurrence on a local date (for exceptions), or null when it has none there. */
export function seriesOccurrenceOn(series: OccurrenceSource, date: string): Occurrence | null {
  if (series.recurrenceType === 'NONE' || series.deleteExceptions.includes(date)) return null;
  return occurrenceOn(seriesOf(series), ruleOf(series), date);
}

/**
 * Deletes the user's appointments, and series' change exceptions with them, leaving
 * tombstones. Feed rows are locked first, the series' before their exceptions' (as every
 * writer of an exception that also touches its series does), so that a writer of one of them
 * is waited for, not deadlocked with. Holding a series, no exception can be added meanwhile.
 */
export async function removeAppointments(tx: Tx, changes: ChangeRecorder, userId: string, appointments: Appointment[], origin: Origin) {
  const ids = appointments.map((a) => a.id);
  if (!ids.length) return;
  await lockFeedRows(tx, userId, 'APPOINTMENT', ids);
  const exceptions = (await tx.appointment.findMany({ where: { seriesId: { in: ids } } })).filter((e) => !ids.includes(e.id));
  await lockFeedRows(
    tx,
    userId,
    'APPOINTMENT',
    exceptions.map((e) => e.id),
  );
  // The exceptions go as a consequence: their tombstones have no origin, so that even the
  // synchronization that deleted the series is told (its own changes are not sent back to it).
  for (const e of exceptions) changes.recordObject('APPOINTMENT', e, true, noOrigin);
  for (const a of appointments) changes.recordObject('APPOINTMENT', a, true, origin);
  await tx.appointment.deleteMany({ where: { id: { in: [...ids, ...exceptions.map((e) => e.id)] } } });
}

/** Removes one occurrence of a series (a delete exception), replacing any change exception of it. */
export async function deleteOccurrence(tx: Tx, changes: ChangeRecorder, series: Appointment, date: string, origin: Origin) {
  const exception = await tx.appointment.findUnique({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: date } },
  });
  if (exception) await removeAppointments(tx, changes, series.userId, [exception], origin);
  const updated = await tx.appointment.update({
    where: { id: series.id },
    data: { deleteExceptions: [...new Set([...series.deleteExceptions, date])].sort() },
  });
  changes.recordObject('APPOINTMENT', updated, false, origin);
}

const noRecurrence: Pick<Appointment, 'recurrenceType' | 'interval' | 'days' | 'dayInMonth' | 'month' | 'until' | 'occurrences'> = {
  recurrenceType: RecurrenceType.NONE,
  interval: null,
  days: [],
  dayInMonth: null,
  month: null,
  until: null,
  occurrences: null,
};

/** One occurrence of a series with `input` applied: the data of its change exception. */
export function parseOccurrenceChange(series: Appointment, occurrence: Occurrence, input: AppointmentInput): Parsed<AppointmentData> {
  if (input.recurrence) return { ok: false, message: 'recurrence: one occurrence cannot recur' };
  return parseAppointmentInput(input, { ...series, start: occurrence.start, end: occurrence.end, ...noRecurrence });
}

/** Locks the change exception of the series' occurrence on `date`, if there is one; the caller holds the series. */
export async function lockException(tx: Tx, series: Appointment, date: string) {
  const exception = await tx.appointment.findUnique({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: date } },
    select: { id: true },
  });
  if (exception) await lockFeedRows(tx, series.userId, 'APPOINTMENT', [exception.id]);
}

/**
 * The change exception for the occurrence of `series` on `date` with `data` applied: created
 * on the first change of that occurrence, updated after. The caller holds the series and,
 * through lockException, an exception already there.
 */
export async function changeOccurrence(
  tx: Tx,
  changes: ChangeRecorder,
  series: Appointment,
  occurrence: Occurrence,
  /** From parseOccurrenceChange. */
  data: AppointmentData,
  origin: Origin,
): Promise<Appointment> {
  const exception = await tx.appointment.upsert({
    where: { seriesId_recurrenceDatePosition: { seriesId: series.id, recurrenceDatePosition: occurrence.date } },
    create: {
      ...data,
      userId: series.userId,
      seriesId: series.id,
      recurrencePosition: occurrence.position,
      recurrenceDatePosition: occurrence.date,
      synchronizationId: origin.synchronizationId,
    },
    update: data,
  });
  changes.recordObject('APPOINTMENT', exception, false, origin);
  return exception;
}

export const appointmentStore: SyncStore<Appointment, AppointmentInput, AppointmentData> = {
  feedKind: 'APPOINTMENT',
  load: (db, userId, ids) => db.appointment.findMany({ where: { userId, id: { in: ids } } }),
  findByClientSyncIds: (db, userId, clientSyncIds) => db.appointment.findMany({ where: { userId, clientSyncId: { in: clientSyncIds } } }),
  parse: parseAppointmentInput,
  async check(db, userId, data) {
    const connected = await connectedAccounts(
      db,
      userId,
      data.map((d) => d.accountId),
    );
    return data.map((d) => (connected.has(d.accountId) ? null : 'accountId: not one of your accounts'));
  },
  async create(tx, changes, userId, creates, origin) {
    const rows = await insertObjects(userId, creates, origin, (data) => tx.appointment.createManyAndReturn({ data, skipDuplicates: true }));
    for (const row of rows) if (row) changes.recordObject('APPOINTMENT', row, false, origin);
    return rows;
  },
  async update(tx, changes, userId, updates, origin) {
    const rows = await updateObjects(tx, 'Appointment', appointmentColumns, updates, (ids) => appointmentStore.load(tx, userId, ids));
    for (const row of rows) if (row) changes.recordObject('APPOINTMENT', row, false, origin);
    return rows;
  },
  remove: removeAppointments,
};
