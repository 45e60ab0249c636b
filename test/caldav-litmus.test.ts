// litmus (Debian's WebDAV compliance suite, /usr/bin/litmus) against convene's CalDAV server,
// through a proxy in this test that records every status convene answers: none may be a 5xx.
//
// litmus works inside a collection of its own, `litmus/`, that every group (basic, copymove,
// props, locks, http) makes with MKCOL under the URL it is given and deletes at the end: pointed
// at the calendar home, that MKCOL makes a calendar (a plain MKCOL in the home does) and DELETE
// removes it. HTDOCS is test/data/litmus-htdocs, whose `foo` (what copymove, props and http PUT)
// is an iCalendar object, since a calendar holds nothing else; basic's put_get PUTs a text of
// its own, which a calendar refuses.
// Which tests pass is recorded exactly below (passing), with why the others do not apply.
// Skipped when litmus is not installed, unless CONVENE_REQUIRE_CALDAV_CLIENTS=1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseGlobalId } from '../src/ids.ts';
import { describeEachDatabase } from './support/server.ts';
import { userWithAccount } from './support/sync.ts';

const litmus = '/usr/bin/litmus';
const installed = existsSync(litmus);
if (!installed && process.env.CONVENE_REQUIRE_CALDAV_CLIENTS === '1') {
  throw new Error('litmus is required (CONVENE_REQUIRE_CALDAV_CLIENTS=1) but /usr/bin/litmus is missing: apt-get install litmus');
}

const groups = ['basic', 'copymove', 'props', 'locks', 'http'];
const htdocs = fileURLToPath(new URL('./data/litmus-htdocs', import.meta.url));

/**
 * The litmus tests convene passes, per group (litmus 0.13). The others need what a calendar is
 * not (README's litmus bullet): put_get and put_get_utf8_segment PUT a text that is not
 * iCalendar (403 valid-calendar-data), and mkcol_over_plain and delete use what they PUT;
 * collections inside a calendar (mkcol, mkcol_again, delete_coll, delete_fragment, copy_coll,
 * copy_shallow, move_coll: 403 calendar-collection-location-ok); COPY and MOVE (405; copy_init
 * makes a collection first); the second object of one UID in a calendar (move: 403
 * no-uid-conflict); properties on calendar objects (propset, propmanyns: 403, and the tests
 * after them); locks (convene is DAV class 1 and 3: options warns, precond ends the group).
 */
const passing: Record<string, string[]> = {
  basic: ['init', 'begin', 'put_no_parent', 'delete_null', 'mkcol_no_parent', 'mkcol_with_body', 'finish'],
  copymove: ['init', 'begin', 'copy_cleanup', 'move_cleanup', 'finish'],
  props: [
    'init',
    'begin',
    'propfind_invalid',
    'propfind_invalid2',
    'propfind_d0',
    'propinit',
    'propextended',
    'propwformed',
    'propcleanup',
    'finish',
  ],
  locks: ['init', 'begin'],
  http: ['init', 'begin', 'expect100', 'finish'],
};

/** litmus's report: per group, each test's result (pass, FAIL, SKIPPED, WARNING) and FAIL's reason. */
function parseLitmus(output: string): Record<string, Record<string, string>> {
  const results: Record<string, Record<string, string>> = {};
  let group: Record<string, string> = {};
  // litmus redraws each test's line with \r before its result: the last drawing is the result.
  for (const line of output.split(/[\r\n]/)) {
    const running = /^-> running `(\w+)':/.exec(line);
    if (running) results[running[1]!] = group = {};
    const test = /^\s*\d+\.\s+(\w+)\.+\s+(pass|FAIL|SKIPPED|WARNING)\b(.*)$/.exec(line);
    if (test) group[test[1]!] = test[2] === 'FAIL' ? `FAIL${test[3]}` : test[2]!;
  }
  return results;
}

(installed ? describeEachDatabase : (title: string) => it.skip(`${title}: litmus is not installed (apt-get install litmus)`, () => {}))(
  'CalDAV with litmus',
  (server) => {
    // A forward proxy (litmus --proxy=URL; -p takes no URL) that passes each request on to convene and records its status.
    const answered: string[] = [];
    const proxy = createServer((req, res) => {
      const target = new URL(req.url!, server().origin);
      const forward = httpRequest(target, { method: req.method, headers: req.headers }, (response) => {
        answered.push(`${req.method} ${target.pathname} ${response.statusCode}`);
        res.writeHead(response.statusCode!, response.headers);
        response.pipe(res);
      });
      forward.on('error', (error) => res.destroy(error));
      req.pipe(forward);
    });
    beforeAll(() => new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve)));
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    it('passes the litmus tests a calendar home can; nothing answers 5xx', async () => {
      const username = `litmus${server().kind}`;
      const u = await userWithAccount(server(), username);
      const home = `${server().origin}/dav/calendars/${username}/`;
      const { port } = proxy.address() as AddressInfo;
      // Exits non-zero when a test fails: the output is what counts.
      const run = await promisify(execFile)(litmus, ['-k', `--proxy=http://127.0.0.1:${port}/`, home, username, u.token], {
        env: { ...process.env, TESTS: groups.join(' '), HTDOCS: htdocs },
        cwd: tmpdir(), // litmus writes debug.log and child.log into it
        timeout: 120_000,
      }).catch((error: { stdout: string }) => error);
      const results = parseLitmus(run.stdout);
      expect(Object.keys(results)).toEqual(groups);
      const passed = Object.fromEntries(groups.map((g) => [g, Object.keys(results[g]!).filter((t) => results[g]![t] === 'pass')]));
      expect(passed).toEqual(passing);
      expect(answered.filter((line) => / 5\d\d$/.test(line))).toEqual([]);
    });

    it('answers the methods it does not serve with 405 and Allow (MKCOL where a resource is: 405, in a calendar 403)', async () => {
      const username = `methods${server().kind}`;
      const u = await userWithAccount(server(), username);
      const basic = `Basic ${Buffer.from(`${username}:${u.token}`).toString('base64')}`;
      const home = `/dav/calendars/${username}/`;
      const calendar = `${home}${parseGlobalId(u.account)!.id}/`;
      const send = async (method: string, path: string, headers: Record<string, string> = {}) => {
        const response = await fetch(server().origin + path, { method, headers: { authorization: basic, ...headers } });
        await response.text();
        return [method, path, response.status, response.headers.get('allow')];
      };
      const allow = 'OPTIONS, PROPFIND, PROPPATCH, REPORT, GET, HEAD, PUT, DELETE, MKCOL, MKCALENDAR';
      const destination = { destination: `${server().origin}${home}copy/` };
      expect(
        await Promise.all([
          send('MKCOL', calendar),
          send('MKCOL', `${calendar}litmus/`),
          send('COPY', calendar, destination),
          send('MOVE', calendar, destination),
          send('LOCK', calendar),
          send('UNLOCK', calendar, { 'lock-token': '<urn:uuid:0>' }),
          send('MKCOL', `/dav/calendars/someone/litmus/`),
        ]),
      ).toEqual([
        ['MKCOL', calendar, 405, allow],
        ['MKCOL', `${calendar}litmus/`, 403, null],
        ['COPY', calendar, 405, allow],
        ['MOVE', calendar, 405, allow],
        ['LOCK', calendar, 405, allow],
        ['UNLOCK', calendar, 405, allow],
        ['MKCOL', `/dav/calendars/someone/litmus/`, 404, null],
      ]);
    });
  },
);
