// A user's synchronizations as resources (MyTimetable): listing them, creating connector
// synchronizations from a provisioning (src/synchronizations/connectors.ts), and what a connector's
// sync job needs: its provisioning, decrypted, and a place to record how each sync went.
// DEVICE synchronizations are created by a client's first commit (src/sync/commit.ts, queue.ts).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { badInput, notFound } from '../errors.ts';
import type { Synchronization, SynchronizationType } from '../generated/prisma/client.ts';
import { type SecretBox, SecretUnreadable } from '../secrets.ts';
import type { WriteContext } from '../write.ts';
import { type ConnectorType, connectors, isConnectorType, type Provisionings } from './connectors.ts';

export function synchronizationsOf(db: Db, userId: string, type: SynchronizationType | null): Promise<Synchronization[]> {
  return db.synchronization.findMany({ where: { userId, ...(type ? { type } : {}) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** The connector of a type that can be created here, or BAD_USER_INPUT saying why not. */
function connectorOf(type: SynchronizationType) {
  if (type === 'DEVICE') throw badInput('type: DEVICE synchronizations are created by a client’s first syncCommit');
  if (!isConnectorType(type)) throw badInput(`type: ${type} synchronizations are not supported by this server`);
  return connectors[type];
}

/**
 * Creates a connector synchronization for the acting user (w.userId). The provisioning is
 * validated by its connector (BAD_USER_INPUT naming `provisioning.<field>`) and stored encrypted
 * under the synchronization's id; only the connector's settings are stored in the clear.
 */
export async function createSynchronization(
  w: WriteContext,
  secretBox: SecretBox,
  input: { type: SynchronizationType; provisioning?: unknown },
): Promise<Synchronization> {
  const connector = connectorOf(input.type);
  const parsed = connector.provisioning.safeParse(input.provisioning ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(`${['provisioning', ...issue.path].join('.')}: ${issue.message}`);
  }
  const refused = await connector.check(w.tx, w.userId, parsed.data);
  if (refused) throw badInput(`provisioning.${refused.field}: ${refused.message}`);
  const id = randomUUID();
  const counter = await w.tx.syncCounter.findUnique({ where: { userId: w.userId } });
  return w.tx.synchronization.create({
    data: {
      id,
      userId: w.userId,
      type: input.type,
      createdRevision: counter?.revision ?? 0,
      settings: connector.settings(parsed.data),
      secrets: secretBox.seal(JSON.stringify(parsed.data), id),
    },
  });
}

/**
 * A connector synchronization's provisioning, decrypted: what its sync job reads before each
 * sync. Throws SecretUnreadable with a message fit for lastError when the server key changed or
 * was lost (the user provisions it again).
 */
export function readProvisioning<T extends ConnectorType>(
  secretBox: SecretBox,
  synchronization: Pick<Synchronization, 'id' | 'secrets'> & { type: T },
): Provisionings[T] {
  if (!synchronization.secrets) throw new SecretUnreadable('this synchronization has no provisioning');
  try {
    return JSON.parse(secretBox.open(synchronization.secrets, synchronization.id)) as Provisionings[T];
  } catch (error) {
    if (!(error instanceof SecretUnreadable)) throw error;
    throw new SecretUnreadable(`the provisioning cannot be read: ${error.message}; delete this synchronization and create it again`);
  }
}

/** How one sync of a connector went. */
export type SyncOutcome = { ok: true } | { ok: false; error: string };

/**
 * Records a sync of the acting user's synchronization: a success sets lastSuccessAt and clears
 * the last error; a failure sets lastError and lastErrorAt and leaves lastSuccessAt. Either sets
 * lastSyncAt (the last attempt). NOT_FOUND when the synchronization was deleted meanwhile.
 */
export async function recordSyncOutcome(w: WriteContext, synchronizationId: string, outcome: SyncOutcome, at = new Date()) {
  const data = outcome.ok
    ? { lastSyncAt: at, lastSuccessAt: at, lastError: null, lastErrorAt: null }
    : { lastSyncAt: at, lastError: outcome.error, lastErrorAt: at };
  const { count } = await w.tx.synchronization.updateMany({ where: { id: synchronizationId, userId: w.userId }, data });
  if (!count) throw notFound('synchronization');
}
