// Meetings through the GraphQL API, for the tests that need some.
import type { GraphQLResponse } from './server.ts';
import { dataOf } from './sync.ts';

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>;

export const meetingFields = `id name duration status start end options timezone repeat sequence uid clientSyncId isOrganizer updatedAt
  location { description address latitude longitude } reminder { minutesBefore method } notes timeSlotsDescription calendarId
  organizer { name email } organizerAccount { id } invitees { id email account { id } }`;

const result = `__typename ... on Meeting { ${meetingFields} } ... on Conflicts { conflicts { kind id title start end tentative } }`;

export const CREATE_MEETING = `mutation ($input: CreateMeetingInput!, $ignore: Boolean, $csid: String) {
  createMeeting(input: $input, ignoreConflicts: $ignore, clientSyncId: $csid) { ${result} } }`;
export const UPDATE_MEETING = `mutation ($id: ID!, $input: UpdateMeetingInput!, $ignore: Boolean) {
  updateMeeting(id: $id, input: $input, ignoreConflicts: $ignore) { ${result} } }`;
export const SCHEDULE_MEETING = `mutation ($id: ID!, $start: DateTime!, $ignore: Boolean, $allowPast: Boolean) {
  scheduleMeeting(id: $id, start: $start, ignoreConflicts: $ignore, allowPast: $allowPast) { ${result} } }`;
export const DELETE_MEETING = 'mutation ($id: ID!) { deleteMeeting(id: $id) { id } }';
export const MEETING = `query ($id: ID!) { meeting(id: $id) { ${meetingFields} } }`;

/** A meeting of the caller's (or the conflicts it met): createMeeting's result. */
export async function createMeeting(gql: Gql, input: Record<string, unknown>, options: { ignore?: boolean; clientSyncId?: string } = {}) {
  return dataOf(await gql(CREATE_MEETING, { input, ignore: options.ignore, csid: options.clientSyncId })).createMeeting;
}

/** A draft meeting inviting these accounts: what lets the organizer consider their calendars (slots). */
export async function planMeeting(gql: Gql, organizerAccount: string, inviteeAccounts: string[]) {
  return createMeeting(gql, {
    accountId: organizerAccount,
    name: 'planning',
    duration: 30,
    invitees: inviteeAccounts.map((accountId) => ({ accountId })),
  });
}

/** The vote link in a poll message, and the arguments of `vote` it carries. */
export function voteLinkIn(text: string) {
  const url = /^Vote: (\S+)$/m.exec(text)?.[1];
  if (!url) throw new Error(`no vote link in: ${text}`);
  const { pathname, searchParams } = new URL(url);
  const [, , meetingId, voterId] = pathname.split('/').map(decodeURIComponent);
  return { url, args: { meetingId: meetingId!, voterId: voterId!, voteToken: searchParams.get('token')! } };
}
