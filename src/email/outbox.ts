// The transactional outbox: how any domain module sends mail. enqueueMessage writes the message
// as a row in the caller's write transaction, so the message exists exactly when the change it
// tells of does (a rolled-back write sends nothing); the relay job (relay.ts) sends it after
// the commit, woken at once by an after-commit notice. The guarantee is in relay.ts's header.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { insertRows } from '../db/insert-rows.ts';
import type { CalendarMethod } from '../generated/prisma/client.ts';
import type { WriteContext } from '../write.ts';

export interface OutgoingMessage {
  /**
   * The idempotency key, unique for all time: one message per recipient per change, e.g.
   * `meeting.<id>.invitation.<sequence>.<inviteeId>`. It becomes the Message-ID
   * (`<key@domain of SMTP_FROM>`), the same on every attempt. Enqueueing a key again is a no-op.
   */
  key: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** An iTIP invitation or cancellation (invitation.ts), sent as `text/calendar; method=...` and as invite.ics. */
  calendar?: { method: CalendarMethod; content: string };
}

// Letters, digits and the dot-atom punctuation of RFC 5322, so `<key@domain>` is a valid msg-id.
const messageSchema = z.object({
  key: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/, 'key: letters, digits and .-_+= only (it is the left part of the Message-ID)'),
  to: z.email(),
  subject: z.string().min(1).max(998),
  text: z.string(),
  html: z.string().optional(),
  calendar: z.object({ method: z.enum(['REQUEST', 'CANCEL']), content: z.string().startsWith('BEGIN:VCALENDAR') }).optional(),
});

const enqueued = new EventEmitter();

/** Calls `listener` after every commit that enqueued mail in this process; returns the unsubscribe. */
export function onMessagesEnqueued(listener: () => void): () => void {
  enqueued.on('enqueued', listener);
  return () => enqueued.off('enqueued', listener);
}

/**
 * Queues `messages` in the write's transaction; the relay sends them once it has committed.
 * Callers check their users' input first: a message that fails here is a programming error.
 */
export async function enqueueMessage(w: WriteContext, ...messages: OutgoingMessage[]): Promise<void> {
  if (!messages.length) return;
  const rows = messages.map((message) => {
    const parsed = messageSchema.safeParse(message);
    if (!parsed.success) throw new Error(`enqueueMessage: ${z.prettifyError(parsed.error)}`);
    const { key, to, subject, text, html, calendar } = parsed.data;
    return {
      id: randomUUID(),
      messageId: key,
      recipient: to,
      subject,
      text,
      html: html ?? null,
      calendarMethod: calendar?.method ?? null,
      calendar: calendar?.content ?? null,
    };
  });
  await insertRows(w.tx, 'OutboxMessage', Object.keys(rows[0]!), rows, { skipDuplicates: true });
  // After the response: the relay's statements would otherwise go out before it.
  w.afterCommit.run(() => setImmediate(() => enqueued.emit('enqueued')));
}
