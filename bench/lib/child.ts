// One measurement in a fresh child process (the benchmark's own file, run with --child), so
// that the child's peak RSS is that measurement's alone: `inChild` in the parent forks it and
// waits for its figures; `childMain` at the end of the file runs the measurement when the file
// is the child, and does nothing when it is imported.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBenchDatabase } from './postgres.ts';

/** Forks `moduleUrl` with --child and `args`, and resolves with the figures it sends. */
export function inChild<F>(moduleUrl: string, args: string[]): Promise<F> {
  const file = fileURLToPath(moduleUrl);
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(file, ['--child', ...args], {
    execArgv: ['--import', import.meta.resolve('tsx'), ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { figures?: F; error?: string }) =>
      message.figures ? resolve(message.figures) : reject(new Error(message.error)),
    );
    child.once('exit', (code) => reject(new Error(`${file} child exited with code ${code}`)));
  });
}

/** In the child (this process was started by inChild for the calling file): measures and sends the figures. */
export async function childMain(measure: (...args: string[]) => Promise<unknown>): Promise<void> {
  if (process.argv[2] !== '--child' || !process.send) return;
  try {
    process.send({ figures: await measure(...process.argv.slice(3)) });
  } catch (error) {
    process.send({ error: (error as Error).stack ?? String(error) });
  }
  process.disconnect();
}

/**
 * `inChild` on PGlite (in memory) and on a fresh PostgreSQL database (created from `postgresUrl`,
 * dropped after): the database URL comes first in the child's arguments.
 */
export async function inChildPerDatabase<F>(
  moduleUrl: string,
  postgresUrl: string,
  args: string[],
  progress: (name: string) => void,
): Promise<Array<{ name: string; figures: F }>> {
  const postgres = await createBenchDatabase(postgresUrl);
  const results: Array<{ name: string; figures: F }> = [];
  try {
    for (const [name, url] of [
      ['PGlite (memory)', 'pglite:memory'],
      ['PostgreSQL', postgres.url],
    ] as const) {
      progress(name);
      results.push({ name, figures: await inChild<F>(moduleUrl, [url, ...args]) });
    }
  } finally {
    await postgres.drop();
  }
  return results;
}
