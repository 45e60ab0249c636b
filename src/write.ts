// Every write runs through runWrite: one transaction, carried through the domain code as one
// WriteContext (transaction, acting user, origin, change recorder, after-commit effects).
// The change feed rows the write makes are written as its last step (src/sync/feed.ts), and
// its effects (change notices, cache evictions, meeting notices) run only once it has
// committed: never for a write that rolled back. Meeting events (src/meetings/events.ts) are
// handled inside the transaction, before the feed: what they write commits with the change.
import type { PrismaClient, Tx } from './db/database.ts';
import { handleMeetingEvents, type MeetingEvent } from './meetings/events.ts';
import type { PubSub, Topics } from './pubsub.ts';
import { ChangeRecorder } from './sync/feed.ts';

/** Who made a change: the synchronization whose commit carries it (null for plain mutations). */
export interface Origin {
  synchronizationId: string | null;
}

/** A change made by a plain mutation or as a consequence of another: every synchronization hears of it. */
export const noOrigin: Origin = { synchronizationId: null };

export interface WriteContext {
  tx: Tx;
  /** The user the write acts for: the owner of what it creates, whose objects it may touch. */
  userId: string;
  origin: Origin;
  /** Changes to synced objects, for the change feed (of any user the write touches). */
  changes: ChangeRecorder;
  /** What happened to meetings, for the handlers in src/meetings/events.ts (in this transaction). */
  meetingEvents: MeetingEvent[];
  afterCommit: AfterCommit;
  /** Where convene is reached from outside (PUBLIC_URL), for links in mail; null for a write without a server. */
  publicUrl: string | null;
}

/** Effects collected during a write and run once it has committed. */
export class AfterCommit {
  private readonly effects: Array<() => void> = [];
  private readonly events: Array<() => void> = [];

  constructor(private readonly pubsub: PubSub | null) {}

  /** Runs `effect` in this process as soon as the transaction has committed. */
  run(effect: () => void) {
    this.effects.push(effect);
  }

  /** Publishes an event (to every instance, with Redis) once the transaction has committed. */
  publish<T extends keyof Topics>(topic: T, ...args: Topics[T]) {
    const pubsub = this.pubsub;
    if (pubsub) this.events.push(() => (pubsub.publish as (topic: T, ...args: Topics[T]) => void)(topic, ...args));
  }

  /** Called by runWrite after the commit. */
  committed() {
    for (const effect of this.effects) effect();
    // Events after the response is on its way: with thousands of subscribers the fan-out takes
    // a while (bench/README.md, fan-out).
    if (this.events.length) {
      setImmediate(() => {
        for (const publish of this.events) publish();
      });
    }
  }
}

/** What a write needs. Without an event bus (a script on its own database), its events reach nobody. */
export interface WriteServices {
  prisma: PrismaClient;
  pubsub?: PubSub | null;
  config?: { publicUrl: string | null };
}

/** How often a write that PostgreSQL rolled back as a deadlock victim or serialization failure is run again. */
const maxAttempts = 5;

/**
 * Runs `work` in one transaction for `userId`. Writers lock feed rows before the objects (a
 * series' before its exceptions'), but some paths cannot know every row up front (a commit
 * deleting a series, a disconnect): when PostgreSQL breaks a deadlock by rolling this
 * transaction back, it runs again from the start, which is safe because nothing of it was
 * kept (effects included: a fresh context each attempt).
 */
export async function runWrite<T>(
  services: WriteServices,
  actor: { userId: string; origin?: Origin },
  work: (w: WriteContext) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [result, afterCommit] = await services.prisma.$transaction(
        async (tx) => {
          const w: WriteContext = {
            tx,
            userId: actor.userId,
            origin: actor.origin ?? noOrigin,
            changes: new ChangeRecorder(),
            meetingEvents: [],
            afterCommit: new AfterCommit(services.pubsub ?? null),
            publicUrl: services.config?.publicUrl ?? null,
          };
          const result = await work(w);
          await handleMeetingEvents(w);
          for (const notice of await w.changes.flush(tx)) w.afterCommit.publish('changes', notice.userId, notice);
          return [result, w.afterCommit] as const;
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
      afterCommit.committed();
      return result;
    } catch (error) {
      if (attempt >= maxAttempts || !isWriteConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** A deadlock or serialization failure (SQLSTATE 40P01 / 40001), as Prisma reports it for model and raw queries. */
function isWriteConflict(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
  return e?.code === 'P2034' || e?.meta?.driverAdapterError?.cause?.kind === 'TransactionWriteConflict';
}
