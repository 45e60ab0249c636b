// Per-request loaders of related rows (dataloader): the fields that load rows related to their
// parent call these, so that a list of parents costs one query per field, however long it is,
// and whether the parents came from a Prisma query or from plain objects (sync batches, queue
// pages, occurrences, `me`). operationContext (./builder.ts) makes a fresh set per operation.
//
// They batch but do not cache: a subscription keeps its context for every event, and a
// mutation's fields resolve after its write, so a cached row could be stale.
//
// Each is keyed by the parent's own column (an account id, a user id): a field calls one only
// for a parent the viewer may see, and a loader returns nothing the parent's field would not
// show. Who is connected to an account is never returned, only how many (Account.shared).
import DataLoader from 'dataloader';
import type { PrismaClient } from '../db/database.ts';
import { notFound } from '../errors.ts';
import type { AccessToken, Account, CalendarFeed, Meeting, MeetingInvitee, Synchronization, User } from '../generated/prisma/client.ts';
import { type PollData, pollsOf } from '../meetings/votes.ts';

/** The loaders of one request, each made on first use: most requests need none of them. */
export class Loaders {
  #account?: DataLoader<string, Account>;
  #connectedUsers?: DataLoader<string, number>;
  #user?: DataLoader<string, User>;
  #mainAccount?: DataLoader<string, Account | null>;
  #accountsOf?: DataLoader<string, Account[]>;
  #tokensOf?: DataLoader<string, AccessToken[]>;
  #synchronizationsOf?: DataLoader<string, Synchronization[]>;
  #calendarFeedsOf?: DataLoader<string, CalendarFeed[]>;
  #optionsOf?: DataLoader<string, Date[]>;
  #inviteesOf?: DataLoader<string, MeetingInvitee[]>;
  #poll?: DataLoader<Meeting, PollData, string>;

  constructor(private readonly prisma: PrismaClient) {}

  /** An account by id. */
  get account() {
    this.#account ??= oneEach(
      (ids) => this.prisma.account.findMany({ where: { id: { in: ids } } }),
      (account) => account.id,
      () => notFound('account'),
    );
    return this.#account;
  }

  /** How many users are connected to an account (counted in its index range, not over the whole table). */
  get connectedUsers() {
    this.#connectedUsers ??= new DataLoader(
      async (accountIds) => {
        const counts = await this.prisma.userAccount.groupBy({
          by: ['accountId'],
          where: { accountId: { in: unique(accountIds) } },
          _count: { _all: true },
        });
        const byAccount = new Map(counts.map((c) => [c.accountId, c._count._all]));
        return accountIds.map((id) => byAccount.get(id) ?? 0);
      },
      { cache: false },
    );
    return this.#connectedUsers;
  }

  /** A user by id. */
  get user() {
    this.#user ??= oneEach(
      (ids) => this.prisma.user.findMany({ where: { id: { in: ids } } }),
      (user) => user.id,
      () => notFound('user'),
    );
    return this.#user;
  }

  /** A user's main account, if any, by user id. */
  get mainAccount() {
    this.#mainAccount ??= oneEach(
      (userIds) => this.prisma.account.findMany({ where: { mainUserId: { in: userIds } } }),
      (account) => account.mainUserId!,
      () => null,
    );
    return this.#mainAccount;
  }

  /** A user's accounts, in the order they were connected, by user id. */
  get accountsOf() {
    this.#accountsOf ??= manyEach(async (userIds) => {
      const links = await this.prisma.userAccount.findMany({
        where: { userId: { in: userIds } },
        include: { account: true },
        orderBy: { createdAt: 'asc' },
      });
      return links.map((link) => ({ key: link.userId, row: link.account }));
    });
    return this.#accountsOf;
  }

  /** A user's access tokens, oldest first, by user id. */
  get tokensOf() {
    this.#tokensOf ??= manyEach(async (userIds) => {
      const tokens = await this.prisma.accessToken.findMany({ where: { userId: { in: userIds } }, orderBy: { createdAt: 'asc' } });
      return tokens.map((token) => ({ key: token.userId, row: token }));
    });
    return this.#tokensOf;
  }

  /** A meeting's proposed starts, earliest first, by meeting id. */
  get optionsOf() {
    this.#optionsOf ??= manyEach(async (meetingIds) => {
      const options = await this.prisma.meetingOption.findMany({ where: { meetingId: { in: meetingIds } }, orderBy: { start: 'asc' } });
      return options.map((option) => ({ key: option.meetingId, row: option.start }));
    });
    return this.#optionsOf;
  }

  /** A meeting's invitees, in list order, by meeting id. */
  get inviteesOf() {
    this.#inviteesOf ??= manyEach(async (meetingIds) => {
      const invitees = await this.prisma.meetingInvitee.findMany({
        where: { meetingId: { in: meetingIds } },
        orderBy: { position: 'asc' },
      });
      return invitees.map((invitee) => ({ key: invitee.meetingId, row: invitee }));
    });
    return this.#inviteesOf;
  }

  /** A meeting's poll (src/meetings/votes.ts), by meeting: a page of meetings costs what one does. */
  get poll() {
    this.#poll ??= new DataLoader<Meeting, PollData, string>(
      async (meetings) => {
        const polls = await pollsOf(this.prisma, [...new Map(meetings.map((m) => [m.id, m])).values()]);
        return meetings.map((m) => polls.get(m.id)!);
      },
      { cache: false },
    );
    return this.#poll;
  }

  /** A user's synchronizations, oldest first, by user id. */
  get synchronizationsOf() {
    this.#synchronizationsOf ??= manyEach(async (userIds) => {
      const synchronizations = await this.prisma.synchronization.findMany({
        where: { userId: { in: userIds } },
        orderBy: { createdAt: 'asc' },
      });
      return synchronizations.map((synchronization) => ({ key: synchronization.userId, row: synchronization }));
    });
    return this.#synchronizationsOf;
  }

  /** A user's calendar feeds, oldest first, by user id. */
  get calendarFeedsOf() {
    this.#calendarFeedsOf ??= manyEach(async (userIds) => {
      const feeds = await this.prisma.calendarFeed.findMany({ where: { userId: { in: userIds } }, orderBy: { createdAt: 'asc' } });
      return feeds.map((feed) => ({ key: feed.userId, row: feed }));
    });
    return this.#calendarFeedsOf;
  }
}

/**
 * The row with each key, loaded in one query per batch. A key without one gets what `missing`
 * returns: null, or an error for that key alone.
 */
function oneEach<R, M extends null | Error>(load: (keys: string[]) => Promise<R[]>, keyOf: (row: R) => string, missing: () => M) {
  return new DataLoader<string, R | Exclude<M, Error>>(
    async (keys) => {
      const rows = new Map((await load(unique(keys))).map((row) => [keyOf(row), row]));
      return keys.map((key) => rows.get(key) ?? (missing() as Exclude<M, Error> | Error));
    },
    { cache: false },
  );
}

/** The rows of each key, in the order the query returns them, loaded in one query per batch. */
function manyEach<R>(load: (keys: string[]) => Promise<Array<{ key: string; row: R }>>) {
  return new DataLoader<string, R[]>(
    async (keys) => {
      const rows = new Map<string, R[]>();
      for (const { key, row } of await load(unique(keys))) {
        const list = rows.get(key);
        if (list) list.push(row);
        else rows.set(key, [row]);
      }
      return keys.map((key) => rows.get(key) ?? []);
    },
    { cache: false },
  );
}

/** Without the repeats a batch has when the cache is off. */
const unique = (keys: readonly string[]) => [...new Set(keys)];
