// What the CalDAV collections hold, read from the same tables and change feed as GraphQL sync.
//
// An account's calendar holds the user's own appointments on it (series with their change
// exceptions as one resource, as iCalendar has them) and the scheduled meetings on it: those
// the user organizes on it, and those they are invited to through it (an invitee found by
// email: on their main account). That is what the appointments query shows: on a shared room
// a user sees their own bookings, never another user's. The task list holds the user's tasks.
//
// A member's ETag is the feed revision of its last change (for a series, the latest of the
// series and its exceptions; removing an exception changes the series too, so it never goes
// back): it changes exactly when the object does, and the feed is the one place that says so.

import { mayOccurIn } from '../calendar/appointments/store.ts';
import type { Db } from '../db/database.ts';
import { Prisma, type SyncKind } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import { type CollectionRef, idOfDefaultName, tasksSegment } from './paths.ts';

export type Component = 'VEVENT' | 'VTODO';

export interface CalendarCollection {
  ref: CollectionRef;
  displayName: string;
}

/** A member of a collection: its object id (the series for a change exception), resource name (paths.ts) and ETag revision. */
export interface Member {
  id: string;
  name: string;
  revision: number;
}

/** The feed kinds whose objects a collection holds. */
export const collectionKinds = (ref: CollectionRef): SyncKind[] => (ref.type === 'tasks' ? ['TASK'] : ['APPOINTMENT', 'MEETING']);

export const componentOf = (ref: CollectionRef): Component => (ref.type === 'tasks' ? 'VTODO' : 'VEVENT');

const tasks: CalendarCollection = { ref: { type: 'tasks' }, displayName: 'Tasks' };

type Link = { davName: string | null; account: { id: string; name: string | null; identifier: string } };

const calendarOf = ({ davName, account }: Link): CalendarCollection => ({
  ref: { type: 'account', accountId: account.id, segment: davName ?? account.id },
  displayName: account.name ?? account.identifier,
});

/** The user's collections: one calendar per connected account (by name), then the task list. */
export async function collectionsOf(db: Db, userId: string): Promise<CalendarCollection[]> {
  const links = await db.userAccount.findMany({ where: { userId }, include: { account: true } });
  const calendars = links.map(calendarOf).sort((a, b) => a.displayName.localeCompare(b.displayName));
  return [...calendars, tasks];
}

/**
 * The user's collection at this path segment (decoded): the task list, the calendar a client
 * made under it, or the account with this id (in any case). null: none of theirs (another
 * user's account, or one they are not connected to).
 */
export async function findCollection(db: Db, userId: string, segment: string): Promise<CalendarCollection | null> {
  if (segment === tasksSegment) return tasks;
  const byId = isUuid(segment) ? [{ davName: null, accountId: segment.toLowerCase() }] : [];
  const links = await db.userAccount.findMany({
    where: { userId, OR: [{ davName: segment }, ...byId] },
    include: { account: true },
  });
  // A segment a client chose comes before an account id that happens to equal it.
  const link = links.find((l) => l.davName === segment) ?? links[0];
  return link ? calendarOf(link) : null;
}

/** The addresses the user is reached at: their email and the identifiers of their own (unshared) email accounts. */
export async function calendarUserAddresses(db: Db, userId: string, email: string): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ identifier: string }>>`
    SELECT a.identifier FROM "UserAccount" l JOIN "Account" a ON a.id = l."accountId"
    WHERE l."userId" = ${userId}::uuid AND a.identifier LIKE '%@%'
      AND NOT EXISTS (SELECT 1 FROM "UserAccount" o WHERE o."accountId" = a.id AND o."userId" <> ${userId}::uuid)
    ORDER BY a."mainUserId" IS NULL, a.identifier`;
  return [...new Set([email.toLowerCase(), ...rows.map((r) => r.identifier.toLowerCase())])];
}

/** The collection's members (all of them, or those with these resource names), ordered by id. */
export function members(db: Db, userId: string, ref: CollectionRef, names: string[] | null = null): Promise<Member[]> {
  return db.$queryRaw<Member[]>(membersSql(userId, ref, names ? withNames(names) : () => Prisma.empty));
}

/**
 * The members that may have an occurrence in [from, to), for a calendar-query's time range,
 * read without the rest of the collection (objects.ts's overlaps then decides, expanding
 * series). Appointments by the condition `appointments(from, to)` reads its window with
 * (mayOccurIn: singles and change exceptions that overlap, series not ended before it; a change
 * exception brings in its series); scheduled meetings by their time (a repeating one: started
 * before its end); tasks by DTSTART and DUE as overlaps tests them (RFC 4791 §9.9's VTODO table).
 */
export async function membersIn(db: Db, userId: string, ref: CollectionRef, from: Date, to: Date): Promise<Member[]> {
  if (ref.type === 'tasks') {
    return db.$queryRaw<Member[]>(
      membersSql(
        userId,
        ref,
        () => Prisma.sql`AND CASE
          WHEN t.start IS NOT NULL AND t.due IS NOT NULL THEN (${from} <= t.start OR ${from} < t.due) AND (${to} > t.start OR ${to} >= t.due)
          WHEN t.start IS NOT NULL THEN ${from} <= t.start AND ${to} > t.start
          WHEN t.due IS NOT NULL THEN ${from} < t.due AND ${to} >= t.due
          ELSE true END`,
      ),
    );
  }
  const rows = await db.appointment.findMany({
    where: { userId, accountId: ref.accountId, ...mayOccurIn(from, to) },
    select: { id: true, seriesId: true },
  });
  const ids = [...new Set(rows.map((a) => a.seriesId ?? a.id))];
  return db.$queryRaw<Member[]>(
    membersSql(userId, ref, (id) => Prisma.sql`AND ${id} = ANY(${ids}::uuid[])`, {
      meetings: Prisma.sql`AND m.start < ${to} AND (m.repeat <> 'NONE' OR m.start + m.duration * interval '1 minute' > ${from})`,
    }),
  );
}

/** A condition on a member's id and davName columns (a meeting has no davName: null). */
type Among = (id: Prisma.Sql, davName: Prisma.Sql | null) => Prisma.Sql;

/** Members with one of these names: their davName, or without one `<id>.ics` (both indexed). */
function withNames(names: string[]): Among {
  const ids = names.flatMap((name) => idOfDefaultName(name) ?? []);
  return (id, davName) =>
    davName
      ? Prisma.sql`AND (${davName} = ANY(${names}::text[]) OR (${davName} IS NULL AND ${id} = ANY(${ids}::uuid[])))`
      : Prisma.sql`AND ${id} = ANY(${ids}::uuid[])`;
}

/**
 * The statement that reads a collection's members as (id, name, revision), restricted by
 * `among`, or for meetings by `only.meetings` (a condition on m) when given.
 */
function membersSql(userId: string, ref: CollectionRef, among: Among, only: { meetings: Prisma.Sql } | null = null): Prisma.Sql {
  if (ref.type === 'tasks') {
    return Prisma.sql`
      SELECT t.id::text AS id, COALESCE(t."davName", t.id::text || '.ics') AS name, COALESCE(c.revision, 0) AS revision FROM "Task" t
      LEFT JOIN "Change" c ON c."userId" = t."userId" AND c.kind = 'TASK' AND c."objectId" = t.id
      WHERE t."userId" = ${userId}::uuid ${among(Prisma.sql`t.id`, Prisma.sql`t."davName"`)}
      ORDER BY t.id`;
  }
  const accountId = ref.accountId;
  return Prisma.sql`
    SELECT a.id::text AS id, COALESCE(a."davName", a.id::text || '.ics') AS name, GREATEST(COALESCE(c.revision, 0), COALESCE((
        SELECT MAX(ce.revision) FROM "Appointment" e
        JOIN "Change" ce ON ce."userId" = e."userId" AND ce.kind = 'APPOINTMENT' AND ce."objectId" = e.id
        WHERE e."seriesId" = a.id), 0)) AS revision
    FROM "Appointment" a
    LEFT JOIN "Change" c ON c."userId" = a."userId" AND c.kind = 'APPOINTMENT' AND c."objectId" = a.id
    WHERE a."userId" = ${userId}::uuid AND a."accountId" = ${accountId}::uuid AND a."seriesId" IS NULL ${among(Prisma.sql`a.id`, Prisma.sql`a."davName"`)}
    UNION ALL
    SELECT m.id::text, m.id::text || '.ics', COALESCE(c.revision, 0) FROM "Meeting" m
    LEFT JOIN "Change" c ON c."userId" = ${userId}::uuid AND c.kind = 'MEETING' AND c."objectId" = m.id
    WHERE m.status = 'SCHEDULED' ${only ? only.meetings : among(Prisma.sql`m.id`, null)} AND (
      (m."userId" = ${userId}::uuid AND m."accountId" = ${accountId}::uuid)
      OR EXISTS (SELECT 1 FROM "MeetingInvitee" i WHERE i."meetingId" = m.id AND i."userId" = ${userId}::uuid AND m."userId" <> ${userId}::uuid
        AND (i."accountId" = ${accountId}::uuid
          OR (i."accountId" IS NULL AND EXISTS (SELECT 1 FROM "Account" x WHERE x.id = ${accountId}::uuid AND x."mainUserId" = ${userId}::uuid)))))
    ORDER BY 1`;
}

/** Where the user's feed stands: its head revision, and the floor below which tombstones were purged. */
export interface FeedPosition {
  head: number;
  floor: number;
}

export async function feedPosition(db: Db, userId: string): Promise<FeedPosition> {
  const counter = await db.syncCounter.findUnique({ where: { userId } });
  return { head: counter?.revision ?? 0, floor: counter?.floor ?? 0 };
}

/**
 * A feed row of a collection's kinds: the object, the series it belongs to (a change exception),
 * whether it is a tombstone, and its resource name when not `<id>.ics` (what a 404 names).
 */
export interface FeedChange {
  objectId: string;
  davName: string | null;
  seriesId: string | null;
  revision: number;
  deleted: boolean;
}

export interface CollectionChanges extends FeedPosition {
  changes: FeedChange[];
  /** The members the changes name (or all members, when asked), with their ETag revisions. */
  members: Member[];
}

/**
 * The feed rows of the collection's kinds after `after` (at most `limit`, in revision order),
 * the members they name as they are now (`allMembers`: every member, for an initial sync that
 * lists them all), and the feed's head and floor: one statement, so one snapshot, in which the
 * head is exactly as far as the rows go when they are all there. The (userId, revision) index
 * makes it a range scan of what changed, whatever the size of the collection.
 */
export async function changesSince(
  db: Db,
  userId: string,
  ref: CollectionRef,
  after: number,
  /** null: no limit. */
  limit: number | null,
  allMembers: boolean,
): Promise<CollectionChanges> {
  const named = (column: Prisma.Sql) =>
    Prisma.sql`AND ${column} IN (SELECT COALESCE(f."seriesId", f."objectId") FROM f WHERE NOT f.deleted)`;
  const [read] = await db.$queryRaw<CollectionChanges[]>`
    WITH f AS (
      SELECT c."objectId" AS "objectId", c."davName" AS "davName", a."seriesId" AS "seriesId", c.revision, c.deleted
      FROM "Change" c LEFT JOIN "Appointment" a ON c.kind = 'APPOINTMENT' AND a.id = c."objectId"
      WHERE c."userId" = ${userId}::uuid AND c.revision > ${after} AND c.kind = ANY(${collectionKinds(ref)}::text[]::"SyncKind"[])
      ORDER BY c.revision LIMIT ${limit}::int
    ), m AS (${membersSql(userId, ref, allMembers ? () => Prisma.empty : named)})
    SELECT COALESCE(s.revision, 0) AS head, COALESCE(s.floor, 0) AS floor,
      COALESCE((SELECT json_agg(f ORDER BY f.revision) FROM f), '[]'::json) AS changes,
      COALESCE((SELECT json_agg(m) FROM m), '[]'::json) AS members
    FROM (SELECT 1) one LEFT JOIN "SyncCounter" s ON s."userId" = ${userId}::uuid`;
  return read!;
}
