// PUT and DELETE of calendar object resources (RFC 4791 §5.3.2, RFC 4918 §9.6-9.7): a client's
// iCalendar becomes appointments through the importer the ICS connector uses (src/ical/events.ts,
// wantedAppointments), written in one transaction (runWrite) by the store functions every writer
// uses, so the change enters the change feed: GraphQL sync clients, changesAvailable and the next
// sync-collection all see it.
//
// - The client is the authority, as in syncCommit: no conflict refusal, no booking check. Its
//   writes carry a DEVICE synchronization per access token ("CalDAV", src/sync/queue.ts) as
//   their origin, so a synchronization's unlink modes apply to what it wrote.
// - Resource names: a new resource keeps the name the client PUTs it to, exactly (paths.ts): a
//   name `<uuid>.ics` in any case (Apple Calendar's upper-case ones, Thunderbird's, DAVx5's)
//   gives the object that id (lower-cased), any other name a new id; a name other than
//   `<id>.ics` is stored (davName, unique per calendar) and found by. A name with "/" (%2F),
//   control characters or over 255 bytes is refused (400).
// - One UID per calendar and per task list (RFC 4791 §5.3.2.1): a PUT whose UID another
//   resource of the collection has is refused, 403 CALDAV:no-uid-conflict with that resource's
//   href, so a client that re-uploads an event or a task under a new name does not make a
//   duplicate.
// - One resource is one UID: a single event, or a series the Open-Xchange model expresses with
//   its EXDATEs and RECURRENCE-ID overrides. A rule the model cannot express (one the ICS
//   connector would expand into single occurrences) is refused: 403
//   CALDAV:valid-calendar-object-resource, naming the rule. Text that is not iCalendar, or an
//   event without DTSTART: 403 CALDAV:valid-calendar-data.
// - A PUT over an existing resource changes it in place (applyWanted, the ICS connector's diff):
//   the series keeps its id and name, an exception of the same occurrence is updated, new ones
//   are inserted, vanished ones removed, and rows that stay the same are not written, so GraphQL
//   sync clients get updates of the same ids and tombstones only for what went.
// - The client's text is kept with the series (icalText): GET serves it as long as neither the
//   series nor an exception changed since (objects.ts), so alarms, attendees' parameters, URL,
//   categories and X- properties survive a round trip. Once changed through GraphQL, GET serves
//   it with convene's changes re-applied (kept-text.ts), under the client's UID.
// - Tasks: a PUT to the task list is one VTODO (parseTodo; several UIDs, or overrides of a
//   recurring one: 403 CALDAV:valid-calendar-object-resource), written through taskStore like
//   the task mutations; its text is kept with the task the same way, its UID as externalKey.
// - Preconditions: If-None-Match: * on an existing resource, an If-Match that is not its ETag
//   (or on a missing resource): 412, checked in the write's transaction on the locked resource
//   (lockTarget), so concurrent writes with the same ETag cannot both succeed. Success: 201
//   (created) or 204 (replaced), with the ETag the write itself gave the resource (written).

import { randomUUID } from 'node:crypto';
import { insertAppointments } from '../calendar/appointments/store.ts';
import { removeAppointments } from '../calendar/appointments/writes.ts';
import type { Parsed } from '../errors.ts';
import type { Appointment, Prisma } from '../generated/prisma/client.ts';
import { type RouteDeps, writeServices } from '../http/routes.ts';
import { oneUidMessage, parseFeed, parseTodo } from '../ical/events.ts';
import { isUuid } from '../ids.ts';
import { lockFeedRows } from '../sync/feed.ts';
import { deviceSynchronization } from '../sync/queue.ts';
import { applyWanted, wantedAppointments, withoutSeriesKey } from '../synchronizations/ics/mirror.ts';
import { parseTaskInput, taskStore } from '../tasks/tasks.ts';
import { runWrite, type WriteContext } from '../write.ts';
import type { CalendarCollection, Member } from './collections.ts';
import { members } from './collections.ts';
import { badResourceName, defaultName, idForName, objectHref } from './paths.ts';
import { etagOf } from './properties.ts';
import type { DavUser } from './propfind.ts';
import { DavError } from './requests.ts';
import { CALDAV, DAV } from './xml.ts';

const DAY_MS = 86_400_000;

const invalidData = (why: string) =>
  new DavError(403, `not a calendar object convene can read: ${why}`, { ns: CALDAV, name: 'valid-calendar-data' });
const invalidObject = (why: string) => new DavError(403, why, { ns: CALDAV, name: 'valid-calendar-object-resource' });

/** A scheduled meeting is changed and cancelled through the API, which tells its invitees. */
const meetingRefusal = () =>
  new DavError(403, 'a scheduled meeting is changed or cancelled through the API, not over CalDAV', { ns: DAV, name: 'need-privileges' });

/** If-Match / If-None-Match against the resource's current ETag (null: it does not exist). */
function checkPreconditions(headers: Headers, current: Member | null): void {
  const ifNoneMatch = headers.get('if-none-match')?.trim();
  const ifMatch = headers.get('if-match')?.trim();
  const etag = current ? etagOf(current.revision) : null;
  const listed = (header: string) => header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (ifNoneMatch && etag && (ifNoneMatch === '*' || listed(ifNoneMatch).includes(etag))) {
    throw new DavError(412, 'the resource exists (If-None-Match)');
  }
  if (ifMatch && (!etag || (ifMatch !== '*' && !listed(ifMatch).includes(etag)))) {
    throw new DavError(412, 'the resource has changed since (If-Match): fetch it again');
  }
}

/** The user's CalDAV synchronization for the access token in use: the origin of its writes. */
async function origin(tx: Prisma.TransactionClient, user: DavUser) {
  return { synchronizationId: await deviceSynchronization(tx, user.id, user.tokenId, 'CalDAV') };
}

/** A PUT or DELETE of `<collection>/<name>` in a collection of the user's. */
export interface ObjectWrite {
  deps: RouteDeps;
  user: DavUser;
  collection: CalendarCollection;
  /** The resource name, decoded (paths.ts). */
  name: string;
  request: Request;
}

/**
 * The resource as it is now (null: new), its preconditions met. Read in the write's transaction
 * after locking its feed row (the lock order of every writer: feed rows by id, then counters),
 * so that the check and the write see the same state: of two writes carrying the same If-Match,
 * the second waits for the first and then sees its new ETag (412), never overwriting it. A name
 * names one object for good (no MOVE), so the object found before the lock is the one to read
 * again after it. A resource that does not exist yet has no row to lock: there the insert's
 * unique id and name decide (createRefused).
 */
async function lockTarget(w: WriteContext, { user, collection, name, request }: ObjectWrite): Promise<Member | null> {
  const [found] = await members(w.tx, user.id, collection.ref, [name]);
  if (found) await lockFeedRows(w.tx, user.id, collection.ref.type === 'tasks' ? 'TASK' : 'APPOINTMENT', [found.id]);
  const [current = null] = found ? await members(w.tx, user.id, collection.ref, [name]) : [];
  checkPreconditions(request.headers, current);
  return current;
}

/** A new resource's id and stored name (null: it is `<id>.ics`), refused when the name cannot be one. */
function newIdentity(name: string): { id: string; davName: string | null } {
  const bad = badResourceName(name);
  if (bad) throw new DavError(400, bad);
  const id = idForName(name) ?? randomUUID();
  return { id, davName: name === defaultName(id) ? null : name };
}

/**
 * Why a create's insert found its id, name or UID taken: a write that created the same resource
 * meanwhile (committed while this one waited on the unique index) fails this request's
 * preconditions (If-None-Match: *, 412); one that took the UID, no-uid-conflict; otherwise the
 * id the name stands for belongs to something else (409).
 */
async function createRefused(w: WriteContext, write: ObjectWrite, uid: string | null): Promise<DavError> {
  const { user, collection, name, request } = write;
  const [now] = await members(w.tx, user.id, collection.ref, [name]);
  if (now) checkPreconditions(request.headers, now);
  if (uid) await checkUid(w, write, uid, null);
  return nameTaken();
}

/**
 * RFC 4791 §5.3.2.1: the UID must be no other resource's in the calendar (or the task list).
 * What it shows as a resource's UID: the client's (externalKey) for one PUT over CalDAV, the id
 * for the others (objects.ts).
 */
async function checkUid(
  w: WriteContext,
  { user, collection, name, request }: ObjectWrite,
  uid: string,
  current: Member | null,
): Promise<void> {
  const { ref } = collection;
  const byId = isUuid(uid) && uid === uid.toLowerCase() ? [{ id: uid }] : [];
  const where = { userId: user.id, ...(current ? { NOT: { id: current.id } } : {}) };
  const select = { id: true, davName: true };
  const other =
    ref.type === 'tasks'
      ? await w.tx.task.findFirst({ where: { ...where, OR: [{ externalKey: uid }, ...byId] }, select })
      : await w.tx.appointment.findFirst({
          where: { ...where, accountId: ref.accountId, seriesId: null, OR: [{ externalKey: uid, icalText: { not: null } }, ...byId] },
          select,
        });
  if (other) {
    // A create that found no resource, racing one of the same name that committed since: its
    // preconditions decide (If-None-Match: * is 412), as createRefused does after the insert.
    const [now] = current ? [] : await members(w.tx, user.id, ref, [name]);
    if (now) checkPreconditions(request.headers, now);
    const href = objectHref(user.username, ref, other.davName ?? defaultName(other.id));
    throw new DavError(403, `another resource of this calendar has the UID ${uid}: ${href}`, { ns: CALDAV, name: 'no-uid-conflict' }, href);
  }
}

/**
 * Runs a PUT's write (`work` answers the resource as it was: null, new) and answers 201 or 204
 * with the ETag the write left: the highest revision its changes gave a live row (they are all
 * the resource's rows, and newer than any it kept), or the one it had when nothing changed.
 * Taken from the write itself, not read again after the commit, where a later write of the same
 * resource may already have moved it: the client would keep its own text under that write's ETag.
 */
async function written(write: ObjectWrite, work: (w: WriteContext) => Promise<Member | null>): Promise<Response> {
  const { deps, user, collection } = write;
  const [current, changes] = await runWrite(writeServices(deps), { userId: user.id }, async (w) => [await work(w), w.changes] as const);
  const revision = changes.latestLive(user.id, collection.ref.type === 'tasks' ? 'TASK' : 'APPOINTMENT') ?? current?.revision;
  return new Response(null, { status: current ? 204 : 201, headers: revision === undefined ? {} : { etag: etagOf(revision) } });
}

/** PUT of `<collection>/<name>`. */
export async function putObject(write: ObjectWrite): Promise<Response> {
  const { user, collection, name, request } = write;
  const text = await request.text();
  if (collection.ref.type === 'tasks') {
    const parsed = parseTodo(text);
    if (!parsed.ok) throw 'resource' in parsed ? invalidObject(parsed.message) : invalidData(parsed.message);
    const { uid, ...data } = parsed.data;
    return written(write, async (w) => {
      const current = await lockTarget(w, write);
      w.origin = await origin(w.tx, user);
      if (uid) await checkUid(w, write, uid, current);
      const [existing] = current ? await taskStore.load(w.tx, user.id, [current.id]) : [];
      // A PUT replaces the whole task: every field from the text.
      const task = orThrowInvalid(parseTaskInput(data, null));
      const identity = existing ? null : newIdentity(name);
      if (existing) await taskStore.update(w, [{ row: existing, data: task }]);
      else if (!(await taskStore.create(w, [{ data: task, clientSyncId: null, ...identity! }]))[0]) {
        throw await createRefused(w, write, uid);
      }
      // The text is kept with the time of the change it stands for (objects.ts serves it, re-applying later changes).
      const id = existing?.id ?? identity!.id;
      await w.tx.$executeRaw`
        UPDATE "Task" SET "icalText" = ${text}, "icalTextAt" = "updatedAt", "externalKey" = ${uid} WHERE id = ${id}::uuid`;
      return current;
    });
  }
  const wanted = readObject(text, collection.ref.accountId);
  const [[seriesKey, series], ...exceptions] = [...wanted];
  const uid = series!.externalKey!;
  return written(write, async (w) => {
    const current = await lockTarget(w, write);
    w.origin = await origin(w.tx, user);
    await checkUid(w, write, uid, current);
    let id: string;
    if (current) {
      id = current.id;
      const existing = await w.tx.appointment.findMany({ where: { userId: user.id, OR: [{ id }, { seriesId: id }] } });
      const stored = existing.find((row) => row.id === id);
      if (!stored) throw meetingRefusal();
      // Replaced in place: the series is the resource (its id and name stay, even under a new
      // UID), an exception is the one of the same occurrence.
      const keyOfDate = new Map(exceptions.map(([key, data]) => [data.recurrenceDatePosition!, key]));
      const keyOf = (row: Appointment) => (row.seriesId ? (keyOfDate.get(row.recurrenceDatePosition!) ?? `gone/${row.id}`) : seriesKey!);
      const changed = await applyWanted(w, existing, wanted, keyOf);
      // The series is changed too when an exception went (its occurrence is back, and the ETag,
      // the latest revision of the live rows, must not go back) or when only the text did (an
      // alarm, an attendee): the resource changed, so its ETag moves.
      if (changed.removed || (!changed.created && !changed.updated && stored.icalText !== text)) {
        w.changes.recordObject('APPOINTMENT', stored, false, w.origin);
      }
    } else {
      const identity = newIdentity(name);
      id = identity.id;
      const [created] = await insertAppointments(w, [
        { data: { ...withoutSeriesKey(series!), seriesId: null }, clientSyncId: null, ...identity },
      ]);
      if (!created) throw await createRefused(w, write, uid);
      await insertAppointments(
        w,
        exceptions.map(([, data]) => ({ data: { ...withoutSeriesKey(data), seriesId: id }, clientSyncId: null })),
      );
    }
    // The text is kept with the time of the last change it stands for (its rows' latest).
    await w.tx.$executeRaw`
      UPDATE "Appointment" SET "icalText" = ${text},
        "icalTextAt" = (SELECT max("updatedAt") FROM "Appointment" WHERE id = ${id}::uuid OR "seriesId" = ${id}::uuid)
      WHERE id = ${id}::uuid`;
    return current;
  });
}

const nameTaken = () => new DavError(409, 'the id this resource name stands for is taken: choose another name');

function orThrowInvalid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalidObject(parsed.message);
  return parsed.data;
}

/**
 * A resource's text as the appointments it stands for: the series (or single event) first, its
 * change exceptions after. One UID, expressible by the model, valid as a client's input.
 */
function readObject(text: string, accountId: string) {
  const now = Date.now();
  // The horizon only matters for rules the model cannot express, which are refused below.
  const parsed = parseFeed(text, { from: new Date(now - 366 * DAY_MS), to: new Date(now + 2 * 366 * DAY_MS) });
  if (!parsed.ok) throw invalidData(parsed.message);
  const { events, skipped } = parsed.data;
  if (skipped.length) throw invalidData(skipped.map((s) => `${s.uid}: ${s.reason}`).join('; '));
  const uids = new Set(events.map((e) => e.key.split('#')[0]));
  if (uids.size > 1) throw invalidObject(oneUidMessage);
  if (!events.length) throw invalidObject('no VEVENT that is not cancelled: this calendar holds events (VEVENT)');
  if (events.length > 1 || events[0]!.key.includes('#')) {
    const rule = /^(RRULE|RDATE)[;:].*$/im.exec(text.replace(/\r?\n[ \t]/g, ''))?.[0];
    throw invalidObject(
      rule
        ? `the recurrence ${rule.trim()} is not one convene keeps as a series (README, CalDAV: the rules accepted)`
        : 'an override (RECURRENCE-ID) that is no occurrence of its series',
    );
  }
  const invalid: Array<{ key: string; reason: string }> = [];
  const wanted = wantedAppointments(accountId, events, invalid);
  // An exception keeps no key of its own: the resource's UID is its series' (externalKey).
  for (const [key, data] of wanted) if (data.seriesKey) wanted.set(key, { ...data, externalKey: null });
  if (invalid.length) throw invalidObject(invalid.map((i) => `${i.key}: ${i.reason}`).join('; '));
  return wanted;
}

/** DELETE of `<collection>/<name>`: an appointment (a series with its exceptions) or a task. */
export async function deleteObject(write: ObjectWrite): Promise<Response> {
  const { deps, user, collection } = write;
  const deleted = await runWrite(writeServices(deps), { userId: user.id }, async (w) => {
    const current = await lockTarget(w, write);
    if (!current) throw new DavError(404, 'no such resource');
    const id = current.id;
    w.origin = await origin(w.tx, user);
    if (collection.ref.type === 'tasks') {
      const [task] = await taskStore.load(w.tx, user.id, [id]);
      if (task) await taskStore.remove(w, [task]);
      return 1;
    }
    const existing = await w.tx.appointment.findMany({ where: { id, userId: user.id, seriesId: null } });
    return removeAppointments(w, existing);
  });
  if (!deleted) throw meetingRefusal();
  return new Response(null, { status: 204 });
}
