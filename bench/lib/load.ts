// HTTP load with autocannon. `prepare` checks one answer, then warms the server up with every
// response required to equal that answer; `run` measures one slice, recording the CPU used by the
// server, by this process (autocannon) and by everything else; `summarize` merges slices.
// `cpuMeter` measures the same for any load, PostgreSQL's processes apart.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon, { type Options, type RawResult } from 'autocannon';
import type { ServerProcess } from './server.ts';

export interface LoadOptions {
  connections: number;
  /** Seconds of warm-up per target. */
  warmup: number;
}

export interface LoadRequest {
  body: string;
  /** Throws if a response body (parsed JSON) is not the expected answer. */
  check(response: unknown): void;
}

export interface Slice {
  raw: RawResult;
  /** CPU time in microseconds. */
  serverCpu: number;
  ownCpu: number;
  machineCpu: number;
  wall: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  latencyP50: number;
  latencyP99: number;
  /** CPU used while measuring, in % of one core. */
  serverCpu: number;
  loadGeneratorCpu: number;
  otherCpu: number;
}

export interface Prepared {
  run(seconds: number): Promise<Slice>;
  /** Checks the answer is still the one seen before the load. */
  verify(): Promise<void>;
  summarize(slices: Slice[]): LoadResult;
}

export async function prepare(server: ServerProcess, request: LoadRequest, options: LoadOptions): Promise<Prepared> {
  const headers = { 'content-type': 'application/json', ...server.headers };
  const sample = async () => {
    const response = await fetch(server.url, { method: 'POST', headers, body: request.body });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${server.url} answered ${response.status}: ${text}`);
    try {
      request.check(JSON.parse(text));
    } catch (error) {
      throw new Error(`${server.url} answered ${text}: ${(error as Error).message}`);
    }
    return text;
  };
  const expected = await sample();
  const target: Options = { url: server.url, method: 'POST', headers, body: request.body, connections: options.connections };

  const warmup = await autocannon({ ...target, duration: options.warmup, expectBody: expected, skipAggregateResult: true });
  assertClean('warm-up', warmup);

  return {
    async run(seconds) {
      const serverBefore = await server.cpuTime();
      const ownBefore = process.cpuUsage();
      const machineBefore = machineCpu();
      const started = performance.now();
      const raw = await autocannon({ ...target, duration: seconds, skipAggregateResult: true });
      const wall = (performance.now() - started) * 1000;
      const own = process.cpuUsage(ownBefore);
      const slice = {
        raw,
        machineCpu: machineCpu() - machineBefore,
        serverCpu: (await server.cpuTime()) - serverBefore,
        ownCpu: own.user + own.system,
        wall,
      };
      assertClean('measured run', raw);
      return slice;
    },
    async verify() {
      if ((await sample()) !== expected) throw new Error(`${server.url}: the answer changed under load`);
    },
    summarize(slices) {
      const sum = (f: (slice: Slice) => number) => slices.reduce((total, slice) => total + f(slice), 0);
      const merged = autocannon.aggregateResult(
        slices.map((slice) => slice.raw),
        { url: server.url, connections: options.connections },
      );
      const wall = sum((s) => s.wall);
      const percent = (micros: number) => (100 * micros) / wall;
      return {
        requests: sum((s) => s.raw.totalCompletedRequests),
        requestsPerSecond: sum((s) => s.raw.totalCompletedRequests) / sum((s) => s.raw.duration),
        latencyP50: merged.latency.p50,
        latencyP99: merged.latency.p99,
        serverCpu: percent(sum((s) => s.serverCpu)),
        loadGeneratorCpu: percent(sum((s) => s.ownCpu)),
        otherCpu: Math.max(0, percent(sum((s) => s.machineCpu - s.serverCpu - s.ownCpu))),
      };
    },
  };
}

/** CPU used while measuring, by the server, this process, PostgreSQL and the rest of the machine. */
export interface Cpu {
  /** % of one core. */
  server: number;
  client: number;
  /** Every PostgreSQL process (the server's backends, parallel workers, background writers). */
  postgres: number;
  /** Everything else on the machine (other processes, interrupts): should stay near 0. */
  other: number;
  /** Server and client CPU time in microseconds. */
  serverMicros: number;
  clientMicros: number;
}

/** Starts measuring; the function it returns reads what was used since. */
export async function cpuMeter(server: ServerProcess): Promise<() => Promise<Cpu>> {
  const serverBefore = await server.cpuTime();
  const ownBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const postgresBefore = processesCpu('postgres');
  const started = performance.now();
  return async () => {
    const wall = (performance.now() - started) * 1000;
    const own = process.cpuUsage(ownBefore);
    const machine = machineCpu() - machineBefore;
    const postgres = processesCpu('postgres') - postgresBefore;
    const serverMicros = (await server.cpuTime()) - serverBefore;
    const ownMicros = own.user + own.system;
    return {
      server: (100 * serverMicros) / wall,
      client: (100 * ownMicros) / wall,
      postgres: (100 * postgres) / wall,
      other: Math.max(0, (100 * (machine - serverMicros - ownMicros - postgres)) / wall),
      serverMicros,
      clientMicros: ownMicros,
    };
  };
}

export const cpuHeader = ['server CPU', 'client CPU', 'PG CPU', 'other CPU'];
export const cpuCells = (cpu: Cpu) =>
  [cpu.server, cpu.client, cpu.postgres, cpu.other].map((n) => `${Number.isFinite(n) ? n.toFixed(0) : '-'}%`);

/** CPU time used by the whole machine so far (all cores), in microseconds. */
export function machineCpu(): number {
  // /proc/stat counts softirq time (loopback networking), which os.cpus() leaves out.
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
    return ((user + nice + system + irq + softirq) * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    let ms = 0;
    for (const { times } of cpus()) ms += times.user + times.nice + times.sys + times.irq;
    return ms * 1000;
  }
}

/**
 * CPU time used so far by every process with this command name (e.g. all of PostgreSQL's), in
 * microseconds, counting children that have exited (a parallel worker's time moves to the
 * postmaster when it ends). 0 where there is no /proc.
 */
export function processesCpu(command: string): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== command) continue;
      // After "pid (comm) ": state ppid ... utime stime cutime cstime are fields 14-17 of stat(5).
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

function assertClean(phase: string, result: RawResult) {
  const problems = Object.entries({
    'non-2xx responses': result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    'unexpected bodies': result.mismatches,
  }).filter(([, n]) => n > 0);
  if (problems.length) {
    throw new Error(`${phase}: ${problems.map(([what, n]) => `${n} ${what}`).join(', ')}`);
  }
}
