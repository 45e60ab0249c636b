// Start-up and memory (`npm run bench -- startup`): how long a server takes from launch until it
// answers, what it holds once idle, and what each idle subscribed WebSocket adds, for convene
// beside a bare graphql-yoga (and a bare graphql-ws for the sockets).
//
// Every target is a process launched as in production and measured from outside: convene by
// `node bin/convene.js serve` (what `npm start` runs: the bundle scripts/build.js keeps
// current), the baselines (bench/servers) compiled the same way, so that neither pays for
// TypeScript at run time; bare yoga also with its packages loaded from node_modules, as a plain
// program would. Ready: convene's `/ready` (the database answers) or the baseline's health route
// answers 200, polled every 5 ms from the launch; the CPU time the process had used by then is
// the figure a busy machine disturbs least. Memory: the resident set (VmRSS in
// /proc/<pid>/status) after BENCH_IDLE_SECONDS idle.
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, ensureBuilt } from '../scripts/build.js';
import { createBenchDatabase } from './lib/postgres.ts';
import { median } from './lib/stats.ts';
import { connectSubscribers, openFileLimit } from './lib/subscribers.ts';
import { formatTable } from './lib/table.ts';
import type { FromChild } from './servers/child.ts';

export interface StartupOptions {
  /** A PostgreSQL URL allowed to create databases. */
  postgresUrl: string;
  /** Measured starts per target. */
  starts: number;
  idleSeconds: number;
  /** Idle subscribed WebSockets for the per-connection figure. */
  connections: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/convene.js');
const TARGET_RSS_RATIO = 2;
const TARGET_READY_MS = 1000;
// The same subscription on convene and on the bare graphql-ws server.
const CHANGES = 'subscription { changesAvailable { revision kinds } }';

interface Running {
  child: ChildProcess;
  url: string;
  readyMs: number;
  /** CPU time the process had used when it was ready (all its threads). */
  cpuMs: number;
  stop(): Promise<void>;
}

interface Target {
  name: string;
  /** Launches one process and resolves once it answers. */
  launch(): Promise<Running>;
}

/** CPU time (user + system) a process has used, in ms (Linux; /proc counts in 1/100 s). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [utime, stime] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 13)
    .map(Number);
  return (utime! + stime!) * 10;
}

/** Resident memory of a process, in MB (Linux). */
function residentMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Polls `url` every 5 ms until it answers 200; fails when the process exits first. */
async function untilAnswers(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before it was ready:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

function stopper(child: ChildProcess, signal: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    signal();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  };
}

/** convene through its CLI, as `npm start` runs it, on the database `database` gives for each start. */
function convene(name: string, database: () => Promise<{ url: string; drop?: () => Promise<void> }>): Target {
  return {
    name,
    async launch() {
      const { url: databaseUrl, drop } = await database();
      const port = await freePort();
      const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
      const started = performance.now();
      const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const url = `http://127.0.0.1:${port}`;
      const stop = stopper(child, () => child.kill('SIGTERM'));
      await untilAnswers(`${url}/ready`, child, () => output);
      return {
        child,
        url: `${url}/graphql`,
        readyMs: performance.now() - started,
        cpuMs: cpuMs(child.pid!),
        async stop() {
          await stop();
          await drop?.();
        },
      };
    },
  };
}

/**
 * A bench/servers baseline, compiled into dist/bench/ like convene (its packages bundled, or
 * with `packages: 'external'` loaded from node_modules) and started without a TypeScript
 * loader. Ready when it reports listening, and `healthPath` (if it has one) answers.
 */
function baseline(
  name: string,
  server: string,
  { healthPath, packages = 'bundle' }: { healthPath?: string; packages?: 'bundle' | 'external' },
): Target {
  const outfile = join(root, 'dist/bench', `${server}-${packages}.js`);
  let built: Promise<void> | undefined;
  return {
    name,
    async launch() {
      built ??= build({ entry: join(root, 'bench/servers', `${server}.ts`), outfile, packages });
      await built;
      const started = performance.now();
      const child = fork(outfile, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const ready = await new Promise<Extract<FromChild, { type: 'ready' }>>((resolve, reject) => {
        child.once('message', (message: FromChild) => (message.type === 'ready' ? resolve(message) : reject(new Error(message.type))));
        child.once('exit', (code) => reject(new Error(`${server} exited (code ${code}) before it was ready`)));
      });
      if (healthPath) await untilAnswers(new URL(healthPath, ready.url).href, child, () => '');
      return {
        child,
        url: ready.url,
        readyMs: performance.now() - started,
        cpuMs: cpuMs(child.pid!),
        stop: stopper(child, () => child.send({ type: 'stop' })),
      };
    },
  };
}

interface StartupRow {
  name: string;
  readyMs: number[];
  cpuMs: number[];
  residentMb: number[];
}

async function measureStarts(
  target: Target,
  starts: number,
  idleSeconds: number,
  progress: (message: string) => void,
): Promise<StartupRow> {
  const row: StartupRow = { name: target.name, readyMs: [], cpuMs: [], residentMb: [] };
  for (let i = 0; i < starts; i++) {
    const running = await target.launch();
    try {
      await sleep(idleSeconds * 1000);
      row.readyMs.push(running.readyMs);
      row.cpuMs.push(running.cpuMs);
      row.residentMb.push(residentMb(running.child.pid!));
    } finally {
      await running.stop();
    }
  }
  progress(`${target.name}: ready ${row.readyMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return row;
}

interface ConnectionRow {
  name: string;
  beforeMb: number;
  afterMb: number;
}

/** Resident memory before and after `count` sockets connect and subscribe, and sit idle. */
async function measureConnections(
  target: Target,
  options: StartupOptions,
  connectionParams: Record<string, unknown>,
): Promise<ConnectionRow> {
  const running = await target.launch();
  try {
    await sleep(options.idleSeconds * 1000);
    const beforeMb = residentMb(running.child.pid!);
    const pool = await connectSubscribers({ url: running.url, count: options.connections, query: CHANGES, connectionParams });
    try {
      await sleep(options.idleSeconds * 1000);
      return { name: target.name, beforeMb, afterMb: residentMb(running.child.pid!) };
    } finally {
      await pool.close();
    }
  } finally {
    await running.stop();
  }
}

const run = promisify(execFile);

/** A token with the SYNC scope for the first-run admin, through the CLI. */
async function syncToken(databaseUrl: string): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, 'token', 'create', 'admin', '--scopes', 'sync', '--name', 'bench'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' },
  });
  return stdout.trim();
}

export async function runStartupBenchmark(options: StartupOptions, print: (text: string) => void, progress: (message: string) => void) {
  if (!readFileSync('/proc/self/status', 'utf8').includes('VmRSS')) throw new Error('needs /proc (Linux) to read resident memory');
  const limit = openFileLimit();
  if (limit !== null && limit < options.connections + 200) throw new Error(`ulimit -n is ${limit}: lower BENCH_STARTUP_CONNECTIONS`);
  await ensureBuilt(); // so that no launch below includes a rebuild

  const database = await createBenchDatabase(options.postgresUrl);
  await database.client.end();
  const dataDir = join(tmpdir(), `convene-bench-startup-${process.pid}`);
  try {
    const bare = baseline('bare graphql-yoga', 'bare-yoga', { healthPath: '/health' });
    const bareUnbundled = baseline('bare graphql-yoga, packages from node_modules', 'bare-yoga', {
      healthPath: '/health',
      packages: 'external',
    });
    const postgres = convene('convene, PostgreSQL', async () => ({ url: database.url }));
    const pgliteDir = convene('convene, PGlite directory', async () => ({ url: `pglite:${dataDir}` }));
    // The first start of each creates the schema; the ones measured find it up to date, as a
    // restart does. The fresh-database target measures that first start.
    progress('first starts (migrations applied, not measured)');
    for (const target of [postgres, pgliteDir]) await (await target.launch()).stop();
    const targets = [
      bare,
      bareUnbundled,
      postgres,
      convene('convene, PostgreSQL, fresh database', async () => {
        const db = await createBenchDatabase(options.postgresUrl);
        await db.client.end();
        return db;
      }),
      pgliteDir,
      convene('convene, PGlite in memory', async () => ({ url: 'pglite:memory' })),
    ];
    const rows: StartupRow[] = [];
    for (const target of targets) rows.push(await measureStarts(target, options.starts, options.idleSeconds, progress));

    const row = (target: Target) => rows.find((r) => r.name === target.name)!;
    const bareMb = median(row(bare).residentMb);
    const range = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
    print(
      `\nstart-up: launch until ready (wall time, and the CPU time the process used by then), then resident memory ` +
        `after ${options.idleSeconds} s idle; median of ${options.starts} starts (range after it)\n`,
    );
    print(
      formatTable([
        ['target', 'ready ms', '', 'CPU ms', 'idle RSS MB', '', 'vs bare'],
        ...rows.map((r) => [
          r.name,
          median(r.readyMs).toFixed(0),
          range(r.readyMs),
          median(r.cpuMs).toFixed(0),
          median(r.residentMb).toFixed(1),
          range(r.residentMb),
          `${(median(r.residentMb) / bareMb).toFixed(2)}x`,
        ]),
      ]),
    );
    const pg = row(postgres);
    print('');
    for (const baselineRow of [row(bare), row(bareUnbundled)]) {
      const ratio = median(pg.residentMb) / median(baselineRow.residentMb);
      const verdict = ratio <= TARGET_RSS_RATIO ? 'PASS' : 'ABOVE TARGET';
      print(`${pg.name}: idle memory ${ratio.toFixed(2)}x ${baselineRow.name} (target <= ${TARGET_RSS_RATIO}x): ${verdict}`);
    }
    const ready = median(pg.readyMs);
    print(
      `${pg.name}: ready in ${ready.toFixed(0)} ms (target < ${TARGET_READY_MS} ms): ${ready < TARGET_READY_MS ? 'PASS' : 'ABOVE TARGET'}`,
    );

    progress(`${options.connections} idle subscribed WebSockets per target`);
    const token = await syncToken(database.url);
    const connectionRows = [
      await measureConnections(baseline('bare graphql-ws', 'bare-ws', {}), options, {}),
      await measureConnections(postgres, options, { authorization: `Bearer ${token}` }),
    ];
    print(
      `\nper connection: resident memory before and ${options.idleSeconds} s after ${options.connections} sockets connected and subscribed\n`,
    );
    print(
      formatTable([
        ['target', 'before MB', 'after MB', 'KB per connection'],
        ...connectionRows.map((row) => [
          row.name,
          row.beforeMb.toFixed(1),
          row.afterMb.toFixed(1),
          (((row.afterMb - row.beforeMb) * 1024) / options.connections).toFixed(1),
        ]),
      ]),
    );
  } finally {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
