// Outbox relay throughput (`npm run bench -- outbox`): messages/s from the outbox table to a
// local SMTP sink (smtp-server in its own process), on PGlite (in memory) and PostgreSQL.
//
// Per database: BENCH_OUTBOX_MESSAGES invitations (an iTIP REQUEST with its VTIMEZONE, ~3 KB
// each) are enqueued through enqueueMessage, 50 per write as a meeting with 50 invitees
// would; then relayOutbox, the function the relay job runs, sends them all with 1 and with
// MAIL_CONNECTIONS' default of 4 connections. Timed: from the first claim until every row is
// marked sent. The relay runs in this process (its CPU is this process's); the sink's CPU is
// reported beside it. A warm-up round (200 messages, PGlite) runs first and is not counted.
import { createLogger } from 'graphql-yoga';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { applyMigrations } from '../src/db/migrations.ts';
import { buildInvitation } from '../src/email/invitation.ts';
import { createMailer } from '../src/email/mailer.ts';
import { enqueueMessage } from '../src/email/outbox.ts';
import { relayOutbox } from '../src/email/relay.ts';
import { runWrite } from '../src/write.ts';
import { createBenchDatabase, redactUrl } from './lib/postgres.ts';
import { startServerProcess } from './lib/server.ts';
import { formatTable } from './lib/table.ts';

export interface OutboxOptions {
  postgresUrl: string;
  messages: number;
}

const perWrite = 50;
const fixed = (n: number, digits = 0) => n.toFixed(digits);

async function measure(databaseUrl: string, smtpUrl: string, connections: number, options: OutboxOptions) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, SMTP_FROM: 'convene <bench@convene.example>' });
  const db = await openDatabase(config.database);
  try {
    await applyMigrations(db.migrationAdapter);
    const run = `${connections}.${Date.now().toString(36)}`;
    const enqueueStarted = performance.now();
    for (let first = 0; first < options.messages; first += perWrite) {
      const count = Math.min(perWrite, options.messages - first);
      await runWrite({ prisma: db.prisma }, { userId: '00000000-0000-4000-8000-000000000000' }, (w) =>
        enqueueMessage(
          w,
          ...Array.from({ length: count }, (_, i) => {
            const n = first + i;
            const content = buildInvitation({
              method: 'REQUEST',
              uid: `bench-${run}@convene.example`,
              sequence: 0,
              start: new Date('2026-10-23T08:00:00Z'),
              end: new Date('2026-10-23T09:00:00Z'),
              timeZone: 'Europe/Berlin',
              summary: 'Quarterly planning',
              location: 'Room 1',
              description: `Agenda and vote: https://convene.example/vote/${n}`,
              organizer: { name: 'Olga', email: 'olga@example.com' },
              attendees: [{ email: `invitee${n}@example.com`, name: `Invitee ${n}` }],
              repeat: 'WEEKLY',
              stamp: new Date(),
            });
            return {
              key: `bench.${run}.${n}`,
              to: `invitee${n}@example.com`,
              subject: 'Invitation: Quarterly planning',
              text: `You are invited. Vote: https://convene.example/vote/${n}`,
              calendar: { method: 'REQUEST' as const, content },
            };
          }),
        ),
      );
    }
    const enqueueMs = performance.now() - enqueueStarted;

    const mailer = createMailer({ ...config.mail, connections }, createLogger('silent'));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await relayOutbox(db.prisma, mailer, { ...config.mail, connections });
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    mailer.close();
    if (result.sent !== options.messages) throw new Error(`sent ${result.sent} of ${options.messages} (${JSON.stringify(result)})`);
    return { enqueueMs, ms, relayCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await db.close();
  }
}

export async function outboxBench(options: OutboxOptions, print: (text: string) => void, progress: (text: string) => void) {
  const sink = await startServerProcess('smtp-sink');
  const postgres = await createBenchDatabase(options.postgresUrl);
  const rows: string[][] = [];
  try {
    progress('warm-up: 200 messages on PGlite (not counted)');
    await measure('pglite:memory', sink.url, 4, { ...options, messages: 200 });
    for (const [name, url] of [
      ['PGlite (memory)', 'pglite:memory'],
      ['PostgreSQL', postgres.url],
    ] as const) {
      for (const connections of [1, 4]) {
        progress(`${name}, ${connections} connection(s): enqueue and relay ${options.messages} messages`);
        const sinkBefore = await sink.cpuTime();
        const figures = await measure(url, sink.url, connections, options);
        const sinkCpuMs = ((await sink.cpuTime()) - sinkBefore) / 1000;
        rows.push([
          name,
          String(connections),
          fixed((options.messages * 1000) / figures.ms),
          fixed(figures.ms / options.messages, 2),
          `${fixed((100 * figures.relayCpuMs) / figures.ms)}%`,
          `${fixed((100 * sinkCpuMs) / figures.ms)}%`,
          fixed((options.messages * 1000) / figures.enqueueMs),
        ]);
      }
    }
  } finally {
    await sink.stop();
    await postgres.drop();
  }
  print(`\noutbox relay: ${options.messages} invitations to a local SMTP sink (PostgreSQL at ${redactUrl(options.postgresUrl)})\n`);
  print(
    formatTable([['database', 'connections', 'messages/s', 'ms/message', 'relay CPU', 'sink CPU', 'enqueued/s (50 per write)'], ...rows]),
  );
  print('(CPU: % of one core while relaying; the relay process includes PGlite when embedded)');
}
