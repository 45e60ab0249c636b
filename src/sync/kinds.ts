// The kinds of object in the change feed and where each is stored. Appointments and meetings
// join here when they exist.
import { appointmentStore } from '../calendar/appointments/store.ts';
import type { Appointment, SyncKind, Task } from '../generated/prisma/client.ts';
import { taskStore } from '../tasks/tasks.ts';
import type { SyncStore } from './store.ts';

interface FeedObjects {
  TASK: Task;
  APPOINTMENT: Appointment;
}

export type FeedObject<K extends SyncKind> = FeedObjects[K];

// biome-ignore lint/suspicious/noExplicitAny: each store has its own input and data types
export const feedStores: { [K in SyncKind]: SyncStore<FeedObjects[K], any, any> } = {
  TASK: taskStore,
  APPOINTMENT: appointmentStore,
};
