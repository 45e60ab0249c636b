// What syncCommit needs from each kind of object it can receive. Kinds in the change feed
// (tasks, later appointments and meetings) record their changes; calendar entries do not.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { Parsed } from '../errors.ts';
import { Prisma, type SyncKind } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import type { WriteContext } from '../write.ts';
import { lockFeedRows } from './feed.ts';

export interface SyncedObject {
  id: string;
  clientSyncId: string | null;
}

export interface SyncStore<Row extends SyncedObject, Input, Data> {
  /** The feed kind, or null for objects that are never synced back (calendar entries). */
  feedKind: SyncKind | null;
  /** The live objects with these ids that the user has (their own; for meetings, also those they are invited to). */
  load(db: Db, userId: string, ids: string[]): Promise<Row[]>;
  /** The user's live objects with these client sync ids. */
  findByClientSyncIds(db: Db, userId: string, clientSyncIds: string[]): Promise<Row[]>;
  /**
   * Why this user may not change or delete this object they can see (another user's meeting they
   * are invited to); null (or no hook) when they may. A commit answers such a change INVALID.
   */
  readOnly?(row: Row, userId: string): string | null;
  /** Validates input against the object it changes (null: a new object). */
  parse(input: Input, existing: Row | null): Parsed<Data>;
  /** Checks that need the database (e.g. the account is the user's), for many at once: a message for each one refused. */
  check?(w: WriteContext, data: Data[]): Promise<Array<string | null>>;
  /**
   * New objects of the acting user, in the order given; null where an object with that
   * clientSyncId appeared meanwhile (a racing commit). One statement for all: a commit may
   * carry hundreds.
   */
  create(w: WriteContext, creates: Array<NewObjectOf<Data>>): Promise<Array<Row | null>>;
  /** Saves changes to these objects (locked by the caller), in as few statements as the kind allows; null where one is gone. */
  update(w: WriteContext, updates: Array<{ row: Row; data: Data }>): Promise<Array<Row | null>>;
  /** Deletes these objects (locked by the caller), leaving tombstones. */
  remove(w: WriteContext, rows: Row[]): Promise<void>;
  /**
   * A delete by clientSyncId alone that found nothing may mean another kind of object: for
   * calendar entries, a meeting with that clientSyncId (MeetingBooster). True if it deleted one.
   */
  deleteFallback?(w: WriteContext, clientSyncId: string): Promise<boolean>;
}

/** The acting user's object with this id, locked (through its feed row) until the transaction ends. */
export async function lockOwned<Row extends SyncedObject>(
  w: WriteContext,
  store: SyncStore<Row, unknown, unknown>,
  id: string,
): Promise<Row | null> {
  if (!isUuid(id)) return null;
  if (store.feedKind) await lockFeedRows(w.tx, w.userId, store.feedKind, [id]);
  const [row] = await store.load(w.tx, w.userId, [id]);
  return row ?? null;
}

/** The user's live objects of several kinds, by `${kind}/${id}`: one query per kind, in parallel. */
export async function loadObjects<K extends string>(
  db: Db,
  userId: string,
  stores: Record<K, Pick<SyncStore<SyncedObject, unknown, unknown>, 'load'>>,
  refs: Array<{ kind: K; id: string }>,
): Promise<Map<string, SyncedObject>> {
  const loaded = await Promise.all(
    (Object.keys(stores) as K[]).map(async (kind) => {
      const ids = refs.filter((ref) => ref.kind === kind).map((ref) => ref.id);
      return ids.length ? (await stores[kind].load(db, userId, ids)).map((object) => [`${kind}/${object.id}`, object] as const) : [];
    }),
  );
  return new Map(loaded.flat());
}

/**
 * A new object to insert: its data, its clientSyncId, and for a CalDAV resource the id and name
 * the client chose (`id`: null where it is taken, like a clientSyncId; `davName`: the resource
 * name when not `<id>.ics`, unique per calendar, null where it is taken).
 */
export interface NewObjectOf<Data> {
  data: Data;
  clientSyncId: string | null;
  id?: string;
  davName?: string | null;
}

/** What every new synced object gets besides its own data. */
interface NewObject {
  id: string;
  userId: string;
  clientSyncId: string | null;
  synchronizationId: string | null;
}

/** A new object's row: its data, what every new object gets, and the times. */
export type NewRow<Data> = Data & NewObject & { createdAt: Date; updatedAt: Date; davName: string | null };

/**
 * Inserts new objects in one statement (ON CONFLICT DO NOTHING: a racing commit may have taken
 * a clientSyncId meanwhile); the rows in the order asked, null where the clientSyncId was
 * taken. Every column is given, so a row is what was inserted (timestamps keep a Date's
 * milliseconds): `columns` must be all of the kind's own, each with a value (null clears it).
 * Through insertRows rather than createManyAndReturn: Prisma's compile of a createMany was
 * 12-14% of the server's CPU in a createTask, and every millisecond on the event loop delays
 * the user's writes waiting for their counter (bench/README.md, "Writes of one user").
 */
export async function insertObjects<Data extends object>(
  w: WriteContext,
  table: 'Task' | 'Appointment' | 'CalendarEntry',
  columns: ReadonlyArray<keyof Data & string>,
  creates: Array<NewObjectOf<Data>>,
): Promise<Array<NewRow<Data> | null>> {
  if (!creates.length) return [];
  const now = new Date();
  const rows = creates.map(({ data, clientSyncId, id, davName }) => {
    const row: Record<string, unknown> = {
      id: id ?? randomUUID(),
      userId: w.userId,
      clientSyncId,
      synchronizationId: w.origin.synchronizationId,
      createdAt: now,
      updatedAt: now,
      davName: davName ?? null,
    };
    for (const column of columns) {
      row[column] = data[column];
      if (row[column] === undefined) throw new Error(`insertObjects: ${table}.${column} has no value`);
    }
    return row as NewRow<Data>;
  });
  // davName only when one of them is named: calendar entries have no such column.
  const named = creates.some((c) => c.davName != null);
  const ids = await insertRows(
    w.tx,
    table,
    Object.keys(rows[0]!).filter((column) => named || column !== 'davName'),
    rows,
    { skipDuplicates: true },
  );
  return rows.map((row) => (ids.has(row.id) ? row : null));
}

/**
 * Sets `columns` (and `updatedAt`) of these objects from their data in one statement
 * (`jsonb_populate_recordset` turns the data into rows of the table's type), then `load`s
 * them: the rows in the order given, null where one is gone. Every column must have a value
 * (null clears it; undefined is a mistake, not "unchanged").
 */
export async function updateObjects<Row extends SyncedObject>(
  tx: Tx,
  table: 'Task' | 'Appointment' | 'CalendarEntry',
  columns: readonly string[],
  updates: Array<{ row: Row; data: object }>,
  load: (ids: string[]) => Promise<Row[]>,
): Promise<Array<Row | null>> {
  const updatedAt = new Date();
  const records = updates.map(({ row, data }) => {
    const record: Record<string, unknown> = { id: row.id, updatedAt };
    for (const column of columns) {
      record[column] = (data as Record<string, unknown>)[column];
      if (record[column] === undefined) throw new Error(`updateObjects: ${table}.${column} has no value`);
    }
    return record;
  });
  const set = Prisma.join([...columns, 'updatedAt'].map((column) => Prisma.raw(`"${column}" = u."${column}"`)));
  const updated = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE ${Prisma.raw(`"${table}"`)} AS t SET ${set}
    FROM jsonb_populate_recordset(NULL::${Prisma.raw(`"${table}"`)}, ${JSON.stringify(records)}::jsonb) AS u
    WHERE t.id = u.id
    RETURNING t.id::text`;
  return inOrder(
    updates.map(({ row }) => row.id),
    await load(updated.map((row) => row.id)),
  );
}

function inOrder<Row extends SyncedObject>(ids: string[], rows: Row[]): Array<Row | null> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}
