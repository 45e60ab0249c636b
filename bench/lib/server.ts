// Starts a benchmark server (bench/servers/*.ts) in its own Node process, so that it has a
// core to itself while the load generator runs in this one.
import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from '../servers/child.ts';
import { type BenchDatabase, createBenchDatabase } from './postgres.ts';

export interface ServerProcess {
  url: string;
  headers: Record<string, string>;
  /** CPU time the server process has used so far, in microseconds. */
  cpuTime(): Promise<number>;
  /** The server process's `process.memoryUsage()`, after full GCs when `gc` (needs `exposeGc`). */
  memory(gc?: boolean): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Start Node with --expose-gc, so that `memory(true)` can collect garbage first. */
  exposeGc?: boolean;
}

const tsx = import.meta.resolve('tsx');
const startTimeoutMs = 60_000;

export async function startServerProcess(name: string, args: string[] = [], options: ServerOptions = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url));
  const execArgv = ['--import', tsx];
  if (options.exposeGc) execArgv.push('--expose-gc');
  // BENCH_CPU_PROF=<dir>: every server writes a V8 CPU profile there when it stops.
  if (process.env.BENCH_CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`);
  const child = fork(script, args, {
    execArgv,
    env: { NODE_ENV: 'production', ...process.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Extract<FromChild, { type: 'ready' }>>((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench server ${name} was not ready after ${startTimeoutMs / 1000} s`));
    }, startTimeoutMs);
    child.once('message', (message: FromChild) => {
      clearTimeout(timeout);
      if (message.type === 'ready') resolve(message);
      else reject(new Error(`${name}: unexpected message ${message.type}`));
    });
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(new Error(`bench server ${name} exited (code ${code}) before it was ready`));
    });
  });
  return {
    url: ready.url,
    headers: ready.headers,
    cpuTime: async () => {
      const reply = await ask(child, { type: 'cpu' }, 'cpu');
      return reply.usage.user + reply.usage.system;
    },
    memory: async (gc = false) => (await ask(child, { type: 'memory', gc }, 'memory')).usage,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
      const kill = setTimeout(() => {
        console.error(`bench server ${name} did not exit 10 s after stop: killing it`);
        child.kill('SIGKILL');
      }, 10_000);
      const code = await exited;
      clearTimeout(kill);
      if (code !== 0) console.error(`bench server ${name} exited with code ${code}`);
    },
  };
}

/** Sends a request over IPC and resolves with the first reply of that type. */
function ask<T extends FromChild['type']>(child: ChildProcess, message: ToChild, replyType: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromChild) => {
      if (reply.type !== replyType) return;
      child.off('message', onMessage);
      resolve(reply as Extract<FromChild, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(message, (error) => {
      if (!error) return;
      child.off('message', onMessage);
      reject(error);
    });
  });
}

/** A fresh bench database with convene started on it (migrations at start); the database is dropped again if convene does not start. */
export async function conveneOnFreshDatabase(postgresUrl: string): Promise<{ db: BenchDatabase; server: ServerProcess }> {
  const db = await createBenchDatabase(postgresUrl);
  try {
    return { db, server: await startServerProcess('convene', [db.url]) };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
