// Tasks: a user's to-dos, synced to their devices through the change feed.
import { z } from 'zod';
import { issuesMessage, type Parsed } from '../errors.ts';
import { type Task, TaskPriority, TaskStatus } from '../generated/prisma/client.ts';
import type { ChangeRecorder } from '../sync/feed.ts';
import type { Origin, SyncStore } from '../sync/store.ts';

export const taskInputSchema = z
  .object({
    title: z.string().trim().min(1, 'title: must not be empty').max(500, 'title: at most 500 characters').nullable(),
    notes: z.string().max(20_000, 'notes: at most 20000 characters').nullable(),
    start: z.date().nullable(),
    due: z.date().nullable(),
    status: z.enum(TaskStatus).nullable(),
    priority: z.enum(TaskPriority).nullable(),
    percentComplete: z.number().int().min(0, 'percentComplete: 0 to 100').max(100, 'percentComplete: 0 to 100').nullable(),
  })
  .partial();

/** Absent fields keep their value; null clears an optional one (and is refused for the others). */
export type TaskInput = z.input<typeof taskInputSchema>;
export type TaskData = Pick<Task, 'title' | 'notes' | 'start' | 'due' | 'status' | 'priority' | 'percentComplete'>;

const newTask: Omit<TaskData, 'title'> = {
  notes: null,
  start: null,
  due: null,
  status: TaskStatus.NOT_STARTED,
  priority: TaskPriority.NORMAL,
  percentComplete: 0,
};

/** The task after applying `input` to `existing` (or to a new task), checked as a whole. */
export function parseTaskInput(input: TaskInput, existing: TaskData | null): Parsed<TaskData> {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: issuesMessage(parsed.error.issues) };
  const changes = parsed.data;
  if (!existing && changes.title === undefined) return { ok: false, message: 'title: required for a new task' };
  const data = { ...newTask, ...existing, ...changes } as TaskData;
  if (data.title === null) return { ok: false, message: 'title: must not be null' };
  if (data.status === null || data.priority === null || data.percentComplete === null) {
    return { ok: false, message: 'status, priority and percentComplete cannot be null' };
  }
  if (data.start && data.due && data.due < data.start) return { ok: false, message: 'due: must not be before start' };
  if (changes.status === TaskStatus.COMPLETED && changes.percentComplete === undefined) data.percentComplete = 100;
  return { ok: true, data };
}

function recordTask(changes: ChangeRecorder, task: Task, deleted: boolean, origin: Origin) {
  changes.record({
    userId: task.userId,
    kind: 'TASK',
    objectId: task.id,
    deleted,
    clientSyncId: task.clientSyncId,
    originSyncId: origin.synchronizationId,
  });
}

export const taskStore: SyncStore<Task, TaskInput, TaskData> = {
  feedKind: 'TASK',
  load: (db, userId, ids) => db.task.findMany({ where: { userId, id: { in: ids } } }),
  findByClientSyncIds: (db, userId, clientSyncIds) =>
    db.task.findMany({ where: { userId, clientSyncId: { in: clientSyncIds } } }),
  parse: parseTaskInput,
  async create(tx, changes, userId, data, clientSyncId, origin) {
    // ON CONFLICT DO NOTHING: a racing commit may have created this clientSyncId meanwhile.
    const [row] = await tx.task.createManyAndReturn({
      data: [{ ...data, userId, clientSyncId, synchronizationId: origin.synchronizationId }],
      skipDuplicates: true,
    });
    if (row) recordTask(changes, row, false, origin);
    return row ?? null;
  },
  async update(tx, changes, _userId, row, data, origin) {
    const task = await tx.task.update({ where: { id: row.id }, data });
    recordTask(changes, task, false, origin);
    return task;
  },
  async remove(tx, changes, _userId, row, origin) {
    await tx.task.delete({ where: { id: row.id } });
    recordTask(changes, row, true, origin);
  },
};
