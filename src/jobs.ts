// Background jobs, started and stopped with the server. Each job waits its interval (plus a
// random jitter, so instances started together spread out), runs, and only then waits again:
// two runs of one job never overlap. A job may also be woken (wakeOn): a wake while it waits
// runs it at once, a wake while it runs runs it again right after, so work that arrives during
// a run is never left for the next interval. A failed run is logged and the job carries on.
// stop() aborts the signal given to running jobs and waits for them to return.
import type { YogaLogger } from 'graphql-yoga';

export interface Job {
  name: string;
  intervalMs: number;
  /** Up to this much is added at random to each wait. */
  jitterMs?: number;
  /** One run. `signal` aborts when the server stops: a long run should return early then. */
  run(signal: AbortSignal): Promise<unknown>;
  /** Subscribes `wake` to what should run the job at once (e.g. a commit that queued work); returns the unsubscribe. */
  wakeOn?(wake: () => void): () => void;
}

export interface RunningJobs {
  /** Runs no more jobs and waits for the ones running. */
  stop(): Promise<void>;
}

export function startJobs(jobs: readonly Job[], logger: YogaLogger): RunningJobs {
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const stoppers: Array<() => void> = [];

  async function runOnce(job: Job) {
    try {
      const result = await job.run(stopping.signal);
      logger.debug(`job ${job.name} done`, result);
    } catch (error) {
      logger.error(`job ${job.name} failed`, error);
    }
  }

  function start(job: Job) {
    let timer: NodeJS.Timeout | undefined;
    let busy = false;
    let wokenWhileBusy = false;

    const runNow = () => {
      timer = undefined;
      busy = true;
      const run = runOnce(job).finally(() => {
        running.delete(run);
        busy = false;
        if (wokenWhileBusy) {
          wokenWhileBusy = false;
          if (!stopping.signal.aborted) runNow();
        } else wait();
      });
      running.add(run);
    };
    const wait = () => {
      if (stopping.signal.aborted) return;
      timer = setTimeout(runNow, job.intervalMs + Math.random() * (job.jitterMs ?? 0));
      timer.unref(); // a waiting job does not keep the process alive
    };
    const wake = () => {
      if (stopping.signal.aborted) return;
      if (busy) wokenWhileBusy = true;
      else {
        clearTimeout(timer);
        runNow();
      }
    };

    const unsubscribe = job.wakeOn?.(wake);
    stoppers.push(() => {
      unsubscribe?.();
      clearTimeout(timer);
    });
    wait();
  }

  for (const job of jobs) start(job);
  return {
    async stop() {
      stopping.abort();
      for (const stopper of stoppers) stopper();
      await Promise.all(running);
    },
  };
}
