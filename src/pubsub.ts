// Topics published after a transaction commits. In memory for one process; through Redis when
// REDIS_URL is set, so that every instance behind a load balancer hears every event.

import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
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
};

export function createEventBus(redisUrl: string | undefined) {
  const clients = redisUrl ? [new Redis(redisUrl), new Redis(redisUrl)] : [];
  const pubsub = createPubSub<Topics>({
    eventTarget: clients.length
      ? createRedisEventTarget({ publishClient: clients[0]!, subscribeClient: clients[1]! })
      : unboundedEventTarget(),
  });
  return {
    pubsub,
    async close() {
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

export type EventBus = ReturnType<typeof createEventBus>;
export type PubSub = EventBus['pubsub'];
