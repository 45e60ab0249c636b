// `convene seed`: demo data, so that GraphiQL has something to show. Everything goes through
// the public GraphQL API (client.ts), never internal functions, so it keeps working while
// they change. Idempotent: users and tasks are looked up or created with a clientSyncId, the
// room is connected (which links an existing one), the series is created only when no
// appointment carries its clientSyncId. Tokens cannot be looked up (only hashes are kept):
// each run creates new ones named "seed", prints them, and revokes the previous seed tokens,
// so that there is one live seed token per demo user however often it runs.
import { Temporal } from 'temporal-polyfill';
import type { GraphQLClient } from './client.ts';

const tokenName = 'seed';
const demoUsers = [
  { username: 'alice', email: 'alice@example.com', name: 'Alice Example' },
  { username: 'bob', email: 'bob@example.com', name: 'Bob Example' },
];
const room = { provider: 'EXCHANGE', identifier: 'room-1@example.com', name: 'Room 1' };
const seriesClientSyncId = 'seed-team-sync';
const timeZone = 'Europe/Berlin';

const demoTasks: Record<string, Array<{ clientSyncId: string; input: Record<string, unknown> }>> = {
  alice: [
    { clientSyncId: 'seed-task-agenda', input: { title: 'Send the agenda for the team sync', priority: 'HIGH', status: 'IN_PROGRESS' } },
    { clientSyncId: 'seed-task-room', input: { title: 'Book Room 1 for the offsite', priority: 'NORMAL' } },
    { clientSyncId: 'seed-task-notes', input: { title: 'Write up the notes', priority: 'LOW', status: 'COMPLETED', percentComplete: 100 } },
  ],
  bob: [{ clientSyncId: 'seed-task-demo', input: { title: 'Prepare the demo', priority: 'HIGH', status: 'NOT_STARTED' } }],
};

export async function seed(client: GraphQLClient) {
  const tokens: Record<string, string> = {};
  for (const user of demoUsers) tokens[user.username] = await seedUser(client, user);
  const { alice, bob } = tokens as { alice: string; bob: string };

  let roomId = '';
  for (const token of [alice, bob]) {
    const { connectAccount } = await client.run<{ connectAccount: { id: string } }>(
      'mutation SeedRoom($input: ConnectAccountInput!) { connectAccount(input: $input) { id } }',
      { input: room },
      token,
    );
    roomId = connectAccount.id;
  }

  const seriesStart = await seedSeries(client, alice, roomId);

  let taskCount = 0;
  for (const [username, tasks] of Object.entries(demoTasks)) {
    for (const task of tasks) {
      await client.run(
        'mutation SeedTask($clientSyncId: String, $input: TaskInput!) { createTask(clientSyncId: $clientSyncId, input: $input) { id } }',
        task,
        tokens[username],
      );
      taskCount++;
    }
  }

  console.error(
    [
      `seeded: users ${demoUsers.map((u) => u.username).join(' and ')}, the shared room "${room.name}" (${room.identifier}),`,
      `a weekly "Team sync" in ${timeZone} from ${seriesStart} across a daylight-saving change, ${taskCount} tasks.`,
      `Their tokens (named "${tokenName}"; the previous seed tokens are revoked):`,
    ].join('\n'),
  );
  for (const [username, token] of Object.entries(tokens)) console.log(`${username.padEnd(6)} ${token}`);
}

/** The user (created when missing) and a new token for it; their older seed tokens are revoked. */
async function seedUser(client: GraphQLClient, user: (typeof demoUsers)[number]) {
  const { user: existing } = await client.run<{
    user: { tokens: Array<{ id: string; name: string | null; revokedAt: string | null }> } | null;
  }>('query SeedUser($username: String!) { user(username: $username) { tokens { id name revokedAt } } }', { username: user.username });
  if (!existing) {
    await client.run('mutation SeedCreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: user });
  }
  const { createAccessToken } = await client.run<{ createAccessToken: { token: string } }>(
    'mutation SeedToken($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }',
    { input: { username: user.username, scopes: ['SYNC', 'MEETINGS', 'CALENDAR'], name: tokenName } },
  );
  for (const old of existing?.tokens ?? []) {
    if (old.name !== tokenName || old.revokedAt) continue;
    await client.run('mutation SeedRevoke($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: old.id });
  }
  return createAccessToken.token;
}

/**
 * A weekly series in the room: six Mondays at 10:00 Berlin time, three before the next
 * daylight-saving change and three after it, so its UTC time shifts by an hour at the change
 * while the local time stays. Returns its first start.
 */
async function seedSeries(client: GraphQLClient, token: string, accountId: string) {
  const existing = await findAppointment(client, token, seriesClientSyncId);
  if (existing) return existing.start;
  const change = Temporal.Now.zonedDateTimeISO(timeZone).getTimeZoneTransition('next');
  if (!change) throw new Error(`${timeZone} has no upcoming daylight-saving change`);
  const weekBefore = change.toPlainDate().subtract({ weeks: 2 });
  const monday = weekBefore.subtract({ days: weekBefore.dayOfWeek - 1 });
  const start = monday.toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from('10:00') });
  const input = {
    accountId,
    title: 'Team sync',
    location: room.name,
    start: start.toString({ timeZoneName: 'never' }),
    end: start.add({ minutes: 30 }).toString({ timeZoneName: 'never' }),
    timezone: timeZone,
    recurrence: { type: 'WEEKLY', interval: 1, days: ['MONDAY'], occurrences: 6 },
  };
  const { createAppointment } = await client.run<{ createAppointment: { start: string } }>(
    `mutation SeedSeries($clientSyncId: String, $input: AppointmentInput!) {
      createAppointment(clientSyncId: $clientSyncId, input: $input, ignoreConflicts: true) { ... on Appointment { start } } }`,
    { clientSyncId: seriesClientSyncId, input },
    token,
  );
  return createAppointment.start;
}

/** The user's appointment with this clientSyncId, read through sync (a read: nothing is confirmed). */
async function findAppointment(client: GraphQLClient, token: string, clientSyncId: string) {
  let syncToken: string | null = null;
  for (;;) {
    const { sync }: { sync: { token: string; hasMore: boolean; appointments: Array<{ clientSyncId: string | null; start: string }> } } =
      await client.run(
        'query SeedFind($token: String) { sync(token: $token, kinds: [APPOINTMENT], limit: 500) { token hasMore appointments { clientSyncId start } } }',
        { token: syncToken },
        token,
      );
    const found = sync.appointments.find((appointment) => appointment.clientSyncId === clientSyncId);
    if (found || !sync.hasMore) return found ?? null;
    syncToken = sync.token;
  }
}
