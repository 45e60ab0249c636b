// What syncCommit needs from each kind of object it can receive. Kinds in the change feed
// (tasks, later appointments and meetings) record their changes; calendar entries do not.
import type { Parsed } from '../errors.ts';
import type { SyncKind } from '../generated/prisma/client.ts';
import { type ChangeRecorder, lockFeedRows, type Tx } from './feed.ts';

export interface SyncedObject {
  id: string;
  clientSyncId: string | null;
}


/** Who made a change: the synchronization whose commit carries it (null for plain mutations). */
export interface Origin {
  synchronizationId: string | null;
}

export interface SyncStore<Row extends SyncedObject, Input, Data> {
  /** The feed kind, or null for objects that are never synced back (calendar entries). */
  feedKind: SyncKind | null;
  /** The user's live objects with these ids. */
  load(db: Tx, userId: string, ids: string[]): Promise<Row[]>;
  /** The user's live objects with these client sync ids. */
  findByClientSyncIds(db: Tx, userId: string, clientSyncIds: string[]): Promise<Row[]>;
  /** Validates input against the object it changes (null: a new object). */
  parse(input: Input, existing: Row | null): Parsed<Data>;
  /** Checks that need the database (e.g. the account is the user's): a message when refused. */
  check?(db: Tx, userId: string, data: Data): Promise<string | null>;
  /** Null when an object with this clientSyncId appeared meanwhile (a racing commit). */
  create(tx: Tx, changes: ChangeRecorder, userId: string, data: Data, clientSyncId: string | null, origin: Origin): Promise<Row | null>;
  update(tx: Tx, changes: ChangeRecorder, userId: string, row: Row, data: Data, origin: Origin): Promise<Row>;
  remove(tx: Tx, changes: ChangeRecorder, userId: string, row: Row, origin: Origin): Promise<void>;
  /**
   * A delete by clientSyncId alone that found nothing may mean another kind of object: for
   * calendar entries, a meeting with that clientSyncId (MeetingBooster). True if it deleted one.
   */
  deleteFallback?(tx: Tx, changes: ChangeRecorder, userId: string, clientSyncId: string, origin: Origin): Promise<boolean>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Object ids are UUIDs; anything else names no object (and must not reach a uuid cast). */
export const isUuid = (id: string) => uuidPattern.test(id);

/** The user's object with this id, locked (through its feed row) until the transaction ends. */
export async function lockOwned<Row extends SyncedObject>(
  tx: Tx,
  store: SyncStore<Row, unknown, unknown>,
  userId: string,
  id: string,
): Promise<Row | null> {
  if (!isUuid(id)) return null;
  if (store.feedKind) await lockFeedRows(tx, userId, store.feedKind, [id]);
  const [row] = await store.load(tx, userId, [id]);
  return row ?? null;
}
