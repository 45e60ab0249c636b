// Calendar object resources as iCalendar: each member of a collection (collections.ts) read in
// and written by convene's one iCalendar writer (src/ical/export.ts), the mapping the calendar
// feeds use. One VCALENDAR per resource: an appointment, or a series with its change
// exceptions (RECURRENCE-ID) and deleted occurrences (EXDATE); a scheduled meeting with its
// ORGANIZER and ATTENDEEs; a task as a VTODO. Reading any number of resources costs a fixed
// number of statements (appointments, meetings and their organizers, tasks), never one per
// resource.
//
// The time-range test of calendar-query (RFC 4791 §9.9) is answered from the same events,
// series expanded by convene's own recurrence engine (src/calendar/recurrence.ts), so a client
// sees in a range exactly the occurrences `appointments` lists there.
import { type Expandable, seriesOf } from '../calendar/appointments/occurrences.ts';
import { withReplaced } from '../calendar/appointments/store.ts';
import { appointmentEvents } from '../calendar/feeds.ts';
import { expand } from '../calendar/recurrence.ts';
import type { Db } from '../db/database.ts';
import { meetingEvent } from '../email/invitation.ts';
import { type Appointment, Prisma, type Task } from '../generated/prisma/client.ts';
import { calendarText, type ExportEvent, type ExportTask, todoCalendarText } from '../ical/export.ts';
import { organizersOf, scheduledEvent } from '../meetings/invitations.ts';
import type { Member } from './collections.ts';
import { keptEventsText, keptTodoText } from './kept-text.ts';
import type { PropValues } from './multistatus.ts';
import type { CollectionRef } from './paths.ts';
import { calendarDataName, memberProps } from './properties.ts';
import type { RequestedProps } from './requests.ts';
import { clark } from './xml.ts';

/** A resource's content: the events of one UID (VEVENT collections) or one task (the task list). */
export type CalendarObject =
  /** `stored`: the text served, the client's own (PUT over CalDAV) with any later change of convene's re-applied (kept-text.ts). */
  { type: 'events'; events: ExportEvent[]; stored?: string } | { type: 'task'; task: ExportTask; stored?: string };

/** A time range of a calendar-query (RFC 4791 §9.9); an open side is null. */
export interface TimeRange {
  start: Date | null;
  end: Date | null;
}

/**
 * The resources `ids` (members of the collection, as collections.ts found them for the user)
 * as calendar objects, by id. Ids that are not (any longer) there are absent.
 */
export async function loadObjects(db: Db, userId: string, ref: CollectionRef, ids: string[]): Promise<Map<string, CalendarObject>> {
  const objects = new Map<string, CalendarObject>();
  if (!ids.length) return objects;
  if (ref.type === 'tasks') {
    for (const task of await db.task.findMany({ where: { userId, id: { in: ids } } })) objects.set(task.id, taskObject(task));
    return objects;
  }
  const [appointments, meetingIds] = await Promise.all([
    db.$queryRaw<Appointment[]>(appointmentsOf(userId, ids)),
    db.$queryRaw<Array<{ id: string }>>`
      SELECT id::text FROM "Meeting" WHERE id = ANY(${ids}::uuid[]) AND status = 'SCHEDULED' AND start IS NOT NULL`,
  ]);
  // By the resource they belong to (a change exception: its series').
  const groups = new Map<string, Array<Appointment & Expandable>>();
  for (const a of withReplaced(appointments, appointments)) groups.set(a.seriesId ?? a.id, [...(groups.get(a.seriesId ?? a.id) ?? []), a]);
  for (const [id, rows] of groups) objects.set(id, appointmentObject(rows));
  if (meetingIds.length) {
    const meetings = await db.meeting.findMany({
      where: { id: { in: meetingIds.map((m) => m.id) }, status: 'SCHEDULED', start: { not: null } },
      include: { invitees: true },
    });
    const organizers = await organizersOf(
      db,
      meetings.map((m) => m.userId),
    );
    for (const meeting of meetings) {
      const state = { meeting, options: [], invitees: meeting.invitees };
      const event = meetingEvent(scheduledEvent(state, organizers.get(meeting.userId)!, meeting.sequence, meeting.updatedAt));
      objects.set(meeting.id, { type: 'events', events: [event] });
    }
  }
  return objects;
}

/**
 * The appointments that are these resources: singles and series, and the change exceptions of
 * the series. A raw statement with the ids as one array (so are the meetings found): an initial
 * sync reads every member at once, and Prisma's findMany with 10,000 ids in `in` lists cost
 * ~190 ms of the server's CPU per request in building its arguments and mapping rows
 * (bench/README.md, "Initial sync through tsdav"). Every column, as Prisma reads them (enums
 * and uuids as text).
 */
const appointmentsOf = (userId: string, ids: string[]) => Prisma.sql`
  SELECT a.id::text, a."userId"::text, a."accountId"::text, a.title, a.location, a.notes, a.start, a."end", a.timezone,
    a."fullTime", a."shownAs"::text, a."recurrenceType"::text, a.interval, coalesce(a.days::text[], '{}') AS days, a."dayInMonth",
    a.month, a.until, a.occurrences, a."seriesEnd", coalesce(a."deleteExceptions", '{}') AS "deleteExceptions", a."seriesId"::text,
    a."recurrencePosition", a."recurrenceDatePosition", a."clientSyncId", a."synchronizationId"::text, a."externalKey",
    a."icalText", a."icalTextAt", a."davName", a."createdAt", a."updatedAt"
  FROM "Appointment" a
  WHERE a."userId" = ${userId}::uuid AND ((a.id = ANY(${ids}::uuid[]) AND a."seriesId" IS NULL) OR a."seriesId" = ANY(${ids}::uuid[]))`;

/**
 * A series (or single appointment) with its exceptions. One PUT over CalDAV keeps the client's
 * text, served as it is while no row of it changed since (a change through the API sets
 * updatedAt after icalTextAt); after that, the client's text with convene's changes re-applied
 * (kept-text.ts), under the client's UID (externalKey).
 */
function appointmentObject(rows: Array<Appointment & Expandable>): CalendarObject {
  const events = appointmentEvents(rows);
  const series = rows.find((a) => !a.seriesId);
  if (!series?.icalText || !series.icalTextAt) return { type: 'events', events };
  const at = series.icalTextAt.getTime();
  if (rows.every((a) => a.updatedAt.getTime() <= at)) return { type: 'events', events, stored: series.icalText };
  const uid = series.externalKey ?? series.id;
  const named = events.map((e) => ({ ...e, uid }));
  return { type: 'events', events: named, stored: keptEventsText(series.icalText, named) };
}

/** A task, with the client's kept text as appointmentObject serves an appointment's. */
function taskObject(row: Task): CalendarObject {
  const task = taskOf(row);
  if (!row.icalText || !row.icalTextAt) return { type: 'task', task };
  const fresh = row.updatedAt.getTime() <= row.icalTextAt.getTime();
  return { type: 'task', task, stored: fresh ? row.icalText : keptTodoText(row.icalText, task) };
}

function taskOf(task: Task): ExportTask {
  return {
    uid: task.id,
    stamp: task.updatedAt,
    summary: task.title,
    description: task.notes,
    start: task.start,
    due: task.due,
    status: task.status,
    priority: task.priority,
    percentComplete: task.percentComplete,
    // The model keeps no completion time: a completed task's last change is when it was completed.
    completed: task.status === 'COMPLETED' ? task.updatedAt : null,
    created: task.createdAt,
    lastModified: task.updatedAt,
  };
}

/** The resource's iCalendar text (calendar-data, the body of GET). */
export function objectText(object: CalendarObject): string {
  if (object.stored) return object.stored;
  return object.type === 'task' ? todoCalendarText([object.task]) : calendarText(object.events);
}

const beginning = new Date('0001-01-01T00:00:00Z');
const endOfTime = new Date('9999-12-31T00:00:00Z');

/** A time range with its open sides closed at the beginning and end of time. */
export const boundsOf = (range: TimeRange) => ({ from: range.start ?? beginning, to: range.end ?? endOfTime });

/**
 * Whether a resource has an occurrence overlapping the range (RFC 4791 §9.9). An event (and
 * each occurrence of a series, skipping deleted and replaced ones; each change exception) overlaps
 * when it starts before the range's end and ends after its start: convene's events all have a
 * length. A task: by DTSTART and DUE as the VTODO table of §9.9 has them, without them always.
 */
export function overlaps(object: CalendarObject, range: TimeRange): boolean {
  const { from, to } = boundsOf(range);
  if (object.type === 'task') return taskOverlaps(object.task, from, to);
  const replaced = new Set(object.events.flatMap((e) => (e.recurrenceOf ? [e.recurrenceOf.date] : [])));
  return object.events.some((event) => {
    if (!event.recurrence || event.recurrence.rule.type === 'NONE') return event.start < to && event.end > from;
    const skipped = new Set([...event.recurrence.deleted, ...replaced]);
    try {
      // Asking for one more occurrence than can be skipped: more than that in range is a match.
      return expand(seriesOf(event), event.recurrence.rule, from, to, { limit: skipped.size + 1 }).some((o) => !skipped.has(o.date));
    } catch (error) {
      if (error instanceof RangeError) return true;
      throw error;
    }
  });
}

function taskOverlaps({ start, due }: ExportTask, from: Date, to: Date): boolean {
  if (start && due) return (from <= start || from < due) && (to > start || to >= due);
  if (start) return from <= start && to > start;
  if (due) return from < due && to >= due;
  return true;
}

/** Whether a request names calendar-data (allprop does not include it: RFC 4791 §9.6). */
export const asksCalendarData = (props: RequestedProps) => props !== 'all' && props.some((p) => clark(p) === clark(calendarDataName));

/**
 * The properties of these members, with their iCalendar texts when `props` names calendar-data
 * (read for all of them at once). A member gone since it was listed is left out.
 */
export async function memberValues(
  db: Db,
  userId: string,
  ref: CollectionRef,
  list: Member[],
  props: RequestedProps,
  known: Map<string, CalendarObject> | null = null,
): Promise<Array<[Member, PropValues]>> {
  if (!asksCalendarData(props)) return list.map((m) => [m, memberProps(ref, m.revision)]);
  const objects =
    known ??
    (await loadObjects(
      db,
      userId,
      ref,
      list.map((m) => m.id),
    ));
  return list.flatMap((m): Array<[Member, PropValues]> => {
    const object = objects.get(m.id);
    return object ? [[m, memberProps(ref, m.revision, objectText(object))]] : [];
  });
}
