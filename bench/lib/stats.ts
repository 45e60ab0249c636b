// Latency samples: percentiles, and a loop that collects them sequentially or with N workers.
import { performance } from 'node:perf_hooks';

/** The p-th percentile (0-100) of the samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export interface Timed {
  /** Milliseconds per operation. */
  samples: number[];
  /** Wall-clock seconds of the whole run. */
  seconds: number;
  /** Operations per second over the run. */
  rate: number;
}

/**
 * Runs `operation` `count` times in total, spread over `concurrency` workers that each start
 * the next one when theirs is done; times each one.
 */
export async function timeOperations(count: number, concurrency: number, operation: (i: number) => Promise<void>): Promise<Timed> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await operation(i);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { samples, seconds, rate: count / seconds };
}

/** Runs `operation` sequentially for at least `seconds` and at least `count` times (not timed). */
export async function warmUp(seconds: number, count: number, operation: () => Promise<void>): Promise<void> {
  const until = performance.now() + seconds * 1000;
  for (let i = 0; i < count || performance.now() < until; i++) await operation();
}
