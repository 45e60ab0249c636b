// Meetings (Meekan): create, update, schedule, cancel, list, and hear of changes. The domain is
// src/meetings/; this file maps it to GraphQL.
import { filter, map, pipe } from 'graphql-yoga';
import { notFound, orThrow } from '../errors.ts';
import type { Meeting } from '../generated/prisma/client.ts';
import { MeetingRepeat, MeetingStatus, ReminderMethod, Scope } from '../generated/prisma/client.ts';
import { decodeId, globalId } from '../ids.ts';
import type { MeetingEvent } from '../meetings/events.ts';
import type { MeetingInput } from '../meetings/input.ts';
import { parseMeetingInput } from '../meetings/input.ts';
import {
  createMeeting,
  deleteMeeting,
  fieldsOf,
  live,
  lockMeeting,
  scheduleMeeting,
  updateMeeting,
  visibleTo,
} from '../meetings/meetings.ts';
import type { WriteContext } from '../write.ts';
import { AccountRef } from './account.ts';
import { builder, type Context } from './builder.ts';
import { ConflictsRef } from './calendar.ts';
import { DeletePayload, viewerId, viewerWrite } from './common.ts';

export const MeetingStatusEnum = builder.enumType(MeetingStatus, {
  name: 'MeetingStatus',
  description:
    "DRAFT: no options, on no calendar. POLLING: several options, each a tentative hold on the organizer's calendar. SCHEDULED: one start, busy on the organizer's calendar. CANCELLED: deleted.",
});
const MeetingRepeatEnum = builder.enumType(MeetingRepeat, {
  name: 'MeetingRepeat',
  description:
    "Meekan's repeat_interval 0/1/7/14/31/365; the event repeats in the meeting's timezone, on the start's weekday or day of month.",
});
const ReminderMethodEnum = builder.enumType(ReminderMethod, { name: 'ReminderMethod' });

export const MeetingLocationRef = builder.objectRef<Meeting>('MeetingLocation').implement({
  fields: (t) => ({
    description: t.exposeString('locationDescription', { nullable: true }),
    address: t.exposeString('locationAddress', { nullable: true }),
    latitude: t.exposeFloat('latitude', { nullable: true }),
    longitude: t.exposeFloat('longitude', { nullable: true }),
  }),
});

const MeetingReminderRef = builder.objectRef<Meeting>('MeetingReminder').implement({
  fields: (t) => ({
    minutesBefore: t.int({ resolve: (m) => m.reminderMinutesBefore! }),
    method: t.expose('reminderMethod', { type: ReminderMethodEnum }),
  }),
});

export const MeetingOrganizerRef = builder.objectRef<{ name: string | null; email: string }>('MeetingOrganizer').implement({
  fields: (t) => ({ name: t.exposeString('name', { nullable: true }), email: t.exposeString('email') }),
});

export const MeetingInviteeRef = builder.prismaObject('MeetingInvitee', {
  description: 'Someone invited: by email, by account, or both.',
  fields: (t) => ({
    id: t.id({ description: 'The voter id.', resolve: (i) => globalId('MeetingInvitee', i.id) }),
    email: t.exposeString('email', { nullable: true }),
    timezone: t.exposeString('timezone', {
      nullable: true,
      description: "IANA: the zone their poll messages show times in; null: the meeting's.",
    }),
    account: t.field({
      type: AccountRef,
      nullable: true,
      resolve: (i, _args, ctx) => (i.accountId ? ctx.loaders.account.load(i.accountId) : null),
    }),
  }),
});

export const MeetingRef = builder.prismaNode('Meeting', {
  id: { field: 'id' },
  nullable: true,
  description: 'A meeting the signed-in user organizes or is invited to (README: "Meetings").',
  findUnique: (id, ctx) => ({ id, AND: [visibleTo(viewerId(ctx))] }),
  fields: (t) => ({
    name: t.exposeString('name'),
    duration: t.exposeInt('duration', { description: 'Minutes.' }),
    status: t.expose('status', { type: MeetingStatusEnum }),
    start: t.expose('start', { type: 'DateTime', nullable: true, description: 'The scheduled start (SCHEDULED).' }),
    end: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Of the scheduled (first) occurrence: start + duration.',
      resolve: (m) => (m.start ? new Date(m.start.getTime() + m.duration * 60_000) : null),
    }),
    options: t.field({
      type: ['DateTime'],
      description: 'The proposed starts, earliest first.',
      resolve: (m, _args, ctx) => written.get(m)?.options ?? ctx.loaders.optionsOf.load(m.id),
    }),
    invitees: t.field({
      type: [MeetingInviteeRef],
      description: 'In the order of the list they were given in.',
      resolve: (m, _args, ctx) => written.get(m)?.invitees ?? ctx.loaders.inviteesOf.load(m.id),
    }),
    organizer: t.field({
      type: MeetingOrganizerRef,
      resolve: (m, _args, ctx) => ctx.loaders.user.load(m.userId),
    }),
    organizerAccount: t.field({ type: AccountRef, resolve: (m, _args, ctx) => ctx.loaders.account.load(m.accountId) }),
    isOrganizer: t.boolean({ resolve: (m, _args, ctx) => m.userId === viewerId(ctx) }),
    calendarId: t.exposeString('calendarId', { nullable: true }),
    timezone: t.exposeString('timezone', { description: 'IANA.' }),
    location: t.field({
      type: MeetingLocationRef,
      nullable: true,
      resolve: (m) => ((m.locationDescription ?? m.locationAddress ?? m.latitude) !== null ? m : null),
    }),
    notes: t.exposeString('notes', { nullable: true }),
    timeSlotsDescription: t.exposeString('timeSlotsDescription', { nullable: true }),
    reminder: t.field({ type: MeetingReminderRef, nullable: true, resolve: (m) => (m.reminderMinutesBefore === null ? null : m) }),
    repeat: t.expose('repeat', { type: MeetingRepeatEnum }),
    pollDeadline: t.expose('pollDeadline', {
      type: 'DateTime',
      nullable: true,
      description: 'After it votes are refused (POLL_CLOSED), and the organizer is told by email.',
    }),
    pollReminderMinutesBefore: t.exposeInt('pollReminderMinutesBefore', {
      nullable: true,
      description: 'Invitees who have not answered are reminded by email this long before the deadline.',
    }),
    sequence: t.exposeInt('sequence', { description: 'iCalendar SEQUENCE: raised by every change of time or place, and by cancelling.' }),
    uid: t.exposeString('icalUid', { description: 'iCalendar UID: never changes.' }),
    clientSyncId: t.string({
      nullable: true,
      description: "The organizer's client id; null for invitees.",
      resolve: (m, _args, ctx) => (m.userId === viewerId(ctx) ? m.clientSyncId : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const MeetingLocationInput = builder.inputType('MeetingLocationInput', {
  description: 'Replaces the whole location. latitude and longitude go together.',
  fields: (t) => ({
    description: t.string({ required: false }),
    address: t.string({ required: false }),
    latitude: t.float({ required: false, description: '-90 to 90.' }),
    longitude: t.float({ required: false, description: '-180 to 180.' }),
  }),
});

const MeetingReminderInput = builder.inputType('MeetingReminderInput', {
  fields: (t) => ({
    minutesBefore: t.int({ description: '0 to 40320 (four weeks).' }),
    method: t.field({ type: ReminderMethodEnum, required: false, description: 'Default POPUP.' }),
  }),
});

const MeetingInviteeInput = builder.inputType('MeetingInviteeInput', {
  description: "An email, an account (Meekan's e_inv and k_inv), or both.",
  fields: (t) => ({
    email: t.string({ required: false }),
    accountId: t.id({ required: false }),
    timezone: t.string({
      required: false,
      description: "IANA: the zone their poll messages show the options in (default: the meeting's).",
    }),
  }),
});

/** The fields of both meeting inputs; `required`: what a new meeting must have. */
function meetingInputFields(required: boolean) {
  return (t: PothosSchemaTypes.InputFieldBuilder<typeof builder.$inferSchemaTypes, 'InputObject'>) => ({
    accountId: t.id({ required, description: "One of the organizer's accounts: holds and the event occupy its calendar." }),
    name: t.string({ required }),
    duration: t.int({ required, description: 'Minutes, 1 to 1440.' }),
    calendarId: t.string({ required: false }),
    timezone: t.string({ required: false, description: 'IANA (default UTC); a repeating meeting repeats in it.' }),
    location: t.field({ type: MeetingLocationInput, required: false, description: 'null clears it.' }),
    notes: t.string({ required: false }),
    timeSlotsDescription: t.string({ required: false }),
    reminder: t.field({ type: MeetingReminderInput, required: false, description: 'null: no reminder.' }),
    repeat: t.field({ type: MeetingRepeatEnum, required: false }),
    pollDeadline: t.field({
      type: 'DateTime',
      required: false,
      description: 'After it votes are refused (POLL_CLOSED) and the organizer is told by email; null: no deadline.',
    }),
    pollReminderMinutesBefore: t.int({
      required: false,
      description:
        'With a pollDeadline: invitees who have not answered get an email this long before it (1 to 40320 minutes); null: no reminder.',
    }),
    options: t.field({
      type: ['DateTime'],
      required: false,
      description: 'Proposed starts (at most 100), which decide the status: none DRAFT, one SCHEDULED, several POLLING.',
    }),
    allowPastOptions: t.boolean({ required: false, description: 'Allow proposing starts in the past.' }),
    invitees: t.field({ type: [MeetingInviteeInput], required: false, description: 'At most 500; replaces the list.' }),
  });
}

const CreateMeetingInput = builder.inputType('CreateMeetingInput', { fields: meetingInputFields(true) });
export const UpdateMeetingInput = builder.inputType('UpdateMeetingInput', {
  description: 'Absent fields keep their value; null clears an optional one. options and invitees replace the lists.',
  fields: meetingInputFields(false),
});

/** Input with the global ids of accounts replaced by raw ids (one of another type or malformed is refused by the parser). */
export function withRawIds(input: MeetingInput): MeetingInput {
  const raw = (id: string | null | undefined) => (id == null ? id : (decodeId(id, 'Account') ?? 'not an id'));
  return {
    ...input,
    ...(input.accountId != null ? { accountId: raw(input.accountId)! } : {}),
    ...(input.invitees ? { invitees: input.invitees.map((i) => ({ ...i, accountId: raw(i.accountId) })) } : {}),
  };
}

const MeetingResultRef = builder.unionType('MeetingResult', {
  types: [MeetingRef, ConflictsRef],
  resolveType: (value) => ('conflicts' in value ? ConflictsRef : MeetingRef),
});

const ignoreConflictsArg = {
  required: false,
  defaultValue: false,
  description: "Save even if the time it newly occupies on the organizer's calendar overlaps busy time.",
} as const;

/** A meeting the viewer sees (cancelled ones too), or null. */
const visibleMeeting = (ctx: Context, id: string) => ctx.prisma.meeting.findFirst({ where: { id, ...visibleTo(viewerId(ctx)) } });

builder.queryFields((t) => ({
  meeting: t.prismaField({
    type: 'Meeting',
    nullable: true,
    description: 'A meeting the signed-in user organizes or is invited to (cancelled ones too); null otherwise.',
    authScopes: { scope: Scope.MEETINGS },
    args: { id: t.arg.globalID({ for: [MeetingRef] }) },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.meeting.findFirst({ ...query, where: { id: id.id, ...visibleTo(viewerId(ctx)) } }),
  }),
  meetings: t.prismaConnection({
    type: 'Meeting',
    cursor: 'id',
    description:
      'Meetings the signed-in user organizes or is invited to, least recently updated first. Without updatedSince: the live ones. With it: those updated at or after it, cancelled ones included (status CANCELLED), so that a client keeping a copy learns of cancellations; pass the last updatedAt it holds.',
    authScopes: { scope: Scope.MEETINGS },
    args: { updatedSince: t.arg({ type: 'DateTime', required: false }) },
    resolve: (query, _root, { updatedSince }, ctx) =>
      ctx.prisma.meeting.findMany({
        ...query,
        where: { ...visibleTo(viewerId(ctx)), ...(updatedSince ? { updatedAt: { gte: updatedSince } } : live) },
        orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

/**
 * What a meeting mutation wrote, by the meeting it returns: its `options` and `invitees` are
 * answered from the write instead of read back after the commit (a statement, and I/O that let
 * the mail relay's statements go out before the response: bench/README.md, Meetings). The
 * mutation's fields resolve before the next mutation of the request runs, so it is current.
 */
const written = new WeakMap<Meeting, MeetingEvent>();

/** viewerWrite, keeping what it wrote about each meeting for the fields of the one it returns. */
async function meetingWrite<T>(ctx: Context, work: (w: WriteContext) => Promise<T>): Promise<T> {
  let events: MeetingEvent[] = [];
  const result = await viewerWrite(ctx, (w) => {
    events = w.meetingEvents;
    return work(w);
  });
  for (const event of events) written.set(event.meeting, event);
  return result;
}

builder.mutationFields((t) => ({
  createMeeting: t.field({
    type: MeetingResultRef,
    description:
      'A meeting of the signed-in user. Its options decide its status (none DRAFT, one SCHEDULED, several POLLING); the time it occupies is checked for conflicts unless ignoreConflicts.',
    authScopes: { scope: Scope.MEETINGS },
    args: {
      input: t.arg({ type: CreateMeetingInput }),
      ignoreConflicts: t.arg.boolean(ignoreConflictsArg),
      clientSyncId: t.arg.string({
        required: false,
        description: 'A client-chosen id. Creating again with the same one returns the existing meeting (a safe retry).',
      }),
    },
    resolve: (_root, { input, ignoreConflicts, clientSyncId }, ctx) =>
      meetingWrite(ctx, (w) =>
        createMeeting(w, orThrow(parseMeetingInput(withRawIds(input as MeetingInput), null)), {
          ignoreConflicts: ignoreConflicts ?? false,
          clientSyncId: clientSyncId ?? null,
        }),
      ),
  }),
  updateMeeting: t.field({
    type: MeetingResultRef,
    description:
      'Changes a meeting the signed-in user organizes. Given options decide the status again; options that stay keep what refers to them. Time it newly occupies is checked for conflicts unless ignoreConflicts.',
    authScopes: { scope: Scope.MEETINGS },
    args: {
      id: t.arg.globalID({ for: [MeetingRef] }),
      input: t.arg({ type: UpdateMeetingInput }),
      ignoreConflicts: t.arg.boolean(ignoreConflictsArg),
    },
    resolve: (_root, { id, input, ignoreConflicts }, ctx) =>
      meetingWrite(ctx, async (w) => {
        const meeting = await lockMeeting(w, id.id);
        const data = orThrow(parseMeetingInput(withRawIds(input as MeetingInput), fieldsOf(meeting)));
        return updateMeeting(w, meeting, data, { ignoreConflicts: ignoreConflicts ?? false });
      }),
  }),
  scheduleMeeting: t.field({
    type: MeetingResultRef,
    description: 'Picks the final start (one of the options or another time): the holds become one event (SCHEDULED).',
    authScopes: { scope: Scope.MEETINGS },
    args: {
      id: t.arg.globalID({ for: [MeetingRef] }),
      start: t.arg({ type: 'DateTime' }),
      ignoreConflicts: t.arg.boolean(ignoreConflictsArg),
      allowPast: t.arg.boolean({ required: false, defaultValue: false, description: 'Allow a start in the past.' }),
    },
    resolve: (_root, { id, start, ignoreConflicts, allowPast }, ctx) =>
      meetingWrite(ctx, (w) =>
        scheduleMeeting(w, id.id, start, { ignoreConflicts: ignoreConflicts ?? false, allowPast: allowPast ?? false }),
      ),
  }),
  deleteMeeting: t.field({
    type: DeletePayload,
    description: 'Cancels a meeting the signed-in user organizes: its holds or event leave the calendar; organizer and invitees are told.',
    authScopes: { scope: Scope.MEETINGS },
    args: { id: t.arg.globalID({ for: [MeetingRef] }) },
    resolve: async (_root, { id }, ctx) => {
      const cancelled = await viewerWrite(ctx, (w) => deleteMeeting(w, id.id));
      return { id: globalId('Meeting', cancelled.id) };
    },
  }),
}));

builder.subscriptionField('meetingChanged', (t) =>
  t.field({
    type: MeetingRef,
    description: 'The meeting, each time it changes (organizer and invitees; status CANCELLED when it is deleted). Across instances.',
    authScopes: { scope: Scope.MEETINGS },
    args: { id: t.arg.globalID({ for: [MeetingRef] }) },
    subscribe: async (_root, { id }, ctx) => {
      if (!(await visibleMeeting(ctx, id.id))) throw notFound('meeting');
      return pipe(
        ctx.pubsub.subscribe('meeting:changed', id.id),
        // As the subscriber may see it now: an invitee removed meanwhile hears nothing more.
        map(() => visibleMeeting(ctx, id.id)),
        filter((meeting): meeting is Meeting => meeting !== null),
      );
    },
    resolve: (meeting) => meeting,
  }),
);
