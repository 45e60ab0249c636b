// Which accounts a user is connected to: the storage question that the calendar asks before
// it lets a user put something on an account. (A module of its own so that the calendar can ask
// it without depending on account management, which itself deletes appointments.)
import type { Db } from '../db/database.ts';
import { isUuid } from '../ids.ts';

/** Which of these accounts the user is connected to (ids that are not UUIDs: none). */
export async function connectedAccounts(db: Db, userId: string, accountIds: string[]): Promise<Set<string>> {
  const ids = [...new Set(accountIds.filter(isUuid))];
  if (!ids.length) return new Set();
  const links = await db.userAccount.findMany({ where: { userId, accountId: { in: ids } }, select: { accountId: true } });
  return new Set(links.map((link) => link.accountId));
}
