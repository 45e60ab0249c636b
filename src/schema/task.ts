// Tasks (and calendar entries, which like tasks belong to one user and arrive through sync).
import { TaskPriority, TaskStatus } from '../generated/prisma/client.ts';
import { globalId } from '../ids.ts';
import { createTask, deleteTask, updateTask } from '../tasks/tasks.ts';
import { builder } from './builder.ts';
import { DeletePayload, viewerId, viewerWrite } from './common.ts';

const TaskStatusEnum = builder.enumType(TaskStatus, { name: 'TaskStatus' });
const TaskPriorityEnum = builder.enumType(TaskPriority, { name: 'TaskPriority' });

export const TaskRef = builder.prismaNode('Task', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, userId: viewerId(ctx) }),
  fields: (t) => ({
    title: t.exposeString('title'),
    notes: t.exposeString('notes', { nullable: true }),
    start: t.expose('start', { type: 'DateTime', nullable: true }),
    due: t.expose('due', { type: 'DateTime', nullable: true }),
    status: t.expose('status', { type: TaskStatusEnum }),
    priority: t.expose('priority', { type: TaskPriorityEnum }),
    percentComplete: t.exposeInt('percentComplete'),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const TaskInputRef = builder.inputType('TaskInput', {
  description: 'Fields to set. Absent fields keep their value; null clears an optional one. A new task needs a title.',
  fields: (t) => ({
    title: t.string({ required: false }),
    notes: t.string({ required: false }),
    start: t.field({ type: 'DateTime', required: false }),
    due: t.field({ type: 'DateTime', required: false }),
    status: t.field({ type: TaskStatusEnum, required: false }),
    priority: t.field({ type: TaskPriorityEnum, required: false }),
    percentComplete: t.int({ required: false }),
  }),
});

export const CalendarEntryRef = builder.prismaNode('CalendarEntry', {
  id: { field: 'id' },
  nullable: true,
  description: 'A busy slot a client pushed through syncCommit. Never synced back; it counts in free/busy and conflicts.',
  findUnique: (id, ctx) => ({ id, userId: viewerId(ctx) }),
  fields: (t) => ({
    title: t.exposeString('title', { nullable: true }),
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const CalendarEntryInputRef = builder.inputType('CalendarEntryInput', {
  fields: (t) => ({
    start: t.field({ type: 'DateTime', required: false }),
    end: t.field({ type: 'DateTime', required: false }),
    title: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  tasks: t.prismaConnection({
    type: 'Task',
    cursor: 'id',
    description: "The signed-in user's tasks, oldest first.",
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.task.findMany({ ...query, where: { userId: viewerId(ctx) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
  calendarEntries: t.prismaConnection({
    type: 'CalendarEntry',
    cursor: 'id',
    description: "The signed-in user's calendar entries, by start (for inspection: clients push them through syncCommit).",
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.calendarEntry.findMany({ ...query, where: { userId: viewerId(ctx) }, orderBy: [{ start: 'asc' }, { id: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createTask: t.field({
    type: TaskRef,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({ type: TaskInputRef }),
      clientSyncId: t.arg.string({
        required: false,
        description: 'A client-chosen id. Creating again with the same one returns the existing task (a safe retry).',
      }),
    },
    resolve: (_root, { input, clientSyncId }, ctx) => viewerWrite(ctx, (w) => createTask(w, input, clientSyncId ?? null)),
  }),
  updateTask: t.field({
    type: TaskRef,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: [TaskRef] }), input: t.arg({ type: TaskInputRef }) },
    resolve: (_root, { id, input }, ctx) => viewerWrite(ctx, (w) => updateTask(w, id.id, input)),
  }),
  deleteTask: t.field({
    type: DeletePayload,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: [TaskRef] }) },
    resolve: async (_root, { id }, ctx) => {
      const deleted = await viewerWrite(ctx, (w) => deleteTask(w, id.id));
      return { id: globalId('Task', deleted.id) };
    },
  }),
}));
