// python-caldav (Debian's python3-caldav) as a second CalDAV client, independent of tsdav: a
// Python script (test/support/caldav_client.py) discovers the principal and calendars, creates
// a weekly series with an EXDATE and an alarm, reads it back, searches by date range and by UID
// (event_by_uid; save_event(no_overwrite=True) refused for an existing UID), updates
// it, follows the change with sync-collection and deletes it; GraphQL must agree at each step.
// Skipped when no python3 with the caldav module is found, unless CONVENE_REQUIRE_CALDAV_CLIENTS=1.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const script = fileURLToPath(new URL('./support/caldav_client.py', import.meta.url));

/** The first python3 that imports caldav (pyenv's shim on PATH may lack Debian's package). */
const python = ['python3', '/usr/bin/python3'].find((candidate) => {
  try {
    execFileSync(candidate, ['-c', 'import caldav'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!python && process.env.CONVENE_REQUIRE_CALDAV_CLIENTS === '1') {
  throw new Error(
    'python-caldav is required (CONVENE_REQUIRE_CALDAV_CLIENTS=1) but no python3 imports caldav: apt-get install python3-caldav',
  );
}

const OCCURRENCES = `query ($from: DateTime!, $to: DateTime!) { appointments(from: $from, to: $to) { start appointment { id title } } }`;
const MAY = { from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' };

(python
  ? describeEachDatabase
  : (title: string) => it.skip(`${title}: no python3 with the caldav module (apt-get install python3-caldav)`, () => {}))(
  'CalDAV with python-caldav',
  (server) => {
    it('discovers, creates a series with EXDATE and alarm, reads, searches (by range and UID), updates, syncs and deletes; GraphQL agrees', async () => {
      const username = `py${server().kind}`;
      const u = await userWithAccount(server(), username);
      const accountId = parseGlobalId(u.account)!.id;
      const uid = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
      const calendar = `${server().origin}/dav/calendars/${username}/${accountId}/`;
      const href = `${calendar}${uid}.ics`;
      const run = async (step: string, token?: string) => {
        const args = [script, `${server().origin}/dav/`, username, u.token, uid, step, ...(token ? [token] : [])];
        const { stdout } = await promisify(execFile)(python!, args, { timeout: 60_000 });
        return JSON.parse(stdout);
      };
      const titles = async () =>
        dataOf(await u.gql(OCCURRENCES, MAY)).appointments.map((o: { start: string; appointment: { id: string; title: string } }) => [
          o.start,
          o.appointment.title,
        ]);

      const created = await run('create');
      expect(created.principal).toBe(`${server().origin}/dav/principals/${username}/`);
      expect(created.calendars.map((c: { url: string }) => c.url)).toEqual([
        calendar,
        `${server().origin}/dav/calendars/${username}/tasks/`,
      ]);
      expect(created.created).toBe(href);
      expect(created.read).toEqual({
        summary: 'planning',
        rrule: 'FREQ=WEEKLY;COUNT=4;BYDAY=MO', // python-caldav reserializes what it saves
        exdates: ['2026-05-11T09:00:00+02:00'],
        alarmSeconds: -900,
      });
      expect([created.search, created.searchElsewhere]).toEqual([[href], []]);
      // event_by_uid, and save_event(no_overwrite=True) refused because the server found the UID.
      expect([created.byUid, created.savedAgain]).toEqual([href, false]);
      // The series in GraphQL: four Mondays from 4 May, the 11th excluded (09:00 Berlin is 07:00 UTC).
      const occurrences = ['2026-05-04T07:00:00.000Z', '2026-05-18T07:00:00.000Z', '2026-05-25T07:00:00.000Z'];
      expect(await titles()).toEqual(occurrences.map((start) => [start, 'planning']));

      const updated = await run('update', created.syncToken);
      expect(updated.sync).toEqual([{ url: href, summary: 'planning, moved' }]);
      expect(await titles()).toEqual(occurrences.map((start) => [start, 'planning, moved']));

      const deleted = await run('delete', updated.syncToken);
      expect([deleted.syncAfterDelete, deleted.search]).toEqual([[href], []]);
      expect(await titles()).toEqual([]);
    });
  },
);
