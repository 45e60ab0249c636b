// The connector types a synchronization can be created for: one declaration per type. A
// declaration says how its provisioning is validated, and which settings (never secrets) the API
// shows. The provisioning itself is kept only encrypted (src/secrets.ts), as a whole: a
// provisioning holding one secret field is secret, and the settings are the one place a
// connector chooses what may be seen.
//
// Adding a connector: its provisioning schema, check and settings here, under its
// SynchronizationType, and its sync job (which reads the provisioning with readProvisioning and
// records each outcome with recordSyncOutcome, src/synchronizations/synchronizations.ts).
import { z } from 'zod';
import { connectedAccounts } from '../accounts/connections.ts';
import type { Db } from '../db/database.ts';
import type { SynchronizationType } from '../generated/prisma/client.ts';
import { decodeId, globalId } from '../ids.ts';

/** A JSON object as the API shows it. */
export type Settings = Record<string, string | number | boolean | null>;

export interface Connector<Provisioning> {
  /** The provisioning JSON -> the stored provisioning. Each issue's path names the field. */
  provisioning: z.ZodType<Provisioning, unknown>;
  /** What the provisioning refers to that must be the user's: the field and why not, or null. */
  check(db: Db, userId: string, provisioning: Provisioning): Promise<{ field: string; message: string } | null>;
  /** What the API shows of it: nothing secret. */
  settings(provisioning: Provisioning): Settings;
}

const icsProvisioning = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }),
  accountId: z.string({ error: 'the global id of one of your accounts' }).transform((id, ctx) => {
    const raw = decodeId(id, 'Account');
    if (!raw) ctx.addIssue({ code: 'custom', message: 'not an Account id' });
    return raw ?? z.NEVER;
  }),
});

/** An ICS feed: `url` (secret: feed URLs usually carry a private token) and the account (raw id) its events go on. */
export type IcsProvisioning = z.output<typeof icsProvisioning>;

const ics: Connector<IcsProvisioning> = {
  provisioning: icsProvisioning,
  async check(db, userId, { accountId }) {
    const connected = await connectedAccounts(db, userId, [accountId]);
    return connected.has(accountId) ? null : { field: 'accountId', message: 'not one of your accounts' };
  },
  settings: ({ url, accountId }) => ({ host: new URL(url).host, accountId: globalId('Account', accountId) }),
};

/** The provisioning of each connector type. */
export interface Provisionings {
  ICS: IcsProvisioning;
}
export type ConnectorType = keyof Provisionings;

export const connectors: { [T in ConnectorType]: Connector<Provisionings[T]> } = { ICS: ics };

export const isConnectorType = (type: SynchronizationType): type is ConnectorType => Object.hasOwn(connectors, type);
