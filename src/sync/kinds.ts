// The kinds of object sync handles and where each is stored: the domain half of the one
// declaration per synced kind (the GraphQL half is src/schema/synced-kinds.ts). Feed kinds
// (tasks, appointments, meetings) are synced both ways through the change feed; calendar
// entries only arrive through syncCommit.
//
// Adding a kind: its store (a SyncStore) here, a value in the Prisma SyncKind enum if it is in
// the feed (with a migration), and its entry in src/schema/synced-kinds.ts. The compiler points
// at anything else (README: "Adding a synced kind").
import { appointmentStore } from '../calendar/appointments/store.ts';
import { calendarEntryStore } from '../calendar/entries.ts';
import type { Appointment, CalendarEntry, Meeting, SyncKind, Task } from '../generated/prisma/client.ts';
import { meetingStore } from '../meetings/store.ts';
import { taskStore } from '../tasks/tasks.ts';
import type { SyncStore } from './store.ts';

/** What each kind's store holds. */
interface SyncObjects {
  TASK: Task;
  APPOINTMENT: Appointment;
  MEETING: Meeting;
  CALENDAR_ENTRY: CalendarEntry;
}

/** Every kind a commit can carry: the feed kinds and calendar entries. */
export type SyncObjectKind = keyof SyncObjects;
export type SyncObject<K extends SyncObjectKind> = SyncObjects[K];

/** A store as sync code sees it: inputs and data are each store's own business. */
// biome-ignore lint/suspicious/noExplicitAny: each store has its own input and data types
type AnyStore<Row extends SyncObject<SyncObjectKind>> = SyncStore<Row, any, any>;

export const syncStores: { [K in SyncObjectKind]: AnyStore<SyncObjects[K]> } = {
  TASK: taskStore,
  APPOINTMENT: appointmentStore,
  MEETING: meetingStore,
  CALENDAR_ENTRY: calendarEntryStore,
};

/** The stores of the change feed's kinds. */
export const feedStores: { [K in SyncKind]: AnyStore<SyncObjects[K]> } = {
  TASK: syncStores.TASK,
  APPOINTMENT: syncStores.APPOINTMENT,
  MEETING: syncStores.MEETING,
};

export const syncObjectKinds = Object.keys(syncStores) as SyncObjectKind[];
