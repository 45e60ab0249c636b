// The GraphQL half of the one declaration per synced kind (the domain half, with the stores, is
// src/sync/kinds.ts): its object type, the input its changes take, and the field names the
// sync API gives it. schema/sync.ts builds SyncBatch, SyncCommitInput, SyncObjectResult and
// SyncQueueItem from this table; adding a kind is one entry here (README: "Adding a synced kind").
import type { InputObjectRef, ObjectRef } from '@pothos/core';
import type { AppointmentInput } from '../calendar/appointments/input.ts';
import { globalId } from '../ids.ts';
import type { MeetingInput } from '../meetings/input.ts';
import type { SyncObject, SyncObjectKind } from '../sync/kinds.ts';
import type { builder } from './builder.ts';
import { AppointmentInputRef, AppointmentRef, withRawAccountId } from './calendar.ts';
import { MeetingRef, UpdateMeetingInput, withRawIds } from './meeting.ts';
import { CalendarEntryInputRef, CalendarEntryRef, TaskInputRef, TaskRef } from './task.ts';

type Types = typeof builder.$inferSchemaTypes;

export interface SyncedKindSchema<K extends SyncObjectKind> {
  /** The object type; its name is the typename in the kind's global ids. */
  type: ObjectRef<Types, SyncObject<K>>;
  /** The fields a commit's changes take. */
  input: InputObjectRef<Types, unknown>;
  /** The list field in SyncBatch and SyncCommitInput. */
  many: string;
  /** Of that field in SyncBatch. */
  batchDescription?: string;
  /** The field in SyncObjectResult and SyncQueueItem. */
  one: string;
  /** Of one object in a commit (its <Type>SyncInput). */
  commitItemDescription: string;
  /** The changes as the store parses them (ids inside the input decoded). */
  storeInput?: (changes: never) => unknown;
}

export const syncedKinds: { [K in SyncObjectKind]: SyncedKindSchema<K> } = {
  TASK: {
    type: TaskRef,
    input: TaskInputRef,
    many: 'tasks',
    one: 'task',
    commitItemDescription: 'A task of the batch: only a reference (acknowledged unchanged), with changes, or deleted.',
  },
  APPOINTMENT: {
    type: AppointmentRef,
    input: AppointmentInputRef,
    many: 'appointments',
    batchDescription: 'Series, single appointments and change exceptions (each its own object).',
    one: 'appointment',
    commitItemDescription:
      'An appointment of the batch: only a reference (acknowledged unchanged), with changes, or deleted. Overlaps are not checked: the client is the authority for what its calendar holds.',
    storeInput: (changes: AppointmentInput) => withRawAccountId(changes),
  },
  MEETING: {
    type: MeetingRef,
    input: UpdateMeetingInput,
    many: 'meetings',
    batchDescription:
      'Meetings the user organizes and those they are invited to (status CANCELLED never: a cancelled meeting is a tombstone).',
    one: 'meeting',
    commitItemDescription:
      'A meeting of the batch: only a reference (acknowledged unchanged), with changes, or deleted (cancelled). Only the organizer may change or delete one (an invitee gets INVALID); the checks are those of the mutations, but overlaps are not checked: the client is the authority for its calendar.',
    storeInput: (changes: MeetingInput) => withRawIds(changes),
  },
  CALENDAR_ENTRY: {
    type: CalendarEntryRef,
    input: CalendarEntryInputRef,
    many: 'calendarEntries',
    one: 'calendarEntry',
    commitItemDescription: 'A busy slot the client has: created, changed or deleted. The client is its authority.',
  },
};

export const kindTypename = (kind: SyncObjectKind) => syncedKinds[kind].type.name;
export const kindGlobalId = (kind: SyncObjectKind, id: string) => globalId(kindTypename(kind), id);
