// Meeting benchmarks, on PostgreSQL (see bench/README.md):
//   create  createMeeting of a poll with 50 invitees (40 by email, 10 convene users by account):
//           the meeting, 3 options, 50 invitees with vote tokens, the organizer's 3 holds, 11
//           feed rows (organizer and the 10 users) and 40 outbox rows, in one transaction
//   poll    Meeting.poll of a meeting with 500 invitees, 400 of whom have voted (every response
//           type; 100 WHEN_AVAILABLE voters with 20 appointments each): tallies, ranking and
//           every voter's interpolated answers
//   votes   8 voters voting at once on one 50-invitee poll, for BENCH_MEETING_VOTE_SECONDS:
//           votes on one meeting take turns (the meeting row's lock, src/meetings/votes.ts)
// One fresh database per run, one convene server in a child process (no SMTP_URL: its relay
// claims the mail and hands it to the log, which at the server's LOG_LEVEL=error writes nothing;
// sending over SMTP is the outbox benchmark's); the data is created through the API.
import { performance } from 'node:perf_hooks';
import { type GraphQLClient, graphqlClient } from './lib/graphql.ts';
import { seedUsers } from './lib/postgres.ts';
import { conveneOnFreshDatabase } from './lib/server.ts';
import { median, percentile, timeOperations, warmUp } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface MeetingOptions {
  postgresUrl: string;
  /** Timed createMeeting and poll requests each. */
  requests: number;
  voteSeconds: number;
}

const TARGETS = { createP50: 30, pollP50: 20 };
const CREATE = `mutation ($input: CreateMeetingInput!) { createMeeting(input: $input, ignoreConflicts: true) {
  ... on Meeting { id invitees { id } } } }`;
const ROTATE = 'mutation ($m: ID!, $v: ID!) { rotateVoteToken(meetingId: $m, voterId: $v) { voteToken } }';
const VOTE = `mutation ($m: ID!, $v: ID!, $t: String, $r: VoteResponse!, $p: [DateTime!]) {
  vote(meetingId: $m, voterId: $v, voteToken: $t, response: $r, preferred: $p) { tallies { yes no maybe pending } } }`;
const POLL = `query ($id: ID!) { meeting(id: $id) { poll {
  tallies { start yes no maybe pending } ranking { start yes maybe } notAnswered { id }
  voters { id response answers { start answer } } } } }`;
const APPOINTMENT = `mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }`;

const day = 86_400_000;
const firstOption = Date.parse('2031-09-01T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const responses = ['ALWAYS', 'NO', 'MAYBE', 'CUSTOM', 'WHEN_AVAILABLE'] as const;

export async function runMeetingBenchmarks(options: MeetingOptions, log: (line: string) => void) {
  const { db, server } = await conveneOnFreshDatabase(options.postgresUrl);
  const clients: GraphQLClient[] = [];
  const client = (token: string) => {
    const c = graphqlClient(server.url, { authorization: `Bearer ${token}` });
    clients.push(c);
    return c;
  };
  /** Until the relay has sent (to the log) every queued message: its work belongs to the writes that queued it. */
  const outboxDrained = async () => {
    for (;;) {
      const { rows } = await db.client.query(
        'SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "sentAt" IS NULL AND "failedAt" IS NULL',
      );
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /**
   * `run`'s samples, and the server process's CPU time from its start until the mail it queued
   * is sent, per operation: unlike wall time, a busy machine hardly inflates it. Starts once
   * earlier mail is out, so no earlier work is counted.
   */
  const timedWithCpu = async (run: () => Promise<{ samples: number[]; rate: number }>) => {
    await outboxDrained();
    const before = await server.cpuTime();
    const result = await run();
    await outboxDrained();
    return { ...result, cpuMsPerOperation: ((await server.cpuTime()) - before) / 1000 / result.samples.length };
  };
  try {
    const [organizerUser, ...others] = await seedUsers(db.client, 'meet', 111, 0);
    const organizer = client(organizerUser!.token);
    const accountOf = async (c: GraphQLClient) => (await c.request('{ me { mainAccount { id } } }')).me.mainAccount.id as string;
    const organizerAccount = await accountOf(organizer);
    const users: Array<{ client: GraphQLClient; account: string }> = [];
    for (const u of others) {
      const c = client(u.token);
      users.push({ client: c, account: await accountOf(c) });
    }
    const anonymous = client('none');

    /** A poll meeting: `byAccount` of the users by account, the rest by email; options a day apart from `start`. */
    const input = (name: string, invitees: number, byAccount: number, start: number) => ({
      accountId: organizerAccount,
      name,
      duration: 60,
      timezone: 'Europe/Berlin',
      options: [0, 1, 2].map((k) => iso(start + k * day)),
      invitees: Array.from({ length: invitees }, (_, i) =>
        i < byAccount ? { accountId: users[i]!.account } : { email: `guest${i}@bench.example` },
      ),
    });

    // createMeeting, 50 invitees: each a new poll a week after the last (the holds do not pile up on one day).
    log(`createMeeting with 50 invitees, ${options.requests} times ...`);
    let created = 0;
    const createOne = async () => {
      const start = firstOption + (created++ % 500) * 7 * day;
      await organizer.request(CREATE, { input: input(`planning ${created}`, 50, 10, start) });
    };
    await warmUp(2, 20, createOne);
    const create = await timedWithCpu(() => timeOperations(options.requests, 1, createOne));

    // Meeting.poll, 500 invitees (100 users by account, 400 by email), 400 votes.
    log('a poll of 500 invitees: 2,000 appointments of 100 invitees, 400 votes ...');
    const pollStart = Date.parse('2032-03-01T08:00:00Z');
    const options3 = [0, 1, 2].map((k) => iso(pollStart + k * day));
    await timeOperations(100, 8, async (i) => {
      for (let k = 0; k < 20; k++) {
        const start = pollStart - 5 * day + k * 12 * 3_600_000 + (i % 4) * 3_600_000;
        await users[i]!.client.request(APPOINTMENT, {
          input: {
            accountId: users[i]!.account,
            title: `busy ${k}`,
            timezone: 'Europe/Berlin',
            start: iso(start),
            end: iso(start + 3_600_000),
          },
        });
      }
    });
    const big = (await organizer.request(CREATE, { input: input('all hands', 500, 100, pollStart) })).createMeeting;
    await timeOperations(400, 8, async (i) => {
      const v = big.invitees[i].id;
      const t = (await organizer.request(ROTATE, { m: big.id, v })).rotateVoteToken.voteToken;
      // The 100 users by account answer WHEN_AVAILABLE: their answers come from their calendars.
      const r = i < 100 ? 'WHEN_AVAILABLE' : responses[i % 4]!;
      await anonymous.request(VOTE, { m: big.id, v, t, r, p: r === 'CUSTOM' ? [options3[i % 3]] : null });
    });
    const pollOnce = async () => void (await organizer.request(POLL, { id: big.id }));
    await warmUp(2, 20, pollOnce);
    const poll = await timedWithCpu(() => timeOperations(options.requests, 1, pollOnce));

    // Votes: 8 voters of one 50-invitee poll, each voting again as soon as answered.
    const voting = (await organizer.request(CREATE, { input: input('vote race', 50, 0, Date.parse('2032-06-01T08:00:00Z')) }))
      .createMeeting;
    const voters = await Promise.all(
      voting.invitees.slice(0, 8).map(async (i: { id: string }) => ({
        v: i.id,
        t: (await organizer.request(ROTATE, { m: voting.id, v: i.id })).rotateVoteToken.voteToken,
      })),
    );
    log(`8 voters on one poll for ${options.voteSeconds} s ...`);
    const voteSamples: number[] = [];
    const until = performance.now() + options.voteSeconds * 1000;
    await Promise.all(
      voters.map(async ({ v, t }, k) => {
        for (let n = 0; performance.now() < until; n++) {
          const t0 = performance.now();
          await anonymous.request(VOTE, { m: voting.id, v, t, r: responses[(k + n) % 3]! });
          voteSamples.push(performance.now() - t0);
        }
      }),
    );
    const votesPerSecond = voteSamples.length / options.voteSeconds;

    log('');
    log(
      formatTable([
        ['operation', 'data', 'p50 ms', 'p99 ms', 'server CPU ms/op', 'rate', 'target p50'],
        [
          'createMeeting, 50 invitees',
          'poll of 3 options; 10 users by account, 40 emails',
          fixed(median(create.samples)),
          fixed(percentile(create.samples, 99)),
          fixed(create.cpuMsPerOperation),
          `${fixed(create.rate, 0)} meetings/s`,
          `${TARGETS.createP50} ms`,
        ],
        [
          'Meeting.poll, 500 invitees',
          '400 votes (100 WHEN_AVAILABLE over 2,000 appointments)',
          fixed(median(poll.samples)),
          fixed(percentile(poll.samples, 99)),
          fixed(poll.cpuMsPerOperation),
          `${fixed(poll.rate, 0)} requests/s`,
          `${TARGETS.pollP50} ms`,
        ],
        [
          'vote, 8 voters at once',
          'one poll of 50 invitees',
          fixed(median(voteSamples)),
          fixed(percentile(voteSamples, 99)),
          '',
          `${fixed(votesPerSecond, 0)} votes/s`,
          '(none)',
        ],
      ]),
    );
    log(`(${options.requests} sequential requests each for create and poll, after warm-up; one server process;`);
    log(" server CPU per operation includes the relay's claims and sent marks of the mail it queued, not SMTP)");
    for (const [name, samples, target] of [
      ['createMeeting', create.samples, TARGETS.createP50],
      ['poll', poll.samples, TARGETS.pollP50],
    ] as const) {
      log(`${name}: p50 ${fixed(median(samples))} ms (target <= ${target} ms): ${median(samples) <= target ? 'PASS' : 'BELOW TARGET'}`);
    }
  } finally {
    for (const c of clients) c.close();
    await server.stop();
    await db.drop();
  }
}
