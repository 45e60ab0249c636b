// Fetching user-given feed URLs (src/synchronizations/ics/fetch-feed.ts) against a real local
// HTTP server: conditional GETs, the size cap, HTTP errors, unreachable hosts, and the refusal
// of non-public addresses (loopback, private, link-local, IPv6 loopback and unique-local,
// the metadata address) before anything is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedFetchError, type FetchOptions, fetchFeed } from '../../src/synchronizations/ics/fetch-feed.ts';

const open: FetchOptions = { timeoutMs: 2000, maxBytes: 1000, allowPrivateAddresses: true };
const closed: FetchOptions = { ...open, allowPrivateAddresses: false };

let server: Server;
let base = '';
const seen: Array<Record<string, string | string[] | undefined>> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    if (request.url === '/declared-big') return void response.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    if (request.url === '/trickle') return void response.writeHead(200).write('BEGIN:VCALENDAR\r\n'); // and never ends
    if (request.url === '/missing') return void response.writeHead(404).end();
    if (request.url === '/loop') return void response.writeHead(307, { location: '/loop' }).end();
    if (request.headers['if-none-match'] === '"1"') return void response.writeHead(304).end();
    response.writeHead(200, { etag: '"1"', 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' }).end('BEGIN:VCALENDAR');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: FeedFetchError) => ({ kind: error.kind, message: error.message }),
  );

describe('fetchFeed', () => {
  it('returns the body and its validators, and unchanged when they still hold', async () => {
    const first = await fetchFeed(`${base}/feed.ics`, null, open);
    expect(first).toEqual({ status: 'fetched', body: 'BEGIN:VCALENDAR', etag: '"1"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' });
    expect(await fetchFeed(`${base}/feed.ics`, { etag: '"1"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' }, open)).toEqual({
      status: 'unchanged',
    });
    expect(seen.at(-1)).toMatchObject({ 'if-none-match': '"1"', 'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 GMT' });
  });

  it('refuses a body over the cap, an HTTP error, a redirect loop, a closed port and a non-HTTP URL', async () => {
    expect(await failure(fetchFeed(`${base}/declared-big`, null, open))).toMatchObject({ kind: 'TOO_LARGE' });
    expect(await failure(fetchFeed(`${base}/missing`, null, open))).toEqual({ kind: 'HTTP_STATUS', message: 'the feed answered HTTP 404' });
    expect(await failure(fetchFeed(`${base}/loop`, null, open))).toEqual({ kind: 'TOO_MANY_REDIRECTS', message: 'more than 5 redirects' });
    expect(await failure(fetchFeed('http://127.0.0.1:1/feed.ics', null, open))).toMatchObject({ kind: 'UNREACHABLE' });
    expect(await failure(fetchFeed(`${base}/trickle`, null, { ...open, timeoutMs: 300 }))).toEqual({
      kind: 'TIMEOUT',
      message: 'the feed did not answer within 0.3 s',
    });
    expect(await failure(fetchFeed('file:///etc/passwd', null, open))).toEqual({
      kind: 'INVALID_URL',
      message: 'url: only http and https URLs',
    });
    expect(await failure(fetchFeed('not a url', null, open))).toEqual({ kind: 'INVALID_URL', message: 'url: not a URL' });
  });

  it('refuses non-public addresses, by name or literal, unless allowed', async () => {
    const before = seen.length;
    for (const url of [
      `${base}/feed.ics`,
      `http://localhost:${new URL(base).port}/feed.ics`,
      'http://10.1.2.3/feed.ics',
      'http://192.168.0.1/feed.ics',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/feed.ics',
      'http://[fd00::1]/feed.ics',
      'https://0.0.0.0/feed.ics',
    ]) {
      expect(await failure(fetchFeed(url, null, closed)), url).toMatchObject({
        kind: 'REFUSED_ADDRESS',
        message: expect.stringContaining('refused, not a public address'),
      });
    }
    expect(seen.length).toBe(before);
  });
});
