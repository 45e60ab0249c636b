// Scheduling: slot suggestions for a meeting (Meekan's /rest/slots).
import { z } from 'zod';
import { notFound } from '../errors.ts';
import { Scope } from '../generated/prisma/client.ts';
import { decodeId, globalId } from '../ids.ts';
import type { Slot } from '../scheduling/slots.ts';
import { findSlots, type SlotPage } from '../scheduling/suggestions.ts';
import { builder } from './builder.ts';
import { viewerId } from './common.ts';

const TimeFrame = builder.inputType('TimeFrame', {
  fields: (t) => ({ start: t.field({ type: 'DateTime' }), end: t.field({ type: 'DateTime' }) }),
});

const SlotsInput = builder.inputType('SlotsInput', {
  fields: (t) => ({
    organizerAccountId: t.id({ description: "One of the signed-in user's accounts: it must be free." }),
    inviteeAccountIds: t.idList({ validate: z.array(z.string()).max(100, 'inviteeAccountIds: at most 100') }),
    duration: t.int({
      description: 'Minutes.',
      validate: z.number().int().min(5, 'duration: 5 to 1440 minutes').max(1440, 'duration: 5 to 1440 minutes'),
    }),
    frames: t.field({
      type: [TimeFrame],
      description: 'The only windows to search (the client builds them from working hours and zones).',
      validate: z.array(z.any()).min(1, 'frames: at least one').max(1000, 'frames: at most 1000'),
    }),
    step: t.int({
      required: false,
      defaultValue: 15,
      description: 'Minutes between candidate starts within a frame.',
      validate: z.number().int().min(5, 'step: 5 to 1440 minutes').max(1440, 'step: 5 to 1440 minutes'),
    }),
    page: t.int({ required: false, defaultValue: 1, validate: z.number().int().min(1, 'page: from 1') }),
    pageSize: t.int({
      required: false,
      defaultValue: 20,
      validate: z.number().int().min(1, 'pageSize: 1 to 100').max(100, 'pageSize: 1 to 100'),
    }),
  }),
});

const SlotRef = builder.objectRef<Slot>('Slot').implement({
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (s) => new Date(s.start) }),
    end: t.field({ type: 'DateTime', resolve: (s) => new Date(s.end) }),
    unavailable: t.idList({
      description: 'Invitee accounts busy (or tentatively busy) at some point of the slot.',
      resolve: (s) => s.unavailable.map((id) => globalId('Account', id)),
    }),
    tentative: t.idList({
      description: 'The unavailable invitees that are only tentatively busy then.',
      resolve: (s) => s.tentative.map((id) => globalId('Account', id)),
    }),
    rank: t.exposeInt('rank', {
      description:
        'Higher is better: 2 × (invitees + 1) − 2 × busy invitees − tentatively busy ones − 1 if the organizer is tentative (README: "Slot ranking").',
    }),
  }),
});

const SlotPageRef = builder.objectRef<SlotPage>('SlotPage').implement({
  fields: (t) => ({
    slots: t.field({ type: [SlotRef], resolve: (p) => p.slots }),
    page: t.exposeInt('page'),
    pageSize: t.exposeInt('pageSize'),
    totalCount: t.exposeInt('totalCount'),
    hasMore: t.boolean({ resolve: (p) => p.page * p.pageSize < p.totalCount }),
  }),
});

function accountId(id: string): string {
  const decoded = decodeId(id, 'Account');
  if (!decoded) throw notFound(`account ${id}`);
  return decoded;
}

builder.queryField('slots', (t) =>
  t.field({
    type: SlotPageRef,
    description:
      'Candidate meeting times in the frames, ranked: the organizer must be free; fewer unavailable invitees rank higher; tentative counts half; earlier wins ties.',
    authScopes: { scope: Scope.CALENDAR },
    args: { input: t.arg({ type: SlotsInput }) },
    resolve: (_root, { input }, ctx) =>
      findSlots(ctx.prisma, viewerId(ctx), {
        organizerAccountId: accountId(input.organizerAccountId),
        inviteeAccountIds: input.inviteeAccountIds.map(accountId),
        duration: input.duration,
        step: input.step ?? 15,
        frames: input.frames,
        page: input.page ?? 1,
        pageSize: input.pageSize ?? 20,
      }),
  }),
);
