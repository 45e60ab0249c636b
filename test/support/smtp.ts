// A real SMTP server (smtp-server) on a free port, for the mail tests and the outbox benchmark:
// it records every message it receives whole, parsed with mailparser, and answers DATA as the
// test decides (accept, refuse with a code, or hold the answer back).
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The Message-ID header, with its angle brackets. */
  messageId: string;
  to: string;
  raw: string;
  parsed: ParsedMail;
  /** The answer given to DATA (250: accepted, a delivery); null while held back. */
  code: number | null;
}

/** The answer to one message's DATA: 250, or a refusal code (4xx: try later, 5xx: never). */
export type Answer = (mail: ReceivedMail) => number | Promise<number>;

export interface SmtpServer {
  url: string;
  /** Every message received whole, in order, whatever the answer. */
  received: ReceivedMail[];
  /** The messages accepted with 250. */
  delivered(): ReceivedMail[];
  answer: Answer;
  /** Waits until `condition` holds (checked every 20 ms), or fails after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpServer(answer: Answer = () => 250, parse = true): Promise<SmtpServer> {
  const received: ReceivedMail[] = [];
  const state = { answer };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parse ? await simpleParser(raw) : ({} as ParsedMail);
        const messageId = parse ? (parsed.messageId ?? '') : (/^Message-ID: (.*)$/im.exec(raw)?.[1]?.trim() ?? '');
        const mail: ReceivedMail = { messageId, to: session.envelope.rcptTo.map((r) => r.address).join(','), raw, parsed, code: null };
        received.push(mail);
        const code = await state.answer(mail);
        mail.code = code;
        if (code === 250) return callback();
        callback(Object.assign(new Error(code >= 500 ? 'rejected for good' : 'try again later'), { responseCode: code }));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    delivered: () => received.filter((mail) => mail.code === 250),
    get answer() {
      return state.answer;
    },
    set answer(next: Answer) {
      state.answer = next;
    },
    async waitFor(condition, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline)
          throw new Error(`timed out; received so far: ${received.map((m) => `${m.messageId} ${m.code}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
