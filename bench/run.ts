// `npm run bench`: every benchmark, one table each. Environment:
//   BENCH_DURATION      measured seconds per target (default 8), split over the rounds
//   BENCH_ROUNDS        turns the targets take (default 2; see bench/README.md)
//   BENCH_WARMUP        warm-up seconds per target (default 5)
//   BENCH_CONNECTIONS   concurrent connections (default 50)
//   BENCH_DATABASE_URL  also measure convene on this database (e.g. postgres://postgres@127.0.0.1:5432/convene_bench)
// A benchmark, not a test: it exits 0 whatever the figures, and 1 only when it could not measure.
import { cpus, loadavg } from 'node:os';
import { bareYoga, convene, httpBench, type HttpOptions } from './http.ts';
import { formatTable } from './lib/table.ts';

const TARGET_RATIO = 0.7;

const fixed = (n: number, digits = 0) => n.toFixed(digits);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

async function main() {
  const options: HttpOptions = {
    duration: positive('BENCH_DURATION', 8),
    rounds: Math.round(positive('BENCH_ROUNDS', 2)),
    warmup: positive('BENCH_WARMUP', 5),
    connections: Math.round(positive('BENCH_CONNECTIONS', 50)),
  };
  const databases = ['pglite:memory'];
  const extra = process.env.BENCH_DATABASE_URL;
  if (extra && extra !== 'pglite:memory') databases.push(extra);

  console.log(`convene benchmark: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
  console.log(`load average before: ${loadavg().map((n) => fixed(n, 2)).join(' ')}`);
  console.log(`servers: one child process each (NODE_ENV=${process.env.NODE_ENV ?? 'production'}); autocannon: this process\n`);

  const rows = await httpBench([bareYoga, ...databases.map(convene)], options, (message) => console.log(`  ${message}`));
  const bare = rows[0]!.requestsPerSecond;
  console.log(
    `\nHTTP: POST /graphql, ${options.connections} connections, ${options.duration} s measured per target ` +
      `(${options.rounds} rounds) after ${options.warmup} s warm-up\n`,
  );
  console.log(
    formatTable([
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'server CPU', 'autocannon CPU', 'other CPU', 'vs bare'],
      ...rows.map((row) => [
        row.target.name,
        fixed(row.requestsPerSecond),
        fixed(row.latencyP50),
        fixed(row.latencyP99),
        String(row.requests),
        `${fixed(row.serverCpu)}%`,
        `${fixed(row.loadGeneratorCpu)}%`,
        `${fixed(row.otherCpu)}%`,
        `${fixed((100 * row.requestsPerSecond) / bare, 1)}%`,
      ]),
    ]),
  );
  console.log('(CPU: % of one core while measuring; "other" = every other process on the machine)\n');
  for (const row of rows.slice(1)) {
    const ratio = row.requestsPerSecond / bare;
    const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
    console.log(`${row.target.name}: ${fixed(100 * ratio, 1)}% of bare yoga (target >= ${100 * TARGET_RATIO}%): ${verdict}`);
  }
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark aborted: ${(error as Error).message}`);
  process.exitCode = 1;
}
