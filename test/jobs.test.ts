// The job scheduler (src/jobs.ts) on fake timers: when runs happen, that they never overlap,
// that failures are logged and survived, that a wake runs a job at once (or again right after a
// run), and that stop waits for a running job.
import { createLogger } from 'graphql-yoga';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Job, startJobs } from '../src/jobs.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function recordingLogger() {
  const errors: unknown[][] = [];
  return { errors, logger: { ...createLogger('silent'), error: (...args: unknown[]) => errors.push(args) } };
}

/** A run that records when it happened. */
const loggedRun = (log: string[]) => async () => {
  log.push(`run ${Date.now()}`);
};

/** A run that takes `ms` of (fake) time and records when it started and ended. */
function timedRun(ms: number, log: string[]) {
  return async () => {
    log.push(`start ${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push(`end ${Date.now()}`);
  };
}

describe('jobs', () => {
  it('run every interval, the first one interval after the start', async () => {
    vi.setSystemTime(0);
    const log: string[] = [];
    const jobs = startJobs([{ name: 'tick', intervalMs: 1000, run: loggedRun(log) }], recordingLogger().logger);
    await vi.advanceTimersByTimeAsync(999);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(2001);
    expect(log).toEqual(['run 1000', 'run 2000', 'run 3000']);
    await jobs.stop();
  });

  it('wait a random part of the jitter on top of the interval', async () => {
    vi.setSystemTime(0);
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const log: string[] = [];
    const jobs = startJobs([{ name: 'spread', intervalMs: 1000, jitterMs: 400, run: loggedRun(log) }], recordingLogger().logger);
    await vi.advanceTimersByTimeAsync(2200);
    expect(log).toEqual(['run 1100', 'run 2200']);
    await jobs.stop();
  });

  it('never run one job twice at once: the next wait starts when a run ends', async () => {
    vi.setSystemTime(0);
    const log: string[] = [];
    const jobs = startJobs([{ name: 'slow', intervalMs: 1000, run: timedRun(2500, log) }], recordingLogger().logger);
    await vi.advanceTimersByTimeAsync(8000);
    expect(log).toEqual(['start 1000', 'end 3500', 'start 4500', 'end 7000', 'start 8000']);
    await vi.advanceTimersByTimeAsync(2500);
    await jobs.stop();
  });

  it('log a failed run by job name and carry on, other jobs unaffected', async () => {
    const { errors, logger } = recordingLogger();
    let runs = 0;
    const failing: Job = {
      name: 'flaky',
      intervalMs: 100,
      run: async () => {
        if (++runs === 1) throw new Error('database away');
      },
    };
    const log: string[] = [];
    const jobs = startJobs([failing, { name: 'other', intervalMs: 100, run: loggedRun(log) }], logger);
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(3);
    expect(log).toHaveLength(3);
    expect(errors).toEqual([['job flaky failed', expect.objectContaining({ message: 'database away' })]]);
    await jobs.stop();
  });

  it('stop: aborts the running job, waits for it to return, and runs nothing more', async () => {
    let signal: AbortSignal | undefined;
    let finish: () => void = () => {};
    let runs = 0;
    const jobs = startJobs(
      [
        {
          name: 'long',
          intervalMs: 100,
          run: (s) => {
            runs++;
            signal = s;
            return new Promise<void>((resolve) => {
              finish = resolve;
            });
          },
        },
      ],
      recordingLogger().logger,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = jobs.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect([signal?.aborted, stopped]).toEqual([true, false]);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
  });

  it('wake: runs a waiting job at once, and a running one again right after its run, not twice at once', async () => {
    vi.setSystemTime(0);
    const log: string[] = [];
    let wake: () => void = () => {};
    let subscribed = 0;
    const jobs = startJobs(
      [
        {
          name: 'woken',
          intervalMs: 10_000,
          run: timedRun(100, log),
          wakeOn(listener) {
            wake = listener;
            subscribed++;
            return () => subscribed--;
          },
        },
      ],
      recordingLogger().logger,
    );
    expect(subscribed).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    wake();
    await vi.advanceTimersByTimeAsync(50);
    wake();
    wake();
    await vi.advanceTimersByTimeAsync(1000);
    // One run at 500; the two wakes during it make one more run right after; then the interval.
    expect(log).toEqual(['start 500', 'end 600', 'start 600', 'end 700']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log.at(-2)).toBe('start 10700');
    await vi.advanceTimersByTimeAsync(100);
    await jobs.stop();
    expect(subscribed).toBe(0);
    wake();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(log).toHaveLength(6);
  });
});
