// The email outbox end to end, on PGlite and PostgreSQL: a real convene server (its relay job
// in the job list) sending to a real SMTP server started here (smtp-server; messages parsed
// with mailparser, invitations with ical.js). The messages are enqueued through the module's
// one entry point, enqueueMessage, in a runWrite transaction on the server's own database, as a
// domain module does; what meeting mutations send is in invitations.test.ts.

import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { applyMigrations } from '../src/db/migrations.ts';
import { buildInvitation, type Invitation } from '../src/email/invitation.ts';
import { enqueueMessage, type OutgoingMessage } from '../src/email/outbox.ts';
import { purgeOutbox } from '../src/email/relay.ts';
import { createServer } from '../src/server.ts';
import { runWrite } from '../src/write.ts';
import { serve, tempDir } from './support/cli.ts';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { type SmtpServer, startSmtpServer } from './support/smtp.ts';

const from = 'convene <invitations@convene.example>';

const invitation: Invitation = {
  method: 'REQUEST',
  uid: '0b7e3c52-1f0e-4a51-8d7a-3b8b1b9b2a10@convene.example',
  sequence: 0,
  start: new Date('2026-10-23T08:00:00Z'),
  end: new Date('2026-10-23T09:00:00Z'),
  timeZone: 'Europe/Berlin',
  summary: 'Planning',
  organizer: { name: 'Olga', email: 'olga@example.com' },
  attendees: [{ email: 'ann@example.com', name: 'Ann' }],
  stamp: new Date('2026-10-01T12:00:00Z'),
};

let keys = 0;
/** A message with a fresh key (keys are unique for all time, across suites and databases). */
function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const key = `test.${Date.now().toString(36)}.${++keys}`;
  return { key, to: 'ann@example.com', subject: `Subject ${key}`, text: `Vote: https://convene.example/vote/${key}`, ...overrides };
}

/** The text/calendar alternative of a parsed message, as ical.js reads it. */
function calendarPart(parsed: ParsedMail) {
  const part = parsed.attachments.find((attachment) => attachment.contentType === 'text/calendar');
  if (!part) return null;
  const calendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')) as unknown[]);
  const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    contentType: part.headers.get('content-type'),
  };
}

const targets = [
  { kind: 'pglite', skip: false },
  { kind: 'postgres', skip: !postgresAvailable },
] as const;

for (const { kind, skip } of targets) {
  const suffix = `[${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`;

  describe.skipIf(skip)(`email outbox, relay woken by the commit ${suffix}`, () => {
    let smtp: SmtpServer;
    let server: TestServer;
    let userId: string;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      // Polling once an hour: whatever is sent within the test was sent because a commit woke the relay.
      server = await startTestServer(kind, { SMTP_URL: smtp.url, SMTP_FROM: from, MAIL_POLL_SECONDS: '3600' });
      userId = (await server.newUser('mailer')).id;
    });
    afterAll(async () => {
      await server?.stop();
      await smtp?.close();
    });
    const enqueue = (...messages: OutgoingMessage[]) =>
      runWrite({ prisma: server.server.db.prisma }, { userId }, (w) => enqueueMessage(w, ...messages));

    it('sends each enqueued message once, at once after the commit, with its key as Message-ID and its invitation as text/calendar', async () => {
      const before = smtp.received.length;
      const plain = [message(), message({ to: 'bob@example.com' })];
      const invite = message({ calendar: { method: 'REQUEST', content: buildInvitation(invitation) } });
      await enqueue(...plain, invite);
      // Enqueueing a key again is a no-op: still one message for it.
      await enqueue(plain[0]!);
      await smtp.waitFor(() => smtp.received.length >= before + 3);
      const prisma = server.server.db.prisma;
      const keysSent = [...plain, invite].map((m) => m.key);
      await expect
        .poll(async () => prisma.outboxMessage.count({ where: { messageId: { in: keysSent }, sentAt: { not: null } } }), { timeout: 5000 })
        .toBe(3);
      // Another commit wakes the relay again: had anything been left to send twice, it would be now.
      const barrier = message();
      await enqueue(barrier);
      await smtp.waitFor(() => smtp.received.some((mail) => mail.messageId === `<${barrier.key}@convene.example>`));

      const mails = smtp.received.slice(before);
      expect(mails.map((mail) => mail.messageId).sort()).toEqual(
        [...keysSent, barrier.key].map((key) => `<${key}@convene.example>`).sort(),
      );
      const byId = (key: string) => mails.find((mail) => mail.messageId === `<${key}@convene.example>`)!;
      expect(byId(plain[1]!.key)).toMatchObject({ to: 'bob@example.com', code: 250 });
      expect(byId(plain[0]!.key).parsed).toMatchObject({ subject: plain[0]!.subject, text: `${plain[0]!.text}\n` });
      expect(byId(plain[0]!.key).parsed.from?.value).toEqual([{ address: 'invitations@convene.example', name: 'convene' }]);
      expect(calendarPart(byId(plain[0]!.key).parsed)).toBeNull();

      const parsedInvite = byId(invite.key).parsed;
      expect(calendarPart(parsedInvite)).toEqual({
        method: 'REQUEST',
        uid: invitation.uid,
        sequence: 0,
        contentType: { value: 'text/calendar', params: { charset: 'utf-8', method: 'REQUEST' } },
      });
      // And as an attachment for clients that only look there.
      expect(parsedInvite.attachments.find((a) => a.filename === 'invite.ics')?.contentType).toBe('application/ics');
    });

    it('a rolled-back write sends nothing', async () => {
      const prisma = server.server.db.prisma;
      const rolledBack = message();
      await expect(
        runWrite({ prisma }, { userId }, async (w) => {
          await enqueueMessage(w, rolledBack);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      const committed = message();
      await enqueue(committed);
      await smtp.waitFor(() => smtp.received.some((mail) => mail.messageId === `<${committed.key}@convene.example>`));
      expect(smtp.received.some((mail) => mail.messageId.startsWith(`<${rolledBack.key}@`))).toBe(false);
      expect(await prisma.outboxMessage.count({ where: { messageId: rolledBack.key } })).toBe(0);
    });

    it('a CANCEL invitation keeps the UID and carries the higher SEQUENCE', async () => {
      const cancel = message({
        calendar: { method: 'CANCEL', content: buildInvitation({ ...invitation, method: 'CANCEL', sequence: 1 }) },
      });
      await enqueue(cancel);
      await smtp.waitFor(() => smtp.received.some((mail) => mail.messageId === `<${cancel.key}@convene.example>`));
      const mail = smtp.received.find((m) => m.messageId === `<${cancel.key}@convene.example>`)!;
      expect(calendarPart(mail.parsed)).toMatchObject({ method: 'CANCEL', uid: invitation.uid, sequence: 1 });
    });
  });

  describe.skipIf(skip)(`email outbox, failures ${suffix}`, () => {
    let smtp: SmtpServer;
    let server: TestServer;
    let userId: string;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startTestServer(kind, {
        SMTP_URL: smtp.url,
        SMTP_FROM: from,
        MAIL_POLL_SECONDS: '0.1',
        MAIL_RETRY_SECONDS: '0.2',
        MAIL_MAX_ATTEMPTS: '3',
      });
      userId = (await server.newUser('mailer')).id;
    });
    afterAll(async () => {
      await server?.stop();
      await smtp?.close();
    });
    const enqueue = (...messages: OutgoingMessage[]) =>
      runWrite({ prisma: server.server.db.prisma }, { userId }, (w) => enqueueMessage(w, ...messages));
    const row = (key: string) => server.server.db.prisma.outboxMessage.findUniqueOrThrow({ where: { messageId: key } });
    /** A message the SMTP server answers `code`, enqueued, once the relay has given it up. */
    async function givenUp(code: number) {
      const mail = message();
      const id = `<${mail.key}@convene.example>`;
      smtp.answer = (received) => (received.messageId === id ? code : 250);
      await enqueue(mail);
      await expect.poll(async () => (await row(mail.key)).failedAt, { timeout: 10_000 }).not.toBeNull();
      return { mail, id };
    }

    it('a server answering 451 gets retries with backoff, then one delivery, every attempt with the same Message-ID', async () => {
      const mail = message();
      const id = `<${mail.key}@convene.example>`;
      let refusals = 0;
      smtp.answer = (received) => (received.messageId === id && refusals++ < 2 ? 451 : 250);
      const started = Date.now();
      await enqueue(mail);
      await expect.poll(async () => (await row(mail.key)).sentAt, { timeout: 10_000 }).not.toBeNull();
      const attempts = smtp.received.filter((m) => m.messageId === id);
      expect(attempts.map((m) => m.code)).toEqual([451, 451, 250]);
      // Backoff: 0.2 s, then 0.4 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(await row(mail.key)).toMatchObject({ attempts: 3, lastError: null, failedAt: null });
      expect(smtp.delivered().filter((m) => m.messageId === id)).toHaveLength(1);
    });

    it('out of attempts: given up with the last error, not tried again', async () => {
      const { mail, id } = await givenUp(421);
      expect(await row(mail.key)).toMatchObject({ attempts: 3, sentAt: null, lastError: expect.stringContaining('421') });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(smtp.received.filter((m) => m.messageId === id)).toHaveLength(3);
    });

    it('a message whose every attempt was claimed and never finished (the process died each time) is given up', async () => {
      const prisma = server.server.db.prisma;
      // As a third crash mid-send leaves it: claimed 3 times (MAIL_MAX_ATTEMPTS), its lease run out.
      const abandoned = message();
      await prisma.outboxMessage.create({
        data: {
          messageId: abandoned.key,
          recipient: abandoned.to,
          subject: abandoned.subject,
          text: abandoned.text,
          attempts: 3,
          nextAttemptAt: new Date(Date.now() - 1000),
        },
      });
      await expect.poll(async () => (await row(abandoned.key)).failedAt, { timeout: 10_000 }).not.toBeNull();
      expect((await row(abandoned.key)).lastError).toMatch(/^no result after the last attempt/);
      expect(smtp.received.some((m) => m.messageId.startsWith(`<${abandoned.key}@`))).toBe(false);
    });

    it('sent and given-up messages are purged after 30 days, pending ones kept', async () => {
      const prisma = server.server.db.prisma;
      const day = 86_400_000;
      const now = new Date();
      const old = new Date(now.getTime() - 31 * day);
      const recent = new Date(now.getTime() - 29 * day);
      const rows = [
        { key: message().key, sentAt: old },
        { key: message().key, failedAt: old },
        { key: message().key, sentAt: recent },
        { key: message().key, nextAttemptAt: new Date(now.getTime() + day), createdAt: old },
      ];
      await prisma.outboxMessage.createMany({
        data: rows.map(({ key, ...times }) => ({ messageId: key, recipient: 'ann@example.com', subject: 's', text: 't', ...times })),
      });
      expect(await purgeOutbox(prisma, now)).toBe(2);
      const left = await prisma.outboxMessage.findMany({ where: { messageId: { in: rows.map((r) => r.key) } } });
      expect(left.map((r) => r.messageId).sort()).toEqual([rows[2]!.key, rows[3]!.key].sort());
    });

    it('a 5xx answer is final: given up after one attempt', async () => {
      const { mail, id } = await givenUp(554);
      expect(await row(mail.key)).toMatchObject({ attempts: 1, sentAt: null, lastError: expect.stringContaining('554') });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(smtp.received.filter((m) => m.messageId === id)).toHaveLength(1);
    });
  });
}

// A real `convene serve` process killed (SIGKILL) while the SMTP server holds back its answer to
// a message's DATA, then started again on the same database. One connection, so exactly one
// message is in flight at the kill. The SMTP server here is the pessimistic kind: it delivers
// the message whose answer it was holding although the client is gone (RFC 5321 leaves that
// open). Asserted: every enqueued message is delivered; the messages acknowledged before the
// kill and those sent after it are delivered exactly once; the one in flight is delivered
// twice, both copies with the same Message-ID, subject, text and invitation (same UID,
// SEQUENCE and DTSTAMP), i.e. a duplicate that receivers deduplicate by Message-ID; 7
// deliveries in all for 6 messages; in the database every row is sent, the one in flight
// after 2 attempts, the others after 1; and the restarted server stops cleanly on SIGTERM.
describe.each(targets)('email outbox, a process killed mid-send [$kind]', ({ kind, skip }) => {
  it.skipIf(skip)(
    'delivers every message after the restart, and nothing twice but the one in flight, under its Message-ID',
    { timeout: 90_000 },
    async () => {
      const database = kind === 'postgres' ? await createTestDatabase() : { url: `pglite:${tempDir()}`, drop: async () => {} };
      const count = 6;
      const messages = Array.from({ length: count }, (_, i) =>
        message({
          to: `invitee${i}@example.com`,
          calendar: { method: 'REQUEST', content: buildInvitation({ ...invitation, sequence: i }) },
        }),
      );
      const db = await openDatabase(loadConfig({ DATABASE_URL: database.url }).database);
      await applyMigrations(db.migrationAdapter);
      await runWrite({ prisma: db.prisma }, { userId: randomUUID() }, (w) => enqueueMessage(w, ...messages));
      await db.close();

      let release: (code: number) => void = () => {};
      const smtp = await startSmtpServer(() => {
        if (smtp.received.length <= 2) return 250;
        return new Promise<number>((resolve) => {
          release = resolve;
        });
      });
      const env = {
        DATABASE_URL: database.url,
        SMTP_URL: smtp.url,
        SMTP_FROM: from,
        MAIL_CONNECTIONS: '1',
        MAIL_CLAIM_SECONDS: '1',
        MAIL_POLL_SECONDS: '0.2',
      };
      try {
        const first = await serve('', [], env);
        await smtp.waitFor(() => smtp.received.length === 3);
        expect(smtp.received.map((mail) => mail.code)).toEqual([250, 250, null]);
        first.child.kill('SIGKILL');
        await first.exited;
        const inFlight = smtp.received[2]!;
        release(250); // to a client that is gone
        smtp.answer = () => 250;

        const second = await serve('', [], env);
        await smtp.waitFor(() => new Set(smtp.delivered().map((mail) => mail.messageId)).size === count, 30_000);
        // Past the lease and several polls: any further resend would arrive now.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        second.child.kill('SIGTERM');
        const [code] = await second.exited;
        expect(code, second.output()).toBe(0);

        const delivered = smtp.delivered();
        const ids = messages.map((m) => `<${m.key}@convene.example>`);
        expect(new Set(delivered.map((mail) => mail.messageId))).toEqual(new Set(ids));
        expect(delivered).toHaveLength(count + 1);
        for (const id of ids) {
          const copies = delivered.filter((mail) => mail.messageId === id);
          expect(copies, id).toHaveLength(id === inFlight.messageId ? 2 : 1);
        }
        const [before, after] = delivered.filter((mail) => mail.messageId === inFlight.messageId);
        const content = (mail: typeof before) => ({
          subject: mail!.parsed.subject,
          text: mail!.parsed.text,
          date: mail!.parsed.date,
          calendar: mail!.parsed.attachments.find((a) => a.contentType === 'text/calendar')!.content.toString('utf8'),
        });
        expect(content(after)).toEqual(content(before));

        const reopened = await openDatabase(loadConfig({ DATABASE_URL: database.url }).database);
        try {
          const rows = await reopened.prisma.outboxMessage.findMany({ where: { messageId: { in: messages.map((m) => m.key) } } });
          expect(rows.every((row) => row.sentAt && !row.failedAt)).toBe(true);
          expect(rows.map((row) => [`<${row.messageId}@convene.example>`, row.attempts]).sort()).toEqual(
            ids.map((id) => [id, id === inFlight.messageId ? 2 : 1]).sort(),
          );
        } finally {
          await reopened.close();
        }
      } finally {
        await smtp.close();
        await database.drop();
      }
    },
  );
});

describe('email without SMTP_URL', () => {
  it('writes each message to the log (recipient, subject, text with its link) and marks it sent', async () => {
    const lines: string[] = [];
    const record = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    const logger = { debug() {}, info: record, warn: record, error: record };
    const server = createServer(loadConfig({ DATABASE_URL: 'pglite:memory', PORT: '0', HOST: '127.0.0.1' }), { logger });
    await server.start();
    try {
      const prisma = server.db.prisma;
      const user = await prisma.user.create({ data: { username: 'logged', email: 'logged@example.com' } });
      const mail = message({ to: 'carol@example.com', subject: 'Vote on: Planning' });
      await runWrite({ prisma }, { userId: user.id }, (w) => enqueueMessage(w, mail));
      await expect
        .poll(async () => (await prisma.outboxMessage.findUniqueOrThrow({ where: { messageId: mail.key } })).sentAt)
        .not.toBeNull();
      const logged = lines.filter((line) => line.includes('carol@example.com'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('Vote on: Planning');
      expect(logged[0]).toContain(`https://convene.example/vote/${mail.key}`);
    } finally {
      await server.stop();
    }
  });
});
