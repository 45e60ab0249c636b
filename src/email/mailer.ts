// Sends one outbox row: over SMTP with nodemailer when SMTP_URL is set, else into the log
// (recipient, subject and the text with its links), so that someone trying convene locally can
// follow a vote link without a mail server.
import type { YogaLogger } from 'graphql-yoga';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { OutboxMessage } from '../generated/prisma/client.ts';

export interface Mailer {
  /** Resolves once the server has accepted the message (its answer to DATA); rejects with the reason otherwise. */
  send(message: OutboxMessage): Promise<void>;
  close(): void;
  /**
   * How many messages the relay claims at once (relay.ts). Over SMTP one, so that a process
   * dying mid-send resends at most the message in flight; into the log many, as a log line
   * has no receiver who could see it twice.
   */
  batch: number;
}

/** A failure that no retry can fix: an SMTP 5xx answer (unknown mailbox, refused sender, message rejected). */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The Message-ID header of a row: its key on the domain of the From address. */
export function messageIdHeader(message: Pick<OutboxMessage, 'messageId'>, from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${message.messageId}@${domain}>`;
}

export function createMailer(config: Config['mail'], logger: YogaLogger): Mailer {
  if (!config.smtpUrl) {
    return {
      async send(message) {
        const calendar = message.calendarMethod ? ` [calendar ${message.calendarMethod}]` : '';
        logger.info(`mail (no SMTP_URL: logged, not sent) to ${message.recipient}: ${message.subject}${calendar}\n${message.text}`);
      },
      close() {},
      batch: 100,
    };
  }
  // A pool: one connection per concurrent send, kept open between messages. The timeouts keep
  // every send well inside the claim (MAIL_CLAIM_SECONDS, 300 s by default; relay.ts).
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    pool: true,
    maxConnections: config.connections,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    async send(message) {
      await transport.sendMail({
        from: config.from,
        to: message.recipient,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        // The same on every attempt: a resend after a crash is the same message to the receiver.
        messageId: messageIdHeader(message, config.from),
        date: message.createdAt,
        ...(message.calendar && message.calendarMethod
          ? { icalEvent: { method: message.calendarMethod, content: message.calendar, filename: 'invite.ics' } }
          : {}),
      });
    },
    close: () => transport.close(),
    batch: 1,
  };
}
