// Many GraphQL subscribers over raw `ws` sockets speaking graphql-transport-ws (much lighter
// per socket than a graphql-ws client each): connection_init with a payload, wait for
// connection_ack, subscribe; then every `next` is timed on arrival.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface Round {
  /** performance.now() at each subscriber's notice, in arrival order. */
  arrivals: number[];
  /** The payload's data of the first notice. */
  data: unknown;
}

export interface SubscriberPool {
  readonly size: number;
  /**
   * Arms a round: resolves when every subscriber has received exactly one notice (call before
   * the write that causes it). Rejects after `timeoutMs`, or when a subscriber fails.
   */
  expectNotice(timeoutMs?: number): Promise<Round>;
  close(): Promise<void>;
}

export interface SubscriberOptions {
  url: string;
  count: number;
  query: string;
  connectionParams?: Record<string, unknown>;
  /** Sockets being opened at once. */
  concurrency?: number;
}

export async function connectSubscribers(options: SubscriberOptions): Promise<SubscriberPool> {
  const wsUrl = options.url.replace(/^http/, 'ws');
  const sockets: WebSocket[] = [];
  let round: { arrivals: number[]; seen: Uint8Array; data: unknown; resolve: (r: Round) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    round?.reject(error);
  };
  let closing = false;

  const open = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
      sockets[index] = socket;
      let acked = false;
      socket.on('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: options.connectionParams ?? {} }));
      });
      socket.on('message', (raw) => {
        const at = performance.now();
        const message = JSON.parse(raw.toString()) as { type: string; payload?: any };
        switch (message.type) {
          case 'next': {
            if (!round) return fail(new Error(`subscriber ${index}: a notice outside a round`));
            if (round.seen[index]) return fail(new Error(`subscriber ${index}: two notices in one round`));
            if (message.payload?.errors) return fail(new Error(`subscriber ${index}: ${JSON.stringify(message.payload.errors)}`));
            round.seen[index] = 1;
            round.arrivals.push(at);
            round.data ??= message.payload?.data;
            if (round.arrivals.length === options.count) round.resolve({ arrivals: round.arrivals, data: round.data });
            return;
          }
          case 'connection_ack':
            acked = true;
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: options.query } }));
            return resolve();
          case 'ping':
            return socket.send(JSON.stringify({ type: 'pong' }));
          case 'pong':
            return;
          default:
            return fail(new Error(`subscriber ${index}: ${raw.toString().slice(0, 300)}`));
        }
      });
      socket.on('error', (error) => (acked ? fail(error) : reject(error)));
      socket.on('close', (code, reason) => {
        const error = new Error(`subscriber ${index}: socket closed (${code} ${reason.toString()})`);
        if (!acked) reject(error);
        else if (!closing) fail(error);
      });
    });

  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 200, options.count) }, async () => {
        while (next < options.count) await open(next++);
      }),
    );
  } catch (error) {
    closing = true;
    for (const socket of sockets) socket?.terminate();
    throw error;
  }

  return {
    size: options.count,
    expectNotice(timeoutMs = 60_000) {
      if (failure) return Promise.reject(failure);
      return new Promise<Round>((resolve, reject) => {
        const timer = setTimeout(() => {
          round = undefined;
          reject(new Error(`only ${current.arrivals.length} of ${options.count} subscribers had a notice after ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const current = {
          arrivals: [] as number[],
          seen: new Uint8Array(options.count),
          data: undefined as unknown,
          resolve: (r: Round) => {
            clearTimeout(timer);
            round = undefined;
            resolve(r);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            round = undefined;
            reject(e);
          },
        };
        round = current;
      });
    },
    async close() {
      closing = true;
      const closed = sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1000);
          }),
      );
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
      await Promise.race([Promise.all(closed), timeout]);
      for (const socket of sockets) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    },
  };
}

/** The soft limit on open files of this process (children inherit it), or null if unknown. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : soft ? Number(soft) : null;
  } catch {
    return null;
  }
}
