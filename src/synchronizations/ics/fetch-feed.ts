// Fetching a feed from a URL a user gave. The server must not become a way into its own
// network, so every connection goes through request-filtering-agent, which checks the address
// the host name RESOLVED to, at connect time (a name that resolves to 127.0.0.1 or changes its
// answer between a check and the connection gets no further). Only http and https; each
// redirect is followed here, hop by hop, so every hop's address is checked the same way, and
// at most MAX_REDIRECTS of them. The body is capped (the request is aborted once it is
// exceeded) and the whole fetch has a deadline. Validators from the last fetch make it a
// conditional GET: 304 means unchanged.
import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

export interface FetchOptions {
  /** Whole fetch, every hop included. */
  timeoutMs: number;
  maxBytes: number;
  /** Allow loopback, private, link-local and other non-public addresses (tests, on-premises feeds). */
  allowPrivateAddresses: boolean;
}

/** What the last successful fetch answered, to ask "changed since?" */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchResult = { status: 'unchanged' } | ({ status: 'fetched'; body: string } & Validators);

export const MAX_REDIRECTS = 5;

export type FeedErrorKind =
  | 'INVALID_URL'
  | 'REFUSED_ADDRESS'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'HTTP_STATUS'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS';

/** Why a feed could not be fetched; `message` is what the synchronization's lastError shows. */
export class FeedFetchError extends Error {
  constructor(
    readonly kind: FeedErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'FeedFetchError';
  }
}

/** The URL if it is one convene fetches (http or https), else why not. */
export function feedUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs';
  return url;
}

// One agent pair per setting: agents pool connections, and a filtering agent checks every new one.
const agents = new Map<boolean, { http: http.Agent; https: https.Agent }>();
function agentsFor(allowPrivateIPAddress: boolean) {
  let pair = agents.get(allowPrivateIPAddress);
  if (!pair) {
    pair = {
      http: new RequestFilteringHttpAgent({ allowPrivateIPAddress, keepAlive: true }),
      https: new RequestFilteringHttpsAgent({ allowPrivateIPAddress, keepAlive: true }),
    };
    agents.set(allowPrivateIPAddress, pair);
  }
  return pair;
}

const redirects = new Set([301, 302, 303, 307, 308]);

/** GETs the feed at `start`, following redirects; unchanged (304) when the validators still hold. */
export async function fetchFeed(start: string, validators: Validators | null, options: FetchOptions): Promise<FetchResult> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let url = feedUrl(start);
  for (let hop = 0; ; hop++) {
    if (typeof url === 'string') throw new FeedFetchError('INVALID_URL', `url: ${url}`);
    const response = await get(url, validators, options, deadline);
    if (redirects.has(response.status)) {
      const location = response.location;
      if (!location) throw new FeedFetchError('HTTP_STATUS', `the feed answered ${response.status} without a Location`);
      if (hop >= MAX_REDIRECTS) throw new FeedFetchError('TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects`);
      url = feedUrl(new URL(location, url).href);
      continue;
    }
    if (response.status === 304) return { status: 'unchanged' };
    if (response.status !== 200) throw new FeedFetchError('HTTP_STATUS', `the feed answered HTTP ${response.status}`);
    return { status: 'fetched', body: response.body, etag: response.etag, lastModified: response.lastModified };
  }
}

interface Answer extends Validators {
  status: number;
  location: string | null;
  body: string;
}

/** One request: the status and headers, and for a 200 the body (at most maxBytes). */
function get(url: URL, validators: Validators | null, options: FetchOptions, deadline: AbortSignal): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  const agent = agentsFor(options.allowPrivateAddresses)[url.protocol === 'https:' ? 'https' : 'http'];
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'convene-ics' };
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  return new Promise((resolve, reject) => {
    if (deadline.aborted) return reject(timedOut(options));
    const request = client.get(url, { agent, headers, signal: deadline }, (response) => {
      const status = response.statusCode ?? 0;
      const answer = {
        status,
        location: response.headers.location ?? null,
        etag: header(response.headers.etag),
        lastModified: header(response.headers['last-modified']),
      };
      if (status !== 200) {
        response.resume(); // drain, so the connection can be reused
        return resolve({ ...answer, body: '' });
      }
      const declared = Number(response.headers['content-length']);
      if (declared > options.maxBytes) {
        request.destroy();
        return reject(tooLarge(options));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          request.destroy();
          reject(tooLarge(options));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ ...answer, body: Buffer.concat(chunks).toString('utf8') }));
      // Cut off mid-body (the deadline, the server): no 'end' comes.
      response.on('close', () => {
        if (!response.complete)
          reject(deadline.aborted ? timedOut(options) : classify(new Error('the connection closed mid-body'), url, options));
      });
    });
    request.on('error', (error) => reject(deadline.aborted ? timedOut(options) : classify(error, url, options)));
  });
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));
const tooLarge = (options: FetchOptions) => new FeedFetchError('TOO_LARGE', `the feed is larger than ${options.maxBytes} bytes`);
const timedOut = (options: FetchOptions) => new FeedFetchError('TIMEOUT', `the feed did not answer within ${options.timeoutMs / 1000} s`);

function classify(error: Error, url: URL, options: FetchOptions): FeedFetchError {
  if (error instanceof FeedFetchError) return error;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return timedOut(options);
  // request-filtering-agent's refusal (its only message saying so).
  if (/is not allowed/.test(error.message)) {
    return new FeedFetchError('REFUSED_ADDRESS', `${url.hostname}: refused, not a public address (${error.message})`);
  }
  return new FeedFetchError('UNREACHABLE', `${url.hostname}: unreachable (${(error as NodeJS.ErrnoException).code ?? error.message})`);
}
