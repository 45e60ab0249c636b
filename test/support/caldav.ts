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
