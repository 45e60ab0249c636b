// A busy port, reported in one line with the way out, before the server loads, opens its
// database or migrates it (and again if the port is taken in the meantime).
import { createServer as createNetServer } from 'node:net';
import type { Config } from '../config.ts';

/** Fails with one line when the port is taken, rather than after opening and migrating the database. */
export async function checkPortFree(config: Config) {
  if (config.port === 0) return;
  const probe = createNetServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    throw portError(error, config) ?? error;
  } finally {
    probe.close();
  }
}

export function portError(error: unknown, config: Config): Error | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const problem = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'is not allowed for this user' : null;
  if (!problem) return undefined;
  return new Error(`port ${config.port} on ${config.host} ${problem}: pick another with --port <n> (or PORT; 0 picks a free one)`);
}
