// Background jobs, started and stopped with the server. Each job waits its interval (plus a
// random jitter, so instances started together spread out), runs, and only then waits again:
// two runs of one job never overlap. A failed run is logged and the job carries on. stop()
// aborts the signal given to running jobs and waits for them to return.
import type { YogaLogger } from 'graphql-yoga';

export interface Job {
  name: string;
  intervalMs: number;
  /** Up to this much is added at random to each wait. */
  jitterMs?: number;
  /** One run. `signal` aborts when the server stops: a long run should return early then. */
  run(signal: AbortSignal): Promise<unknown>;
}

export interface RunningJobs {
  /** Runs no more jobs and waits for the ones running. */
  stop(): Promise<void>;
}

export function startJobs(jobs: readonly Job[], logger: YogaLogger): RunningJobs {
  const stopping = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  async function runOnce(job: Job) {
    try {
      const result = await job.run(stopping.signal);
      logger.debug(`job ${job.name} done`, result);
    } catch (error) {
      logger.error(`job ${job.name} failed`, error);
    }
  }

  function schedule(job: Job) {
    if (stopping.signal.aborted) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const run = runOnce(job).finally(() => {
          running.delete(run);
          schedule(job);
        });
        running.add(run);
      },
      job.intervalMs + Math.random() * (job.jitterMs ?? 0),
    );
    timer.unref(); // a waiting job does not keep the process alive
    timers.add(timer);
  }

  for (const job of jobs) schedule(job);
  return {
    async stop() {
      stopping.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
    },
  };
}
