// Busy time: what free/busy, conflict checks and slot suggestions read.
//
// Whose time an account shows: a personal account stands for its user, so it shows the busy
// time of all that user's personal accounts and the calendar entries their devices pushed; a
// shared account (a room, connected by several users) shows its own appointments only, so no
// personal calendar leaks through it.
import type { Appointment, Prisma } from '../generated/prisma/client.ts';
import type { Tx } from '../sync/feed.ts';
import { occurrenceFields, occurrencesIn, type OccurrenceSource } from './appointments.ts';
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
}

/** Whose busy time each account shows (see above); accounts that do not exist are left out. */
export async function busyScopes(db: Tx, accountIds: string[]): Promise<Map<string, BusyScope>> {
  const accounts = await db.account.findMany({
    where: { id: { in: accountIds } },
    select: { id: true, users: { select: { userId: true } } },
  });
  const personalUsers = accounts.filter((a) => a.users.length === 1).map((a) => a.users[0]!.userId);
  const links = personalUsers.length
    ? await db.userAccount.findMany({
        where: { userId: { in: personalUsers }, account: { users: { every: { userId: { in: personalUsers } } } } },
        select: { userId: true, accountId: true, account: { select: { _count: { select: { users: true } } } } },
      })
    : [];
  const personalAccounts = new Map<string, string[]>();
  for (const link of links) {
    if (link.account._count.users !== 1) continue;
    personalAccounts.set(link.userId, [...(personalAccounts.get(link.userId) ?? []), link.accountId]);
  }
  return new Map<string, BusyScope>(
    accounts.map((a): [string, BusyScope] => {
      if (a.users.length !== 1) return [a.id, { accountIds: [a.id], userId: null }];
      const userId = a.users[0]!.userId;
      return [a.id, { accountIds: personalAccounts.get(userId) ?? [a.id], userId }];
    }),
  );
}

/** Whose busy time the account shows; null when it does not exist. */
export async function busyScope(db: Tx, accountId: string): Promise<BusyScope | null> {
  return (await busyScopes(db, [accountId])).get(accountId) ?? null;
}

/**
 * The appointments on these accounts that may have occurrences in [from, to), and for each
 * series the dates its change exceptions replace (wherever the exceptions moved to).
 */
export async function appointmentsIn<S extends Prisma.AppointmentSelect | undefined = undefined>(
  db: Tx,
  where: { accountIds: string[]; userId?: string },
  from: Date,
  to: Date,
  select?: S,
) {
  const appointments = (await db.appointment.findMany({
    where: {
      accountId: { in: where.accountIds },
      ...(where.userId ? { userId: where.userId } : {}),
      start: { lt: to },
      OR: [{ seriesEnd: null }, { seriesEnd: { gt: from } }],
    },
    ...(select ? { select } : {}),
  })) as S extends undefined ? Appointment[] : OccurrenceSource[];
  const seriesIds = appointments.filter((a) => a.recurrenceType !== 'NONE').map((a) => a.id);
  const exceptions = seriesIds.length
    ? await db.appointment.findMany({
        where: { seriesId: { in: seriesIds } },
        select: { seriesId: true, recurrenceDatePosition: true },
      })
    : [];
  const replaced = new Map<string, Set<string>>();
  for (const e of exceptions) replaced.set(e.seriesId!, (replaced.get(e.seriesId!) ?? new Set()).add(e.recurrenceDatePosition!));
  return { appointments, replaced };
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
  const { appointments, replaced } = await appointmentsIn(db, { accountIds }, from, to, occurrenceFields);
  const busy = appointments.filter((a) => a.shownAs !== 'FREE' && !exclude.has(a.id) && !exclude.has(a.seriesId ?? ''));
  const occurrences = occurrencesIn(busy, replaced, from, to);
  const entries = userIds.length
    ? await db.calendarEntry.findMany({ where: { userId: { in: userIds }, start: { lt: to }, end: { gt: from } } })
    : [];
  return scopes.map((scope) => {
    const accounts = new Set(scope.accountIds);
    const items: BusyItem[] = occurrences
      .filter((o) => accounts.has(o.appointment.accountId))
      .map((o) => appointmentItem(o.appointment, o.start, o.end));
    for (const e of entries) {
      if (e.userId !== scope.userId) continue;
      items.push({ kind: 'CALENDAR_ENTRY', id: e.id, ownerId: e.userId, title: e.title, start: e.start, end: e.end, tentative: false });
    }
    return items.sort((a, b) => a.start.getTime() - b.start.getTime());
  });
}

/** Busy items as the interval functions take them (epoch ms). */
export function busyIntervals(items: BusyItem[]): BusyInterval[] {
  return items.map((i) => ({ start: i.start.getTime(), end: i.end.getTime(), tentative: i.tentative }));
}

function appointmentItem(a: OccurrenceSource, start: Date, end: Date): BusyItem {
  return { kind: 'APPOINTMENT', id: a.id, ownerId: a.userId, title: a.title, start, end, tentative: a.shownAs === 'TEMPORARY' };
}
