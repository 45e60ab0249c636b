// Calendar benchmarks, on PostgreSQL (see bench/README.md):
//   freebusy  freeBusy over 3 months for a user with 5 accounts, 2,000 appointments of which
//             200 recurring (series expanded on every request)
//   slots     slots for 20 invitees over 4 weeks of working-hour frames at 15-minute steps
//   commits   syncCommit of 100 new appointments, then of 100 changed ones (the freeBusy user's)
// One fresh database per run, one convene server in a child process; the data is created
// through the API (createAppointment), the clients run in this process.
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../test/support/random.ts';
import { type GraphQLClient, graphqlClient } from './lib/graphql.ts';
import { seedUsers } from './lib/postgres.ts';
import { conveneOnFreshDatabase } from './lib/server.ts';
import { median, percentile, timeOperations, warmUp } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface CalendarOptions {
  postgresUrl: string;
  /** Timed requests per measurement. */
  requests: number;
}

const TARGETS = { freeBusyP50: 10, slotsP50: 50 };
const dayMs = 86_400_000;
const windowStart = Date.parse('2027-01-04T00:00:00Z'); // a Monday
const CREATE = `mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }`;
const FREEBUSY = `query ($a: ID!, $f: DateTime!, $t: DateTime!) { freeBusy(accountId: $a, from: $f, to: $t) { start end tentative } }`;
const SLOTS = `query ($input: SlotsInput!) { slots(input: $input) { totalCount slots { start end unavailable tentative rank } } }`;
const CREATE_MEETING = `mutation ($input: CreateMeetingInput!) { createMeeting(input: $input) { __typename } }`;
const SYNC = `query ($t: String) { sync(token: $t, limit: 500, kinds: [APPOINTMENT]) { token hasMore } }`;
const COMMIT = `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { id status } } }`;

const iso = (ms: number) => new Date(ms).toISOString();
const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** `count` appointments over [from, from + spanDays), `recurring` of them weekly/daily/monthly series. */
async function createAppointments(
  client: GraphQLClient,
  accounts: string[],
  count: number,
  recurring: number,
  spanDays: number,
  seed: number,
) {
  const rand = seededRandom(seed);
  const inputs = Array.from({ length: count }, (_, i) => {
    const day = Math.floor(rand() * spanDays);
    const start = windowStart + day * dayMs + (7 + Math.floor(rand() * 40) / 4) * 3_600_000;
    const end = start + (1 + Math.floor(rand() * 8)) * 15 * 60_000;
    const kind = i % 3;
    return {
      accountId: accounts[i % accounts.length],
      title: `appointment ${i}`,
      timezone: 'Europe/Berlin',
      shownAs: rand() < 0.15 ? 'TEMPORARY' : rand() < 0.05 ? 'FREE' : 'RESERVED',
      start: iso(start),
      end: iso(end),
      ...(i < recurring
        ? {
            recurrence:
              kind === 0
                ? { type: 'DAILY', interval: 1 + Math.floor(rand() * 3) }
                : kind === 1
                  ? { type: 'WEEKLY', interval: 1, days: [weekdayOf(start)] }
                  : { type: 'MONTHLY', interval: 1, dayInMonth: new Date(start).getUTCDate() },
          }
        : {}),
    };
  });
  await timeOperations(inputs.length, 8, async (i) => {
    await client.request(CREATE, { input: inputs[i] });
  });
}

function weekdayOf(ms: number) {
  // Start times are between 07:00 and 17:00 UTC, the same local day in Berlin.
  return ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'][new Date(ms).getUTCDay()]!;
}

/**
 * `count` syncCommits of the refs `refsFor(i)` gives, each after a sync for its batch token;
 * only the commits are timed. Every result must have `status`.
 */
async function timeCommits(
  client: GraphQLClient,
  count: number,
  status: string,
  refsFor: (i: number) => Array<Record<string, unknown>>,
): Promise<{ samples: number[]; ids: string[] }> {
  let token: string | null = null;
  for (let hasMore = true; hasMore; ) ({ token, hasMore } = (await client.request(SYNC, { t: token })).sync);
  const samples: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const batch = (await client.request(SYNC, { t: token })).sync;
    const started = performance.now();
    const commit = (await client.request(COMMIT, { input: { token: batch.token, appointments: refsFor(i) } })).syncCommit;
    samples.push(performance.now() - started);
    const wrong = commit.results.find((r: { status: string }) => r.status !== status);
    if (wrong) throw new Error(`syncCommit: expected ${status}, got ${wrong.status}`);
    ids.push(...commit.results.map((r: { id: string }) => r.id));
    token = commit.token;
  }
  return { samples, ids };
}

export async function runCalendarBenchmarks(options: CalendarOptions, log: (line: string) => void) {
  const { db, server } = await conveneOnFreshDatabase(options.postgresUrl);
  const clients: GraphQLClient[] = [];
  try {
    const users = await seedUsers(db.client, 'cal', 21, 0);
    const [owner, ...invitees] = users.map((u) => {
      const client = graphqlClient(server.url, { authorization: `Bearer ${u.token}` });
      clients.push(client);
      return { ...u, client };
    });
    const mainAccount = async (client: GraphQLClient) =>
      (await client.request('{ me { mainAccount { id } } }')).me.mainAccount.id as string;

    // freeBusy: 5 accounts, 2,000 appointments over a year (200 recurring).
    const accounts = [await mainAccount(owner!.client)];
    for (let i = 1; i < 5; i++) {
      const connected = await owner!.client.request(
        `mutation { connectAccount(input: { provider: EXCHANGE, identifier: "owner-${i}@bench.example" }) { id } }`,
      );
      accounts.push(connected.connectAccount.id);
    }
    log('creating 2,000 appointments (200 recurring) on 5 accounts ...');
    await createAppointments(owner!.client, accounts, 2000, 200, 365, 1);
    const fb = { a: accounts[0], f: iso(windowStart + 30 * dayMs), t: iso(windowStart + 122 * dayMs) };
    const intervals = (await owner!.client.request(FREEBUSY, fb)).freeBusy.length as number;
    await warmUp(3, 50, async () => void (await owner!.client.request(FREEBUSY, fb)));
    const freeBusy = await timeOperations(options.requests, 1, async () => void (await owner!.client.request(FREEBUSY, fb)));

    // slots: 20 invitees with 120 appointments each (10 recurring) around 4 weeks of frames.
    log('creating 2,400 appointments for 20 invitees ...');
    const inviteeAccounts: string[] = [];
    for (const [i, invitee] of invitees.entries()) {
      const account = await mainAccount(invitee.client);
      inviteeAccounts.push(account);
      await createAppointments(invitee.client, [account], 120, 10, 28, 100 + i);
    }
    // Slots consider only calendars the organizer has a relationship with: a draft meeting
    // inviting the 20 gives it one, as planning a meeting does.
    await owner!.client.request(CREATE_MEETING, {
      input: { accountId: accounts[0], name: 'planning', duration: 60, invitees: inviteeAccounts.map((accountId) => ({ accountId })) },
    });
    const frames = Array.from({ length: 28 }, (_, d) => d)
      .filter((d) => d % 7 < 5)
      .map((d) => ({ start: iso(windowStart + d * dayMs + 8 * 3_600_000), end: iso(windowStart + d * dayMs + 17 * 3_600_000) }));
    const slotsInput = {
      organizerAccountId: accounts[0],
      inviteeAccountIds: inviteeAccounts,
      duration: 60,
      step: 15,
      frames,
      pageSize: 20,
    };
    const candidates = (await owner!.client.request(SLOTS, { input: slotsInput })).slots.totalCount as number;
    await warmUp(3, 30, async () => void (await owner!.client.request(SLOTS, { input: slotsInput })));
    const slots = await timeOperations(options.requests, 1, async () => void (await owner!.client.request(SLOTS, { input: slotsInput })));

    // syncCommit: 100 new appointments a commit (a month of them), then 100 changes to those.
    log('syncCommit of 100 new, then 100 changed appointments ...');
    const commits = Math.max(10, Math.round(options.requests / 10));
    const news = await timeCommits(owner!.client, commits, 'CREATED', (i) =>
      Array.from({ length: 100 }, (_, k) => {
        const start = windowStart + ((i * 100 + k) % 30) * dayMs + (8 + (k % 9)) * 3_600_000;
        return {
          clientSyncId: `bench-${i}-${k}`,
          changes: {
            accountId: accounts[k % accounts.length],
            title: `pushed ${i}-${k}`,
            timezone: 'Europe/Berlin',
            start: iso(start),
            end: iso(start + 3_600_000),
          },
        };
      }),
    );
    const changed = await timeCommits(owner!.client, commits, 'APPLIED', (i) =>
      news.ids
        .slice((i * 100) % news.ids.length, ((i * 100) % news.ids.length) + 100)
        .map((id) => ({ id, changes: { title: `renamed ${i}` } })),
    );

    log('');
    const row = (name: string, data: string, answer: string, samples: number[], rate: string, target: string) => [
      name,
      data,
      answer,
      fixed(median(samples)),
      fixed(percentile(samples, 99)),
      rate,
      target,
    ];
    const commitRow = (name: string, samples: number[]) =>
      row(
        name,
        'the freeBusy user (5 accounts)',
        `${commits} commits`,
        samples,
        `${fixed((100 * 1000) / median(samples), 0)} obj/s`,
        '(none)',
      );
    log(
      formatTable([
        ['query', 'data', 'answer', 'p50 ms', 'p99 ms', 'requests/s', 'target p50'],
        row(
          'freeBusy, 3 months',
          '5 accounts, 2,000 appointments (200 recurring)',
          `${intervals} busy intervals`,
          freeBusy.samples,
          fixed(freeBusy.rate, 0),
          `${TARGETS.freeBusyP50} ms`,
        ),
        row(
          'slots, 20 invitees, 4 weeks',
          '21 calendars, 2,400 appointments; 20 × 9 h frames, 15 min steps, 60 min',
          `${candidates} slots ranked`,
          slots.samples,
          fixed(slots.rate, 0),
          `${TARGETS.slotsP50} ms`,
        ),
        commitRow('syncCommit, 100 new appointments', news.samples),
        commitRow('syncCommit, 100 changed appointments', changed.samples),
      ]),
    );
    log(`(${options.requests} sequential requests each over HTTP after warm-up; ${commits} commits each; one client, one server process)`);
    for (const [name, samples, target] of [
      ['freeBusy', freeBusy.samples, TARGETS.freeBusyP50],
      ['slots', slots.samples, TARGETS.slotsP50],
    ] as const) {
      log(`${name}: p50 ${fixed(median(samples))} ms (target <= ${target} ms): ${median(samples) <= target ? 'PASS' : 'BELOW TARGET'}`);
    }
  } finally {
    for (const client of clients) client.close();
    await server.stop();
    await db.drop();
  }
}
