// Starts a benchmark server (bench/servers/*.ts) in its own Node process, so that it has a
// core to itself while the load generator runs in this one.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from '../servers/child.ts';

export interface ServerProcess {
  url: string;
  headers: Record<string, string>;
  /** CPU time the server process has used so far, in microseconds. */
  cpuTime(): Promise<number>;
  stop(): Promise<void>;
}

const tsx = import.meta.resolve('tsx');
const startTimeoutMs = 60_000;

export async function startServerProcess(name: string, args: string[] = []): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url));
  const child = fork(script, args, {
    execArgv: ['--import', tsx],
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
    cpuTime: () => cpuTime(child),
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

function cpuTime(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromChild) => {
      if (message.type !== 'cpu') return;
      child.off('message', onMessage);
      resolve(message.usage.user + message.usage.system);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu' } satisfies ToChild, (error) => error && reject(error));
  });
}
