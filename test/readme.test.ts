// The README's code blocks, run against real servers, so that the README cannot rot. Every
// fenced block of README.md and docs/*.md is preceded by a marker comment:
//
//   <!-- readme-test: <step> -->           run (or checked) by the step of that name below
//   <!-- readme-test: <step>:output -->    the output the README shows for <step>, compared
//   <!-- readme-test: skip: <reason> -->   not run, for the reason given
//
// A block without a marker, a marker that names no step, or a step whose block is gone fails.
//
// The walkthroughs run as a reader runs them: `convene serve` started in a new working
// directory (its embedded database in ./.convene/data there, or on a new PostgreSQL database),
// the first-run token read from what it prints, the shell blocks typed into one bash session
// in that directory (variables carry over from block to block), the JS files saved there.
// What a reader replaces with their own (http://localhost:4000, cvn_...) is replaced with
// this server's. The Deploy block runs on its own, on PostgreSQL and Redis.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { createClient } from 'graphql-ws';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { type Block, readBlocks } from './support/readme.ts';
import { ownRedis, redisAvailable, redisServerInstalled, redisUrl } from './support/redis.ts';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/convene.js');
const markdownFiles = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)];

const allBlocks = markdownFiles.flatMap(readBlocks);
const blocks = allBlocks.filter((block) => block.step !== null);

// ---------------------------------------------------------------------------------------
// A bash session: blocks are typed into it one after another, like into a terminal.

/** The environment of a new terminal: none of the test's or the server's own settings. */
function terminalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(CONVENE_|DATABASE_|REDIS_|SYNC_|TOKEN$|PORT$|HOST$|MIGRATE_ON_START$|LOG_LEVEL$|TEST_|VITEST|NODE_ENV$)/.test(name))
      delete env[name];
  }
  return { ...env, ...extra };
}

class Shell {
  readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    // Its own process group: whatever the blocks start (in the background too) ends with it.
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk) => (this.stdout += chunk));
    this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    // A failing command ends the session, and the test with it, as in a careful script.
    this.child.stdin!.write('set -euo pipefail\n');
  }

  /** Runs `script`; its stdout and stderr. Fails when a command fails. */
  async run(script: string, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
    const marker = `readme-test-${randomUUID()}`;
    const [outStart, errStart] = [this.stdout.length, this.stderr.length];
    this.child.stdin!.write(`${script}\nprintf '\\n${marker}\\n'; printf '\\n${marker}\\n' >&2\n`);
    const deadline = Date.now() + timeoutMs;
    while (!(this.stdout.includes(marker, outStart) && this.stderr.includes(marker, errStart))) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `${this.child.exitCode !== null ? `the shell exited (${this.child.exitCode})` : 'timed out'} running:\n${script}\n` +
            `stdout:\n${this.stdout.slice(outStart)}\nstderr:\n${this.stderr.slice(errStart)}`,
        );
      }
      await sleep(50);
    }
    const cut = (all: string, start: number) => all.slice(start, all.indexOf(`\n${marker}\n`, start));
    return { stdout: cut(this.stdout, outStart), stderr: cut(this.stderr, errStart) };
  }

  /** Everything the session and what it started printed so far, stdout and stderr. */
  get printed(): string {
    return this.stdout + this.stderr;
  }

  /** A variable of the session. */
  async variable(name: string): Promise<string> {
    return (await this.run(`printf '%s' "\${${name}:-}"`)).stdout;
  }

  async close() {
    if (this.child.exitCode !== null || !this.child.pid) return;
    const exited = once(this.child, 'exit');
    process.kill(-this.child.pid, 'SIGTERM');
    await exited;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** `convene` run once; its exit code and output (it is expected to fail). */
async function conveneFails(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  try {
    await run('node', [bin, ...args], options);
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
  throw new Error(`convene ${args.join(' ')} succeeded`);
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: any; errors?: unknown[] };
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

/** Polls `check` until it returns something; `nudge` first and every two seconds while it does not. */
async function eventually<T>(check: () => T | undefined, nudge: () => Promise<unknown>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let nudged = 0;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('nothing arrived');
    if (Date.now() - nudged > 2000) {
      nudged = Date.now();
      await nudge();
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------
// The steps. Each gets its block and the walkthrough's state.

interface Walkthrough {
  kind: 'pglite' | 'postgres';
  /** Where the reader works: the server's directory, the shell's, the saved files'. */
  dir: string;
  server: ChildProcess;
  serverOutput: () => string;
  url: string;
  firstRunToken: string;
  env: NodeJS.ProcessEnv;
  shell: Shell;
  /** What each step's block printed, for the output block after it. */
  outputs: Map<string, string>;
  saved: Set<string>;
  graphiqlHeaders?: Record<string, string>;
  subscription?: { events: any[]; dispose: () => void };
}

type Step = (block: Block, w: Walkthrough) => Promise<unknown>;

/** The reader's placeholders, replaced with this server's. */
function localize(text: string, w: Walkthrough) {
  return text.replaceAll('http://localhost:4000', new URL(w.url).origin).replaceAll('cvn_...', w.firstRunToken);
}

/** Runs a shell block and keeps its output for the output block after it. */
async function shellStep(block: Block, w: Walkthrough) {
  const { stdout } = await w.shell.run(localize(block.text, w));
  w.outputs.set(block.step!, stdout.trim());
  return stdout;
}

/** The output block of a shell step: what the step printed, exactly. */
const sameOutput: Step = async (block, w) => {
  const step = block.step!.replace(/:output$/, '');
  expect(w.outputs.has(step), `${step} runs before its output`).toBe(true);
  expect(w.outputs.get(step)).toBe(block.text.trim());
};

/** A JS file the reader saves: its first line names it. */
const saveFile: Step = async (block, w) => {
  const name = block.step!;
  expect(block.text.split('\n')[0]).toMatch(new RegExp(`^// ${name.replace('.', '\\.')}:`));
  writeFileSync(join(w.dir, name), block.text);
  w.saved.add(name);
};

/** A listener the reader leaves running: it prints a notice for a change made meanwhile. */
const listener: Step = async (block, w) => {
  await saveFile(block, w);
  const env = { ...w.env, CONVENE_URL: await w.shell.variable('CONVENE_URL'), TOKEN: await w.shell.variable('TOKEN') };
  const child = spawn('node', [block.step!], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    // A change until one is heard: the subscription is in place some time after the start.
    const line = await eventually(
      () => output.split('\n').find((l) => l.startsWith('{')),
      () => {
        if (child.exitCode !== null) throw new Error(`${block.step} exited: ${output}`);
        return graphql(env.CONVENE_URL, env.TOKEN, 'mutation { createTask(input: { title: "Call Bob" }) { id } }');
      },
    );
    expect(JSON.parse(line)).toEqual({ revision: expect.any(Number), kinds: ['TASK'] });
  } finally {
    child.kill();
  }
};

const localDates = (output: string) =>
  output.split('\n').map((line) => {
    const [, position, utc, local] = /^(\d) Stand-up (\S+) = (\S+ \S+) Berlin$/.exec(line)!;
    return { position: Number(position), utc, local };
  });

const steps: Record<string, Step & { pgliteOnly?: boolean; redisServer?: boolean }> = {
  'first-run:output': async (block, w) => {
    expect(w.serverOutput().replace(w.firstRunToken, 'cvn_...')).toContain(block.text.trim());
  },
  'graphiql-headers': async (block, w) => {
    w.graphiqlHeaders = JSON.parse(localize(block.text, w));
    expect(w.graphiqlHeaders).toEqual({ Authorization: `Bearer ${w.firstRunToken}` });
  },
  'graphiql-query': async (block, w) => {
    const response = await fetch(w.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...w.graphiqlHeaders },
      body: JSON.stringify({ query: block.text }),
    });
    const { data } = (await response.json()) as any;
    expect(data.me).toMatchObject({ username: 'admin' });
    expect(data.me.accounts).toMatchObject([{ provider: 'LOCAL', identifier: 'admin@convene.local', isMain: true, shared: false }]);
  },
  'graphiql-subscription': async (block, w) => {
    const client = createClient({
      url: w.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: w.graphiqlHeaders,
    });
    const events: any[] = [];
    const connected = new Promise((resolve) => client.on('connected', resolve));
    client.subscribe({ query: block.text }, { next: (event) => events.push(event), error: () => {}, complete: () => {} });
    await connected;
    w.subscription = { events, dispose: () => void client.dispose() };
  },
  'graphiql-mutation': async (block, w) => {
    const mutate = async () => {
      const data = await graphql(w.url, w.firstRunToken, block.text);
      expect(data.createTask).toMatchObject({ title: 'Try convene', status: 'NOT_STARTED' });
    };
    // The subscription may not be in place yet for the first change: change again until heard.
    const event = await eventually(() => w.subscription!.events[0], mutate);
    expect(event).toEqual({ data: { changesAvailable: { revision: expect.any(Number), kinds: ['TASK'] } } });
    w.subscription!.dispose();
  },
  'walkthrough-setup': async (block, w) => {
    const stdout = await shellStep(block, w);
    // The seed's tokens, then alice's new one in TOKEN.
    expect(stdout).toMatch(/^alice +cvn_\S+$/m);
    expect(stdout).toMatch(/^bob +cvn_\S+$/m);
    expect(await w.shell.variable('CONVENE_URL')).toBe(w.url);
    const token = await w.shell.variable('TOKEN');
    expect((await graphql(w.url, token, '{ me { username } }')).me.username).toBe('alice');
  },
  'first-query': shellStep,
  'first-query:output': async (block, w) => {
    expect(JSON.parse(w.outputs.get('first-query')!)).toEqual(JSON.parse(block.text));
  },
  'client.mjs': saveFile,
  'sync.mjs': saveFile,
  'sync-run': async (block, w) => {
    await shellStep(block, w);
    const { tasks } = await graphql(w.url, await w.shell.variable('TOKEN'), '{ tasks { edges { node { title } } } }');
    expect(tasks.edges.map((edge: any) => edge.node.title)).toContain('Buy milk');
  },
  'sync-run:output': sameOutput,
  synchronizations: async (block, w) => {
    await shellStep(block, w);
    // Created and deleted again: alice has no ICS synchronization left.
    const { synchronizations } = await graphql(w.url, await w.shell.variable('TOKEN'), '{ synchronizations(type: ICS) { id } }');
    expect(synchronizations).toEqual([]);
  },
  'synchronizations:output': sameOutput,
  'calendar-feeds': async (block, w) => {
    await shellStep(block, w);
    const { calendarFeeds } = await graphql(w.url, await w.shell.variable('TOKEN'), '{ calendarFeeds { id } }');
    expect(calendarFeeds).toHaveLength(1);
  },
  'calendar-feeds:output': sameOutput,
  'queue.mjs': saveFile,
  'queue-run': async (block, w) => {
    await shellStep(block, w);
    const { tasks } = await graphql(w.url, await w.shell.variable('TOKEN'), '{ tasks { edges { node { title } } } }');
    expect(tasks.edges.map((edge: any) => edge.node.title)).not.toContain('Buy milk');
  },
  'queue-run:output': sameOutput,
  'berlin.mjs': saveFile,
  'berlin-run': async (block, w) => {
    await shellStep(block, w);
    // 09:00 in Berlin every time: 08:00 UTC in winter time, 07:00 UTC from 2030-03-31 on.
    const dates = localDates(w.outputs.get('berlin-run')!);
    expect(dates.map((d) => d.local.slice(11))).toEqual(['09:00:00', '09:00:00', '09:00:00', '09:00:00']);
    expect(dates.map((d) => new Date(d.utc).getUTCHours())).toEqual([8, 8, 7, 7]);
    expect(dates.map((d) => d.position)).toEqual([1, 2, 3, 4]);
  },
  'berlin-run:output': sameOutput,
  'room.mjs': saveFile,
  'room-run': async (block, w) => {
    await shellStep(block, w);
    // The room's busy time is the bookings only: alice's stand-up (07:00 UTC) is personal.
    expect(w.outputs.get('room-run')).not.toContain('07:00');
    expect(w.outputs.get('room-run')).toMatch(/busy \S+ - \S+ \(tentative\)/);
  },
  'room-run:output': sameOutput,
  'meeting.mjs': saveFile,
  'meeting-run': async (block, w) => {
    await shellStep(block, w);
    const { meetings } = await graphql(
      w.url,
      await w.shell.variable('TOKEN'),
      '{ meetings(first: 10) { edges { node { name status start invitees { email } poll { voters { response preferred } } } } } }',
    );
    expect(meetings.edges.map((edge: any) => edge.node)).toEqual([
      {
        name: 'Offsite planning',
        status: 'SCHEDULED',
        start: '2030-04-03T12:00:00.000Z',
        invitees: [{ email: 'bob@example.com' }, { email: null }],
        // bob's vote, through his vote token.
        poll: {
          voters: [
            { response: 'CUSTOM', preferred: ['2030-04-03T12:00:00.000Z'] },
            { response: 'NOT_YET', preferred: [] },
          ],
        },
      },
    ]);
  },
  'meeting-run:output': sameOutput,
  'slots.mjs': saveFile,
  'slots-run': async (block, w) => {
    await shellStep(block, w);
    const lines = w.outputs.get('slots-run')!.split('\n').slice(1);
    const ranks = lines.map((line) => Number(/rank (\d+)/.exec(line)![1]));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    // Two invitees: 6 suits everyone; the room busy costs 2, tentatively busy 1.
    expect(Math.max(...ranks)).toBe(6);
    expect(lines.find((line) => line.includes('(tentative)'))).toMatch(/rank 5/);
    // The stand-up (07:00-07:15 UTC) keeps the organizer busy: no slot starts then.
    expect(lines.some((line) => line.includes('T07:00'))).toBe(false);
  },
  'slots-run:output': sameOutput,
  'changes-ws.mjs': listener,
  'changes-sse.mjs': listener,
  'users-and-tokens': async (block, w) => {
    const stdout = await shellStep(block, w);
    const [userId, token] = stdout.split('\n');
    expect(Buffer.from(userId!, 'base64').toString()).toMatch(/^User:/);
    expect(token).toMatch(/^cvn_/);
    expect(stdout).toMatch(/carol +phone +sync,meetings,calendar/);
    const { user } = await graphql(w.url, w.firstRunToken, '{ user(username: "carol") { name tokens { name revokedAt expiresAt } } }');
    expect(user.name).toBe('Carol');
    const byName = Object.fromEntries(user.tokens.map((t: any) => [t.name, t]));
    expect(byName.phone).toMatchObject({ revokedAt: null, expiresAt: expect.any(String) });
    expect(byName.spare.revokedAt).not.toBeNull();
  },
  'port-in-use:output': async (block, w) => {
    const port = new URL(w.url).port;
    const other = join(w.dir, 'other');
    const failed = await conveneFails(['serve'], { cwd: w.dir, env: terminalEnv({ PORT: port, CONVENE_DATA_DIR: other }) });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().replace(`port ${port} `, 'port 4000 ')).toBe(block.text.trim());
  },
  'lost-token': async (block, w) => {
    const stdout = await shellStep(block, w);
    expect(await w.shell.variable('CONVENE_URL')).toBe('');
    const { me } = await graphql(w.url, stdout.trim(), '{ me { username isAdmin } }');
    expect(me).toEqual({ username: 'admin', isAdmin: true });
  },
  'database-locked:output': Object.assign(
    async (block: Block, w: Walkthrough) => {
      const failed = await conveneFails(['serve'], { cwd: w.dir, env: terminalEnv({ PORT: '0' }) });
      expect(failed.code).toBe(1);
      const message = failed.stderr
        .trim()
        .replace(join(w.dir, '.convene/data'), '/home/me/convene/.convene/data')
        .replace(`(pid ${w.server.pid})`, '(pid 4242)');
      expect(message).toBe(block.text.trim());
    },
    { pgliteOnly: true },
  ),
  'postgres-unreachable:output': async (block, w) => {
    const port = await freePort(); // nothing listens there now
    const env = terminalEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/convene` });
    const failed = await conveneFails(['token', 'list'], { cwd: w.dir, env });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().replaceAll(`127.0.0.1:${port}`, '127.0.0.1:5432')).toBe(block.text.trim());
  },
  'redis-unreachable:output': Object.assign(
    async (block: Block, w: Walkthrough) => {
      // A server of its own, started while its Redis is not there yet; then Redis comes up.
      const redis = await ownRedis();
      const env = terminalEnv({ PORT: '0', CONVENE_DATA_DIR: join(w.dir, 'redis-unreachable'), REDIS_URL: redis.url });
      const server = spawn('node', [bin, 'serve'], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      server.stdout.on('data', (chunk) => (output += chunk));
      server.stderr.on('data', (chunk) => (output += chunk));
      const printed = (text: string) => (output.includes(text) ? true : undefined);
      const exitedEarly = async () => {
        if (server.exitCode !== null) throw new Error(output);
      };
      try {
        await eventually(() => printed('is not reachable'), exitedEarly, 90_000);
        await redis.start();
        await eventually(() => printed('is reachable again'), exitedEarly);
        const lines = stripVTControlCharacters(output)
          .split('\n')
          .filter((line) => line.includes('Redis at'));
        expect(lines.join('\n').replaceAll(`127.0.0.1:${new URL(redis.url).port}`, '127.0.0.1:6379')).toBe(block.text.trim());
      } finally {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
        await redis.kill();
      }
    },
    { pgliteOnly: true, redisServer: true },
  ),
};

/** Steps that the Deploy test runs, not the walkthrough. */
const deploySteps = new Set(['deploy']);

describe('README and docs code blocks', () => {
  it('are each run by a step, or say why not', () => {
    const unmarked = allBlocks.filter((block) => block.marker === undefined);
    expect(unmarked.map((block) => `${block.file}: ${block.text.split('\n')[0]}`)).toEqual([]);
    const unknown = blocks.filter((block) => !(block.step! in steps) && !deploySteps.has(block.step!));
    expect(unknown.map((block) => `${block.file}: ${block.step}`)).toEqual([]);
    const named = new Set(blocks.map((block) => block.step));
    expect([...Object.keys(steps), ...deploySteps].filter((step) => !named.has(step))).toEqual([]);
    expect(blocks.length).toBe(named.size); // one block per step
    for (const block of allBlocks.filter((b) => b.step === null)) expect(block.marker).toMatch(/^skip: \S/);
  });

  it('name sections of the README that exist where the schema refers to them', () => {
    const headings = new Set(
      marked.lexer(readFileSync(join(root, 'README.md'), 'utf8')).flatMap((token) => (token.type === 'heading' ? [token.text] : [])),
    );
    const references = [...readFileSync(join(root, 'schema.graphql'), 'utf8').matchAll(/README: "([^"]+)"/g)].map((m) => m[1]);
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((section) => !headings.has(section!))).toEqual([]);
  });
});

for (const kind of ['pglite', 'postgres'] as const) {
  const skip = kind === 'postgres' && !postgresAvailable;
  describe.skipIf(skip)(`README walkthroughs [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, { timeout: 120_000 }, () => {
    let w: Walkthrough;
    let drop = async () => {};
    beforeAll(async () => {
      const dir = join(root, '.convene', `readme-${randomUUID().slice(0, 8)}`);
      mkdirSync(dir, { recursive: true });
      const database = kind === 'postgres' ? await createTestDatabase() : null;
      if (database) drop = database.drop;
      // A reader on PostgreSQL has DATABASE_URL set for the server and the commands alike.
      const env = terminalEnv(database ? { DATABASE_URL: database.url } : {});
      const server = spawn('node', [bin, 'serve'], { cwd: dir, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      server.stdout.on('data', (chunk) => (output += chunk));
      server.stderr.on('data', (chunk) => (output += chunk));
      const url = await eventually(
        () => /serving GraphQL.* at (\S+)/.exec(output)?.[1],
        async () => {
          if (server.exitCode !== null) throw new Error(output);
        },
        90_000,
      );
      w = {
        kind,
        dir,
        server,
        serverOutput: () => output,
        url,
        firstRunToken: /^\s+(cvn_\S+)$/m.exec(output)![1]!,
        env,
        shell: new Shell(dir, env),
        outputs: new Map(),
        saved: new Set(),
      };
    }, 120_000);
    afterAll(async () => {
      await w?.shell.close();
      w?.subscription?.dispose();
      if (w && w.server.exitCode === null) {
        const exited = once(w.server, 'exit');
        w.server.kill('SIGTERM');
        await exited;
      }
      if (w) rmSync(w.dir, { recursive: true, force: true });
      await drop();
    });

    for (const block of blocks.filter((b) => !deploySteps.has(b.step!))) {
      const step = steps[block.step!]!;
      it.skipIf((step.pgliteOnly && kind !== 'pglite') || (step.redisServer && !redisServerInstalled))(`${block.file}: ${block.step}`, () =>
        step(block, w),
      );
    }

    it('runs every file the README saves', () => {
      const shellText = blocks.filter((b) => b.lang === 'sh').map((b) => b.text);
      const savedText = blocks.filter((b) => b.lang === 'js').map((b) => b.text);
      const listeners = Object.keys(steps).filter((name) => steps[name] === listener);
      for (const name of w.saved) {
        const used =
          listeners.includes(name) ||
          shellText.some((text) => text.includes(`node ${name}`)) ||
          savedText.some((text) => text.includes(`from './${name}'`));
        expect(used, `${name} is run or imported`).toBe(true);
      }
    });
  });
}

const deploySkip = !postgresAvailable || !redisAvailable;
describe.skipIf(deploySkip)(
  `README Deploy: two instances on one PostgreSQL and Redis [postgres + redis${deploySkip ? ': skipped, PostgreSQL or Redis not reachable' : ''}]`,
  { timeout: 180_000 },
  () => {
    let shell: Shell | undefined;
    let drop = async () => {};
    afterAll(async () => {
      await shell?.close(); // the instances too: they are in its process group
      await drop();
    });

    it('starts both after a separate migration; a subscriber on A hears of a write through B', async () => {
      const [block] = blocks.filter((b) => b.step === 'deploy');
      const database = await createTestDatabase();
      drop = database.drop;
      const [portA, portB] = [await freePort(), await freePort()];
      // The README's database, Redis and ports, replaced by this run's: each must be there.
      const replacements: Array<[string, string]> = [
        ['postgres://postgres@127.0.0.1:5432/convene', database.url],
        ['redis://127.0.0.1:6379', redisUrl],
        ['4001', String(portA)],
        ['4002', String(portB)],
      ];
      let script = block!.text;
      for (const [from, to] of replacements) {
        expect(script).toContain(from);
        script = script.replaceAll(from, to);
      }
      shell = new Shell(root, terminalEnv());
      const { stdout } = await shell.run(script, 150_000);

      expect(stdout).toContain('applied ');
      expect(stdout).toContain('{"status":"ready"}'); // the instances' own lines come in between
      // Ready (listening) comes before the first-run admin and the "serving" line: wait for
      // both instances' lines. One made the admin and printed its token; the other started all the same.
      await eventually(
        () => (shell!.printed.match(/serving GraphQL/g)?.length === 2 ? true : undefined),
        async () => {},
      );
      expect(shell.printed.match(/First run: created the admin user/g)).toHaveLength(1);
      const token = /^\s+(cvn_\S+)$/m.exec(shell.printed)![1]!;
      const [a, b] = [portA, portB].map((port) => `http://localhost:${port}/graphql`);
      for (const origin of [portA, portB].map((port) => `http://localhost:${port}`)) {
        expect(await (await fetch(`${origin}/ready`)).json()).toEqual({ status: 'ready' });
        expect(await (await fetch(`${origin}/health`)).json()).toEqual({ status: 'ok' });
      }

      const client = createClient({
        url: a!.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const events: any[] = [];
      client.subscribe(
        { query: 'subscription { changesAvailable { kinds } }' },
        { next: (event) => events.push(event), error: () => {}, complete: () => {} },
      );
      try {
        const event = await eventually(
          () => events[0],
          () => graphql(b!, token, 'mutation { createTask(input: { title: "through B" }) { id } }'),
        );
        expect(event).toEqual({ data: { changesAvailable: { kinds: ['TASK'] } } });
      } finally {
        await client.dispose();
      }
    });
  },
);
