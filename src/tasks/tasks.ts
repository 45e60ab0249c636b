// Tasks: a user's to-dos, synced to their devices through the change feed.
import { z } from 'zod';
import { badInput, issuesMessage, notFound, orThrow, type Parsed } from '../errors.ts';
import { type Task, TaskPriority, TaskStatus } from '../generated/prisma/client.ts';
import { insertObjects, lockOwned, type SyncStore, updateObjects } from '../sync/store.ts';
import type { WriteContext } from '../write.ts';

const taskInputSchema = z
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
const taskColumns = ['title', 'notes', 'start', 'due', 'status', 'priority', 'percentComplete'] as const satisfies ReadonlyArray<
  keyof Task
>;
type TaskData = Pick<Task, (typeof taskColumns)[number]>;

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

export const taskStore: SyncStore<Task, TaskInput, TaskData> = {
  feedKind: 'TASK',
  load: (db, userId, ids) => db.task.findMany({ where: { userId, id: { in: ids } } }),
  findByClientSyncIds: (db, userId, clientSyncIds) => db.task.findMany({ where: { userId, clientSyncId: { in: clientSyncIds } } }),
  parse: parseTaskInput,
  async create(w, creates) {
    // No kept iCalendar text (a CalDAV PUT stores its own after the insert: src/caldav/put.ts).
    const rows = (await insertObjects(w, 'Task', taskColumns, creates)).map(
      (row) => row && { ...row, icalText: null, icalTextAt: null, externalKey: null },
    );
    for (const row of rows) if (row) w.changes.recordObject('TASK', row, false, w.origin);
    return rows;
  },
  async update(w, updates) {
    const rows = await updateObjects(w.tx, 'Task', taskColumns, updates, (ids) => taskStore.load(w.tx, w.userId, ids));
    for (const row of rows) if (row) w.changes.recordObject('TASK', row, false, w.origin);
    return rows;
  },
  async remove(w, rows) {
    await w.tx.task.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
    for (const row of rows) w.changes.recordObject('TASK', row, true, w.origin);
  },
};

/** A new task; with a clientSyncId the user already used, that task (a safe retry). */
export async function createTask(w: WriteContext, input: TaskInput, clientSyncId: string | null): Promise<Task> {
  if (clientSyncId && clientSyncId.length > 200) throw badInput('clientSyncId: at most 200 characters');
  const data = orThrow(parseTaskInput(input, null));
  const [created] = await taskStore.create(w, [{ data, clientSyncId }]);
  return created ?? w.tx.task.findUniqueOrThrow({ where: { userId_clientSyncId: { userId: w.userId, clientSyncId: clientSyncId! } } });
}

export async function updateTask(w: WriteContext, id: string, input: TaskInput): Promise<Task> {
  const task = await lockOwned(w, taskStore, id);
  if (!task) throw notFound('task');
  const [updated] = await taskStore.update(w, [{ row: task, data: orThrow(parseTaskInput(input, task)) }]);
  return updated!; // locked above, so it exists
}

export async function deleteTask(w: WriteContext, id: string): Promise<Task> {
  const task = await lockOwned(w, taskStore, id);
  if (!task) throw notFound('task');
  await taskStore.remove(w, [task]);
  return task;
}
