// Calendar feed export (`npm run bench -- feeds`): GET /feeds/cvf_<secret>.ics of a user with
// ~5,000 appointments, on a real convene server over HTTP, on PGlite (in memory) and
// PostgreSQL. The calendar is the ICS import benchmark's feed (bench/ics-import.ts, BENCH_ICS_EVENTS
// events: single events in two zone spellings, 500 weekly series of 20 with an EXDATE, 100
// rules expanded into single occurrences: 5,500 appointments), imported through an ICS
// synchronization, so it is built by convene's own write path. Each database is measured in a
// fresh child process (server and client in it), so that its peak RSS is the export's. Figures:
//   first GET    the first export after the server started: time to first byte and total
//   warm GET     the same again without If-None-Match (median of 5): the text of this version
//                is kept, so this is one statement and the sending
//   changed      one appointment added through GraphQL, then a GET (median of 3): the whole
//                text built again, with the process warm
//   304          If-None-Match with the ETag (median of 20): one statement, no body
// Target (issue 12): export under 1 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessToken, createUser } from '../src/auth/users.ts';
import { loadConfig } from '../src/config.ts';
import { createServer as createConvene } from '../src/server.ts';
import { childMain, inChildPerDatabase } from './lib/child.ts';
import { graphqlClient } from './lib/graphql.ts';
import { benchFeed } from './lib/ics-feed.ts';
import { redactUrl } from './lib/postgres.ts';
import { median } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface FeedsOptions {
  postgresUrl: string;
  events: number;
}

interface Figures {
  appointments: number;
  bytes: number;
  firstTtfbMs: number;
  firstMs: number;
  warmTtfbMs: number;
  warmMs: number;
  changedTtfbMs: number;
  changedMs: number;
  notModifiedMs: number;
  baseRssMb: number;
  peakRssMb: number;
}

const fixed = (n: number, digits = 0) => n.toFixed(digits);

/** A GET: time to the response head (the server sends the body with it) and to the last byte. */
async function timedGet(url: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const ttfbMs = performance.now() - started;
  const body = await response.text();
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    bytes: Buffer.byteLength(body),
    ttfbMs,
    totalMs: performance.now() - started,
  };
}

/** One database, in this (child) process. */
async function measure(databaseUrl: string, events: number): Promise<Figures> {
  const source: Server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/calendar' }).end(benchFeed(events)),
  );
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  const server = createConvene(
    loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ICS_ALLOW_PRIVATE_ADDRESSES: 'true' }),
  );
  const endpoint = await server.start();
  try {
    await createUser({ prisma: server.db.prisma }, { username: 'feed-bench', email: 'feed-bench@example.com' });
    const { token } = await createAccessToken(server.db.prisma, { username: 'feed-bench', scopes: ['CALENDAR'] });
    const client = graphqlClient(endpoint, { authorization: `Bearer ${token}` });
    const gql = (query: string, variables: Record<string, unknown> = {}) => client.request(query, variables);
    const account = (await gql('{ me { mainAccount { id } } }')).me.mainAccount.id;
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/feed.ics`;
    const { createSynchronization } = await gql(
      'mutation ($input: CreateSynchronizationInput!) { createSynchronization(input: $input) { id } }',
      { input: { type: 'ICS', provisioning: { url, accountId: account } } },
    );
    const refreshed = await gql('mutation ($id: ID!) { refreshSynchronization(id: $id) { lastError } }', { id: createSynchronization.id });
    if (refreshed.refreshSynchronization.lastError) throw new Error(refreshed.refreshSynchronization.lastError);
    const appointments = await server.db.prisma.appointment.count();
    const { createCalendarFeed } = await gql('mutation { createCalendarFeed { url } }');

    const baseRssMb = process.memoryUsage().rss / 2 ** 20;
    const first = await timedGet(createCalendarFeed.url);
    if (first.status !== 200 || !first.etag) throw new Error(`feed answered ${first.status}`);
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push(await timedGet(createCalendarFeed.url));
    const changed = [];
    for (let i = 0; i < 3; i++) {
      await gql('mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }', {
        input: { accountId: account, title: `Added ${i}`, timezone: 'UTC', start: '2027-06-01T10:00:00Z', end: '2027-06-01T11:00:00Z' },
      });
      changed.push(await timedGet(createCalendarFeed.url));
    }
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const notModified = [];
    for (let i = 0; i < 20; i++) {
      const answer = await timedGet(createCalendarFeed.url, { 'if-none-match': changed.at(-1)!.etag! });
      if (answer.status !== 304) throw new Error(`If-None-Match answered ${answer.status}`);
      notModified.push(answer.totalMs);
    }
    return {
      appointments,
      bytes: first.bytes,
      firstTtfbMs: first.ttfbMs,
      firstMs: first.totalMs,
      warmTtfbMs: median(warm.map((w) => w.ttfbMs)),
      warmMs: median(warm.map((w) => w.totalMs)),
      changedTtfbMs: median(changed.map((c) => c.ttfbMs)),
      changedMs: median(changed.map((c) => c.totalMs)),
      notModifiedMs: median(notModified),
      baseRssMb,
      peakRssMb,
    };
  } finally {
    await server.stop();
    source.close();
  }
}

export async function feedsBench(options: FeedsOptions, print: (text: string) => void, progress: (text: string) => void) {
  const rows: string[][] = [];
  const runs = await inChildPerDatabase<Figures>(import.meta.url, options.postgresUrl, [String(options.events)], (name) =>
    progress(`${name}: import of ${options.events} events, then the feed's first, warm, changed and 304 GETs`),
  );
  for (const { name, figures: f } of runs) {
    rows.push([
      name,
      String(f.appointments),
      fixed(f.bytes / 2 ** 20, 1),
      fixed(f.firstTtfbMs),
      fixed(f.firstMs),
      fixed(f.warmTtfbMs),
      fixed(f.warmMs),
      fixed(f.changedTtfbMs),
      fixed(f.changedMs),
      fixed(f.notModifiedMs, 1),
      fixed(f.baseRssMb),
      fixed(f.peakRssMb),
      f.firstMs < 1000 && f.changedMs < 1000 ? 'PASS' : 'BELOW TARGET',
    ]);
  }
  print(
    `\nCalendar feed export: GET /feeds/<secret>.ics of ~${options.events} appointments (PostgreSQL at ${redactUrl(options.postgresUrl)})\n`,
  );
  print(
    formatTable([
      [
        'database',
        'appointments',
        'MB',
        'first TTFB ms',
        'first total ms',
        'warm TTFB ms',
        'warm total ms',
        'changed TTFB ms',
        'changed total ms',
        '304 ms',
        'RSS before MB',
        'peak RSS MB',
        'target',
      ],
      ...rows,
    ]),
  );
  print('(warm: median of 5, changed: of 3, 304: of 20; target: export under 1 s)');
}

childMain((databaseUrl, events) => measure(databaseUrl, Number(events)));
