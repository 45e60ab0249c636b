// Meetings (Meekan's lifecycle). The number of options decides the state on create and update:
// none = DRAFT (on no calendar), one = SCHEDULED (the event occupies the organizer's account),
// several = POLLING (a tentative hold per option there). scheduleMeeting picks the final start
// (an option or another time); deleting cancels. Each change:
// - books the time it newly occupies on the organizer's account (src/calendar/booking.ts: the
//   account's busy scope is locked, and unless conflicts are ignored they are answered instead);
// - enters the change feed of the organizer and of every invitee who is a convene user (a
//   removed invitee gets a tombstone), in the same transaction;
// - adds a MeetingEvent (src/meetings/events.ts) for the handlers that run in that transaction.
//
// Lock order: the organizer's feed row of the meeting, then the booking's busy scope, then the
// users' counters (at the end, src/sync/feed.ts), as for appointments.
import { randomUUID } from 'node:crypto';
import { connectedAccounts } from '../accounts/connections.ts';
import { book, type Conflicts } from '../calendar/booking.ts';
import type { Db } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import { appError, badInput, ErrorCode, forbidden, notFound } from '../errors.ts';
import type { Meeting, MeetingInvitee, MeetingStatus, Prisma } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import { lockFeedRows } from '../sync/feed.ts';
import type { WriteContext } from '../write.ts';
import { addedSpans, type MeetingTiming } from './busy.ts';
import type { MeetingEvent } from './events.ts';
import { type InviteeInput, type MeetingData, type MeetingFields, meetingColumns } from './input.ts';
import { noticeResets } from './poll.ts';
import { newVoteToken } from './vote-tokens.ts';

/** The meetings a user sees: those they organize and those they are invited to. */
export const visibleTo = (userId: string): Prisma.MeetingWhereInput => ({
  OR: [{ userId }, { invitees: { some: { userId } } }],
});

export const live: Prisma.MeetingWhereInput = { status: { not: 'CANCELLED' } };

/** The columns clients set, of a stored meeting. */
export const fieldsOf = (meeting: Meeting): MeetingFields =>
  Object.fromEntries(meetingColumns.map((column) => [column, meeting[column]])) as MeetingFields;

/** A refusal of a change, for a mutation (an error with this code) or a sync commit (INVALID with the message). */
export interface Refusal {
  code: typeof ErrorCode.FORBIDDEN | typeof ErrorCode.BAD_USER_INPUT;
  message: string;
}

const refuse = (refusal: Refusal) => appError(refusal.code, refusal.message);

interface ResolvedInvitee extends InviteeInput {
  /** The convene user the account or email belongs to. */
  userId: string | null;
}

/** A change to save, checked against the database. */
interface Checked {
  data: MeetingData;
  /** The meeting's options before the change. */
  before: Date[];
  invitees: ResolvedInvitee[] | null;
}

/**
 * Checks what needs the database: the account is one of the organizer's, invitee accounts
 * exist (and whose users the invitees are), new options and a new start are not in the past
 * unless allowed. `schedule`: the start scheduleMeeting picks.
 */
export async function checkMeetingChange(
  db: Db,
  organizerId: string,
  meetingId: string | null,
  data: MeetingData,
  schedule: Date | null = null,
  now = new Date(),
): Promise<Checked | Refusal> {
  if (!(await connectedAccounts(db, organizerId, [data.fields.accountId])).has(data.fields.accountId)) {
    return { code: ErrorCode.FORBIDDEN, message: 'accountId: not one of your accounts' };
  }
  const before = meetingId
    ? (await db.meetingOption.findMany({ where: { meetingId }, orderBy: { start: 'asc' } })).map((o) => o.start)
    : [];
  if (!data.allowPastOptions) {
    const known = new Set(before.map((d) => d.getTime()));
    const past = (data.options ?? []).findIndex((o) => o < now && !known.has(o.getTime()));
    if (past >= 0) {
      return {
        code: ErrorCode.BAD_USER_INPUT,
        message: `options: ${data.options![past]!.toISOString()} is in the past (allowPastOptions: true to propose it anyway)`,
      };
    }
    if (schedule && schedule < now) {
      return { code: ErrorCode.BAD_USER_INPUT, message: 'start: in the past (allowPast: true to schedule it anyway)' };
    }
  }
  const invitees = data.invitees ? await resolveInvitees(db, data.invitees) : null;
  if (invitees && 'message' in invitees) return invitees;
  return { data, before, invitees };
}

/** Whose each invitee is: an account's main user (or its only user), or the user with that email. */
async function resolveInvitees(db: Db, invitees: InviteeInput[]): Promise<ResolvedInvitee[] | Refusal> {
  const accountIds = invitees.flatMap((i) => (i.accountId ? [i.accountId] : []));
  const emails = invitees.flatMap((i) => (i.email && !i.accountId ? [i.email] : []));
  const [found] = await db.$queryRaw<
    Array<{ accounts: Array<{ id: string; userId: string | null }>; users: Array<{ email: string; userId: string }> }>
  >`
    SELECT COALESCE((SELECT json_agg(json_build_object('id', a.id, 'userId', COALESCE(a."mainUserId", (
               SELECT CASE WHEN COUNT(*) = 1 THEN MIN(u."userId"::text)::uuid END FROM "UserAccount" u WHERE u."accountId" = a.id))))
             FROM "Account" a WHERE a.id = ANY(${accountIds}::uuid[])), '[]') AS accounts,
           COALESCE((SELECT json_agg(json_build_object('email', e.email, 'userId', e.id)) FROM (
             SELECT email, id FROM "User" WHERE email = ANY(${emails}::text[])
             UNION SELECT identifier, "mainUserId" FROM "Account" WHERE identifier = ANY(${emails}::text[]) AND "mainUserId" IS NOT NULL
           ) e), '[]') AS users`;
  const accounts = new Map(found!.accounts.map((a) => [a.id, a.userId]));
  const users = new Map(found!.users.map((u) => [u.email, u.userId]));
  const resolved: ResolvedInvitee[] = [];
  for (const [i, invitee] of invitees.entries()) {
    if (invitee.accountId && !accounts.has(invitee.accountId)) {
      return { code: ErrorCode.BAD_USER_INPUT, message: `invitees[${i}].accountId: no such account` };
    }
    const userId = invitee.accountId ? accounts.get(invitee.accountId)! : (users.get(invitee.email!) ?? null);
    resolved.push({ ...invitee, userId });
  }
  return resolved;
}

/** The organizer's live meeting, locked through its feed row; NOT_FOUND for anyone else's (FORBIDDEN for an invitee). */
export async function lockMeeting(w: WriteContext, id: string): Promise<Meeting> {
  if (!isUuid(id)) throw notFound('meeting');
  const seen = await w.tx.meeting.findFirst({ where: { id, ...live, ...visibleTo(w.userId) }, select: { userId: true } });
  if (!seen) throw notFound('meeting');
  if (seen.userId !== w.userId) throw forbidden('only the organizer can change a meeting');
  await lockFeedRows(w.tx, w.userId, 'MEETING', [id]);
  // Read again under the lock: it may have changed or been cancelled meanwhile.
  const meeting = await w.tx.meeting.findFirst({ where: { id, userId: w.userId, ...live } });
  if (!meeting) throw notFound('meeting');
  return meeting;
}

interface SaveOptions {
  ignoreConflicts: boolean;
  /** A new meeting's client id. */
  clientSyncId?: string | null;
  /** The start scheduleMeeting picks. */
  schedule?: Date | null;
}

/** The status and start after a change: given options decide; a schedule sets the start; otherwise they stay. */
function nextState(existing: Meeting | null, options: Date[] | null, schedule: Date | null): { status: MeetingStatus; start: Date | null } {
  if (schedule) return { status: 'SCHEDULED', start: schedule };
  if (options) {
    if (options.length === 0) return { status: 'DRAFT', start: null };
    if (options.length === 1) return { status: 'SCHEDULED', start: options[0]! };
    return { status: 'POLLING', start: null };
  }
  return existing ? { status: existing.status, start: existing.start } : { status: 'DRAFT', start: null };
}

const timeAndPlace = [
  'status',
  'start',
  'duration',
  'timezone',
  'repeat',
  'locationDescription',
  'locationAddress',
  'latitude',
  'longitude',
] as const;

function timeOrPlaceChanged(before: Meeting, after: Pick<Meeting, (typeof timeAndPlace)[number]>) {
  return timeAndPlace.some((field) => {
    const [a, b] = [before[field], after[field]];
    return a instanceof Date || b instanceof Date ? (a as Date | null)?.getTime() !== (b as Date | null)?.getTime() : a !== b;
  });
}

/**
 * Creates (existing null) or changes a meeting the caller organizes (locked by the caller),
 * checked by checkMeetingChange. Returns the conflicts instead when the time it newly
 * occupies overlaps busy time (unless ignored), and null when a new meeting's clientSyncId
 * was taken meanwhile.
 */
export async function saveMeeting(
  w: WriteContext,
  existing: Meeting | null,
  checked: Checked,
  options: SaveOptions,
): Promise<Meeting | Conflicts | null> {
  const { data, before } = checked;
  const optionStarts = data.options ?? before;
  const state = nextState(existing, data.options, options.schedule ?? null);
  const timing: MeetingTiming = { ...state, duration: data.fields.duration, timezone: data.fields.timezone, repeat: data.fields.repeat };
  const spans = addedSpans(existing ? { timing: existing, options: before } : null, { timing, options: optionStarts });
  const booking = {
    accountId: data.fields.accountId,
    spans,
    excludeIds: existing ? [existing.id] : [],
    ignoreConflicts: options.ignoreConflicts,
  };
  return book(w, booking, async () => {
    const next = { ...data.fields, ...state };
    let meeting: Meeting;
    if (existing) {
      const sequence = existing.sequence + (timeOrPlaceChanged(existing, next) ? 1 : 0);
      meeting = await w.tx.meeting.update({ where: { id: existing.id }, data: { ...next, sequence, ...noticeResets(existing, next) } });
    } else {
      const id = randomUUID();
      const now = new Date();
      const row = {
        ...next,
        id,
        userId: w.userId,
        icalUid: `${id}@convene`,
        clientSyncId: options.clientSyncId ?? null,
        synchronizationId: w.origin.synchronizationId,
        createdAt: now,
        updatedAt: now,
      };
      // insertRows, not createManyAndReturn (whose compile is per call); a clientSyncId taken
      // meanwhile inserts nothing. The columns left out take their defaults.
      // RETURNING gives the row as stored (defaults filled in), without reading it again.
      const columns = Object.entries(row).flatMap(([column, value]) => (value === undefined ? [] : [column]));
      const [inserted] = await insertRows<Meeting>(w.tx, 'Meeting', columns, [row], { skipDuplicates: true, returning: 'rows' });
      if (!inserted) return null;
      meeting = inserted;
    }
    await saveOptions(w, meeting.id, before, optionStarts);
    const { invitees, removed, current, voteTokens } = await saveInvitees(w, meeting.id, existing !== null, checked.invitees);
    // A new invitee has not answered: "everyone has answered" is news again once they have.
    if (meeting.everyoneAnsweredAt && voteTokens.size) {
      meeting = await w.tx.meeting.update({ where: { id: meeting.id }, data: { everyoneAnsweredAt: null } });
    }
    const type = !existing
      ? 'created'
      : state.status === 'SCHEDULED' && state.start?.getTime() !== existing.start?.getTime()
        ? 'scheduled'
        : 'updated';
    const previous = existing && { meeting: existing, options: before, invitees: current };
    recordChange(w, { type, meeting, options: optionStarts, invitees, removedInvitees: removed, previous, voteTokens });
    return meeting;
  });
}

async function saveOptions(w: WriteContext, meetingId: string, before: Date[], after: Date[]) {
  const kept = new Set(after.map((d) => d.getTime()));
  const gone = before.filter((d) => !kept.has(d.getTime()));
  if (gone.length) await w.tx.meetingOption.deleteMany({ where: { meetingId, start: { in: gone } } });
  const had = new Set(before.map((d) => d.getTime()));
  const added = after.filter((d) => !had.has(d.getTime()));
  const rows = added.map((start) => ({ id: randomUUID(), meetingId, start }));
  await insertRows(w.tx, 'MeetingOption', ['id', 'meetingId', 'start'], rows);
}

type NewInvitee = ResolvedInvitee & { id: string; position: number; meetingId: string; voteTokenHash: string };
/** Every column a new invitee sets; the others (response, createdAt) take their defaults. */
const inviteeColumns = [
  'id',
  'meetingId',
  'email',
  'accountId',
  'userId',
  'position',
  'timezone',
  'voteTokenHash',
] as const satisfies ReadonlyArray<keyof NewInvitee>;

/**
 * Replaces the invitee list (when given), keeping the rows (ids, vote tokens) of invitees who
 * stay: matched by account, else by email. Returns the invitees after, in list order, those
 * removed, and those before (current).
 */
async function saveInvitees(w: WriteContext, meetingId: string, existed: boolean, wanted: ResolvedInvitee[] | null) {
  const current = existed ? await w.tx.meetingInvitee.findMany({ where: { meetingId }, orderBy: { position: 'asc' } }) : [];
  const voteTokens = new Map<string, string>();
  if (!wanted) return { invitees: current, removed: [] as MeetingInvitee[], current, voteTokens };
  const byAccount = new Map(current.flatMap((i) => (i.accountId ? [[i.accountId, i] as const] : [])));
  const byEmail = new Map(current.flatMap((i) => (i.email ? [[i.email, i] as const] : [])));
  const kept = new Map<string, ResolvedInvitee & { position: number }>();
  const added: NewInvitee[] = [];
  for (const [position, invitee] of wanted.entries()) {
    const row = (invitee.accountId && byAccount.get(invitee.accountId)) || (invitee.email && byEmail.get(invitee.email)) || null;
    if (row && !kept.has(row.id)) kept.set(row.id, { ...invitee, position });
    else {
      const id = randomUUID();
      const { token, hash } = newVoteToken();
      voteTokens.set(id, token);
      added.push({ ...invitee, id, position, meetingId, voteTokenHash: hash });
    }
  }
  const removed = current.filter((row) => !kept.has(row.id));
  if (removed.length) await w.tx.meetingInvitee.deleteMany({ where: { id: { in: removed.map((row) => row.id) } } });
  const changed = current.flatMap((row) => {
    const next = kept.get(row.id);
    const same =
      next &&
      next.email === row.email &&
      next.accountId === row.accountId &&
      next.userId === row.userId &&
      next.position === row.position &&
      next.timezone === row.timezone;
    return next && !same ? [{ id: row.id, ...next }] : [];
  });
  if (changed.length) {
    // Unique (meeting, email) and (meeting, account), checked row by row: cleared first, so that
    // two invitees trading an email cannot collide on the way; then set in one statement.
    const ids = changed.map((row) => row.id);
    await w.tx.meetingInvitee.updateMany({ where: { id: { in: ids } }, data: { email: null, accountId: null } });
    await w.tx.$executeRaw`
      UPDATE "MeetingInvitee" AS t
      SET email = u.email, "accountId" = u."accountId", "userId" = u."userId", position = u.position, timezone = u.timezone
      FROM jsonb_populate_recordset(NULL::"MeetingInvitee", ${JSON.stringify(changed)}::jsonb) AS u
      WHERE t.id = u.id`;
  }
  const inserted = await insertRows<MeetingInvitee>(w.tx, 'MeetingInvitee', inviteeColumns, added, { returning: 'rows' });
  // A new meeting's invitees are the rows just inserted; a changed one's are read back whole.
  const invitees = existed
    ? await w.tx.meetingInvitee.findMany({ where: { meetingId }, orderBy: { position: 'asc' } })
    : inserted.sort((a, b) => a.position - b.position);
  return { invitees, removed, current, voteTokens };
}

/**
 * Enters the change in the feeds of the organizer and of the invitees who are convene users
 * (a tombstone for those it removed, or for everyone when it cancels), and adds its event.
 * Invitees' feed rows carry no clientSyncId (it is the organizer's) and no origin (the
 * organizer's synchronization is not theirs).
 */
function recordChange(w: WriteContext, event: MeetingEvent) {
  const { meeting } = event;
  const cancelled = event.type === 'cancelled';
  const users = new Set(event.invitees.flatMap((i) => (i.userId && i.userId !== meeting.userId ? [i.userId] : [])));
  const gone = new Set(
    event.removedInvitees.flatMap((i) => (i.userId && !users.has(i.userId) && i.userId !== meeting.userId ? [i.userId] : [])),
  );
  for (const [userIds, deleted] of [
    [users, cancelled],
    [gone, true],
  ] as const) {
    for (const userId of userIds) {
      w.changes.record({ userId, kind: 'MEETING', objectId: meeting.id, deleted, clientSyncId: null, originSyncId: null });
    }
  }
  w.changes.recordObject('MEETING', meeting, cancelled, w.origin);
  w.meetingEvents.push(event);
}

/** Cancels a meeting the caller organizes (locked by the caller): off every calendar, a tombstone in every feed. */
export async function cancelMeeting(w: WriteContext, meeting: Meeting): Promise<Meeting> {
  const cancelled = await w.tx.meeting.update({
    where: { id: meeting.id },
    // The clientSyncId goes with it (its tombstone keeps it), so that the client may use it again.
    data: { status: 'CANCELLED', cancelledAt: new Date(), clientSyncId: null, sequence: meeting.sequence + 1 },
  });
  const [options, invitees] = await Promise.all([
    w.tx.meetingOption.findMany({ where: { meetingId: meeting.id }, orderBy: { start: 'asc' } }),
    w.tx.meetingInvitee.findMany({ where: { meetingId: meeting.id }, orderBy: { position: 'asc' } }),
  ]);
  recordChange(w, {
    type: 'cancelled',
    meeting: { ...cancelled, clientSyncId: meeting.clientSyncId },
    options: options.map((o) => o.start),
    invitees,
    removedInvitees: [],
    previous: { meeting, options: options.map((o) => o.start), invitees },
    voteTokens: new Map(),
  });
  return cancelled;
}

// ---- What the mutations do ----

const orRefuse = <T>(checked: T | Refusal): T => {
  if (checked && typeof checked === 'object' && 'code' in checked && 'message' in checked) throw refuse(checked as Refusal);
  return checked as T;
};

export async function createMeeting(
  w: WriteContext,
  data: MeetingData,
  options: { ignoreConflicts: boolean; clientSyncId: string | null },
): Promise<Meeting | Conflicts> {
  if (options.clientSyncId && options.clientSyncId.length > 200) throw badInput('clientSyncId: at most 200 characters');
  const checked = orRefuse(await checkMeetingChange(w.tx, w.userId, null, data));
  const saved = await saveMeeting(w, null, checked, options);
  if (saved) return saved;
  // The clientSyncId is taken: that meeting, as a safe retry (as createTask does).
  return w.tx.meeting.findUniqueOrThrow({ where: { userId_clientSyncId: { userId: w.userId, clientSyncId: options.clientSyncId! } } });
}

export async function updateMeeting(
  w: WriteContext,
  meeting: Meeting,
  data: MeetingData,
  options: { ignoreConflicts: boolean },
): Promise<Meeting | Conflicts> {
  const checked = orRefuse(await checkMeetingChange(w.tx, w.userId, meeting.id, data));
  return (await saveMeeting(w, meeting, checked, options))!;
}

/** Picks the final start (an option or another time): the holds become one event. */
export async function scheduleMeeting(
  w: WriteContext,
  id: string,
  start: Date,
  options: { ignoreConflicts: boolean; allowPast: boolean },
): Promise<Meeting | Conflicts> {
  const meeting = await lockMeeting(w, id);
  const data: MeetingData = { fields: fieldsOf(meeting), options: null, invitees: null, allowPastOptions: options.allowPast };
  const checked = orRefuse(await checkMeetingChange(w.tx, w.userId, meeting.id, data, start));
  return (await saveMeeting(w, meeting, checked, { ignoreConflicts: options.ignoreConflicts, schedule: start }))!;
}

export async function deleteMeeting(w: WriteContext, id: string): Promise<Meeting> {
  return cancelMeeting(w, await lockMeeting(w, id));
}
