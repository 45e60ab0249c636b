// What a CalDAV parser or check refused with: its status and precondition, for unit tests.
import { DavError } from '../../src/caldav/requests.ts';

/** The DavError `f` throws, as status and precondition name; fails when it throws none. */
export function refusal(f: () => unknown): { status: number; precondition: string | null } {
  try {
    f();
  } catch (error) {
    if (error instanceof DavError) return { status: error.status, precondition: error.precondition?.name ?? null };
    throw error;
  }
  throw new Error('not refused');
}
