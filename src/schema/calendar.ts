// Calendar: appointments (with recurrence and exceptions), conflicts and free/busy.
import type { AppointmentInput } from '../calendar/appointments/input.ts';
import { type AppointmentOccurrence, localDate, occurrencesIn } from '../calendar/appointments/occurrences.ts';
import { createAppointment, deleteAppointment, updateAppointment } from '../calendar/appointments/operations.ts';
import { visibleAppointmentsIn } from '../calendar/appointments/store.ts';
import type { Conflict } from '../calendar/booking.ts';
import { busyIntervals, busyItems, busyScope, mayViewBusyTime } from '../calendar/busy.ts';
import { clip, mergeBusy } from '../calendar/intervals.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import { type Appointment, RecurrenceType, Scope, ShownAs, Weekday } from '../generated/prisma/client.ts';
import { decodeId, globalId } from '../ids.ts';
import { AccountRef } from './account.ts';
import { builder } from './builder.ts';
import { DeletePayload, viewerId, viewerWrite } from './common.ts';
import { CalendarEntryRef } from './task.ts';

const ShownAsEnum = builder.enumType(ShownAs, {
  name: 'ShownAs',
  description: 'How an appointment counts in availability: FREE never blocks; TEMPORARY is tentative.',
});
const RecurrenceTypeEnum = builder.enumType(RecurrenceType, { name: 'RecurrenceType' });
const WeekdayEnum = builder.enumType(Weekday, { name: 'Weekday' });

const dayMs = 86_400_000;
const maxWindowDays = { appointments: 366, freeBusy: 92 };

function checkWindow(from: Date, to: Date, maxDays: number) {
  if (to <= from) throw badInput('to: must be after from');
  if (to.getTime() - from.getTime() > maxDays * dayMs) throw badInput(`from..to: at most ${maxDays} days`);
}

const RecurrenceRef = builder.objectRef<Appointment>('Recurrence').implement({
  description: 'The rule of a series (Open-Xchange). month: 1 = January.',
  fields: (t) => ({
    type: t.expose('recurrenceType', { type: RecurrenceTypeEnum }),
    interval: t.exposeInt('interval', { nullable: true }),
    days: t.field({ type: [WeekdayEnum], nullable: true, resolve: (a) => (a.days.length ? a.days : null) }),
    dayInMonth: t.exposeInt('dayInMonth', { nullable: true }),
    month: t.exposeInt('month', { nullable: true }),
    until: t.expose('until', { type: 'Date', nullable: true }),
    occurrences: t.exposeInt('occurrences', { nullable: true }),
  }),
});

export const AppointmentRef = builder.prismaNode('Appointment', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, userId: viewerId(ctx) }),
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (a, _args, ctx) => ctx.loaders.account.load(a.accountId) }),
    title: t.exposeString('title'),
    location: t.exposeString('location', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
    start: t.expose('start', { type: 'DateTime', description: 'Of the first occurrence; full-time: local midnight.' }),
    end: t.expose('end', { type: 'DateTime', description: 'Exclusive.' }),
    startDate: t.field({
      type: 'Date',
      nullable: true,
      description: 'Full-time appointments: the first day.',
      resolve: (a) => (a.fullTime ? localDate(a.start, a.timezone) : null),
    }),
    endDate: t.field({
      type: 'Date',
      nullable: true,
      description: 'Full-time appointments: the day after the last (exclusive).',
      resolve: (a) => (a.fullTime ? localDate(a.end, a.timezone) : null),
    }),
    timezone: t.exposeString('timezone'),
    fullTime: t.exposeBoolean('fullTime'),
    shownAs: t.expose('shownAs', { type: ShownAsEnum }),
    recurrence: t.field({ type: RecurrenceRef, nullable: true, resolve: (a) => (a.recurrenceType === 'NONE' ? null : a) }),
    recurrenceId: t.id({
      nullable: true,
      description: 'The series: its own id on a series, the series on a change exception.',
      resolve: (a) => {
        const series = a.seriesId ?? (a.recurrenceType === 'NONE' ? null : a.id);
        return series ? globalId('Appointment', series) : null;
      },
    }),
    recurrencePosition: t.exposeInt('recurrencePosition', {
      nullable: true,
      description: 'Change exceptions: the 1-based occurrence replaced.',
    }),
    recurrenceDatePosition: t.expose('recurrenceDatePosition', { type: 'Date', nullable: true }),
    deleteExceptions: t.expose('deleteExceptions', { type: ['Date'] }),
    clientSyncId: t.exposeString('clientSyncId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const OccurrenceRef = builder.objectRef<AppointmentOccurrence>('AppointmentOccurrence').implement({
  description: 'One occurrence: a single appointment, an occurrence of a series, or a change exception.',
  fields: (t) => ({
    appointment: t.field({ type: AppointmentRef, resolve: (o) => o.appointment }),
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
    recurrenceId: t.id({
      nullable: true,
      description: 'The series, for its occurrences and its change exceptions.',
      resolve: (o) => (o.recurrenceId ? globalId('Appointment', o.recurrenceId) : null),
    }),
    recurrencePosition: t.exposeInt('recurrencePosition', { nullable: true, description: 'Which occurrence of the series, 1-based.' }),
    recurrenceDatePosition: t.expose('recurrenceDatePosition', {
      type: 'Date',
      nullable: true,
      description: "The occurrence's local start date in the series (what updateAppointment and deleteAppointment take as occurrence).",
    }),
  }),
});

const RecurrenceInput = builder.inputType('RecurrenceInput', {
  description:
    'Open-Xchange rules: interval iff recurring (YEARLY: 1); days for WEEKLY/MONTHLY/YEARLY (default all seven); dayInMonth iff MONTHLY/YEARLY (1-31; with days: the nth selected day of the month, too big = the last); month (1-12) iff YEARLY; until (inclusive) or occurrences.',
  fields: (t) => ({
    type: t.field({ type: RecurrenceTypeEnum }),
    interval: t.int({ required: false, description: 'Every n days, weeks, months or years; required when recurring, 1 for YEARLY.' }),
    days: t.field({
      type: [WeekdayEnum],
      required: false,
      description: 'WEEKLY: the weekdays (weeks start on Monday); MONTHLY/YEARLY: the weekdays dayInMonth counts. Absent: all seven.',
    }),
    dayInMonth: t.int({
      required: false,
      description: 'MONTHLY/YEARLY, 1-31: the day of the month; with days, the nth selected day of the month (too big: the last).',
    }),
    month: t.int({ required: false, description: 'YEARLY: 1 = January.' }),
    until: t.field({ type: 'Date', required: false, description: 'The last day occurrences may start on, in the timezone (inclusive).' }),
    occurrences: t.int({ required: false, description: 'How many occurrences in all (not with until).' }),
  }),
});

export const AppointmentInputRef = builder.inputType('AppointmentInput', {
  description:
    'Absent fields keep their value. Timed: start and end; full-time (fullTime: true): startDate and endDate (exclusive), in timezone.',
  fields: (t) => ({
    accountId: t.id({ required: false, description: "One of the user's accounts; required for a new appointment." }),
    title: t.string({ required: false }),
    location: t.string({ required: false }),
    notes: t.string({ required: false }),
    start: t.field({ type: 'DateTime', required: false }),
    end: t.field({ type: 'DateTime', required: false }),
    startDate: t.field({ type: 'Date', required: false }),
    endDate: t.field({ type: 'Date', required: false }),
    fullTime: t.boolean({ required: false }),
    timezone: t.string({ required: false, description: 'IANA, e.g. Europe/Berlin; recurrences expand in it.' }),
    shownAs: t.field({ type: ShownAsEnum, required: false }),
    recurrence: t.field({ type: RecurrenceInput, required: false, description: 'null: a single appointment.' }),
  }),
});

/** Input with the account's global id replaced by its raw id (an unknown one is refused later). */
export function withRawAccountId(input: AppointmentInput): AppointmentInput {
  if (input.accountId == null) return input;
  return { ...input, accountId: decodeId(input.accountId, 'Account') ?? 'unknown' };
}

/** The typename of each kind of busy item, for its global id. */
const busyItemTypename: Record<Conflict['kind'], string> = {
  APPOINTMENT: AppointmentRef.name,
  CALENDAR_ENTRY: CalendarEntryRef.name,
  MEETING: 'Meeting',
};

const ConflictItemRef = builder.objectRef<Conflict>('ConflictItem').implement({
  description: "A busy item an appointment or a meeting would overlap. Another user's item (on a shared account) shows only its time.",
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'APPOINTMENT, CALENDAR_ENTRY or MEETING (its event, or a hold of its poll: tentative).' }),
    id: t.id({
      nullable: true,
      description: "Null for another user's item.",
      resolve: (i) => (i.mine ? globalId(busyItemTypename[i.kind], i.id) : null),
    }),
    title: t.string({ nullable: true, resolve: (i) => (i.mine ? i.title : null) }),
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
    tentative: t.exposeBoolean('tentative'),
  }),
});

export const ConflictsRef = builder.objectRef<{ conflicts: Conflict[] }>('Conflicts').implement({
  description: 'Nothing was saved: these busy items overlap. Save anyway with ignoreConflicts: true.',
  fields: (t) => ({ conflicts: t.field({ type: [ConflictItemRef], resolve: (c) => c.conflicts }) }),
});

const AppointmentResultRef = builder.unionType('AppointmentResult', {
  types: [AppointmentRef, ConflictsRef],
  resolveType: (value) => ('conflicts' in value ? ConflictsRef : AppointmentRef),
});

const BusyInterval = builder.objectRef<{ start: number; end: number; tentative: boolean }>('BusyInterval').implement({
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (i) => new Date(i.start) }),
    end: t.field({ type: 'DateTime', resolve: (i) => new Date(i.end) }),
    tentative: t.exposeBoolean('tentative', { description: 'Only tentatively busy (TEMPORARY).' }),
  }),
});

builder.queryFields((t) => ({
  appointments: t.field({
    type: [OccurrenceRef],
    description:
      "The signed-in user's appointments on these accounts (default: all of theirs) in [from, to) (at most 366 days), series expanded.",
    authScopes: { scope: Scope.CALENDAR },
    args: {
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      accountIds: t.arg.idList({ required: false }),
    },
    resolve: async (_root, { from, to, accountIds }, ctx) => {
      checkWindow(from, to, maxWindowDays.appointments);
      const wanted = accountIds?.map((id) => decodeId(id, 'Account')) ?? null;
      return occurrencesIn(await visibleAppointmentsIn(ctx.prisma, viewerId(ctx), wanted, from, to), from, to);
    },
  }),
  freeBusy: t.field({
    type: [BusyInterval],
    description:
      "Busy time in [from, to) (at most 3 months), sorted and merged. A personal account: all its user's personal accounts and calendar entries; a shared account: its own appointments only.",
    authScopes: { scope: Scope.CALENDAR },
    args: { accountId: t.arg.id(), from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: async (_root, args, ctx) => {
      checkWindow(args.from, args.to, maxWindowDays.freeBusy);
      const accountId = decodeId(args.accountId, 'Account');
      const scope = accountId ? await busyScope(ctx.prisma, accountId) : null;
      if (!accountId || !scope) throw notFound('account');
      const [mayView] = await mayViewBusyTime(ctx.prisma, viewerId(ctx), [scope]);
      if (!mayView) throw forbidden("you have no relationship with this account's calendar");
      const items = await busyItems(ctx.prisma, scope, args.from, args.to);
      return mergeBusy(clip(busyIntervals(items), args.from.getTime(), args.to.getTime()));
    },
  }),
}));

builder.mutationFields((t) => ({
  createAppointment: t.field({
    type: AppointmentResultRef,
    description: 'Saves a new appointment, or returns the busy items it overlaps and saves nothing (unless ignoreConflicts).',
    authScopes: { scope: Scope.CALENDAR },
    args: {
      input: t.arg({ type: AppointmentInputRef }),
      ignoreConflicts: t.arg.boolean({ required: false, defaultValue: false }),
      clientSyncId: t.arg.string({ required: false }),
    },
    resolve: (_root, { input, ignoreConflicts, clientSyncId }, ctx) =>
      viewerWrite(ctx, (w) =>
        createAppointment(w, withRawAccountId(input as AppointmentInput), {
          ignoreConflicts: ignoreConflicts ?? false,
          clientSyncId: clientSyncId ?? null,
        }),
      ),
  }),
  updateAppointment: t.field({
    type: AppointmentResultRef,
    description:
      'Changes an appointment. With occurrence (a date of a series), changes only that occurrence: a change exception pointing at the series.',
    authScopes: { scope: Scope.CALENDAR },
    args: {
      id: t.arg.globalID({ for: [AppointmentRef] }),
      input: t.arg({ type: AppointmentInputRef }),
      occurrence: t.arg({ type: 'Date', required: false }),
      ignoreConflicts: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: (_root, { id, input, occurrence, ignoreConflicts }, ctx) =>
      viewerWrite(ctx, (w) =>
        updateAppointment(w, id.id, withRawAccountId(input as AppointmentInput), {
          ignoreConflicts: ignoreConflicts ?? false,
          occurrence: occurrence ?? null,
        }),
      ),
  }),
  deleteAppointment: t.field({
    type: DeletePayload,
    description:
      'Deletes an appointment (a series with its exceptions). With occurrence, deletes only that occurrence of a series (a delete exception).',
    authScopes: { scope: Scope.CALENDAR },
    args: { id: t.arg.globalID({ for: [AppointmentRef] }), occurrence: t.arg({ type: 'Date', required: false }) },
    resolve: async (_root, { id, occurrence }, ctx) => {
      const deleted = await viewerWrite(ctx, (w) => deleteAppointment(w, id.id, occurrence ?? null));
      return { id: globalId('Appointment', deleted.id) };
    },
  }),
}));
