// HTTP throughput: an authenticated `{ me { id } }` against convene, next to `{ hello }` against a
// bare graphql-yoga server, measured the same way (see bench/README.md).
import { type LoadOptions, type LoadRequest, type LoadResult, type Prepared, prepare, type Slice } from './lib/load.ts';
import { type ServerProcess, startServerProcess } from './lib/server.ts';

export interface HttpTarget {
  name: string;
  /** A file in bench/servers, without .ts. */
  server: string;
  args?: string[];
  request: LoadRequest;
}

export interface HttpOptions extends LoadOptions {
  /** Measured seconds per target, split over the rounds. */
  duration: number;
  rounds: number;
}

export interface HttpRow extends LoadResult {
  target: HttpTarget;
}

const hello: LoadRequest = {
  body: JSON.stringify({ query: '{ hello }' }),
  check(response) {
    if ((response as { data?: { hello?: unknown } }).data?.hello !== 'world') throw new Error('expected data.hello');
  },
};

const me: LoadRequest = {
  body: JSON.stringify({ query: '{ me { id } }' }),
  check(response) {
    if (typeof (response as { data?: { me?: { id?: unknown } } }).data?.me?.id !== 'string') {
      throw new Error('expected data.me.id');
    }
  },
};

export const bareYoga: HttpTarget = { name: 'bare graphql-yoga { hello }', server: 'bare-yoga', request: hello };

export function convene(databaseUrl: string): HttpTarget {
  const database = databaseUrl.startsWith('pglite:') ? databaseUrl : 'PostgreSQL';
  return { name: `convene { me { id } } (${database})`, server: 'convene', args: [databaseUrl], request: me };
}

/**
 * Starts every target's server (each in its own process), checks and warms each up, then
 * measures them in turns: round after round, each target for duration/rounds seconds, the order
 * reversed every other round, so that a change in the machine's background load hits all alike.
 * Only the target being measured gets requests; the others sit idle.
 */
export async function httpBench(
  targets: HttpTarget[],
  options: HttpOptions,
  progress: (message: string) => void = () => {},
): Promise<HttpRow[]> {
  const servers: ServerProcess[] = [];
  try {
    const prepared: Prepared[] = [];
    for (const target of targets) {
      progress(`${target.name}: starting, checking the answer, ${options.warmup} s warm-up`);
      const server = await startServerProcess(target.server, target.args);
      servers.push(server);
      prepared.push(await prepare(server, target.request, options));
    }
    const slices: Slice[][] = targets.map(() => []);
    const seconds = options.duration / options.rounds;
    for (let round = 0; round < options.rounds; round++) {
      const order = targets.map((_, i) => i);
      if (round % 2) order.reverse();
      progress(`round ${round + 1}/${options.rounds}: ${seconds} s per target, ${options.connections} connections`);
      for (const i of order) slices[i]!.push(await prepared[i]!.run(seconds));
    }
    for (const p of prepared) await p.verify();
    return targets.map((target, i) => ({ target, ...prepared[i]!.summarize(slices[i]!) }));
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
