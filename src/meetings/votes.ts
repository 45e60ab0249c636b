// Votes and the poll as the database holds them: who may vote (a vote token, or the invitee
// signed in; the organizer rotates and revokes tokens), casting a vote, and the poll of one or many meetings (src/meetings/poll.ts does
// the arithmetic). Reading polls costs the same few statements for one meeting or a page of
// them, so that `meetings { poll }` stays flat.
//
// A vote is not a change of the meeting in the sync feed: the meeting's own fields stay as they
// are, and its MeetingEvents are what invitees are mailed about (a vote must not mail everyone).
// Who follows a poll hears of votes through pollChanged.
import { Temporal } from 'temporal-polyfill';
import { type BusyItem, type BusyScope, busyItemsOf, busyScopes } from '../calendar/busy.ts';
import type { Db } from '../db/database.ts';
import { enqueueMessage } from '../email/outbox.ts';
import { appError, badInput, ErrorCode, forbidden, notFound } from '../errors.ts';
import type { Meeting, MeetingInvitee, VoteResponse } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import type { WriteContext } from '../write.ts';
import { organizersOf } from './invitations.ts';
import { live, lockMeeting } from './meetings.ts';
import { type Adjacent, type Answer, adjacentItems, interpolate, rank, type Tally, tally } from './poll.ts';
import { everyoneAnsweredMessage } from './poll-mail.ts';
import { inviteeByToken, newVoteToken } from './vote-tokens.ts';

const minuteMs = 60_000;

/** Rows by key, in their order (Map.groupBy, which the TypeScript target here lacks). */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

export interface Voter {
  invitee: MeetingInvitee;
  /** A CUSTOM vote's preferred options, earliest first. */
  preferred: Date[];
  /** Per option, in option order. */
  answers: Answer[];
}

export interface PollData {
  meeting: Meeting;
  /** Earliest first. */
  options: Date[];
  /** Every invitee, in list order. */
  voters: Voter[];
  /** Per option, in option order. */
  tallies: Tally[];
  /** Best first (src/meetings/poll.ts byScore). */
  ranking: Tally[];
}

/** Whose busy time stands for each invitee: their account's scope, or their user's personal one; absent when convene knows none. */
async function scopesOf(db: Db, invitees: MeetingInvitee[]): Promise<Map<string, BusyScope>> {
  if (!invitees.length) return new Map();
  const byUser = invitees.filter((i) => !i.accountId && i.userId).map((i) => i.userId!);
  const links = byUser.length
    ? await db.userAccount.findMany({ where: { userId: { in: byUser } }, select: { userId: true, accountId: true } })
    : [];
  const accountIds = [...new Set([...invitees.flatMap((i) => (i.accountId ? [i.accountId] : [])), ...links.map((l) => l.accountId)])];
  const scopes = await busyScopes(db, accountIds);
  const result = new Map<string, BusyScope>();
  for (const invitee of invitees) {
    const scope = invitee.accountId
      ? scopes.get(invitee.accountId)
      : links
          .filter((l) => l.userId === invitee.userId)
          .map((l) => scopes.get(l.accountId))
          .find((s) => s?.userId === invitee.userId);
    if (scope) result.set(invitee.id, scope);
  }
  return result;
}

/** The busy items of each invitee over [from, to), leaving out their own meeting's holds. */
async function busyOf(db: Db, invitees: Array<{ invitee: MeetingInvitee; meetingId: string }>, from: Date, to: Date) {
  const scopes = await scopesOf(
    db,
    invitees.map((i) => i.invitee),
  );
  const known = invitees.filter((i) => scopes.has(i.invitee.id));
  const items = known.length
    ? await busyItemsOf(
        db,
        known.map((i) => scopes.get(i.invitee.id)!),
        from,
        to,
      )
    : [];
  return new Map(known.map((i, n): [string, BusyItem[]] => [i.invitee.id, items[n]!.filter((item) => item.id !== i.meetingId)]));
}

/** The polls of these meetings, by meeting id. */
export async function pollsOf(db: Db, meetings: Meeting[]): Promise<Map<string, PollData>> {
  const ids = meetings.map((m) => m.id);
  // The options, and the invitees with their CUSTOM preferences, as raw statements: hundreds of
  // invitees through a model query cost more CPU in Prisma than the rest of the read, and Prisma
  // was still 14% of a 500-invitee poll's CPU with the options' model query (bench/README.md, "Meetings").
  const [options, invitees] = await Promise.all([
    db.$queryRaw<Array<{ meetingId: string; start: Date }>>`
      SELECT o."meetingId"::text, o.start FROM "MeetingOption" o WHERE o."meetingId" = ANY(${ids}::uuid[]) ORDER BY o.start`,
    db.$queryRaw<Array<MeetingInvitee & { preferred: Array<Date | string> }>>`
      SELECT i.*, ARRAY(
               SELECT o.start FROM "MeetingPreference" p JOIN "MeetingOption" o ON o.id = p."optionId"
               WHERE p."inviteeId" = i.id ORDER BY o.start) AS preferred
      FROM "MeetingInvitee" i WHERE i."meetingId" = ANY(${ids}::uuid[])
      ORDER BY i."meetingId", i.position`,
  ]);
  const meetingOf = new Map(meetings.map((m) => [m.id, m]));
  const optionsByMeeting = groupBy(options, (o) => o.meetingId);
  const optionsFor = (meetingId: string) => optionsByMeeting.get(meetingId) ?? [];
  const available = invitees.filter((i) => i.response === 'WHEN_AVAILABLE' && optionsFor(i.meetingId).length);
  let busy = new Map<string, BusyItem[]>();
  if (available.length) {
    const spans = available.flatMap((i) =>
      optionsFor(i.meetingId).map((o) => ({
        start: o.start.getTime(),
        end: o.start.getTime() + meetingOf.get(i.meetingId)!.duration * minuteMs,
      })),
    );
    const from = new Date(Math.min(...spans.map((s) => s.start)));
    const to = new Date(Math.max(...spans.map((s) => s.end)));
    busy = await busyOf(
      db,
      available.map((invitee) => ({ invitee, meetingId: invitee.meetingId })),
      from,
      to,
    );
  }
  const inviteesByMeeting = groupBy(invitees, (i) => i.meetingId);
  return new Map(
    meetings.map((meeting): [string, PollData] => {
      const starts = (optionsByMeeting.get(meeting.id) ?? []).map((o) => o.start);
      const times = starts.map((d) => d.getTime());
      const voters = (inviteesByMeeting.get(meeting.id) ?? []).map(({ preferred: preferredStarts, ...invitee }): Voter => {
        const preferred = preferredStarts.map((start) => new Date(start));
        const items = busy.get(invitee.id);
        const answers = interpolate(
          { response: invitee.response, preferred: new Set(preferred.map((d) => d.getTime())) },
          times,
          meeting.duration * minuteMs,
          items ? items.map((i) => ({ start: i.start.getTime(), end: i.end.getTime() })) : null,
        );
        return { invitee, preferred, answers };
      });
      const tallies = tally(
        times,
        voters.map((v) => v.answers),
      );
      return [meeting.id, { meeting, options: starts, voters, tallies, ranking: rank(tallies) }];
    }),
  );
}

export async function pollOf(db: Db, meeting: Meeting): Promise<PollData> {
  return (await pollsOf(db, [meeting])).get(meeting.id)!;
}

/**
 * The live meeting and the invitee `voterId` of it, when the caller may act as that invitee:
 * with the invitee's vote token, or signed in as the convene user the invitee is. FORBIDDEN
 * otherwise (a wrong, revoked or rotated token, another meeting's); NOT_FOUND for a cancelled meeting.
 */
export async function authorizeVoter(
  db: Db,
  meetingId: string,
  voterId: string,
  voteToken: string | null | undefined,
  viewerId: string | null,
): Promise<{ meeting: Meeting; invitee: MeetingInvitee }> {
  let invitee: MeetingInvitee | null;
  if (voteToken) invitee = await inviteeByToken(db, meetingId, voterId, voteToken);
  else {
    invitee = await db.meetingInvitee.findFirst({ where: { id: voterId, meetingId } });
    if (!invitee || !viewerId || invitee.userId !== viewerId) throw forbidden('voteToken: required unless signed in as this invitee');
  }
  const meeting = await db.meeting.findFirst({ where: { id: meetingId, ...live } });
  if (!meeting) throw notFound('meeting');
  return { meeting, invitee };
}

export interface VoteInput {
  meetingId: string;
  voterId: string;
  voteToken: string | null | undefined;
  response: VoteResponse;
  preferred: Date[] | null | undefined;
}

/**
 * Records the invitee's vote (replacing their last). Refused after the poll's deadline
 * (POLL_CLOSED); `preferred` only with CUSTOM, each one of the options. The meeting row is held
 * (FOR NO KEY UPDATE) so that an update cannot remove an option between the check and the
 * insert, and so that votes on one meeting take turns: the last of two cast at once sees the
 * other, and tells the organizer that everyone has answered (noteAnswer). `now`: the server's clock.
 */
export async function castVote(w: WriteContext, input: VoteInput, viewerId: string | null, now: Date): Promise<Meeting> {
  const { invitee } = await authorizeVoter(w.tx, input.meetingId, input.voterId, input.voteToken, viewerId);
  await w.tx.$queryRaw`SELECT id FROM "Meeting" WHERE id = ${input.meetingId}::uuid FOR NO KEY UPDATE`;
  const meeting = await w.tx.meeting.findFirst({ where: { id: input.meetingId, ...live } });
  if (!meeting) throw notFound('meeting');
  if (meeting.pollDeadline && now >= meeting.pollDeadline) {
    throw appError(ErrorCode.POLL_CLOSED, `the poll closed at ${meeting.pollDeadline.toISOString()}`);
  }
  const preferred = input.preferred ?? [];
  if (preferred.length && input.response !== 'CUSTOM') throw badInput('preferred: only with response CUSTOM');
  const options = await w.tx.meetingOption.findMany({ where: { meetingId: meeting.id } });
  const optionAt = new Map(options.map((o) => [o.start.getTime(), o.id]));
  const optionIds = new Set<string>();
  for (const [i, start] of preferred.entries()) {
    const id = optionAt.get(start.getTime());
    if (!id) throw badInput(`preferred[${i}]: ${start.toISOString()} is not one of the options`);
    optionIds.add(id);
  }
  await w.tx.meetingInvitee.update({ where: { id: invitee.id }, data: { response: input.response, votedAt: now } });
  await w.tx.meetingPreference.deleteMany({ where: { inviteeId: invitee.id } });
  if (optionIds.size)
    await w.tx.meetingPreference.createMany({ data: [...optionIds].map((optionId) => ({ inviteeId: invitee.id, optionId })) });
  await noteAnswer(w, meeting, now);
  w.afterCommit.publish('poll:changed', meeting.id, { meetingId: meeting.id });
  return meeting;
}

/**
 * After castVote has recorded a vote, with the meeting row locked (so of two last votes
 * cast at once, the second sees the first): tells the organizer once every invitee has answered.
 */
export async function noteAnswer(w: WriteContext, meeting: Meeting, now: Date): Promise<void> {
  if (meeting.status !== 'POLLING' || meeting.everyoneAnsweredAt) return;
  // One count per vote (NOT_YET: not answered, as hasAnswered says); the poll only for the last answer.
  if (await w.tx.meetingInvitee.count({ where: { meetingId: meeting.id, response: 'NOT_YET' } })) return;
  const poll = await pollOf(w.tx, meeting);
  if (!poll.voters.length) return;
  const organizer = (await organizersOf(w.tx, [meeting.userId])).get(meeting.userId)!;
  await enqueueMessage(w, everyoneAnsweredMessage(poll, organizer, now));
  // Not through the model: that would move updatedAt, which the feed and clients see.
  await w.tx.$executeRaw`UPDATE "Meeting" SET "everyoneAnsweredAt" = ${now} WHERE id = ${meeting.id}::uuid`;
}

export interface AdjacentEvents extends Adjacent {
  start: Date;
}

/**
 * For each option, the voter's busy items just before and after it on its day in the meeting's
 * zone: titled for the voter's own items, "busy" for what they only see (a shared account's).
 */
export async function adjacentEventsOf(db: Db, meeting: Meeting, invitee: MeetingInvitee): Promise<AdjacentEvents[]> {
  const options = await db.meetingOption.findMany({ where: { meetingId: meeting.id }, orderBy: { start: 'asc' } });
  if (!options.length) return [];
  const dayBound = (d: Date, days: number) =>
    new Date(
      Temporal.Instant.fromEpochMilliseconds(d.getTime()).toZonedDateTimeISO(meeting.timezone).startOfDay().add({ days }).epochMilliseconds,
    );
  const from = dayBound(options[0]!.start, 0);
  const to = dayBound(options.at(-1)!.start, 1);
  const items = (await busyOf(db, [{ invitee, meetingId: meeting.id }], from, to)).get(invitee.id) ?? [];
  const shown = items.map((item) => ({
    start: item.start.getTime(),
    end: item.end.getTime(),
    title: invitee.userId && item.ownerId === invitee.userId ? (item.title ?? 'busy') : 'busy',
  }));
  return options.map((o) => ({
    start: o.start,
    ...adjacentItems(o.start.getTime(), meeting.duration * minuteMs, meeting.timezone, shown),
  }));
}

async function organizersInvitee(w: WriteContext, meetingId: string, inviteeId: string) {
  const meeting = await lockMeeting(w, meetingId);
  const invitee = isUuid(inviteeId) ? await w.tx.meetingInvitee.findFirst({ where: { id: inviteeId, meetingId } }) : null;
  if (!invitee) throw notFound('invitee');
  return { meeting, invitee };
}

/**
 * A new token for an invitee of a meeting the caller organizes (a re-invitation): the old one
 * stops working. Adds a 'reinvited' MeetingEvent whose voteTokens holds the new token, and
 * returns it (the organizer may pass the link on themselves, e.g. without email).
 */
export async function rotateVoteToken(
  w: WriteContext,
  meetingId: string,
  inviteeId: string,
): Promise<{ invitee: MeetingInvitee; token: string }> {
  const { meeting, invitee } = await organizersInvitee(w, meetingId, inviteeId);
  const { token, hash } = newVoteToken();
  const rotated = await w.tx.meetingInvitee.update({ where: { id: invitee.id }, data: { voteTokenHash: hash } });
  const [options, invitees] = await Promise.all([
    w.tx.meetingOption.findMany({ where: { meetingId }, orderBy: { start: 'asc' } }),
    w.tx.meetingInvitee.findMany({ where: { meetingId }, orderBy: { position: 'asc' } }),
  ]);
  const starts = options.map((o) => o.start);
  w.meetingEvents.push({
    type: 'reinvited',
    meeting,
    options: starts,
    invitees,
    removedInvitees: [],
    previous: { meeting, options: starts, invitees },
    voteTokens: new Map([[invitee.id, token]]),
  });
  return { invitee: rotated, token };
}

/** Revokes an invitee's token: their link stops working (signed in, a convene user still votes). */
export async function revokeVoteToken(w: WriteContext, meetingId: string, inviteeId: string): Promise<MeetingInvitee> {
  const { invitee } = await organizersInvitee(w, meetingId, inviteeId);
  return w.tx.meetingInvitee.update({ where: { id: invitee.id }, data: { voteTokenHash: null } });
}
