// A local SMTP sink for the outbox benchmark: smtp-server accepting every message (read to the
// end, not parsed), in its own process so that it does not share the relay's core.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { serveBenchTarget } from './child.ts';

await serveBenchTarget(async () => {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
});
