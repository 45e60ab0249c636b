// Busy time: what free/busy, conflict checks and slot suggestions read.
//
// Whose time an account shows: a personal account stands for its user, so it shows the busy
// time of all that user's personal accounts and the calendar entries their devices pushed; a
// shared account (a room, connected by several users) shows its own appointments only, so no
// personal calendar leaks through it.
import type { Db } from '../db/database.ts';
import { meetingsBusy } from '../meetings/busy.ts';
import { type Expandable, occurrencesIn } from './appointments/occurrences.ts';
import type { BusyInterval } from './intervals.ts';

export interface BusyItem {
  kind: 'APPOINTMENT' | 'CALENDAR_ENTRY' | 'MEETING';
  id: string;
  /** The user whose appointment or entry it is (a meeting's organizer). */
  ownerId: string;
  /** The account it is on; null for what is on no account (calendar entries): its owner's personal time. */
  accountId: string | null;
  title: string | null;
  start: Date;
  end: Date;
  /** TEMPORARY appointments and the holds of a meeting's poll. */
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
export async function busyScopes(db: Db, accountIds: string[]): Promise<Map<string, BusyScope>> {
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
export async function busyScope(db: Db, accountId: string): Promise<BusyScope | null> {
  return (await busyScopes(db, [accountId])).get(accountId) ?? null;
}

/** Every busy item of the scope overlapping [from, to), by start. `exclude`: appointment ids to leave out. */
export async function busyItems(db: Db, scope: BusyScope, from: Date, to: Date, exclude: Set<string> = new Set()): Promise<BusyItem[]> {
  return (await busyItemsOf(db, [scope], from, to, exclude))[0]!;
}

/** What a busy-time source is asked for. */
export interface BusyQuery {
  /** The accounts whose items count. */
  accountIds: string[];
  /** The users whose personal items (not on an account: calendar entries) count. */
  userIds: string[];
  from: Date;
  to: Date;
  /** Ids of items to leave out (an appointment being changed, and its series). */
  exclude: string[];
}

/**
 * A kind of thing that occupies time. Its items sit on an account (`accountId`) or, without
 * one, on their owner's personal calendar; `busyItemsOf` shows each where its scope says.
 */
export interface BusySource {
  items(db: Db, query: BusyQuery): Promise<BusyItem[]>;
}

/**
 * The appointments on these accounts that are not FREE, expanded. A raw statement: for the
 * ~500 rows of a 3-month free/busy, Prisma's row mapping took longer than the query
 * (bench/README.md).
 */
const appointmentsBusy: BusySource = {
  async items(db, { accountIds, from, to, exclude }) {
    const appointments = await db.$queryRaw<Expandable[]>`
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
    return occurrencesIn(appointments, from, to).map(({ appointment: a, start, end }) => ({
      kind: 'APPOINTMENT',
      id: a.id,
      ownerId: a.userId,
      accountId: a.accountId,
      title: a.title,
      start,
      end,
      tentative: a.shownAs === 'TEMPORARY',
    }));
  },
};

/**
 * Busy slots the user's devices pushed (MeetingBooster calendar entries): on no account. A raw
 * statement of the columns used, like the appointments': a 500-invitee poll asks for 100 users'
 * entries on every read, usually none, and Prisma was 14% of that poll's CPU (bench/README.md, "Meetings").
 */
const calendarEntriesBusy: BusySource = {
  async items(db, { userIds, from, to }) {
    if (!userIds.length) return [];
    const entries = await db.$queryRaw<Array<{ id: string; userId: string; title: string | null; start: Date; end: Date }>>`
      SELECT e.id::text, e."userId"::text, e.title, e.start, e."end" FROM "CalendarEntry" e
      WHERE e."userId" = ANY(${userIds}::uuid[]) AND e.start < ${to} AND e."end" > ${from}`;
    return entries.map((e) => ({
      kind: 'CALENDAR_ENTRY',
      id: e.id,
      ownerId: e.userId,
      accountId: null,
      title: e.title,
      start: e.start,
      end: e.end,
      tentative: false,
    }));
  },
};

/** Everything that counts as busy time. */
const busySources: BusySource[] = [appointmentsBusy, calendarEntriesBusy, meetingsBusy];

/** busyItems for several scopes at once, one query per source (slots ask for up to 101 scopes). */
export async function busyItemsOf(
  db: Db,
  scopes: BusyScope[],
  from: Date,
  to: Date,
  exclude: Set<string> = new Set(),
): Promise<BusyItem[][]> {
  const accountIds = [...new Set(scopes.flatMap((s) => s.accountIds))];
  const userIds = [...new Set(scopes.flatMap((s) => (s.userId ? [s.userId] : [])))];
  const query: BusyQuery = { accountIds, userIds, from, to, exclude: [...exclude] };
  const items = (await Promise.all(busySources.map((source) => source.items(db, query)))).flat();
  // Each item goes straight to the scopes that show it, so that one item is placed once. Which
  // lists show an account or a user is gathered in one pass over the scopes: asking every scope
  // about every account was 100 x 100 closures for a poll's WHEN_AVAILABLE voters (~7% of a
  // 500-invitee Meeting.poll's CPU, bench/README.md "Meetings").
  const lists = scopes.map((): BusyItem[] => []);
  const byAccount = new Map<string, BusyItem[][]>();
  const byUser = new Map<string, BusyItem[][]>();
  const show = (map: Map<string, BusyItem[][]>, key: string, list: BusyItem[]) => {
    const shown = map.get(key);
    if (shown) shown.push(list);
    else map.set(key, [list]);
  };
  scopes.forEach((scope, i) => {
    for (const id of new Set(scope.accountIds)) show(byAccount, id, lists[i]!);
    if (scope.userId) show(byUser, scope.userId, lists[i]!);
  });
  for (const item of items) {
    for (const list of (item.accountId ? byAccount.get(item.accountId) : byUser.get(item.ownerId)) ?? []) list.push(item);
  }
  return lists.map((list) => list.sort((a, b) => a.start.getTime() - b.start.getTime()));
}

/**
 * Who may see an account's busy time: the users connected to it (their own accounts, and shared
 * ones such as rooms), and, while a meeting that is not cancelled joins them, its organizer and
 * invitees each other's (the organizer's account and user, each invitee's account and user).
 * The one place this is decided: for each scope, whether `userId` may see it. One statement at
 * most (none when every scope is the user's own).
 */
export async function mayViewBusyTime(db: Db, userId: string, scopes: BusyScope[]): Promise<boolean[]> {
  const own = scopes.map((scope) => scope.members.includes(userId));
  if (own.every(Boolean)) return own;
  const userIds = [...new Set(scopes.flatMap((s) => (s.userId ? [s.userId] : [])))];
  const accountIds = [...new Set(scopes.flatMap((s) => s.accountIds))];
  const [met] = await db.$queryRaw<Array<{ users: string[]; accounts: string[] }>>`
    WITH mine AS (
      SELECT m.id, m."userId", m."accountId" FROM "Meeting" m
      WHERE m.status <> 'CANCELLED' AND (m."userId" = ${userId}::uuid
        OR m.id IN (SELECT i."meetingId" FROM "MeetingInvitee" i WHERE i."userId" = ${userId}::uuid))
    ), participant AS (
      SELECT "userId", "accountId" FROM mine
      UNION ALL SELECT i."userId", i."accountId" FROM "MeetingInvitee" i JOIN mine ON i."meetingId" = mine.id
    )
    SELECT ARRAY(SELECT DISTINCT "userId"::text FROM participant WHERE "userId" = ANY(${userIds}::uuid[])) AS users,
           ARRAY(SELECT DISTINCT "accountId"::text FROM participant WHERE "accountId" = ANY(${accountIds}::uuid[])) AS accounts`;
  const users = new Set(met!.users);
  const accounts = new Set(met!.accounts);
  return scopes.map(
    (scope, i) => own[i]! || (!!scope.userId && users.has(scope.userId)) || scope.accountIds.some((id) => accounts.has(id)),
  );
}

/** Busy items as the interval functions take them (epoch ms). */
export function busyIntervals(items: BusyItem[]): BusyInterval[] {
  return items.map((i) => ({ start: i.start.getTime(), end: i.end.getTime(), tentative: i.tentative }));
}
