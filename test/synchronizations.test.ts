// Synchronizations as resources, through the GraphQL API on PGlite and PostgreSQL: listing and
// creating them (an admin any user's, a user their own), connector provisioning validated and
// kept encrypted, never returned; and deleting them with each unlink mode, which a third syncing
// client learns of exactly.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { decodeId } from '../src/ids.ts';
import { SecretBox, SecretUnreadable, serverSecrets } from '../src/secrets.ts';
import { readProvisioning } from '../src/synchronizations/synchronizations.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const SYNCHRONIZATION_FIELDS =
  'id type name deviceUuid createdAt lastSyncAt lastSuccessAt lastError lastErrorAt settings user { username }';
const SYNCHRONIZATIONS = `query ($username: String, $type: SynchronizationType) {
  synchronizations(username: $username, type: $type) { ${SYNCHRONIZATION_FIELDS} } }`;
const CREATE = `mutation ($input: CreateSynchronizationInput!) { createSynchronization(input: $input) { ${SYNCHRONIZATION_FIELDS} } }`;

const feedUrl = 'https://calendar.example.org/feeds/private-4f9c2e7a/basic.ics';

describeEachDatabase('synchronizations', (server) => {
  let n = 0;
  const user = (name = 'sr') => userWithAccount(server(), `${name}${++n}`);
  const admin = (query: string, variables: Record<string, unknown>) => server().gql(query, variables);

  describe('create and list', () => {
    it('creates an ICS synchronization whose URL is kept encrypted and never returned', async () => {
      const alice = await user('alice');
      const created = dataOf(
        await alice.gql(CREATE, { input: { type: 'ICS', provisioning: { url: feedUrl, accountId: alice.account } } }),
      ).createSynchronization;
      expect(created).toMatchObject({
        type: 'ICS',
        settings: { host: 'calendar.example.org', accountId: alice.account },
        lastSuccessAt: null,
        lastError: null,
        user: { username: `alice${n}` },
      });

      // Every field of the type, through the query, the node and the user: the URL is nowhere.
      const fields = dataOf(await alice.gql('{ __type(name: "Synchronization") { fields { name type { kind ofType { kind } } } } }'))
        .__type.fields.filter((f: any) => [f.type.kind, f.type.ofType?.kind].some((k) => k === 'SCALAR' || k === 'ENUM'))
        .map((f: any) => f.name)
        .join(' ');
      const everything = await alice.gql(`{ synchronizations { ${fields} } me { synchronizations { ${fields} } } }`);
      const node = await alice.gql(`query ($id: ID!) { node(id: $id) { ... on Synchronization { ${fields} } } }`, { id: created.id });
      expect(JSON.stringify([everything, node])).not.toContain('private-4f9c2e7a');
      expect(everything.data.synchronizations).toHaveLength(1);
      expect(node.data.node.id).toBe(created.id);

      // Stored encrypted, and readable by the connector with the server key only.
      const row = await server().server.db.prisma.synchronization.findFirstOrThrow({
        where: { type: 'ICS', user: { username: `alice${n}` } },
      });
      expect(row.secrets).toMatch(/^v1:/);
      expect(row.secrets).not.toContain('private-4f9c2e7a');
      const { secretBox } = await serverSecrets(server().server.db.prisma, loadConfig({}));
      expect(readProvisioning(secretBox, { ...row, type: 'ICS' as const })).toEqual({
        url: feedUrl,
        accountId: decodeId(alice.account, 'Account'),
      });
      expect(() => readProvisioning(new SecretBox('another key of at least thirty-two chars'), { ...row, type: 'ICS' as const })).toThrow(
        SecretUnreadable,
      );
    });

    it('lists by user and type; an admin sees any user’s', async () => {
      const bob = await user('bob');
      const provisioning = { url: feedUrl, accountId: bob.account };
      dataOf(await bob.gql(CREATE, { input: { type: 'ICS', provisioning } }));
      dataOf(await admin(CREATE, { input: { username: `bob${n}`, type: 'ICS', provisioning } }));
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { type: 'ICS' })).synchronizations).toHaveLength(2);
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { type: 'DEVICE' })).synchronizations).toEqual([]);
      expect(dataOf(await bob.gql(SYNCHRONIZATIONS, { username: `bob${n}` })).synchronizations).toHaveLength(2);
      expect(dataOf(await admin(SYNCHRONIZATIONS, { username: `bob${n}` })).synchronizations).toHaveLength(2);
    });

    it('refuses another user’s synchronizations to a non-admin, and tells unknown users apart only to admins', async () => {
      const [carol, dave] = [await user('carol'), await user('dave')];
      const provisioning = { url: feedUrl, accountId: dave.account };
      const daves = `dave${n}`;
      expect(codes(await carol.gql(SYNCHRONIZATIONS, { username: daves }))).toEqual(['FORBIDDEN']);
      expect(codes(await carol.gql(SYNCHRONIZATIONS, { username: 'nobody-here' }))).toEqual(['FORBIDDEN']);
      expect(codes(await carol.gql(CREATE, { input: { username: daves, type: 'ICS', provisioning } }))).toEqual(['FORBIDDEN']);
      expect(codes(await admin(SYNCHRONIZATIONS, { username: 'nobody-here' }))).toEqual(['NOT_FOUND']);
      expect(codes(await admin(CREATE, { input: { username: 'nobody-here', type: 'ICS', provisioning } }))).toEqual(['NOT_FOUND']);
    });

    it('validates the provisioning, naming the field, and refuses types it does not create', async () => {
      const [erin, frank] = [await user('erin'), await user('frank')];
      const refused = async (input: Record<string, unknown>) => {
        const response = await erin.gql(CREATE, { input });
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
        return response.errors![0]!.message;
      };
      const ics = (provisioning: unknown) => refused({ type: 'ICS', provisioning });
      expect(await ics({ url: 'ftp://example.org/a.ics', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: 'file:///etc/passwd', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: 'not a url', accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ accountId: erin.account })).toMatch(/^provisioning\.url: /);
      expect(await ics({ url: feedUrl, accountId: frank.account })).toBe('provisioning.accountId: not one of your accounts');
      expect(await ics({ url: feedUrl, accountId: 'bm90IGFuIGlk' })).toMatch(/^provisioning\.accountId: /);
      expect(await ics({ url: feedUrl, accountId: erin.account, password: 'x' })).toMatch(/^provisioning: /);
      expect(await ics('just a string')).toMatch(/^provisioning: /);
      expect(await refused({ type: 'DEVICE', provisioning: {} })).toMatch(/syncCommit/);
      for (const type of ['EWS', 'O365', 'GOOGLE_CALENDAR', 'CALDAV']) {
        expect(await refused({ type, provisioning: {} })).toBe(`type: ${type} synchronizations are not supported by this server`);
      }
      expect(dataOf(await erin.gql(SYNCHRONIZATIONS, {})).synchronizations).toEqual([]);
    });
  });
});
