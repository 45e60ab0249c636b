// Calendar entries (MeetingBooster): busy slots a client pushes through syncCommit. They are
// client-to-server only, so they are not in the change feed; free/busy and conflicts read them.
// Deleting one by a clientSyncId that names no entry deletes the user's meeting with it.
import { z } from 'zod';
import { issuesMessage, type Parsed } from '../errors.ts';
import type { CalendarEntry } from '../generated/prisma/client.ts';
import { cancelMeeting } from '../meetings/meetings.ts';
import { meetingStore } from '../meetings/store.ts';
import { lockFeedRows } from '../sync/feed.ts';
import { insertObjects, type SyncStore, updateObjects } from '../sync/store.ts';

const calendarEntryInputSchema = z
  .object({
    start: z.date(),
    end: z.date(),
    title: z.string().max(500, 'title: at most 500 characters').nullable(),
  })
  .partial();

export type CalendarEntryInput = z.input<typeof calendarEntryInputSchema>;
const calendarEntryColumns = ['start', 'end', 'title'] as const satisfies ReadonlyArray<keyof CalendarEntry>;
type CalendarEntryData = Pick<CalendarEntry, (typeof calendarEntryColumns)[number]>;

function parseCalendarEntryInput(input: CalendarEntryInput, existing: CalendarEntryData | null): Parsed<CalendarEntryData> {
  const parsed = calendarEntryInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: issuesMessage(parsed.error.issues) };
  const merged = { title: null, ...existing, ...parsed.data };
  if (!merged.start || !merged.end) return { ok: false, message: 'start and end: required' };
  if (merged.end <= merged.start) return { ok: false, message: 'end: must be after start' };
  return { ok: true, data: { start: merged.start, end: merged.end, title: merged.title ?? null } };
}

export const calendarEntryStore: SyncStore<CalendarEntry, CalendarEntryInput, CalendarEntryData> = {
  feedKind: null,
  load: (db, userId, ids) => db.calendarEntry.findMany({ where: { userId, id: { in: ids } } }),
  findByClientSyncIds: (db, userId, clientSyncIds) => db.calendarEntry.findMany({ where: { userId, clientSyncId: { in: clientSyncIds } } }),
  parse: parseCalendarEntryInput,
  create: (w, creates) => insertObjects(w, 'CalendarEntry', calendarEntryColumns, creates),
  update: (w, updates) =>
    updateObjects(w.tx, 'CalendarEntry', calendarEntryColumns, updates, (ids) => calendarEntryStore.load(w.tx, w.userId, ids)),
  async remove(w, rows) {
    await w.tx.calendarEntry.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
  },
  // MeetingBooster: a client that deleted a calendar entry may not know whether it was a meeting.
  async deleteFallback(w, clientSyncId) {
    const [meeting] = await meetingStore.findByClientSyncIds(w.tx, w.userId, [clientSyncId]);
    if (!meeting) return false;
    await lockFeedRows(w.tx, w.userId, 'MEETING', [meeting.id]);
    const [locked] = await meetingStore.findByClientSyncIds(w.tx, w.userId, [clientSyncId]); // read again under the lock
    if (!locked) return false; // cancelled meanwhile
    await cancelMeeting(w, locked);
    return true;
  },
};
