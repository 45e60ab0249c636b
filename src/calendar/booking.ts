// Booking: saving something that occupies an account's time (an appointment today; a meeting's
// event and tentative holds later). Every booking goes through `book`:
// 1. the account must be one the acting user is connected to (its busy scope's members say so);
// 2. the whole busy scope (a room; all of one person's accounts) is locked, rows in id order,
//    so that two racing bookings see each other and overlapping scopes cannot deadlock;
// 3. unless conflicts are ignored, the busy items the booking's spans would overlap are
//    returned instead of saving.
// Lock order: the feed rows of what is being changed (a series' before its exceptions',
// src/calendar/appointments/writes.ts) are taken before `book` is called, then the scope here.
import { forbidden } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { WriteContext } from '../write.ts';
import { type BusyItem, busyItems, busyScope } from './busy.ts';
import { overlapping, type Span } from './conflicts.ts';

export interface Booking {
  accountId: string;
  /** The times it occupies, sorted (none: it never conflicts). */
  spans: Span[];
  /** Items not to count as conflicts: what the booking replaces (itself, its series). */
  excludeIds: string[];
  ignoreConflicts: boolean;
}

/** An overlapped item; `mine` unless it is another user's (a booking of a shared room): then only its time is shown. */
export type Conflict = BusyItem & { mine: boolean };

export interface Conflicts {
  conflicts: Conflict[];
}

/** Runs `save` unless the booking conflicts (and conflicts are not ignored). */
export async function book<T>(w: WriteContext, booking: Booking, save: () => Promise<T>): Promise<T | Conflicts> {
  const scope = isUuid(booking.accountId) ? await busyScope(w.tx, booking.accountId) : null;
  if (!scope?.members.includes(w.userId)) throw forbidden('accountId: not one of your accounts');
  await w.tx.$queryRaw`SELECT id FROM "Account" WHERE id = ANY(${scope.accountIds}::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
  const { spans } = booking;
  if (!booking.ignoreConflicts && spans.length) {
    const items = await busyItems(w.tx, scope, spans[0]!.start, spans.at(-1)!.end, new Set(booking.excludeIds));
    const conflicts = overlapping(items, spans);
    if (conflicts.length) return { conflicts: conflicts.map((c) => ({ ...c, mine: c.ownerId === w.userId })) };
  }
  return save();
}
