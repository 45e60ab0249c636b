// Polls and votes (README: "Meetings"): the invitee view by vote token (or signed in as the
// invitee), Meeting.poll for everyone who sees the meeting, vote, the voter's adjacent events,
// rotating and revoking vote tokens, and pollChanged. The domain is src/meetings/votes.ts.
import { filter, map, pipe } from 'graphql-yoga';
import { hasScope } from '../auth/authenticate.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import type { MeetingInvitee } from '../generated/prisma/client.ts';
import { Scope, VoteResponse } from '../generated/prisma/client.ts';
import { decodeId, globalId } from '../ids.ts';
import { live, visibleTo } from '../meetings/meetings.ts';
import { type AdjacentItem, type Answer, hasAnswered, type Tally } from '../meetings/poll.ts';
import { votePath } from '../meetings/vote-tokens.ts';
import {
  type AdjacentEvents,
  adjacentEventsOf,
  authorizeVoter,
  castVote,
  type PollData,
  pollOf,
  revokeVoteToken,
  rotateVoteToken,
  type Voter,
} from '../meetings/votes.ts';
import { builder, type Context } from './builder.ts';
import { viewerWrite } from './common.ts';
import { MeetingInviteeRef, MeetingLocationRef, MeetingOrganizerRef, MeetingRef, MeetingStatusEnum } from './meeting.ts';

const VoteResponseEnum = builder.enumType(VoteResponse, {
  name: 'VoteResponse',
  description:
    'NOT_YET: no answer. CUSTOM: yes on the preferred options, no elsewhere. ALWAYS: yes everywhere. WHEN_AVAILABLE: yes where their calendars are free, no where busy. NO: no everywhere. MAYBE: maybe everywhere.',
});

const VoteAnswerEnum = builder.enumType('VoteAnswer', {
  values: ['YES', 'NO', 'MAYBE', 'PENDING'] as const,
  description:
    "A response interpolated for one option. PENDING: not answered yet, or WHEN_AVAILABLE when convene knows none of the invitee's calendars.",
});

const OptionAnswerRef = builder.objectRef<{ start: Date; answer: Answer }>('OptionAnswer').implement({
  fields: (t) => ({ start: t.expose('start', { type: 'DateTime' }), answer: t.expose('answer', { type: VoteAnswerEnum }) }),
});

const OptionTallyRef = builder.objectRef<Tally>('OptionTally').implement({
  description: "How many invitees' answers are yes, no, maybe and pending for one option.",
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (tally) => new Date(tally.start) }),
    yes: t.exposeInt('yes'),
    no: t.exposeInt('no'),
    maybe: t.exposeInt('maybe'),
    pending: t.exposeInt('pending'),
  }),
});

type VoterView = Voter & { options: Date[] };

const PollVoterRef = builder.objectRef<VoterView>('PollVoter').implement({
  description: "An invitee's vote, as given and per option.",
  fields: (t) => ({
    id: t.id({ description: 'The voter id (MeetingInvitee).', resolve: (v) => globalId('MeetingInvitee', v.invitee.id) }),
    email: t.string({ nullable: true, resolve: (v) => v.invitee.email }),
    response: t.field({ type: VoteResponseEnum, resolve: (v) => v.invitee.response }),
    preferred: t.field({ type: ['DateTime'], description: 'The options a CUSTOM vote prefers.', resolve: (v) => v.preferred }),
    votedAt: t.field({ type: 'DateTime', nullable: true, resolve: (v) => v.invitee.votedAt }),
    answers: t.field({
      type: [OptionAnswerRef],
      description: 'The response interpolated per option, in option order.',
      resolve: (v) => v.options.map((start, i) => ({ start, answer: v.answers[i]! })),
    }),
  }),
});

type PollView = PollData & { voterId: string | null };

const voterView = (poll: PollView, voter: Voter): VoterView => ({ ...voter, options: poll.options });
const voterViews = (poll: PollView, voters = poll.voters) => voters.map((voter) => voterView(poll, voter));

const PollRef = builder.objectRef<PollView>('Poll').implement({
  description: 'A meeting poll: the meeting, every vote interpolated per option, tallies and ranking (README: "Polls and votes").',
  fields: (t) => ({
    meetingId: t.id({ resolve: (p) => globalId('Meeting', p.meeting.id) }),
    title: t.string({ resolve: (p) => p.meeting.name }),
    organizer: t.field({ type: MeetingOrganizerRef, resolve: (p, _args, ctx) => ctx.loaders.user.load(p.meeting.userId) }),
    duration: t.int({ description: 'Minutes.', resolve: (p) => p.meeting.duration }),
    timezone: t.string({ resolve: (p) => p.meeting.timezone }),
    location: t.field({
      type: MeetingLocationRef,
      nullable: true,
      resolve: ({ meeting: m }) => ((m.locationDescription ?? m.locationAddress ?? m.latitude) !== null ? m : null),
    }),
    status: t.field({ type: MeetingStatusEnum, resolve: (p) => p.meeting.status }),
    options: t.field({ type: ['DateTime'], description: 'Earliest first.', resolve: (p) => p.options }),
    deadline: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.meeting.pollDeadline }),
    closed: t.boolean({
      description: 'Past the deadline: votes are refused (POLL_CLOSED).',
      resolve: (p, _args, ctx) => !!p.meeting.pollDeadline && p.meeting.pollDeadline <= ctx.clock(),
    }),
    voter: t.field({
      type: PollVoterRef,
      nullable: true,
      description: "The viewer's own vote: the voter of the vote token, or the signed-in invitee; null for others (the organizer).",
      resolve: (p) => {
        const own = p.voters.find((v) => v.invitee.id === p.voterId);
        return own ? voterView(p, own) : null;
      },
    }),
    voters: t.field({ type: [PollVoterRef], description: 'Every invitee, in list order.', resolve: (p) => voterViews(p) }),
    notAnswered: t.field({
      type: [PollVoterRef],
      description: 'Invitees who have not answered: never voted, or voted NOT_YET.',
      resolve: (p) =>
        voterViews(
          p,
          p.voters.filter((v) => !hasAnswered(v.invitee)),
        ),
    }),
    tallies: t.field({ type: [OptionTallyRef], description: 'Per option, in option order.', resolve: (p) => p.tallies }),
    ranking: t.field({
      type: [OptionTallyRef],
      description: 'The options best first: more yes first; with as many yes, more maybe; then the earlier option.',
      resolve: (p) => p.ranking,
    }),
  }),
});

const AdjacentEventRef = builder.objectRef<AdjacentItem>('AdjacentEvent').implement({
  fields: (t) => ({
    title: t.exposeString('title', { description: 'The title of the voter\'s own items; "busy" for others.' }),
    start: t.field({ type: 'DateTime', resolve: (i) => new Date(i.start) }),
    end: t.field({ type: 'DateTime', resolve: (i) => new Date(i.end) }),
  }),
});

const AdjacentEventsRef = builder.objectRef<AdjacentEvents>('AdjacentEvents').implement({
  description: "The voter's nearest busy items before and after an option, on its day in the meeting's zone.",
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'The option.' }),
    before: t.field({ type: AdjacentEventRef, nullable: true, resolve: (a) => a.before }),
    after: t.field({ type: AdjacentEventRef, nullable: true, resolve: (a) => a.after }),
  }),
});

const VoteLinkRef = builder.objectRef<{ invitee: MeetingInvitee; voteToken: string }>('VoteLink').implement({
  description: "An invitee's new vote token and the vote page's path with it.",
  fields: (t) => ({
    invitee: t.field({ type: MeetingInviteeRef, resolve: (l) => l.invitee }),
    voteToken: t.exposeString('voteToken'),
    path: t.string({ resolve: (l) => votePath(l.invitee.meetingId, l.invitee.id, l.voteToken) }),
  }),
});

/** The signed-in user, when their token may act on meetings. */
const meetingsViewer = (ctx: Context) => (ctx.auth.principal && hasScope(ctx.auth, Scope.MEETINGS) ? ctx.auth.principal.user.id : null);

const voterArgs = builder.args((t) => ({
  meetingId: t.globalID({ for: [MeetingRef] }),
  voterId: t.id({ description: 'The invitee (MeetingInvitee id).' }),
  voteToken: t.string({ required: false, description: "From the invitee's vote link; not needed signed in as the invitee." }),
}));

/** The raw id of a voter id; a malformed one, or one of another type, is BAD_USER_INPUT as for any global id. */
function voterIdOf(id: string | number): string {
  const raw = decodeId(String(id), 'MeetingInvitee');
  if (!raw) throw badInput('voterId: not a voter id (MeetingInvitee)');
  return raw;
}

async function pollView(
  ctx: Context,
  meetingId: string,
  voterId: string | number,
  voteToken: string | null | undefined,
): Promise<PollView> {
  const { meeting, invitee } = await authorizeVoter(ctx.prisma, meetingId, voterIdOf(voterId), voteToken, meetingsViewer(ctx));
  return { ...(await pollOf(ctx.prisma, meeting)), voterId: invitee.id };
}

builder.objectField(MeetingRef, 'poll', (t) =>
  t.field({
    type: PollRef,
    description: "The poll: every vote, tallies and ranking; `voter` is the viewer's own vote when they are an invitee.",
    resolve: async (meeting, _args, ctx) => {
      const poll = await ctx.loaders.poll.load(meeting);
      const viewer = meetingsViewer(ctx);
      return { ...poll, voterId: poll.voters.find((v) => viewer && v.invitee.userId === viewer)?.invitee.id ?? null };
    },
  }),
);

builder.queryFields((t) => ({
  poll: t.field({
    type: PollRef,
    description: "An invitee's view of a meeting's poll: with their vote token (no sign-in needed), or signed in as them.",
    args: voterArgs,
    resolve: (_root, { meetingId, voterId, voteToken }, ctx) => pollView(ctx, meetingId.id, voterId, voteToken),
  }),
  adjacentEvents: t.field({
    type: [AdjacentEventsRef],
    description: "For each option, the voter's nearest busy items before and after it that day (titles of their own items only).",
    args: voterArgs,
    resolve: async (_root, { meetingId, voterId, voteToken }, ctx) => {
      const { meeting, invitee } = await authorizeVoter(ctx.prisma, meetingId.id, voterIdOf(voterId), voteToken, meetingsViewer(ctx));
      return adjacentEventsOf(ctx.prisma, meeting, invitee);
    },
  }),
}));

builder.mutationFields((t) => ({
  vote: t.field({
    type: PollRef,
    description:
      "Records the invitee's vote, replacing their last. preferred: with CUSTOM, options among the meeting's. After the deadline: POLL_CLOSED.",
    args: {
      ...voterArgs,
      response: t.arg({ type: VoteResponseEnum }),
      preferred: t.arg({ type: ['DateTime'], required: false }),
    },
    resolve: async (_root, { meetingId, voterId, voteToken, response, preferred }, ctx) => {
      const voter = voterIdOf(voterId);
      await viewerWrite(ctx, (w) =>
        castVote(w, { meetingId: meetingId.id, voterId: voter, voteToken, response, preferred }, meetingsViewer(ctx), ctx.clock()),
      );
      return pollView(ctx, meetingId.id, voterId, voteToken);
    },
  }),
  rotateVoteToken: t.field({
    type: VoteLinkRef,
    description:
      'Re-invites an invitee of a meeting the signed-in user organizes: a new vote token (returned, and in the invitation), the old one refused from now on.',
    authScopes: { scope: Scope.MEETINGS },
    args: { meetingId: t.arg.globalID({ for: [MeetingRef] }), voterId: t.arg.id() },
    resolve: async (_root, { meetingId, voterId }, ctx) => {
      const voter = voterIdOf(voterId);
      return viewerWrite(ctx, async (w) => {
        const { invitee, token } = await rotateVoteToken(w, meetingId.id, voter);
        return { invitee, voteToken: token };
      });
    },
  }),
  revokeVoteToken: t.field({
    type: MeetingInviteeRef,
    description: "Revokes an invitee's vote token (a meeting the signed-in user organizes): their link stops working until rotated.",
    authScopes: { scope: Scope.MEETINGS },
    args: { meetingId: t.arg.globalID({ for: [MeetingRef] }), voterId: t.arg.id() },
    resolve: (_root, { meetingId, voterId }, ctx) => {
      const voter = voterIdOf(voterId);
      return viewerWrite(ctx, (w) => revokeVoteToken(w, meetingId.id, voter));
    },
  }),
}));

builder.subscriptionField('pollChanged', (t) =>
  t.field({
    type: PollRef,
    description:
      'The poll, each time a vote or the meeting changes. An invitee with voterId and voteToken (or signed in as them); the organizer signed in, without voterId. Across instances.',
    args: {
      meetingId: t.arg.globalID({ for: [MeetingRef] }),
      voterId: t.arg.id({ required: false }),
      voteToken: t.arg.string({ required: false }),
    },
    subscribe: async (_root, { meetingId, voterId, voteToken }, ctx) => {
      const read = async (): Promise<PollView | null> => {
        if (voterId != null) return pollView(ctx, meetingId.id, voterId, voteToken).catch(() => null);
        const viewer = meetingsViewer(ctx);
        const meeting = viewer ? await ctx.prisma.meeting.findFirst({ where: { id: meetingId.id, userId: viewer, ...live } }) : null;
        return meeting ? { ...(await pollOf(ctx.prisma, meeting)), voterId: null } : null;
      };
      if (voterId != null) await pollView(ctx, meetingId.id, voterId, voteToken);
      else {
        const viewer = meetingsViewer(ctx);
        if (!viewer) throw forbidden('voterId and voteToken, or sign in as the organizer');
        if (!(await ctx.prisma.meeting.findFirst({ where: { id: meetingId.id, ...live, ...visibleTo(viewer) } })))
          throw notFound('meeting');
        if (!(await read())) throw forbidden('only the organizer follows a poll without voterId');
      }
      return pipe(
        ctx.pubsub.subscribe('poll:changed', meetingId.id),
        // As the subscriber may see it now: a revoked token or a cancelled meeting hears nothing more.
        map(read),
        filter((poll): poll is PollView => poll !== null),
      );
    },
    resolve: (poll) => poll,
  }),
);
