// A CalDAV user for tests that speak plain HTTP to /dav/: a connected account, Basic
// credentials (username and access token) and a request helper.
import { DAVClient } from 'tsdav';
import type { TestServer } from './server.ts';
import { userWithAccount } from './sync.ts';

/** A new user with an account, their Basic authorization and `dav(method, path, body, headers)` answered as status, headers and text. */
export async function davUser(server: TestServer, username: string) {
  const u = await userWithAccount(server, username);
  const basic = `Basic ${Buffer.from(`${username}:${u.token}`).toString('base64')}`;
  const dav = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.origin + path, {
      method,
      headers: { authorization: basic, 'content-type': 'application/xml; charset=utf-8', ...headers },
      body,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  return { ...u, username, basic, dav };
}

/** tsdav signed in as this user with Basic credentials (call its `login()` before use). */
export const tsdavClient = (server: TestServer, username: string, token: string) =>
  new DAVClient({
    serverUrl: server.origin,
    credentials: { username, password: token },
    authMethod: 'Basic',
    defaultAccountType: 'caldav',
  });

/** An iCalendar object of one VEVENT from `at[0]` to `at[1]` (UTC), with `lines` after its SUMMARY (a rule, then further components). */
export const vevent = (uid: string, summary: string, lines: string[], at: [string, string]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//caldav//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${at[0]}`,
    `DTEND:${at[1]}`,
    `SUMMARY:${summary}`,
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
