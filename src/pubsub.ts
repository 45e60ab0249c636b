// Topics published after a transaction commits. In memory for one process; through Redis when
// REDIS_URL is set, so that every instance behind a load balancer hears every event.

import { once, setMaxListeners } from 'node:events';
import { createPubSub, type YogaLogger } from 'graphql-yoga';
import type { SyncKind } from './generated/prisma/client.ts';

export interface AccountsChanged {
  userId: string;
}

/** A hint that a user's change feed has moved: the client should pull. Never the data. */
export interface ChangeNotice {
  userId: string;
  revision: number;
  kinds: SyncKind[];
}

/** A meeting changed (or was cancelled): its subscribers fetch it as they may see it. */
export interface MeetingChanged {
  meetingId: string;
}

/** A poll's votes or options changed: its subscribers read it again as they may see it. */
export interface PollChanged {
  meetingId: string;
}

/** Revoked tokens, to drop from every instance's auth cache. */
export interface AuthEviction {
  tokenIds: string[];
}

/** Thousands of subscribers of one user are normal: no listener-count warning. */
function unboundedEventTarget() {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target;
}

/** Every topic and what it carries (the routing key first, where subscribers pick one). */
// A type alias (not an interface): createPubSub wants an index signature.
export type Topics = {
  'accounts:changed': [userId: string, event: AccountsChanged];
  'auth:evict': [event: AuthEviction];
  changes: [userId: string, notice: ChangeNotice];
  'meeting:changed': [meetingId: string, event: MeetingChanged];
  'poll:changed': [meetingId: string, event: PollChanged];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export interface EventBus {
  pubsub: PubSub;
  close(): Promise<void>;
}

/** Where the event bus reports an outage of Redis. */
export type EventBusLogger = Pick<YogaLogger, 'info' | 'warn'>;

export async function createEventBus(redisUrl: string | undefined, logger: EventBusLogger): Promise<EventBus> {
  if (!redisUrl) return { pubsub: createPubSub<Topics>({ eventTarget: unboundedEventTarget() }), close: async () => {} };
  return createRedisEventBus(redisUrl, logger);
}

/**
 * At most this many events wait for an unreachable Redis (a few hundred bytes each); later
 * ones are dropped, and counted in the line that says Redis is back.
 */
const maxWaitingEvents = 10_000;

/** How long close() lets a connection being made come up, so that waiting events go out. */
const closeGraceMs = 1000;

/**
 * Events through Redis. Redis only carries hints between instances: the database is the
 * source of truth, a change notice says "pull" and a client also pulls when it (re)connects,
 * and a token check falls back on the auth cache's expiry (AUTH_CACHE_MS). So an outage of
 * Redis must not take an instance down or fail a request: the instance keeps serving, logs
 * the outage once and its end once, and keeps reconnecting (ioredis's default retryStrategy:
 * 50 ms more per attempt, at most 2 s apart). Commands wait for the connection instead of
 * failing after 20 attempts (maxRetriesPerRequest: null): subscriptions are made when Redis
 * is back (and ioredis renews the ones it had), and events published meanwhile, up to
 * maxWaitingEvents, go out then; they reach the instances that have resubscribed by then.
 * Publishing never blocks or fails the write that committed.
 */
async function createRedisEventBus(redisUrl: string, logger: EventBusLogger): Promise<EventBus> {
  // Loaded only with Redis configured: a single instance has no use for ioredis (start-up).
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);
  const where = describeRedis(redisUrl);
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const clients = [publishClient, subscribeClient];

  let outage: { dropped: number } | null = null;
  let closing = false;
  for (const client of clients) {
    // An 'error' listener also keeps ioredis from printing every failed attempt ("[ioredis]
    // Unhandled error event").
    client.on('error', (error: Error) => {
      if (outage || closing) return;
      outage = { dropped: 0 };
      logger.warn(
        `Redis at ${where} is not reachable (${error.message}): change notices and token revocations ` +
          'do not reach other instances until it is back; retrying',
      );
    });
    client.on('ready', () => {
      if (!outage || clients.some((other) => other.status !== 'ready')) return;
      const dropped = outage.dropped ? ` (${count(outage.dropped, 'event')} published meanwhile dropped)` : '';
      logger.info(`Redis at ${where} is reachable again: events between instances resume${dropped}`);
      outage = null;
    });
  }

  const failed = (command: string) => (error: Error) => {
    if (!closing) logger.warn(`Redis ${command} failed: ${error.message}`);
  };
  let waiting = 0; // published, not yet sent
  function publish(channel: string, message: string) {
    if (waiting >= maxWaitingEvents) {
      if (outage) outage.dropped++;
      return;
    }
    waiting++;
    publishClient
      .publish(channel, message)
      .catch(failed('PUBLISH'))
      .finally(() => waiting--);
  }

  // redis-event-target neither awaits nor catches its clients' commands, and a rejection
  // nobody catches ends the process. It gets the clients with commands that report their
  // failure instead (and the publish above).
  const eventTarget = createRedisEventTarget({
    publishClient: withCommands(publishClient, { publish }),
    subscribeClient: withCommands(subscribeClient, {
      subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(failed('SUBSCRIBE')),
      unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(failed('UNSUBSCRIBE')),
    }),
  });
  return {
    pubsub: createPubSub<Topics>({ eventTarget }),
    async close() {
      closing = true;
      await Promise.all(
        clients.map(async (client) => {
          // A connection being made may come up in a moment and send what waits (a command
          // line's revocation); an unreachable Redis must not hold up a shutdown.
          if (client.status === 'connecting' || client.status === 'connect') {
            await once(client, 'ready', { signal: AbortSignal.timeout(closeGraceMs) }).catch(() => {});
          }
          if (client.status === 'ready') return void (await client.quit().catch(() => client.disconnect()));
          if (client === publishClient && waiting) logger.warn(`${count(waiting, 'event')} not sent: Redis at ${where} is not reachable`);
          client.disconnect();
        }),
      );
    },
  };
}

/** `client` with some of its commands replaced. */
function withCommands<Client extends object>(client: Client, commands: Record<string, (...args: never[]) => unknown>): Client {
  return new Proxy(client, {
    get(target, property) {
      if (typeof property === 'string' && Object.hasOwn(commands, property)) return commands[property];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Scheme, host and port of a Redis URL: never its password. */
function describeRedis(redisUrl: string): string {
  const { protocol, host } = new URL(redisUrl);
  return `${protocol}//${host}`;
}
