// Scheduling: slot suggestions for a meeting (Meekan's /rest/slots).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { busyIntervals, busyItemsOf, busyScopes } from '../calendar/busy.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import { Scope } from '../generated/prisma/client.ts';
import { type Slot, suggestSlots } from '../scheduling/slots.ts';
import { builder } from './builder.ts';
import { decodeId, ownedBy } from './common.ts';

const minuteMs = 60_000;
const maxSpanMs = 92 * 86_400_000;

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
      resolve: (s) => s.unavailable.map((id) => encodeGlobalID('Account', id)),
    }),
    tentative: t.idList({
      description: 'The unavailable invitees that are only tentatively busy then.',
      resolve: (s) => s.tentative.map((id) => encodeGlobalID('Account', id)),
    }),
    rank: t.exposeInt('rank', { description: 'Higher is better (README: "Slot ranking").' }),
  }),
});

const SlotPageRef = builder.objectRef<{ slots: Slot[]; page: number; pageSize: number; totalCount: number }>('SlotPage').implement({
  fields: (t) => ({
    slots: t.field({ type: [SlotRef], resolve: (p) => p.slots }),
    page: t.exposeInt('page'),
    pageSize: t.exposeInt('pageSize'),
    totalCount: t.exposeInt('totalCount'),
    hasMore: t.boolean({ resolve: (p) => p.page * p.pageSize < p.totalCount }),
  }),
});

function accountId(globalId: string): string {
  const id = decodeId(globalId, 'Account');
  if (!id) throw notFound(`account ${globalId}`);
  return id;
}

builder.queryField('slots', (t) =>
  t.field({
    type: SlotPageRef,
    description:
      'Candidate meeting times in the frames, ranked: the organizer must be free; fewer unavailable invitees rank higher; tentative counts half; earlier wins ties.',
    authScopes: { scope: Scope.CALENDAR },
    args: { input: t.arg({ type: SlotsInput }) },
    resolve: async (_root, { input }, ctx) => {
      const frames = input.frames.map((f) => ({ start: f.start.getTime(), end: f.end.getTime() }));
      if (frames.some((f) => f.end <= f.start)) throw badInput('frames: each end must be after its start');
      const from = Math.min(...frames.map((f) => f.start));
      const to = Math.max(...frames.map((f) => f.end));
      if (to - from > maxSpanMs) throw badInput('frames: at most 3 months from the first start to the last end');

      const organizer = accountId(input.organizerAccountId);
      const invitees = [...new Set(input.inviteeAccountIds.map(accountId))];
      const scopes = await busyScopes(ctx.prisma, [organizer, ...invitees]);
      if (!scopes.get(organizer)?.members.includes(ownedBy(ctx))) throw forbidden('organizerAccountId: not one of your accounts');
      const missing = invitees.find((id) => !scopes.has(id));
      if (missing) throw notFound(`account ${encodeGlobalID('Account', missing)}`);

      const accounts = [organizer, ...invitees];
      const busy = await busyItemsOf(
        ctx.prisma,
        accounts.map((id) => scopes.get(id)!),
        new Date(from),
        new Date(to),
      );
      let ranked: Slot[];
      try {
        ranked = suggestSlots({
          durationMs: input.duration * minuteMs,
          stepMs: (input.step ?? 15) * minuteMs,
          frames,
          organizerBusy: busyIntervals(busy[0]!),
          invitees: invitees.map((id, i) => ({ accountId: id, busy: busyIntervals(busy[i + 1]!) })),
        });
      } catch (error) {
        if (error instanceof RangeError) throw badInput(error.message);
        throw error;
      }
      const page = input.page ?? 1;
      const pageSize = input.pageSize ?? 20;
      return { slots: ranked.slice((page - 1) * pageSize, page * pageSize), page, pageSize, totalCount: ranked.length };
    },
  }),
);
