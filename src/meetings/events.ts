// Domain events of meetings: one per change of a meeting, collected in the write's context
// (`w.meetingEvents`) and handed, still inside the transaction and before the change feed is
// written, to each handler below. A handler that writes rows (the mail outbox: invitations,
// updates, cancellations) writes them in the same transaction as the change, so they commit or
// roll back together; one that must wait for the commit uses w.afterCommit.
import type { Meeting, MeetingInvitee } from '../generated/prisma/client.ts';
import type { WriteContext } from '../write.ts';
import { enqueueInvitations } from './invitations.ts';

export interface MeetingEvent {
  /**
   * created; updated; scheduled (it has a start now, or a new one); cancelled (deleted);
   * reinvited (the organizer rotated one invitee's vote token: voteTokens holds only theirs,
   * and only they are to be told, with the new link).
   */
  type: 'created' | 'updated' | 'scheduled' | 'cancelled' | 'reinvited';
  /** The meeting after the change (its sequence raised if its time or place changed). */
  meeting: Meeting;
  /** Its proposed starts after the change, sorted. */
  options: Date[];
  /** Its invitees after the change. */
  invitees: MeetingInvitee[];
  /** Invitees this change removed (they are told it is cancelled for them). */
  removedInvitees: MeetingInvitee[];
  /** The meeting, its options and invitees before the change; null for a new meeting. */
  previous: { meeting: Meeting; options: Date[]; invitees: MeetingInvitee[] } | null;
  /**
   * Raw vote tokens issued by this change, by invitee id: every invitee added (src/meetings/
   * vote-tokens.ts). Only here, never stored: the vote link is /vote/<meetingId>/<voterId>?token=<token>.
   */
  voteTokens: Map<string /* inviteeId */, string /* raw token */>;
}

export type MeetingEventHandler = (w: WriteContext, events: MeetingEvent[]) => Promise<void>;

/**
 * Tells meetingChanged subscribers (organizer and invitees), and pollChanged ones (its options or
 * invitees may have changed), on every instance, once committed.
 */
const publishMeetingChanged: MeetingEventHandler = async (w, events) => {
  for (const id of new Set(events.map((event) => event.meeting.id))) {
    w.afterCommit.publish('meeting:changed', id, { meetingId: id });
    w.afterCommit.publish('poll:changed', id, { meetingId: id });
  }
};

/** What runs for a write's meeting events, in order. */
const meetingEventHandlers: MeetingEventHandler[] = [publishMeetingChanged, enqueueInvitations];

/** Called by runWrite (src/write.ts) once the write's own work is done, in its transaction. */
export async function handleMeetingEvents(w: WriteContext) {
  if (!w.meetingEvents.length) return;
  for (const handler of meetingEventHandlers) await handler(w, w.meetingEvents);
}
