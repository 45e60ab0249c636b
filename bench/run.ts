// `npm run bench`: every benchmark, one table each. Choose some with arguments or BENCH_ONLY
// (names separated by commas or spaces; both lists are merged):
//   npm run bench -- http                  the HTTP throughput benchmark only
//   npm run bench -- sync                  every sync benchmark (PostgreSQL)
//   npm run bench -- sync:delta sync:commit
//   BENCH_ONLY=initial,fanout npm run bench    (the sync: prefix may be left out)
// Names: http, sync, sync:initial, sync:delta, sync:commit, sync:fanout, writes, calendar, meetings, recurrence, startup, outbox, ics, caldav, caldav-query, feeds.
// Environment (HTTP):
//   BENCH_DURATION      measured seconds per target (default 8), split over the rounds
//   BENCH_ROUNDS        turns the targets take (default 2; see bench/README.md)
//   BENCH_WARMUP        warm-up seconds per target (default 5)
//   BENCH_CONNECTIONS   concurrent connections (default 50)
//   BENCH_DATABASE_URL  also measure convene on this database (e.g. postgres://postgres@127.0.0.1:5432/convene_bench)
// Environment (sync; a fresh database convene_bench_<random> is created and dropped per run):
//   BENCH_POSTGRES_URL  a PostgreSQL URL allowed to create databases (default postgres://postgres@127.0.0.1:5432/postgres)
//   BENCH_SYNC_TASKS    tasks of the initial-sync user (default 100000)
//   BENCH_FEED_USERS    users of the big feed (default 1000)
//   BENCH_FEED_TASKS    tasks per user of the big feed (default 1000)
//   BENCH_SYNC_REQUESTS timed sync(token) requests per delta measurement (default 2000)
//   BENCH_SYNC_COMMITS  timed syncCommit calls of the single writer (default 200)
//   BENCH_WRITERS       concurrent writers, one user each (default 8)
//   BENCH_WRITE_SECONDS how long the writers run (default 10)
//   BENCH_SUBSCRIBERS   changesAvailable subscribers (default 5000)
//   BENCH_NOTICES       measured writes per fan-out target (default 5)
// Environment (writes, on a fresh database like sync):
//   BENCH_WRITES_CONNECTIONS  connections per target: all for one user, or one for each of as many users (default 8)
//   BENCH_WRITES_SECONDS      measured seconds per target (default 10), split over the rounds
//   BENCH_WRITES_ROUNDS       turns the four targets take (default 2)
//   BENCH_WRITES_WARMUP       warm-up seconds per target (default 3)
// Environment (calendar, on a fresh database like sync):
//   BENCH_CALENDAR_REQUESTS  timed freeBusy and slots requests each (default 300)
// Environment (meetings, on a fresh database like sync):
//   BENCH_MEETING_REQUESTS      timed createMeeting and Meeting.poll requests each (default 300)
//   BENCH_MEETING_VOTE_SECONDS  how long the 8 voters vote (default 10)
// Environment (recurrence): BENCH_RECURRENCE_MS, BENCH_RECURRENCE_ROUNDS (see bench/recurrence.ts)
// Environment (startup, on fresh databases like sync):
//   BENCH_STARTUP_STARTS       measured starts per target (default 5)
//   BENCH_IDLE_SECONDS         idle time before reading memory (default 2)
//   BENCH_STARTUP_CONNECTIONS  idle subscribed WebSockets for the per-connection figure (default 1000)
// Environment (outbox, on PGlite and a fresh PostgreSQL database like sync):
//   BENCH_OUTBOX_MESSAGES  invitations relayed per database and connection count (default 2000)
// Environment (ics, the ICS feed import, on PGlite and a fresh PostgreSQL database like sync):
//   BENCH_ICS_EVENTS  events of the imported feed (default 5000)
// Environment (caldav, sync-collection on a fresh PostgreSQL database like sync):
//   BENCH_CALDAV_EVENTS    the largest collection (default 100000; also measured at 1/100 and 1/10 of it)
//   BENCH_CALDAV_REQUESTS  timed sync-collection requests per size (default 300)
//   BENCH_CALDAV_SYNCS     timed runs of each tsdav initial sync of a tenth of it (default 5)
// Environment (caldav-query, a month's calendar-query on a fresh PostgreSQL database like sync):
//   BENCH_CALDAV_QUERY_EVENTS    appointments of the calendar, a twentieth of them series (default 10000)
//   BENCH_CALDAV_QUERY_REQUESTS  timed requests per query (default 100)
// Environment (feeds, the calendar feed export, on PGlite and a fresh PostgreSQL database like sync):
//   BENCH_ICS_EVENTS  events of the feed imported to make the exported calendar (default 5000)
// Any benchmark: BENCH_CPU_PROF=<dir> makes every server process write a V8 CPU profile there.
// A benchmark, not a test: it exits 0 whatever the figures, and 1 only when it could not measure.
import { cpus, loadavg } from 'node:os';
import { caldavBench } from './caldav.ts';
import { caldavQueryBench } from './caldav-query.ts';
import { runCalendarBenchmarks } from './calendar.ts';
import { feedsBench } from './feeds.ts';
import { bareYoga, convene, type HttpOptions, httpBench } from './http.ts';
import { icsImportBench } from './ics-import.ts';
import { integer, positive } from './lib/env.ts';
import { machineCpu } from './lib/load.ts';
import { defaultAdminUrl, redactUrl } from './lib/postgres.ts';
import { formatTable } from './lib/table.ts';
import { runMeetingBenchmarks } from './meetings.ts';
import { outboxBench } from './outbox.ts';
import { recurrenceBench } from './recurrence.ts';
import { runStartupBenchmark } from './startup.ts';
import { runSyncBenchmarks, type SyncBenchmark, type SyncOptions, syncBenchmarks } from './sync.ts';
import { runWritesBenchmark } from './writes.ts';

const TARGET_RATIO = 0.7;

const fixed = (n: number, digits = 0) => n.toFixed(digits);

const allNames = [
  'http',
  ...syncBenchmarks.map((name) => `sync:${name}`),
  'writes',
  'calendar',
  'meetings',
  'recurrence',
  'startup',
  'outbox',
  'ics',
  'caldav',
  'caldav-query',
  'feeds',
];

/** The benchmarks named on the command line and in BENCH_ONLY; all of them when none is. */
function selection(): Set<string> {
  const words = [...process.argv.slice(2), ...(process.env.BENCH_ONLY ?? '').split(/[\s,]+/)]
    .map((word) => word.trim().toLowerCase())
    .filter(Boolean);
  if (!words.length) return new Set(allNames);
  const selected = new Set<string>();
  for (const word of words) {
    if (word === 'sync') for (const name of syncBenchmarks) selected.add(`sync:${name}`);
    else if (allNames.includes(word)) selected.add(word);
    else if (allNames.includes(`sync:${word}`)) selected.add(`sync:${word}`);
    else throw new Error(`unknown benchmark "${word}": choose among ${['sync', ...allNames].join(', ')}`);
  }
  return selected;
}

async function http() {
  const options: HttpOptions = {
    duration: positive('BENCH_DURATION', 8),
    rounds: integer('BENCH_ROUNDS', 2),
    warmup: positive('BENCH_WARMUP', 5),
    connections: integer('BENCH_CONNECTIONS', 50),
  };
  const databases = ['pglite:memory'];
  const extra = process.env.BENCH_DATABASE_URL;
  if (extra && extra !== 'pglite:memory') databases.push(extra);

  const rows = await httpBench([bareYoga, ...databases.map(convene)], options, (message) => console.log(`  ${message}`));
  const bare = rows[0]!.requestsPerSecond;
  console.log(
    `\nHTTP: POST /graphql, ${options.connections} connections, ${options.duration} s measured per target ` +
      `(${options.rounds} rounds) after ${options.warmup} s warm-up\n`,
  );
  console.log(
    formatTable([
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'server CPU', 'autocannon CPU', 'other CPU', 'vs bare'],
      ...rows.map((row) => [
        row.target.name,
        fixed(row.requestsPerSecond),
        fixed(row.latencyP50),
        fixed(row.latencyP99),
        String(row.requests),
        `${fixed(row.serverCpu)}%`,
        `${fixed(row.loadGeneratorCpu)}%`,
        `${fixed(row.otherCpu)}%`,
        `${fixed((100 * row.requestsPerSecond) / bare, 1)}%`,
      ]),
    ]),
  );
  console.log('(CPU: % of one core while measuring; "other" = every other process on the machine)\n');
  for (const row of rows.slice(1)) {
    const ratio = row.requestsPerSecond / bare;
    const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
    console.log(`${row.target.name}: ${fixed(100 * ratio, 1)}% of bare yoga (target >= ${100 * TARGET_RATIO}%): ${verdict}`);
  }
}

async function sync(selected: Set<SyncBenchmark>, postgresUrl: string) {
  const options: SyncOptions = {
    postgresUrl,
    initialTasks: integer('BENCH_SYNC_TASKS', 100_000),
    feedUsers: integer('BENCH_FEED_USERS', 1000),
    feedTasks: integer('BENCH_FEED_TASKS', 1000),
    smallTasks: 1000,
    requests: integer('BENCH_SYNC_REQUESTS', 2000),
    commits: integer('BENCH_SYNC_COMMITS', 200),
    writers: integer('BENCH_WRITERS', 8),
    writerSeconds: positive('BENCH_WRITE_SECONDS', 10),
    subscribers: integer('BENCH_SUBSCRIBERS', 5000),
    notices: integer('BENCH_NOTICES', 5),
  };
  console.log(`\nsync benchmarks (${[...selected].join(', ')}) on PostgreSQL (${redactUrl(options.postgresUrl)})`);
  await runSyncBenchmarks(
    selected,
    options,
    (text) => console.log(text),
    (message) => console.log(`  ${message}`),
  );
}

/** The machine's CPU use over two seconds (this process is idle meanwhile), in % of one core. */
async function backgroundCpu(): Promise<number> {
  const before = machineCpu();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return (100 * (machineCpu() - before)) / ((performance.now() - started) * 1000);
}

async function main() {
  const selected = selection();
  console.log(`convene benchmark: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
  console.log(
    `load average before: ${loadavg()
      .map((n) => fixed(n, 2))
      .join(' ')}`,
  );
  const background = await backgroundCpu();
  console.log(
    `CPU used by other processes over 2 s before starting: ${fixed(background)}% of one core` +
      (background > 20 ? ' (the machine is busy: expect disturbed figures, and see the "other CPU" columns)' : ''),
  );
  console.log(`benchmarks: ${[...selected].join(', ')}`);
  console.log(`servers: one child process each (NODE_ENV=${process.env.NODE_ENV ?? 'production'}); load generators: this process\n`);

  const failures: string[] = [];
  const attempt = async (name: string, run: () => Promise<void>) => {
    const started = performance.now();
    try {
      await run();
    } catch (error) {
      failures.push(name);
      console.error(`\n${name} benchmark aborted: ${(error as Error).message}`);
    }
    console.log(`(${name}: ${fixed((performance.now() - started) / 1000)} s)`);
  };
  const postgresUrl = process.env.BENCH_POSTGRES_URL || defaultAdminUrl;
  const print = (text: string) => console.log(text);
  const progress = (message: string) => console.log(`  ${message}`);
  const syncSelected = new Set(syncBenchmarks.filter((name) => selected.has(`sync:${name}`)));
  // One entry per benchmark, in the order they run; the sync benchmarks share one entry.
  const benchmarks: [name: string, wanted: boolean, run: () => Promise<void>][] = [
    ['http', selected.has('http'), http],
    ['sync', syncSelected.size > 0, () => sync(syncSelected, postgresUrl)],
    [
      'writes',
      selected.has('writes'),
      async () => {
        console.log(`\nwrites of one user: convene createTask beside raw pg, on PostgreSQL (${redactUrl(postgresUrl)})`);
        const options = {
          postgresUrl,
          connections: integer('BENCH_WRITES_CONNECTIONS', 8),
          seconds: positive('BENCH_WRITES_SECONDS', 10),
          rounds: integer('BENCH_WRITES_ROUNDS', 2),
          warmup: positive('BENCH_WRITES_WARMUP', 3),
        };
        await runWritesBenchmark(options, print, progress);
      },
    ],
    [
      'calendar',
      selected.has('calendar'),
      async () => {
        console.log(`\ncalendar benchmarks on PostgreSQL (${redactUrl(postgresUrl)})`);
        await runCalendarBenchmarks({ postgresUrl, requests: integer('BENCH_CALENDAR_REQUESTS', 300) }, print);
      },
    ],
    [
      'meetings',
      selected.has('meetings'),
      async () => {
        console.log(`\nmeeting benchmarks on PostgreSQL (${redactUrl(postgresUrl)})`);
        const options = {
          postgresUrl,
          requests: integer('BENCH_MEETING_REQUESTS', 300),
          voteSeconds: positive('BENCH_MEETING_VOTE_SECONDS', 10),
        };
        await runMeetingBenchmarks(options, print);
      },
    ],
    [
      'recurrence',
      selected.has('recurrence'),
      async () => {
        console.log('\nrecurrence expansion (in this process)');
        await recurrenceBench(print);
      },
    ],
    [
      'startup',
      selected.has('startup'),
      async () => {
        console.log(`\nstart-up and memory, convene on PostgreSQL (${redactUrl(postgresUrl)}) and PGlite, beside bare graphql-yoga`);
        const options = {
          postgresUrl,
          starts: integer('BENCH_STARTUP_STARTS', 5),
          idleSeconds: positive('BENCH_IDLE_SECONDS', 2),
          connections: integer('BENCH_STARTUP_CONNECTIONS', 1000),
        };
        await runStartupBenchmark(options, print, progress);
      },
    ],
    [
      'outbox',
      selected.has('outbox'),
      () => outboxBench({ postgresUrl, messages: integer('BENCH_OUTBOX_MESSAGES', 2000) }, print, progress),
    ],
    ['ics', selected.has('ics'), () => icsImportBench({ postgresUrl, events: integer('BENCH_ICS_EVENTS', 5000) }, print, progress)],
    [
      'caldav',
      selected.has('caldav'),
      async () => {
        console.log(`\nCalDAV sync-collection on PostgreSQL (${redactUrl(postgresUrl)})`);
        const options = {
          postgresUrl,
          events: integer('BENCH_CALDAV_EVENTS', 100_000),
          requests: integer('BENCH_CALDAV_REQUESTS', 300),
          syncs: integer('BENCH_CALDAV_SYNCS', 5),
        };
        await caldavBench(options, print, progress);
      },
    ],
    [
      'caldav-query',
      selected.has('caldav-query'),
      async () => {
        console.log(`\nCalDAV calendar-query of one month on PostgreSQL (${redactUrl(postgresUrl)})`);
        const options = {
          postgresUrl,
          events: integer('BENCH_CALDAV_QUERY_EVENTS', 10_000),
          requests: integer('BENCH_CALDAV_QUERY_REQUESTS', 100),
        };
        await caldavQueryBench(options, print, progress);
      },
    ],
    ['feeds', selected.has('feeds'), () => feedsBench({ postgresUrl, events: integer('BENCH_ICS_EVENTS', 5000) }, print, progress)],
  ];
  for (const [name, wanted, run] of benchmarks) if (wanted) await attempt(name, run);
  if (failures.length) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark aborted: ${(error as Error).message}`);
  process.exitCode = 1;
}
