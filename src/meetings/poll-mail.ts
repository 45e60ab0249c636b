// The poll notices' messages (poll-notices.ts says when each goes out): to the organizer when
// every invitee has answered and when the deadline has passed, with the options best first;
// to an invitee who has not answered, a reminder before the deadline with a fresh vote link.
import type { OutgoingMessage } from '../email/outbox.ts';
import type { Meeting, MeetingInvitee } from '../generated/prisma/client.ts';
import { type MeetingState, type Organizer, pollText, when, whenAt } from './invitations.ts';
import { hasAnswered, type Tally } from './poll.ts';

/** What the organizer's notices need of the poll (votes.ts PollData has it). */
export interface PollSummary {
  meeting: Meeting;
  voters: Array<{ invitee: MeetingInvitee }>;
  /** Best first. */
  ranking: Tally[];
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The options best first with their tallies, and who has not answered. */
function summary(poll: PollSummary): string[] {
  const { meeting } = poll;
  const waiting = poll.voters.filter((v) => !hasAnswered(v.invitee)).map((v) => v.invitee);
  const byEmail = waiting.flatMap((i) => (i.email ? [i.email] : []));
  const byAccount = waiting.length - byEmail.length;
  return [
    'Options, best first:',
    ...poll.ranking.map(
      (t) =>
        `- ${when(new Date(t.start), meeting)}: ${t.yes} yes, ${t.maybe} maybe, ${t.no} no${t.pending ? `, ${t.pending} not known` : ''}`,
    ),
    ...(waiting.length
      ? ['', `Not answered (${waiting.length}): ${[...byEmail, ...(byAccount ? [`${byAccount} invited by account`] : [])].join(', ')}`]
      : []),
  ];
}

/** To the organizer, from the vote that completed the poll. `at` names the occasion in the key. */
export function everyoneAnsweredMessage(poll: PollSummary, organizer: Organizer, at: Date): OutgoingMessage {
  const { meeting } = poll;
  return {
    key: `meeting.${meeting.id}.answered.${seconds(at)}`,
    to: organizer.email,
    subject: `Everyone has answered: ${meeting.name}`,
    text: [`Every invitee has answered your poll for ${meeting.name}.`, '', ...summary(poll), '', 'Schedule it when you are ready.'].join(
      '\n',
    ),
  };
}

/** To the organizer, once the deadline has passed: votes are refused from now on. */
export function pollClosedMessage(poll: PollSummary, organizer: Organizer): OutgoingMessage {
  const { meeting } = poll;
  const deadline = meeting.pollDeadline!;
  return {
    key: `meeting.${meeting.id}.closed.${seconds(deadline)}`,
    to: organizer.email,
    subject: `Poll closed: ${meeting.name}`,
    text: [
      `The poll for ${meeting.name} closed ${whenAt(deadline, meeting.timezone)}: no more votes are taken.`,
      '',
      ...summary(poll),
      '',
      'Schedule it, or set a later deadline to keep the poll open.',
    ].join('\n'),
  };
}

/**
 * To an invitee who has not answered, before the deadline. The link holds a new token (only
 * hashes are stored, so the old one cannot be sent again): it replaces the earlier one.
 */
export function pollReminderMessage(
  state: MeetingState,
  organizer: Organizer,
  invitee: MeetingInvitee & { email: string },
  voteLink: string,
  at: Date,
): OutgoingMessage {
  const { meeting } = state;
  const zone = invitee.timezone ?? meeting.timezone;
  return {
    key: `meeting.${meeting.id}.reminder.${seconds(at)}.${invitee.id}`,
    to: invitee.email,
    subject: `Reminder: when can you meet: ${meeting.name}`,
    text: [
      `You have not answered yet. The poll closes ${whenAt(meeting.pollDeadline!, zone)}.`,
      '',
      pollText(state, organizer, voteLink, zone),
      '',
      'This link replaces the one in earlier messages.',
    ].join('\n'),
  };
}
