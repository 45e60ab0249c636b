// Busy time: what free/busy, conflict checks and slot suggestions read.
//
// Whose time an account shows: a personal account stands for its user, so it shows the busy
// time of all that user's personal accounts and the calendar entries their devices pushed; a
// shared account (a room, connected by several users) shows its own appointments only, so no
// personal calendar leaks through it.
import type { Tx } from '../sync/feed.ts';
import { type Expandable, type OccurrenceSource, occurrencesIn } from './appointments.ts';
import type { BusyInterval } from './intervals.ts';

export interface BusyItem {
  kind: 'APPOINTMENT' | 'CALENDAR_ENTRY';
  id: string;
  /** The user whose appointment or entry it is. */
  ownerId: string;
  title: string | null;
  start: Date;
  end: Date;
  /** TEMPORARY appointments (and, with meetings, tentative holds). */
  tentative: boolean;
}

export interface BusyScope {
  accountIds: string[];
  /** Whose calendar entries count: the user of a personal account; null for a shared one. */
  userId: string | null;
  /** The users connected to the account itself (its relationships). */
  members: string[];
}

/**
 * Whose busy time each account shows (see above); accounts that do not exist are left out.
 * One statement: free/busy and slots ask for it on every request.
 */
export async function busyScopes(db: Tx, accountIds: string[]): Promise<Map<string, BusyScope>> {
  const rows = await db.$queryRaw<Array<{ id: string; members: string[]; personal: string[] | null }>>`
    SELECT a.id::text, m.members,
           CASE WHEN cardinality(m.members) = 1 THEN ARRAY(
             SELECT p."accountId"::text FROM "UserAccount" p
             WHERE p."userId" = m.members[1]::uuid
               AND NOT EXISTS (SELECT 1 FROM "UserAccount" o WHERE o."accountId" = p."accountId" AND o."userId" <> p."userId")
           ) END AS personal
    FROM "Account" a
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT u."userId"::text FROM "UserAccount" u WHERE u."accountId" = a.id) AS members) m
    WHERE a.id = ANY(${accountIds}::uuid[])`;
  return new Map(
    rows.map((r): [string, BusyScope] => [
      r.id,
      r.personal
        ? { accountIds: r.personal, userId: r.members[0]!, members: r.members }
        : { accountIds: [r.id], userId: null, members: r.members },
    ]),
  );
}

/** Whose busy time the account shows; null when it does not exist. */
export async function busyScope(db: Tx, accountId: string): Promise<BusyScope | null> {
  return (await busyScopes(db, [accountId])).get(accountId) ?? null;
}

/** Every busy item of the scope overlapping [from, to), by start. `exclude`: appointment ids to leave out. */
export async function busyItems(db: Tx, scope: BusyScope, from: Date, to: Date, exclude: Set<string> = new Set()): Promise<BusyItem[]> {
  return (await busyItemsOf(db, [scope], from, to, exclude))[0]!;
}

/** busyItems for several scopes at once, in a fixed number of queries (slots ask for many). */
export async function busyItemsOf(
  db: Tx,
  scopes: BusyScope[],
  from: Date,
  to: Date,
  exclude: Set<string> = new Set(),
): Promise<BusyItem[][]> {
  const accountIds = [...new Set(scopes.flatMap((s) => s.accountIds))];
  const userIds = [...new Set(scopes.flatMap((s) => (s.userId ? [s.userId] : [])))];
  const [appointments, entries] = await Promise.all([
    busyAppointments(db, accountIds, from, to, [...exclude]),
    userIds.length ? db.calendarEntry.findMany({ where: { userId: { in: userIds }, start: { lt: to }, end: { gt: from } } }) : [],
  ]);
  // Each item goes straight to the scopes that show it (slots asks for up to 101 scopes),
  // in start order, so that the sort below has little left to do.
  const lists = scopes.map((): BusyItem[] => []);
  const listsWhere = (shows: (scope: BusyScope) => boolean) => scopes.flatMap((scope, i) => (shows(scope) ? [lists[i]!] : []));
  const byAccount = new Map(accountIds.map((id) => [id, listsWhere((scope) => scope.accountIds.includes(id))]));
  for (const o of occurrencesIn(appointments, from, to)) {
    const item = appointmentItem(o.appointment, o.start, o.end);
    for (const list of byAccount.get(o.appointment.accountId) ?? []) list.push(item);
  }
  const byUser = new Map(userIds.map((id) => [id, listsWhere((scope) => scope.userId === id)]));
  for (const e of entries) {
    const item: BusyItem = {
      kind: 'CALENDAR_ENTRY',
      id: e.id,
      ownerId: e.userId,
      title: e.title,
      start: e.start,
      end: e.end,
      tentative: false,
    };
    for (const list of byUser.get(e.userId) ?? []) list.push(item);
  }
  return lists.map((items) => items.sort((a, b) => a.start.getTime() - b.start.getTime()));
}

/**
 * The appointments on these accounts that are not FREE and may have occurrences in [from, to),
 * leaving out `exclude` and exceptions of series in it. A raw statement: for the ~500 rows of
 * a 3-month free/busy, Prisma's row mapping took longer than the query (bench/README.md).
 */
function busyAppointments(db: Tx, accountIds: string[], from: Date, to: Date, exclude: string[]): Promise<Expandable[]> {
  return db.$queryRaw<Expandable[]>`
    SELECT a.id::text, a."userId"::text, a."accountId"::text, a.title, a.start, a."end", a.timezone, a."fullTime",
           a."shownAs"::text, a."recurrenceType"::text, a.interval, coalesce(a.days::text[], '{}') AS days, a."dayInMonth", a.month, a.until,
           a.occurrences, coalesce(a."deleteExceptions", '{}') AS "deleteExceptions", a."seriesId"::text, a."recurrencePosition", a."recurrenceDatePosition",
           CASE WHEN a."recurrenceType" = 'NONE' THEN '{}'::text[] ELSE ARRAY(
             SELECT e."recurrenceDatePosition" FROM "Appointment" e WHERE e."seriesId" = a.id
           ) END AS replaced
    FROM "Appointment" a
    WHERE a."accountId" = ANY(${accountIds}::uuid[]) AND a.start < ${to} AND (a."seriesEnd" IS NULL OR a."seriesEnd" > ${from})
      AND a."shownAs" <> 'FREE'
      AND a.id <> ALL(${exclude}::uuid[]) AND (a."seriesId" IS NULL OR a."seriesId" <> ALL(${exclude}::uuid[]))`;
}

/** Busy items as the interval functions take them (epoch ms). */
export function busyIntervals(items: BusyItem[]): BusyInterval[] {
  return items.map((i) => ({ start: i.start.getTime(), end: i.end.getTime(), tentative: i.tentative }));
}

function appointmentItem(a: OccurrenceSource, start: Date, end: Date): BusyItem {
  return { kind: 'APPOINTMENT', id: a.id, ownerId: a.userId, title: a.title, start, end, tentative: a.shownAs === 'TEMPORARY' };
}
