// Sync benchmarks, on PostgreSQL (see bench/README.md):
//   initial  a full sync of 100,000 tasks through sync(limit: 500), next to raw pg reads
//   delta    sync(token) latency for 10 changes, on a small feed and on a 1,000,000-row feed
//   commit   syncCommit of 100 changed tasks: latency alone, then 8 writers on 8 users
//   fanout   one write notifying 5,000 changesAvailable subscribers, next to bare graphql-ws
// One fresh database per run (created, migrated by the server, seeded with SQL, dropped at the
// end) and one convene server in a child process; the clients run in this process.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type GraphQLClient, graphqlClient } from './lib/graphql.ts';
import { type Cpu, cpuCells, cpuHeader, cpuMeter } from './lib/load.ts';
import { type BenchDatabase, checkFeed, createBenchDatabase, type SeededUser, seedUsers } from './lib/postgres.ts';
import { type ServerProcess, startServerProcess } from './lib/server.ts';
import { median, percentile, type Timed, timeOperations, warmUp } from './lib/stats.ts';
import { connectSubscribers, openFileLimit } from './lib/subscribers.ts';
import { formatTable } from './lib/table.ts';

export const syncBenchmarks = ['initial', 'delta', 'commit', 'fanout'] as const;
export type SyncBenchmark = (typeof syncBenchmarks)[number];

export interface SyncOptions {
  /** A PostgreSQL URL whose user may create databases (the database in it is only used for that). */
  postgresUrl: string;
  /** Tasks of the initial-sync user. */
  initialTasks: number;
  /** The big feed: users × tasks each. */
  feedUsers: number;
  feedTasks: number;
  /** Tasks of the small-feed user (also the delta and fan-out user). */
  smallTasks: number;
  /** Timed sync(token) requests per delta measurement (each sequential and at concurrency 8). */
  requests: number;
  /** Timed syncCommit calls of the single writer. */
  commits: number;
  writers: number;
  writerSeconds: number;
  subscribers: number;
  /** Measured writes per fan-out target. */
  notices: number;
}

const pageSize = 500;
const deltaChanges = 10;
const commitSize = 100;
const deltaConcurrency = 8;
/** The first delta measurement is the server's first steady load: V8 and Prisma need a few seconds. */
const deltaWarmupSeconds = 5;
const TARGETS = { objectsPerSecond: 20_000, deltaP50: 5, deltaP99: 20 };

const taskFields = 'id clientSyncId title notes start due status priority percentComplete createdAt updatedAt';
const SYNC = `query Sync($token: String, $limit: Int) {
  sync(token: $token, limit: $limit) { token hasMore full tasks { ${taskFields} } deleted { kind id clientSyncId } } }`;
const UPDATE = `mutation Update($id: ID!, $input: TaskInput!) { updateTask(id: $id, input: $input) { id updatedAt } }`;
const COMMIT = `mutation Commit($input: SyncCommitInput!) {
  syncCommit(input: $input) { token results { id status message } } }`;
const CREATE = `mutation Create($input: TaskInput!) { createTask(input: $input) { id } }`;
const CHANGES = 'subscription { changesAvailable { revision kinds } }';

interface Task {
  id: string;
}
interface Batch {
  token: string;
  hasMore: boolean;
  full: boolean;
  tasks: Task[];
  deleted: unknown[];
}

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const count = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => fixed(n, n < 10 ? 2 : 1);

// ---- The database, the server and the seeded users ----

class Fixture {
  small?: SeededUser;
  initial?: SeededUser;
  feed?: SeededUser[];
  /** The 100,000-task user's sync token at the head and its task ids (from the initial sync). */
  initialHead?: { token: string; ids: string[] };
  /** Per user: a token from before the 10 delta changes. */
  readonly deltaTokens = new Map<string, string>();
  private readonly clients = new Map<string, GraphQLClient>();

  private constructor(
    readonly db: BenchDatabase,
    readonly server: ServerProcess,
    readonly options: SyncOptions,
    readonly progress: (message: string) => void,
  ) {}

  static async open(options: SyncOptions, progress: (message: string) => void): Promise<Fixture> {
    const db = await createBenchDatabase(options.postgresUrl);
    progress(`database ${db.name} created; starting convene on it (migrations at start)`);
    try {
      const server = await startServerProcess('convene', [db.url], { exposeGc: true });
      return new Fixture(db, server, options, progress);
    } catch (error) {
      await db.drop();
      throw error;
    }
  }

  client(user: SeededUser): GraphQLClient {
    let client = this.clients.get(user.id);
    if (!client) {
      client = graphqlClient(this.server.url, { authorization: `Bearer ${user.token}` });
      this.clients.set(user.id, client);
    }
    return client;
  }

  private async seed(what: string, prefix: string, users: number, tasks: number) {
    const started = performance.now();
    this.progress(`seeding ${what}: ${count(users)} user(s) × ${count(tasks)} tasks`);
    const seeded = await seedUsers(this.db.client, prefix, users, tasks);
    const { feedRows } = await checkFeed(this.db.client);
    this.progress(
      `  seeded in ${fixed((performance.now() - started) / 1000, 1)} s (incl. VACUUM ANALYZE); feed rows now ${count(feedRows)}`,
    );
    return seeded;
  }

  async smallUser() {
    this.small ??= (await this.seed('the small feed', 'small', 1, this.options.smallTasks))[0]!;
    return this.small;
  }

  async initialUser() {
    this.initial ??= (await this.seed('the initial-sync user', 'initial', 1, this.options.initialTasks))[0]!;
    return this.initial;
  }

  async feedUsers() {
    this.feed ??= await this.seed('the big feed', 'feed', this.options.feedUsers, this.options.feedTasks);
    return this.feed;
  }

  async feedRows(userId?: string): Promise<number> {
    const { rows } = userId
      ? await this.db.client.query('SELECT count(*)::int AS n FROM "Change" WHERE "userId" = $1', [userId])
      : await this.db.client.query('SELECT count(*)::int AS n FROM "Change"');
    return rows[0].n;
  }

  async close() {
    for (const client of this.clients.values()) client.close();
    try {
      await this.server.stop();
    } finally {
      await this.db.drop();
    }
  }
}

async function sync(client: GraphQLClient, token: string | null, limit = pageSize): Promise<Batch> {
  return (await client.request<{ sync: Batch }>(SYNC, { token, limit })).sync;
}

/** Syncs from scratch to the head; the last token, every task id and the page count. */
async function fullSync(client: GraphQLClient): Promise<{ token: string; ids: string[]; pages: number }> {
  let token: string | null = null;
  const ids: string[] = [];
  let pages = 0;
  for (;;) {
    const batch: Batch = await sync(client, token);
    pages++;
    for (const task of batch.tasks) ids.push(task.id);
    if (batch.deleted.length) throw new Error(`a full sync returned ${batch.deleted.length} tombstones`);
    token = batch.token;
    if (!batch.hasMore) return { token, ids, pages };
  }
}

// ---- 1. Initial sync ----

interface InitialRow {
  path: string;
  objects: number;
  pages: number;
  seconds: number;
  cpu: Cpu;
}

async function initialSync(fx: Fixture): Promise<InitialRow[]> {
  const user = await fx.initialUser();
  const small = await fx.smallUser();
  const client = fx.client(user);
  fx.progress('warm-up: 3 full syncs of the small user');
  for (let i = 0; i < 3; i++) await fullSync(fx.client(small));

  fx.progress(`convene: full sync of ${count(user.tasks)} tasks, sync(limit: ${pageSize}) over HTTP`);
  const meter = await cpuMeter(fx.server);
  const started = performance.now();
  const result = await fullSync(client);
  const seconds = (performance.now() - started) / 1000;
  const cpu = await meter();
  if (result.ids.length !== user.tasks || new Set(result.ids).size !== user.tasks) {
    throw new Error(`the full sync returned ${result.ids.length} tasks (${new Set(result.ids).size} distinct), not ${user.tasks}`);
  }
  fx.initialHead = { token: result.token, ids: result.ids };
  const rows: InitialRow[] = [{ path: `convene sync(limit: ${pageSize}), HTTP`, objects: user.tasks, pages: result.pages, seconds, cpu }];

  // The physical limit: the same rows straight from PostgreSQL, one keyset query per page
  // (the feed joined to Task, as the server reads them), each page serialized to JSON.
  const readRaw = async () => {
    let after = 0;
    let objects = 0;
    let pages = 0;
    let bytes = 0;
    for (;;) {
      const { rows } = await fx.db.client.query({
        name: 'bench-raw-page',
        text: `SELECT c.revision, t.id, t."clientSyncId", t.title, t.notes, t.start, t.due, t.status, t.priority,
                      t."percentComplete", t."createdAt", t."updatedAt"
               FROM "Change" c JOIN "Task" t ON t.id = c."objectId" AND t."userId" = c."userId"
               WHERE c."userId" = $1 AND c.kind = 'TASK' AND c.revision > $2 AND NOT c.deleted
               ORDER BY c.revision LIMIT $3`,
        values: [user.id, after, pageSize],
      });
      if (!rows.length) break;
      pages++;
      objects += rows.length;
      bytes += JSON.stringify(rows).length;
      after = rows.at(-1)!.revision;
      if (rows.length < pageSize) break;
    }
    return { objects, pages, bytes };
  };
  fx.progress('raw pg: warm-up pass, then the measured pass');
  await readRaw();
  const rawMeter = await cpuMeter(fx.server);
  const rawStarted = performance.now();
  const raw = await readRaw();
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  const rawCpu = await rawMeter();
  if (raw.objects !== user.tasks) throw new Error(`raw reads returned ${raw.objects} rows, not ${user.tasks}`);
  rows.push({
    path: `raw pg, keyset ${pageSize}/page + JSON.stringify`,
    objects: raw.objects,
    pages: raw.pages,
    seconds: rawSeconds,
    cpu: rawCpu,
  });
  return rows;
}

function initialTable(rows: InitialRow[]): string {
  const raw = rows[1]!;
  const rate = (row: InitialRow) => row.objects / row.seconds;
  const convene = rows[0]!;
  const verdict = rate(convene) >= TARGETS.objectsPerSecond ? 'PASS' : 'BELOW TARGET';
  return [
    `1. Initial sync: ${count(convene.objects)} tasks of one user, all Task fields, pages of ${pageSize}\n`,
    formatTable([
      ['path', 'objects', 'pages', 'seconds', 'objects/s', 'ms/page', ...cpuHeader, 'vs raw'],
      ...rows.map((row) => [
        row.path,
        count(row.objects),
        String(row.pages),
        fixed(row.seconds, 2),
        count(Math.round(rate(row))),
        ms((1000 * row.seconds) / row.pages),
        ...cpuCells(row.cpu),
        `${fixed((100 * rate(row)) / rate(raw), 1)}%`,
      ]),
    ]),
    '(CPU: % of one core; server = the convene process, client = this process, PG = every PostgreSQL process,',
    ' other = the rest of the machine. The raw path runs in this process: its pg parsing is client CPU.)',
    `convene: ${count(Math.round(rate(convene)))} objects/s (target >= ${count(TARGETS.objectsPerSecond)}): ${verdict}`,
  ].join('\n');
}

// ---- 2. Delta sync ----

interface DeltaRow {
  label: string;
  feedRows: number;
  ownRows: number;
  sequential: Timed;
  concurrent: Timed;
  cpu: Cpu;
}

/** A token at the head of the user's feed, then 10 changes through updateTask (once per user). */
async function deltaToken(fx: Fixture, user: SeededUser): Promise<string> {
  const known = fx.deltaTokens.get(user.id);
  if (known) return known;
  const client = fx.client(user);
  const head = user === fx.initial && fx.initialHead ? fx.initialHead : await fullSync(client);
  for (const [i, id] of head.ids.slice(0, deltaChanges).entries()) {
    await client.request(UPDATE, { id, input: { title: `changed for the delta benchmark (${i})`, percentComplete: 50 } });
  }
  fx.deltaTokens.set(user.id, head.token);
  return head.token;
}

async function deltaRow(fx: Fixture, label: string, user: SeededUser): Promise<DeltaRow> {
  const requests = fx.options.requests;
  fx.progress(
    `${label}: token at the head, ${deltaChanges} updateTask, then ${count(requests)} sync(token) sequential + ${count(requests)} at concurrency ${deltaConcurrency}`,
  );
  const client = fx.client(user);
  const token = await deltaToken(fx, user);
  const first = await sync(client, token);
  if (first.tasks.length !== deltaChanges || first.hasMore || first.full || first.deleted.length) {
    throw new Error(`sync(token) returned ${first.tasks.length} tasks (hasMore ${first.hasMore}, full ${first.full}), not ${deltaChanges}`);
  }
  const expected = new Set(first.tasks.map((task) => task.id));
  const once = async () => {
    const batch = await sync(client, token);
    if (batch.tasks.length !== deltaChanges || !batch.tasks.every((task) => expected.has(task.id))) {
      throw new Error(`sync(token) changed its answer: ${batch.tasks.length} tasks`);
    }
  };
  await warmUp(deltaWarmupSeconds, 200, once);
  const meter = await cpuMeter(fx.server);
  const sequential = await timeOperations(requests, 1, once);
  const cpu = await meter();
  const concurrent = await timeOperations(requests, deltaConcurrency, once);
  return { label, feedRows: await fx.feedRows(), ownRows: await fx.feedRows(user.id), sequential, concurrent, cpu };
}

function deltaTable(rows: DeltaRow[]): string {
  const lines = [
    `2. Delta sync: sync(token) returning the same ${deltaChanges} changed tasks, ${count(rows[0]?.sequential.samples.length ?? 0)} requests ` +
      `sequential, then as many at concurrency ${deltaConcurrency}\n`,
    formatTable([
      [
        'feed',
        'feed rows',
        "user's rows",
        'p50 ms',
        'p99 ms',
        'req/s',
        'server CPU/req',
        'other CPU',
        `c${deltaConcurrency} p50`,
        `c${deltaConcurrency} p99`,
        `c${deltaConcurrency} req/s`,
      ],
      ...rows.map((row) => [
        row.label,
        count(row.feedRows),
        count(row.ownRows),
        ms(median(row.sequential.samples)),
        ms(percentile(row.sequential.samples, 99)),
        fixed(row.sequential.rate),
        `${fixed(row.cpu.serverMicros / row.sequential.samples.length)} µs`,
        `${fixed(row.cpu.other)}%`,
        ms(median(row.concurrent.samples)),
        ms(percentile(row.concurrent.samples, 99)),
        fixed(row.concurrent.rate),
      ]),
    ]),
  ];
  for (const row of rows) {
    const p50 = median(row.sequential.samples);
    const p99 = percentile(row.sequential.samples, 99);
    const verdict = p50 <= TARGETS.deltaP50 && p99 <= TARGETS.deltaP99 ? 'PASS' : 'BELOW TARGET';
    lines.push(
      `${row.label}: sequential p50 ${ms(p50)} ms, p99 ${ms(p99)} ms (target p50 <= ${TARGETS.deltaP50}, p99 <= ${TARGETS.deltaP99}): ${verdict}`,
    );
  }
  return lines.join('\n');
}

// ---- 3. syncCommit ----

interface CommitStats {
  commits: Timed;
  syncs: number[];
  cpu?: Cpu;
}

/** One client's sync → commit loop over its user's tasks, 100 changed titles per commit. */
async function commitWriter(fx: Fixture, user: SeededUser) {
  const client = fx.client(user);
  const head = await fullSync(client);
  let token = head.token;
  let offset = 0;
  let round = 0;
  return {
    async step(): Promise<{ commit: number; sync: number }> {
      const t0 = performance.now();
      const batch = await sync(client, token);
      const t1 = performance.now();
      // Our own commits are not echoed back: the batch is empty, the commit carries only our changes.
      if (batch.tasks.length || batch.hasMore) throw new Error(`the batch before a commit held ${batch.tasks.length} tasks`);
      round++;
      const tasks = Array.from({ length: commitSize }, (_, k) => ({
        id: head.ids[(offset + k) % head.ids.length]!,
        changes: { title: `commit ${round}, task ${k}` },
      }));
      offset += commitSize;
      const t2 = performance.now();
      const { syncCommit } = await client.request(COMMIT, { input: { token: batch.token, tasks } });
      const t3 = performance.now();
      const results = syncCommit.results as Array<{ status: string; message: string | null }>;
      const applied = results.filter((r) => r.status === 'APPLIED').length;
      if (applied !== commitSize) {
        const other = results.find((r) => r.status !== 'APPLIED');
        throw new Error(`syncCommit applied ${applied} of ${commitSize} (${other?.status}: ${other?.message})`);
      }
      token = syncCommit.token;
      return { commit: t3 - t2, sync: t1 - t0 };
    },
  };
}

async function commitBench(fx: Fixture): Promise<{ single: CommitStats; concurrent: CommitStats & { seconds: number } }> {
  const users = await fx.feedUsers();
  const { commits, writers, writerSeconds } = fx.options;
  if (users.length < writers + 1) throw new Error(`the commit benchmark needs ${writers + 1} feed users`);

  fx.progress(`one writer: ${Math.max(20, commits / 10)} warm-up commits, then ${commits} timed syncCommit of ${commitSize} tasks`);
  const writer = await commitWriter(fx, users[0]!);
  for (let i = 0; i < Math.max(20, commits / 10); i++) await writer.step();
  const single: CommitStats = { commits: { samples: [], seconds: 0, rate: 0 }, syncs: [] };
  const meter = await cpuMeter(fx.server);
  const started = performance.now();
  for (let i = 0; i < commits; i++) {
    const { commit, sync } = await writer.step();
    single.commits.samples.push(commit);
    single.syncs.push(sync);
  }
  single.commits.seconds = (performance.now() - started) / 1000;
  single.commits.rate = commits / single.commits.seconds;
  single.cpu = await meter();

  fx.progress(`${writers} writers on ${writers} users, sync → commit of ${commitSize} for ${writerSeconds} s`);
  const loops = await Promise.all(users.slice(1, writers + 1).map((user) => commitWriter(fx, user)));
  for (const loop of loops) await loop.step(); // each writer's first commit creates its synchronization
  const concurrent = {
    commits: { samples: [] as number[], seconds: 0, rate: 0 },
    syncs: [] as number[],
    seconds: 0,
    cpu: undefined as Cpu | undefined,
  };
  const deadline = performance.now() + writerSeconds * 1000;
  const loadMeter = await cpuMeter(fx.server);
  const loadStarted = performance.now();
  await Promise.all(
    loops.map(async (loop) => {
      while (performance.now() < deadline) {
        const { commit, sync } = await loop.step();
        concurrent.commits.samples.push(commit);
        concurrent.syncs.push(sync);
      }
    }),
  );
  concurrent.seconds = (performance.now() - loadStarted) / 1000;
  concurrent.cpu = await loadMeter();
  concurrent.commits.seconds = concurrent.seconds;
  concurrent.commits.rate = concurrent.commits.samples.length / concurrent.seconds;
  return { single, concurrent };
}

function commitTable(result: Awaited<ReturnType<typeof commitBench>>, writers: number): string {
  const row = (label: string, stats: CommitStats) => {
    const loops = stats.commits.samples.length;
    return [
      label,
      count(loops),
      ms(median(stats.commits.samples)),
      ms(percentile(stats.commits.samples, 99)),
      ms(median(stats.syncs)),
      fixed(stats.commits.rate, 1),
      count(Math.round(stats.commits.rate * commitSize)),
      ...(stats.cpu ? cpuCells(stats.cpu) : cpuHeader.map(() => '')),
    ];
  };
  return [
    `3. syncCommit of ${commitSize} changed tasks ({ id, changes: { title } }), each after a sync for its batch token\n`,
    formatTable([
      ['writers', 'commits', 'commit p50 ms', 'commit p99 ms', 'sync p50 ms', 'commits/s', 'objects/s', ...cpuHeader],
      row('1 (timed commits only)', result.single),
      row(`${writers} on ${writers} users, ${fixed(result.concurrent.seconds, 0)} s`, result.concurrent),
    ]),
    '(commits/s counts the whole sync + commit loop. CPU: % of one core, as in table 1.)',
  ].join('\n');
}

// ---- 4. changesAvailable fan-out ----

interface FanoutRow {
  target: string;
  subscribers: number;
  connectSeconds: number;
  write: number[];
  firstAfterResponse: number[];
  lastAfterResponse: number[];
  lastAfterStart: number[];
  rssPerConnection: number;
  heapPerConnection: number;
  serverCpuPerNotice: number;
  clientCpuPerNotice: number;
  otherCpu: number;
}

interface FanoutTarget {
  name: string;
  server: ServerProcess;
  connectionParams: Record<string, unknown>;
  /** One write that notifies every subscriber; resolves when its response has been read. */
  write(i: number): Promise<void>;
  revision(data: unknown): number;
}

async function fanoutTarget(fx: Fixture, target: FanoutTarget): Promise<FanoutRow> {
  const n = fx.options.subscribers;
  const subscribe = (count: number) =>
    connectSubscribers({ url: target.server.url, count, query: CHANGES, connectionParams: target.connectionParams, concurrency: 200 });
  let writes = 0;
  let lastRevision = -1;
  const notify = async (pool: Awaited<ReturnType<typeof subscribe>>) => {
    const round = pool.expectNotice();
    const start = performance.now();
    await target.write(writes++);
    const end = performance.now();
    const { arrivals, data } = await round;
    const revision = target.revision(data);
    if (!(revision > lastRevision)) throw new Error(`${target.name}: notice revision ${revision} after ${lastRevision}`);
    lastRevision = revision;
    return { start, end, first: Math.min(...arrivals), last: Math.max(...arrivals) };
  };

  fx.progress(`${target.name}: warm-up (100 subscribers, 3 writes)`);
  const warm = await subscribe(100);
  for (let i = 0; i < 3; i++) await notify(warm);
  await warm.close();
  await sleep(500);

  const before = await target.server.memory(true);
  fx.progress(`${target.name}: connecting ${count(n)} subscribers`);
  const connectStarted = performance.now();
  const pool = await subscribe(n);
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  try {
    await notify(pool); // every subscription is live once each has had this one
    const after = await target.server.memory(true);
    fx.progress(`${target.name}: ${fx.options.notices} measured writes`);
    const row: FanoutRow = {
      target: target.name,
      subscribers: n,
      connectSeconds,
      write: [],
      firstAfterResponse: [],
      lastAfterResponse: [],
      lastAfterStart: [],
      rssPerConnection: (after.rss - before.rss) / n,
      heapPerConnection: (after.heapUsed - before.heapUsed) / n,
      serverCpuPerNotice: 0,
      clientCpuPerNotice: 0,
      otherCpu: 0,
    };
    const meter = await cpuMeter(target.server);
    for (let i = 0; i < fx.options.notices; i++) {
      await sleep(200);
      const t = await notify(pool);
      row.write.push(t.end - t.start);
      row.firstAfterResponse.push(t.first - t.end);
      row.lastAfterResponse.push(t.last - t.end);
      row.lastAfterStart.push(t.last - t.start);
    }
    const cpu = await meter();
    row.serverCpuPerNotice = cpu.serverMicros / (fx.options.notices * n);
    row.clientCpuPerNotice = cpu.clientMicros / (fx.options.notices * n);
    row.otherCpu = cpu.other;
    return row;
  } finally {
    await pool.close();
    await sleep(500);
  }
}

async function fanoutBench(fx: Fixture): Promise<FanoutRow[]> {
  const n = fx.options.subscribers;
  const limit = openFileLimit();
  fx.progress(
    `open-file limit (ulimit -n): ${limit ?? 'unknown'}; ${count(n)} subscribers need about ${count(n + 200)} in this process and in the server's`,
  );
  if (limit !== null && limit < n + 200) {
    throw new Error(`ulimit -n is ${limit}: raise it to at least ${n + 200} (ulimit -n ${n + 1000}) or lower BENCH_SUBSCRIBERS`);
  }
  const user = await fx.smallUser();
  const rows: FanoutRow[] = [];
  const bare = await startServerProcess('bare-ws', [], { exposeGc: true });
  const bareClient = graphqlClient(bare.url);
  try {
    rows.push(
      await fanoutTarget(fx, {
        name: 'bare graphql-ws + createPubSub',
        server: bare,
        connectionParams: { authorization: `Bearer ${user.token}` },
        write: async () => void (await bareClient.post('/publish', {})),
        revision: (data) => (data as { changesAvailable: { revision: number } }).changesAvailable.revision,
      }),
    );
  } finally {
    bareClient.close();
    await bare.stop();
  }
  // A fresh convene process on the same database, so that its memory figures start from the
  // same point as the bare server's (the main one has grown through the other benchmarks).
  fx.progress('starting a fresh convene process for the fan-out');
  const server = await startServerProcess('convene', [fx.db.url], { exposeGc: true });
  const client = graphqlClient(server.url, { authorization: `Bearer ${user.token}` });
  try {
    rows.push(
      await fanoutTarget(fx, {
        name: 'convene changesAvailable (PostgreSQL)',
        server,
        connectionParams: { authorization: `Bearer ${user.token}` },
        write: async (i) => void (await client.request(CREATE, { input: { title: `fan-out ${i}` } })),
        revision: (data) => {
          const notice = (data as { changesAvailable: { revision: number; kinds: string[] } }).changesAvailable;
          if (!notice.kinds.includes('TASK')) throw new Error(`a notice without TASK: ${JSON.stringify(notice)}`);
          return notice.revision;
        },
      }),
    );
  } finally {
    client.close();
    await server.stop();
  }
  return rows;
}

function fanoutTable(rows: FanoutRow[], notices: number): string {
  return [
    `4. changesAvailable fan-out: one user's subscribers (all on one token), one write, medians of ${notices} writes\n`,
    formatTable([
      [
        'target',
        'subscribers',
        'connect s',
        'write ms',
        'first after resp.',
        'last after resp.',
        'last after start',
        'server CPU/notice',
        'client CPU/notice',
        'other CPU',
        'RSS/conn',
        'heap/conn',
      ],
      ...rows.map((row) => [
        row.target,
        count(row.subscribers),
        fixed(row.connectSeconds, 1),
        ms(median(row.write)),
        `${ms(median(row.firstAfterResponse))} ms`,
        `${ms(median(row.lastAfterResponse))} ms`,
        `${ms(median(row.lastAfterStart))} ms`,
        `${fixed(row.serverCpuPerNotice, 1)} µs`,
        `${fixed(row.clientCpuPerNotice, 1)} µs`,
        `${fixed(row.otherCpu)}%`,
        `${fixed(row.rssPerConnection / 1024, 1)} KB`,
        `${fixed(row.heapPerConnection / 1024, 1)} KB`,
      ]),
    ]),
    '(write: createTask over HTTP for convene, POST /publish for the bare server; "after resp." = after the write\'s',
    ' response was read (negative: notices arrived first); "start" = when the write was sent. Memory: after-before',
    ' process.memoryUsage() of the server, both after full GCs, divided by the subscribers.)',
  ].join('\n');
}

// ---- The run ----

/**
 * Runs the selected sync benchmarks on one fresh database, printing each table as it is done.
 * Throws when one could not measure (after running the others).
 */
export async function runSyncBenchmarks(
  selected: ReadonlySet<SyncBenchmark>,
  options: SyncOptions,
  print: (text: string) => void,
  progress: (message: string) => void,
): Promise<void> {
  const fx = await Fixture.open(options, progress);
  const failures: string[] = [];
  const attempt = async (name: SyncBenchmark, run: () => Promise<void>) => {
    if (!selected.has(name)) return;
    try {
      await run();
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
      print(`\nsync benchmark "${name}" could not measure: ${(error as Error).stack ?? error}\n`);
    }
  };
  try {
    const { rows } = await fx.db.client.query(
      `SELECT version() AS version, current_setting('shared_buffers') AS shared_buffers,
              current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync`,
    );
    progress(
      `${String(rows[0].version).split(' on ')[0]}, shared_buffers ${rows[0].shared_buffers}, ` +
        `synchronous_commit ${rows[0].synchronous_commit}, fsync ${rows[0].fsync}`,
    );
    // The small feed is measured before anything else is seeded, to compare with the big one.
    const delta: DeltaRow[] = [];
    let small: SeededUser | undefined;
    await attempt('delta', async () => {
      small = await fx.smallUser();
      delta.push(await deltaRow(fx, `small feed: user S (${count(options.smallTasks)} tasks)`, small));
    });
    await attempt('initial', async () => print(`\n${initialTable(await initialSync(fx))}\n`));
    await attempt('delta', async () => {
      if (!small) return;
      const feed = await fx.feedUsers();
      delta.push(await deltaRow(fx, 'big feed: user S again', small));
      const big = `${count(options.feedUsers)} × ${count(options.feedTasks)}`;
      delta.push(await deltaRow(fx, `big feed: a user of the ${big}`, feed[Math.floor(feed.length / 2)]!));
      if (fx.initial && fx.initialHead) {
        delta.push(await deltaRow(fx, `big feed: the ${count(options.initialTasks)}-task user`, fx.initial));
      }
    });
    if (delta.length) print(`\n${deltaTable(delta)}\n`);
    await attempt('commit', async () => print(`\n${commitTable(await commitBench(fx), options.writers)}\n`));
    await attempt('fanout', async () => print(`\n${fanoutTable(await fanoutBench(fx), options.notices)}\n`));
  } finally {
    progress(`stopping convene, dropping ${fx.db.name}`);
    await fx.close();
  }
  if (failures.length) throw new Error(failures.join('; '));
}
