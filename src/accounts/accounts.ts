// Accounts (Meekan): calendars on a provider, connected to users many-to-many. An account is
// the main account of at most one user; one connected by several users (a room) is shared.
//
// An account's identity (provider, identifier, name) is directory information: a signed-in user
// who knows an identifier can look its account up, because that is how invitees and rooms are
// found. Which users are connected to it is never shown, and what is on its calendar is guarded
// where it is read (free/busy, appointments).
import { z } from 'zod';
import { removeAppointments } from '../calendar/appointments/writes.ts';
import type { Db, Tx } from '../db/database.ts';
import { badInput, conflict, forbidden, notFound } from '../errors.ts';
import { type Account, type Prisma, Provider } from '../generated/prisma/client.ts';
import { cancelMeeting, live, lockMeeting } from '../meetings/meetings.ts';
import type { WriteContext } from '../write.ts';

export const connectAccountSchema = z.object({
  provider: z.enum(Provider),
  identifier: z.string().trim().min(1, 'identifier: required').max(320, 'identifier: at most 320 characters'),
  name: z.string().trim().min(1).max(200).nullish(),
  main: z.boolean().nullish(),
});

/** Email identifiers compare case-insensitively; others (feed URLs, ...) exactly. */
export function normalizeIdentifier(identifier: string): string {
  const trimmed = identifier.trim();
  return /^[^@\s/]+@[^@\s/]+$/.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}

/**
 * Connects a user to the account with this provider and identifier, creating it if new. An
 * existing account is linked, unless it is another user's main account (a personal calendar).
 * `main` makes it the user's main account; by default the first account a user connects is.
 * `link.davName`: the CalDAV path segment of the link it makes (a calendar an app made with
 * MKCALENDAR, src/caldav/mkcalendar.ts); a link that exists keeps its own.
 */
export async function connectAccount(
  w: WriteContext,
  input: z.input<typeof connectAccountSchema>,
  link: { davName?: string } = {},
): Promise<Account> {
  const { tx, userId } = w;
  const parsed = connectAccountSchema.safeParse(input);
  if (!parsed.success) throw badInput(z.prettifyError(parsed.error));
  const { provider, name, main } = parsed.data;
  const identifier = normalizeIdentifier(parsed.data.identifier);

  // Locked until the transaction ends, so what is read below stays true.
  const account = await tx.account.findUniqueOrThrow({
    where: { id: await lockAccountByIdentifier(tx, provider, identifier, name ?? null) },
  });
  if (account.mainUserId && account.mainUserId !== userId) {
    throw forbidden(`${identifier} is another user's main account`);
  }
  await tx.userAccount.createMany({ data: [{ userId, accountId: account.id, davName: link.davName ?? null }], skipDuplicates: true });
  const isMain = account.mainUserId === userId;
  const makeMain = main ?? (isMain || !(await tx.account.findUnique({ where: { mainUserId: userId } })));
  const rename = name && name !== account.name;
  w.afterCommit.publish('accounts:changed', userId, { userId });
  if (makeMain === isMain && !rename) return account;
  if (makeMain && !isMain) {
    await tx.account.updateMany({ where: { mainUserId: userId }, data: { mainUserId: null } });
  }
  return tx.account.update({
    where: { id: account.id },
    data: { mainUserId: makeMain ? userId : null, ...(rename ? { name } : {}) },
  });
}

/** Creates the account if it is new, locks its row and returns its id. */
async function lockAccountByIdentifier(tx: Tx, provider: Provider, identifier: string, name: string | null): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // ON CONFLICT DO NOTHING (unlike upsert) waits for a concurrent insert instead of failing.
    await tx.account.createMany({ data: [{ provider, identifier, name }], skipDuplicates: true });
    const found = await tx.account.findUnique({
      where: { provider_identifier: { provider, identifier } },
      select: { id: true },
    });
    // Gone (before or once the lock is ours): its last user disconnected meanwhile. Create it anew.
    if (found && (await lockAccount(tx, found.id))) return found.id;
  }
  throw conflict(`${identifier} is being changed concurrently: try again`);
}

/**
 * Connects and disconnects of one account take turns, so the last user leaving cannot
 * delete an account that another user is linking at that moment.
 */
async function lockAccount(tx: Tx, accountId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Account" WHERE id = ${accountId}::uuid FOR UPDATE`;
  return rows.length === 1;
}

/**
 * Disconnects the user from the account, deleting their appointments on it and cancelling the
 * meetings they organize on it (so their devices and invitees are told) and forgetting what
 * their calendar apps set on its calendar (DavProperty: name, colour, ...; a shared account
 * connected again starts without them); an account nobody is connected to any more is removed.
 */
export async function disconnectAccount(w: WriteContext, accountId: string) {
  const { tx, userId } = w;
  await lockAccount(tx, accountId);
  const link = await tx.userAccount.findUnique({ where: { userId_accountId: { userId, accountId } } });
  if (!link) throw notFound('account');
  const appointments = await tx.appointment.findMany({ where: { userId, accountId, seriesId: null } });
  await removeAppointments(w, appointments);
  const meetings = await tx.meeting.findMany({ where: { userId, accountId, ...live }, select: { id: true } });
  for (const meeting of meetings) await cancelMeeting(w, await lockMeeting(w, meeting.id));
  await tx.userAccount.delete({ where: { userId_accountId: { userId, accountId } } });
  // After the link's delete: a PROPPATCH that holds the link (storeProperties) has committed by now.
  await tx.davProperty.deleteMany({ where: { userId, collection: accountId } });
  await tx.account.updateMany({ where: { id: accountId, mainUserId: userId }, data: { mainUserId: null } });
  if ((await tx.userAccount.count({ where: { accountId } })) === 0) {
    await tx.account.delete({ where: { id: accountId } });
  }
  w.afterCommit.publish('accounts:changed', userId, { userId });
}

/** `select` picks what to load (the GraphQL selection). */
export function accountsByIdentifier(db: Db, identifiers: string[], select: Pick<Prisma.AccountFindManyArgs, 'include' | 'select'> = {}) {
  return db.account.findMany({
    ...select,
    where: { identifier: { in: identifiers.map(normalizeIdentifier) } },
    orderBy: [{ identifier: 'asc' }, { provider: 'asc' }],
  });
}
