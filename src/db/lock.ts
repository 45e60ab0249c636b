// One process at a time may open an embedded (PGlite) data directory. Two would each keep
// their own copy of the database in memory and write over each other's files: a write of
// one is silently lost, a token revoked by one keeps working in the other.
//
// The lock is proper-lockfile's: an atomic mkdir of `convene.lock` in the data directory,
// whose mtime the holder refreshes every 5 s; a lock left by a killed process goes stale
// after 10 s and is taken over. Staleness alone cannot tell a dead holder from a live one
// whose event loop is blocked or that is stopped (SIGSTOP), so the holder also writes its
// pid to `convene.pid`: a lock whose holder is alive on this host is refused at once and
// never taken over; one whose holder is gone is waited for until it goes stale. The lock is
// released on close and, through proper-lockfile's exit hook, when the process exits.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

const staleMs = 10_000;
const retryMs = 500;

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super(`the database in ${dataDir} is in use by another process (${describeHolder(holder)})`);
  }
}

/** "pid 123", "pid 123 on host", or "pid unknown". */
export function describeHolder(holder: LockHolder | null) {
  if (!holder) return 'pid unknown';
  return holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
}

/** Takes the data directory's lock, or throws DataDirLockedError. Returns the release. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'convene.lock');
  const holderPath = join(dataDir, 'convene.pid');
  const holder = liveHolder(dataDir);
  if (holder) throw new DataDirLockedError(dataDir, holder);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: staleMs,
      // A holder that died less than `staleMs` ago (or that cannot be checked): wait until
      // its lock goes stale. A live holder keeps it fresh and is refused after the wait.
      retries: { retries: Math.ceil((1.5 * staleMs) / retryMs), factor: 1, minTimeout: retryMs, maxTimeout: retryMs },
      // Only possible when the lock was removed or taken over behind our back (someone
      // deleted it, or this process was stopped past staleness with no pid note to protect
      // it). Another process may be writing the files now: stop rather than corrupt them.
      onCompromised: (error) => {
        console.error(`convene: lost the lock on ${dataDir} (${error.message}); exiting so that two processes never write it`);
        process.exit(1);
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirLockedError(dataDir, readHolder(holderPath));
    throw error;
  }
  const self: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(holderPath, JSON.stringify(self));
  return release;
}

/** The process that holds the directory's lock, if it is alive on this host. */
export function liveHolder(dataDir: string): LockHolder | null {
  const holder = readHolder(join(dataDir, 'convene.pid'));
  return holder && isAlive(holder) && existsSync(join(dataDir, 'convene.lock')) ? holder : null;
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return null; // none yet, or being written
  }
}

/** Whether the holder is a live process on this host (another host's cannot be checked). */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
