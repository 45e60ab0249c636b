// Where the command line's operations go. Every command is an operation of the public
// GraphQL schema, so it acts and prints the same however it is delivered:
// - in this process, on a database it opened itself (local.ts): it holds the PGlite
//   directory's lock, or the database is PostgreSQL, where many processes are fine;
// - through the admin socket of the server that holds the PGlite lock (src/admin-socket.ts);
// - over HTTP to any server, local or remote, with an admin token (--url, --token).
// An operation runs as the local operator (in process, admin socket) or the admin token
// (--url); with `asToken`, as that token's user (seed acts as its demo users so).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GraphQLClient {
  /** The operation's data; its errors are thrown as one Error with their messages. */
  run<T>(query: string, variables?: Record<string, unknown>, asToken?: string): Promise<T>;
  close(): Promise<void>;
}

interface ResultError {
  message: string;
}

export function dataOf<T>(result: { data?: unknown; errors?: readonly ResultError[] }): T {
  if (result.errors?.length) throw new Error(result.errors.map((error) => error.message).join('; '));
  return result.data as T;
}

export interface HttpClient extends GraphQLClient {
  /** Whether a GraphQL server answers there within `timeoutMs`. */
  answers(timeoutMs: number): Promise<boolean>;
}

/**
 * Sends operations over HTTP: to `url`, or to `url`'s path on the Unix socket `socketPath`.
 * `adminToken` goes with every operation that does not name its own.
 */
export function httpClient(url: string, options: { socketPath?: string; adminToken?: string } = {}): HttpClient {
  const target = new URL(url);
  const post = (body: string, token: string | undefined, timeoutMs?: number) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          socketPath: options.socketPath,
          agent: false, // one connection per operation, closed after it: nothing keeps the process alive
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response: IncomingMessage) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        },
      );
      if (timeoutMs) request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });

  async function run<T>(query: string, variables?: Record<string, unknown>, asToken?: string, timeoutMs?: number): Promise<T> {
    const { status, text } = await post(JSON.stringify({ query, variables }), asToken ?? options.adminToken, timeoutMs);
    let result: { data?: unknown; errors?: readonly ResultError[] };
    try {
      result = JSON.parse(text);
    } catch {
      throw new Error(`${url} answered HTTP ${status}, not GraphQL`);
    }
    return dataOf(result);
  }

  return {
    run: (query, variables, asToken) => run(query, variables, asToken),
    async answers(timeoutMs) {
      try {
        return (await run<{ __typename: string }>('{ __typename }', undefined, undefined, timeoutMs)).__typename === 'Query';
      } catch {
        return false;
      }
    },
    close: async () => {},
  };
}
