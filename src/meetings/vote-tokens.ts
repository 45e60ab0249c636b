// Vote tokens: the secret in an invitee's vote link (/vote/<meetingId>/<voterId>?token=...),
// which lets them read the poll and vote without signing in. Only its SHA-256 is stored
// (MeetingInvitee.voteTokenHash), so a database leak gives no working links. Each new invitee
// gets one when the meeting is saved; the organizer can rotate it (a re-invitation: the old
// link stops working) or revoke it (no link works until rotated: votes.ts). The raw token exists
// only in the MeetingEvent of that write (event.voteTokens), for the invitation email.
import { hashSecret, newSecret } from '../auth/tokens.ts';
import type { Db } from '../db/database.ts';
import { forbidden } from '../errors.ts';
import type { MeetingInvitee } from '../generated/prisma/client.ts';
import { globalId } from '../ids.ts';

/**
 * The vote page's path for an invitee, with their raw token: what the poll email links to (after
 * PUBLIC_URL) and rotateVoteToken returns. The ids are the API's global ids, as `vote` takes them.
 */
export function votePath(meetingId: string, inviteeId: string, token: string): string {
  const meeting = encodeURIComponent(globalId('Meeting', meetingId));
  const voter = encodeURIComponent(globalId('MeetingInvitee', inviteeId));
  return `/vote/${meeting}/${voter}?token=${encodeURIComponent(token)}`;
}

const prefix = 'cvt_';

/** A new raw token and the hash to store. */
export function newVoteToken(): { token: string; hash: string } {
  const token = newSecret(prefix);
  return { token, hash: hashSecret(token) };
}

/** The invitee a token belongs to, when it is this meeting's; FORBIDDEN otherwise (wrong, revoked, another meeting's). */
export async function inviteeByToken(db: Db, meetingId: string, voterId: string, token: string): Promise<MeetingInvitee> {
  const invitee = token.startsWith(prefix) ? await db.meetingInvitee.findUnique({ where: { voteTokenHash: hashSecret(token) } }) : null;
  if (!invitee || invitee.meetingId !== meetingId || invitee.id !== voterId)
    throw forbidden('voteToken: not a valid vote token for this voter');
  return invitee;
}
