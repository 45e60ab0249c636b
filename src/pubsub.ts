// Topics published after a transaction commits. In memory for one process; through Redis when
// REDIS_URL is set, so that every instance behind a load balancer hears every event.

import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
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
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export interface EventBus {
  pubsub: PubSub;
  close(): Promise<void>;
}

export async function createEventBus(redisUrl: string | undefined): Promise<EventBus> {
  if (!redisUrl) return { pubsub: createPubSub<Topics>({ eventTarget: unboundedEventTarget() }), close: async () => {} };
  // Loaded only with Redis configured: a single instance has no use for ioredis (start-up).
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);
  const publishClient = new Redis(redisUrl);
  const subscribeClient = new Redis(redisUrl);
  return {
    pubsub: createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) }),
    async close() {
      await Promise.all([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
