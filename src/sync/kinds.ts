// The kinds of object in the change feed and where each is stored. Appointments and meetings
// join here when they exist.
import { appointmentStore } from '../calendar/appointments.ts';
import type { Appointment, SyncKind, Task } from '../generated/prisma/client.ts';
import { taskStore } from '../tasks/tasks.ts';
import type { SyncStore } from './store.ts';

interface FeedObjects {
  TASK: Task;
  APPOINTMENT: Appointment;
}

export type FeedObject<K extends SyncKind> = FeedObjects[K];

export const feedStores: { [K in SyncKind]: SyncStore<FeedObjects[K], any, any> } = {
  TASK: taskStore,
  APPOINTMENT: appointmentStore,
};
