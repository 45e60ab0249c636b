// A small GraphQL-over-HTTP client for the benchmarks: node:http with keep-alive (lighter than
// fetch per request), JSON in and out; a response with errors throws.
import { Agent, request as httpRequest } from 'node:http';

export interface GraphQLClient {
  /** The `data` of the response; throws on a non-200 answer or GraphQL errors. */
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** POSTs any JSON body to a path on the same host; resolves with the parsed answer. */
  post<T = any>(path: string, body: unknown): Promise<T>;
  close(): void;
}

export function graphqlClient(url: string, headers: Record<string, string> = {}, maxSockets = 16): GraphQLClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const endpoint = new URL(url);
  const send = (path: string, payload: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          agent,
          host: endpoint.hostname,
          port: endpoint.port,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    async request(query, variables = {}) {
      const { status, text } = await send(endpoint.pathname, JSON.stringify({ query, variables }));
      let body: { data?: unknown; errors?: unknown[] };
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${url} answered ${status}: ${text.slice(0, 300)}`);
      }
      if (status !== 200 || body.errors?.length) {
        throw new Error(`${url} answered ${status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
      }
      return body.data as never;
    },
    async post(path, body) {
      const { status, text } = await send(path, JSON.stringify(body));
      if (status !== 200) throw new Error(`${endpoint.origin}${path} answered ${status}: ${text.slice(0, 300)}`);
      return JSON.parse(text);
    },
    close: () => agent.destroy(),
  };
}
