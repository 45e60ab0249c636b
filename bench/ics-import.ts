// ICS feed import (`npm run bench -- ics`): a 5,000-event feed (BENCH_ICS_EVENTS) served by a
// local HTTP server, imported by refreshSynchronization (fetch, parse, mirror, the function the
// job and the mutation run), on PGlite (in memory) and PostgreSQL. Each database is measured
// in a fresh child process, so that its peak RSS (the process's high-water mark) is the
// import's alone. Figures:
//   first import             every event new: 5,000 VEVENTs -> appointments, change-feed rows
//   unchanged, 304           the conditional GET answered 304: nothing parsed or written
//   unchanged, same body     a server without validators sends the feed again: its hash matches
//   one event changed        the body differs in one SUMMARY: parsed and compared, one update
// The feed: 4,400 single events (a third in "W. Europe Standard Time"), 500 weekly series (20
// occurrences, one EXDATE) and 100 rules the model lacks (1st and 15th, 6 times: expanded).
// Targets (issue 12): first import under 5 s, unchanged refresh under 100 ms.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUser } from '../src/auth/users.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { applyMigrations } from '../src/db/migrations.ts';
import { globalId } from '../src/ids.ts';
import { serverSecrets } from '../src/secrets.ts';
import { refreshSynchronization } from '../src/synchronizations/ics/refresh.ts';
import { createSynchronization } from '../src/synchronizations/synchronizations.ts';
import { runWrite } from '../src/write.ts';
import { childMain, inChildPerDatabase } from './lib/child.ts';
import { benchFeed } from './lib/ics-feed.ts';
import { redactUrl } from './lib/postgres.ts';
import { median } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface IcsImportOptions {
  postgresUrl: string;
  events: number;
}

interface Figures {
  firstMs: number;
  appointments: number;
  notModifiedMs: number;
  sameBodyMs: number;
  oneChangedMs: number;
  baseRssMb: number;
  peakRssMb: number;
}

const fixed = (n: number, digits = 0) => n.toFixed(digits);

/** The feed server: the current body, with an ETag unless `validators` is off. */
async function feedServer(body: string) {
  const state = { body, version: 1, validators: true };
  const server: Server = createServer((request, response) => {
    const etag = `"v${state.version}"`;
    if (state.validators && request.headers['if-none-match'] === etag) return void response.writeHead(304).end();
    response.writeHead(200, { 'content-type': 'text/calendar', ...(state.validators ? { etag } : {}) }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.ics`, close: () => server.close() };
}

/** One database, in this (child) process. */
async function measure(databaseUrl: string, events: number): Promise<Figures> {
  const feed = await feedServer(benchFeed(events));
  const config = loadConfig({ DATABASE_URL: databaseUrl, ICS_ALLOW_PRIVATE_ADDRESSES: 'true' });
  const db = await openDatabase(config.database);
  try {
    await applyMigrations(db.migrationAdapter);
    const services = { prisma: db.prisma, config: { publicUrl: null }, ...(await serverSecrets(db.prisma, config)) };
    const user = await createUser(services, { username: 'ics-bench', email: 'ics-bench@example.com' });
    const account = await db.prisma.account.findFirstOrThrow({ where: { mainUserId: user.id } });
    const synchronization = await runWrite(services, { userId: user.id }, (w) =>
      createSynchronization(w, services.secretBox, {
        type: 'ICS',
        provisioning: { url: feed.url, accountId: globalId('Account', account.id) },
      }),
    );
    const refresh = async () => {
      const started = performance.now();
      const result = await refreshSynchronization(services, config.ics, synchronization.id, null);
      if (result.lastError) throw new Error(`refresh failed: ${result.lastError}`);
      return performance.now() - started;
    };
    const baseRssMb = process.memoryUsage().rss / 2 ** 20;
    const firstMs = await refresh();
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const appointments = await db.prisma.appointment.count({ where: { synchronizationId: synchronization.id } });
    const notModified = [];
    for (let i = 0; i < 7; i++) notModified.push(await refresh());
    feed.state.validators = false;
    const sameBody = [];
    for (let i = 0; i < 7; i++) sameBody.push(await refresh());
    feed.state.body = benchFeed(events, true);
    const oneChangedMs = await refresh();
    return {
      firstMs,
      appointments,
      notModifiedMs: median(notModified),
      sameBodyMs: median(sameBody),
      oneChangedMs,
      baseRssMb,
      peakRssMb,
    };
  } finally {
    await db.close();
    feed.close();
  }
}

export async function icsImportBench(options: IcsImportOptions, print: (text: string) => void, progress: (text: string) => void) {
  const rows: string[][] = [];
  const runs = await inChildPerDatabase<Figures>(import.meta.url, options.postgresUrl, [String(options.events)], (name) =>
    progress(`${name}: import of ${options.events} events, then unchanged and changed refreshes`),
  );
  for (const { name, figures: f } of runs) {
    const verdict = f.firstMs < 5000 && f.notModifiedMs < 100 && f.sameBodyMs < 100 ? 'PASS' : 'BELOW TARGET';
    rows.push([
      name,
      String(f.appointments),
      fixed(f.firstMs / 1000, 2),
      fixed(f.notModifiedMs, 1),
      fixed(f.sameBodyMs, 1),
      fixed(f.oneChangedMs),
      fixed(f.baseRssMb),
      fixed(f.peakRssMb),
      verdict,
    ]);
  }
  print(`\nICS import: a ${options.events}-event feed from a local HTTP server (PostgreSQL at ${redactUrl(options.postgresUrl)})\n`);
  print(
    formatTable([
      [
        'database',
        'appointments',
        'first import s',
        'unchanged 304 ms',
        'unchanged same body ms',
        'one changed ms',
        'RSS before MB',
        'peak RSS MB',
        'targets',
      ],
      ...rows,
    ]),
  );
  print('(unchanged: median of 7; targets: first import < 5 s, unchanged refresh < 100 ms)');
}

childMain((databaseUrl, events) => measure(databaseUrl, Number(events)));
