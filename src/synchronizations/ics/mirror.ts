// Mirroring a parsed feed into the user's calendar: the synchronization's appointments, keyed
// by externalKey (UID, or UID#RECURRENCE-ID), become what the feed says. New events are
// created, changed ones updated, those gone from the feed deleted, all as changes in the feed
// made by this synchronization (w.origin), so every device and CalDAV client hears of them and
// the unlink modes find them by their synchronizationId. The feed is the authority: what a
// user changed on a mirrored appointment is overwritten, without conflict checks (as a
// syncCommit's own writes are). An event that is the same as its appointment writes nothing,
// so a refresh of an unchanged feed costs a read.

import { type AppointmentData, appointmentColumns, parseAppointmentInput } from '../../calendar/appointments/input.ts';
import { ruleOf, seriesOf } from '../../calendar/appointments/occurrences.ts';
import { insertAppointments, type NewAppointment } from '../../calendar/appointments/store.ts';
import { removeAppointments } from '../../calendar/appointments/writes.ts';
import { occurrenceOn } from '../../calendar/recurrence.ts';
import type { Appointment } from '../../generated/prisma/client.ts';
import type { FeedEvent, ImportedFields } from '../../ical/events.ts';
import { lockFeedRows } from '../../sync/feed.ts';
import { updateObjects } from '../../sync/store.ts';
import type { WriteContext } from '../../write.ts';

export interface MirrorResult {
  created: number;
  updated: number;
  removed: number;
  /** Events convene refused (as it would a client's appointment), and why. */
  invalid: Array<{ key: string; reason: string }>;
}

/** What the feed wants of one appointment: its columns besides the row's identity. */
export type Wanted = Omit<NewAppointment, 'seriesId'> & { seriesKey: string | null };

/**
 * Columns a refresh sets on an appointment it keeps. externalKey is the key it was matched by,
 * so a refresh never changes it; a CalDAV PUT that changes the UID of its resource does.
 */
const mirroredColumns = [...appointmentColumns, 'deleteExceptions', 'recurrencePosition', 'recurrenceDatePosition', 'externalKey'] as const;

/**
 * Makes the synchronization's appointments on `accountId` what `events` say. Acts as w.userId
 * with w.origin the synchronization (runWrite's actor).
 */
export async function mirrorFeed(w: WriteContext, accountId: string, events: FeedEvent[]): Promise<MirrorResult> {
  const synchronizationId = w.origin.synchronizationId!;
  const invalid: MirrorResult['invalid'] = [];
  const wanted = wantedAppointments(accountId, events, invalid);
  const existing = await w.tx.appointment.findMany({ where: { synchronizationId, userId: w.userId, externalKey: { not: null } } });
  return { ...(await applyWanted(w, existing, wanted, (row) => row.externalKey!)), invalid };
}

/**
 * Makes `existing` appointments (series with their exceptions) what `wanted` says, in place,
 * matching them by key (`keyOf`: which wanted appointment a row is): a kept row that differs
 * is updated, one that is the same is not written at all, new ones are inserted (exceptions
 * under their series), rows no longer wanted are removed (a series with its exceptions). Each
 * write enters the change feed as an update, a create or a tombstone of its own, so sync
 * clients get exactly what changed. The ICS connector's refresh (mirrorFeed) and a CalDAV PUT
 * replacing its resource (src/caldav/put.ts) both write through it.
 */
export async function applyWanted(
  w: WriteContext,
  existing: Appointment[],
  wanted: Map<string, Wanted>,
  keyOf: (row: Appointment) => string,
): Promise<Omit<MirrorResult, 'invalid'>> {
  const result = { created: 0, updated: 0, removed: 0 };
  const byKey = new Map(existing.map((row) => [keyOf(row), row]));
  const keyOfId = new Map(existing.map((row) => [row.id, keyOf(row)]));
  const keep: Array<{ row: Appointment; data: Wanted }> = [];
  const remove: Appointment[] = [];
  const create: Wanted[] = [];
  for (const [key, data] of wanted) {
    const row = byKey.get(key);
    // A row of another account, or in another place (single vs. exception of a series), is replaced.
    const samePlace = row && row.accountId === data.accountId && (row.seriesId ? keyOfId.get(row.seriesId) : null) === data.seriesKey;
    if (row && samePlace) keep.push({ row, data });
    else {
      if (row) remove.push(row);
      create.push(data);
    }
  }
  for (const row of existing) if (!wanted.has(keyOf(row))) remove.push(row);
  // Exceptions go with their series: those of a series replaced are made again under the new one.
  const removedSeries = remove.filter((row) => !row.seriesId);
  const gone = new Set(removedSeries.map((row) => row.id));
  const orphaned = (row: Appointment) => row.seriesId !== null && gone.has(row.seriesId);
  for (const { data } of keep.filter(({ row }) => orphaned(row))) create.push(data);
  const changed = keep.filter(({ row, data }) => !orphaned(row) && !sameAppointment(row, data));

  // Series' feed rows before their exceptions', as every writer of both locks them.
  const series = changed.filter(({ row }) => !row.seriesId).map(({ row }) => row.id);
  await lockFeedRows(w.tx, w.userId, 'APPOINTMENT', series);
  await removeAppointments(w, removedSeries);
  await removeAppointments(
    w,
    remove.filter((row) => row.seriesId && !orphaned(row)),
  );
  const exceptions = changed.filter(({ row }) => row.seriesId);
  await lockFeedRows(
    w.tx,
    w.userId,
    'APPOINTMENT',
    exceptions.map(({ row }) => row.id),
  );
  const updates = [...changed.filter(({ row }) => !row.seriesId), ...exceptions];
  if (updates.length) {
    const rows = await updateObjects(w.tx, 'Appointment', mirroredColumns, updates, (ids) =>
      w.tx.appointment.findMany({ where: { id: { in: ids } } }),
    );
    for (const row of rows) if (row) w.changes.recordObject('APPOINTMENT', row, false, w.origin);
  }

  // New series and single appointments first, then new exceptions (of new or kept series).
  const seriesIds = new Map(keep.filter(({ row }) => !row.seriesId && !gone.has(row.id)).map(({ row }) => [keyOf(row), row.id]));
  const created = await insertAppointments(
    w,
    create.filter((data) => !data.seriesKey).map((data) => ({ data: { ...withoutSeriesKey(data), seriesId: null }, clientSyncId: null })),
  );
  for (const row of created) if (row) seriesIds.set(row.externalKey!, row.id);
  const createdExceptions = await insertAppointments(
    w,
    create
      .filter((data) => data.seriesKey && seriesIds.has(data.seriesKey))
      .map((data) => ({ data: { ...withoutSeriesKey(data), seriesId: seriesIds.get(data.seriesKey!)! }, clientSyncId: null })),
  );
  result.created = [...created, ...createdExceptions].filter(Boolean).length;
  result.updated = updates.length;
  result.removed = remove.length;
  return result;
}

export const withoutSeriesKey = ({ seriesKey: _, ...data }: Wanted): Omit<NewAppointment, 'seriesId'> => data;

/**
 * Every appointment the feed wants, by key: checked as a client's input is; refused ones listed
 * in `invalid`. Also what a CalDAV PUT wants (src/caldav/put.ts).
 */
export function wantedAppointments(accountId: string, events: FeedEvent[], invalid: MirrorResult['invalid']): Map<string, Wanted> {
  const wanted = new Map<string, Wanted>();
  const parse = (key: string, fields: ImportedFields): AppointmentData | null => {
    const parsed = parseAppointmentInput({ ...fields, accountId }, null);
    if (!parsed.ok) invalid.push({ key, reason: parsed.message });
    return parsed.ok ? parsed.data : null;
  };
  for (const event of events) {
    const data = parse(event.key, event.fields);
    if (!data) continue;
    wanted.set(event.key, {
      ...data,
      deleteExceptions: event.deleteExceptions,
      recurrencePosition: null,
      recurrenceDatePosition: null,
      externalKey: event.key,
      icalText: null,
      icalTextAt: null,
      seriesKey: null,
    });
    for (const override of event.overrides) {
      const occurrence = occurrenceOn(seriesOf(data), ruleOf(data), override.date);
      const exception = occurrence && parse(override.key, override.fields);
      if (!exception) continue;
      wanted.set(override.key, {
        ...exception,
        deleteExceptions: [],
        recurrencePosition: occurrence.position,
        recurrenceDatePosition: occurrence.date,
        externalKey: override.key,
        icalText: null,
        icalTextAt: null,
        seriesKey: event.key,
      });
    }
  }
  return wanted;
}

/** Whether the stored appointment already is what the feed wants. */
function sameAppointment(row: Appointment, data: Wanted): boolean {
  return mirroredColumns.every((column) => sameValue(row[column], data[column]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
