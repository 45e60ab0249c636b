// Slot suggestions for a meeting (Meekan's /rest/slots): the busy time of the organizer and the
// invitees, read once, ranked by the pure rules in slots.ts. Only calendars the caller may see
// count: their own, shared ones, and those of people who share a meeting with them.
import { busyIntervals, busyItemsOf, busyScopes, mayViewBusyTime } from '../calendar/busy.ts';
import type { Db } from '../db/database.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import { globalId } from '../ids.ts';
import { type Slot, suggestSlots } from './slots.ts';

const minuteMs = 60_000;
const maxSpanMs = 92 * 86_400_000;

export interface SlotRequest {
  organizerAccountId: string;
  inviteeAccountIds: string[];
  /** Minutes. */
  duration: number;
  step: number;
  frames: Array<{ start: Date; end: Date }>;
  page: number;
  pageSize: number;
}

export interface SlotPage {
  slots: Slot[];
  page: number;
  pageSize: number;
  totalCount: number;
}

/** A page of ranked candidate times; the organizer's account must be the user's. */
export async function findSlots(db: Db, userId: string, request: SlotRequest): Promise<SlotPage> {
  const frames = request.frames.map((f) => ({ start: f.start.getTime(), end: f.end.getTime() }));
  if (frames.some((f) => f.end <= f.start)) throw badInput('frames: each end must be after its start');
  const from = Math.min(...frames.map((f) => f.start));
  const to = Math.max(...frames.map((f) => f.end));
  if (to - from > maxSpanMs) throw badInput('frames: at most 3 months from the first start to the last end');

  const organizer = request.organizerAccountId;
  const invitees = [...new Set(request.inviteeAccountIds)];
  const scopes = await busyScopes(db, [organizer, ...invitees]);
  const organizerScope = scopes.get(organizer);
  if (!organizerScope?.members.includes(userId)) throw forbidden('organizerAccountId: not one of your accounts');
  const missing = invitees.find((id) => !scopes.has(id));
  if (missing) throw notFound(`account ${globalId('Account', missing)}`);
  // Only calendars the caller has a relationship with (src/calendar/busy.ts), as freeBusy:
  // inviting someone to a meeting (a draft being planned will do) is what makes one.
  const viewable = await mayViewBusyTime(
    db,
    userId,
    invitees.map((id) => scopes.get(id)!),
  );
  const hidden = invitees.filter((_, i) => !viewable[i]);
  if (hidden.length) {
    throw forbidden(
      `inviteeAccountIds: you have no relationship with the calendar of ${hidden.map((id) => globalId('Account', id)).join(', ')} (invite them to a meeting first)`,
    );
  }

  const accounts = [organizer, ...invitees];
  const busy = await busyItemsOf(
    db,
    accounts.map((id) => scopes.get(id)!),
    new Date(from),
    new Date(to),
  );
  let ranked: Slot[];
  try {
    ranked = suggestSlots({
      durationMs: request.duration * minuteMs,
      stepMs: request.step * minuteMs,
      frames,
      organizerBusy: busyIntervals(busy[0]!),
      invitees: invitees.map((id, i) => ({ accountId: id, busy: busyIntervals(busy[i + 1]!) })),
    });
  } catch (error) {
    if (error instanceof RangeError) throw badInput(error.message);
    throw error;
  }
  const { page, pageSize } = request;
  return { slots: ranked.slice((page - 1) * pageSize, page * pageSize), page, pageSize, totalCount: ranked.length };
}
