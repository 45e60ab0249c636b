// Where meetings are stored, for the change feed and syncCommit (a SyncStore). A user's sync
// carries the meetings they organize and those they are invited to; only the organizer's copy
// can be changed through a commit (with the same checks as the mutations; overlaps are not
// checked: the device is the authority for its calendar, as for appointments).
import type { Meeting } from '../generated/prisma/client.ts';
import type { SyncStore } from '../sync/store.ts';
import { type MeetingData, type MeetingInput, parseMeetingInput } from './input.ts';
import { cancelMeeting, checkMeetingChange, fieldsOf, live, saveMeeting, visibleTo } from './meetings.ts';

type StoreData = MeetingData & { meetingId: string | null };

/** What check() found for each change, for create() and update() to save without asking again. */
const checkedChanges = new WeakMap<StoreData, Exclude<Awaited<ReturnType<typeof checkMeetingChange>>, { code: string }>>();

function checkedOf(data: StoreData) {
  const checked = checkedChanges.get(data);
  if (!checked) throw new Error('meetingStore: a change saved without check()');
  return checked;
}

export const meetingStore: SyncStore<Meeting, MeetingInput, StoreData> = {
  feedKind: 'MEETING',
  load: (db, userId, ids) => db.meeting.findMany({ where: { id: { in: ids }, ...live, ...visibleTo(userId) } }),
  findByClientSyncIds: (db, userId, clientSyncIds) =>
    db.meeting.findMany({ where: { userId, clientSyncId: { in: clientSyncIds }, ...live } }),
  readOnly: (meeting, userId) => (meeting.userId === userId ? null : 'a meeting you are invited to: only its organizer can change it'),
  parse(input, existing) {
    const parsed = parseMeetingInput(input, existing ? fieldsOf(existing) : null);
    return parsed.ok ? { ok: true, data: { ...parsed.data, meetingId: existing?.id ?? null } } : parsed;
  },
  async check(w, data) {
    const messages: Array<string | null> = [];
    for (const d of data) {
      const checked = await checkMeetingChange(w.tx, w.userId, d.meetingId, d);
      if ('code' in checked) messages.push(checked.message);
      else {
        checkedChanges.set(d, checked);
        messages.push(null);
      }
    }
    return messages;
  },
  async create(w, creates) {
    const rows: Array<Meeting | null> = [];
    for (const { data, clientSyncId } of creates) {
      rows.push((await saveMeeting(w, null, checkedOf(data), { ignoreConflicts: true, clientSyncId })) as Meeting | null);
    }
    return rows;
  },
  async update(w, updates) {
    const rows: Array<Meeting | null> = [];
    for (const { row, data } of updates) rows.push((await saveMeeting(w, row, checkedOf(data), { ignoreConflicts: true })) as Meeting);
    return rows;
  },
  async remove(w, rows) {
    for (const row of rows) await cancelMeeting(w, row);
  },
};
