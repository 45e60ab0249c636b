// Values GraphQL's types accept but a database cannot store (a NUL character, year 0000) are
// refused where they enter, as BAD_USER_INPUT naming the field, never INTERNAL_SERVER_ERROR;
// in a sync commit the item is INVALID and the rest of the commit applies. Ids of another
// user's user or token answer null, like ids that name nothing.
import { expect, it } from 'vitest';
import { seededRandom, shuffle } from './support/random.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { dataOf } from './support/sync.ts';

const NUL = '\u0000';

describeEachDatabase('hostile input', (server) => {
  it('refuses a NUL character in any string argument, naming it', async () => {
    const { token } = await server().newUser('nul');
    const cases: Array<[query: string, variables: Record<string, unknown>, path: string]> = [
      ['mutation ($t: String) { createTask(input: { title: $t }) { id } }', { t: `a${NUL}b` }, 'input.title'],
      ['mutation ($d: String!) { startSyncSession(deviceUuid: $d) { id } }', { d: `dev${NUL}` }, 'deviceUuid'],
      [
        'mutation ($i: String!) { connectAccount(input: { provider: EXCHANGE, identifier: $i }) { id } }',
        { i: `room${NUL}@example.com` },
        'input.identifier',
      ],
      ['query ($i: [String!]!) { accountsByIdentifier(identifiers: $i) { id } }', { i: ['a@example.com', NUL] }, 'identifiers[1]'],
      ['mutation ($k: [String!]!) { ackSync(deviceUuid: "d", ackKeys: $k) { acknowledged } }', { k: [`TASK-${NUL}`] }, 'ackKeys[0]'],
      ['mutation { createTask(input: { title: "literal\\u0000" }) { id } }', {}, 'input.title'],
    ];
    for (const [query, variables, path] of cases) {
      const response = await server().gql(query, variables, token);
      expect(codes(response), query).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).toBe(`${path}: contains a NUL character (\\u0000), which cannot be stored`);
    }
    const named = await server().gql(
      'mutation ($n: String) { createAccessToken(input: { username: "nul", scopes: [SYNC], name: $n }) { token } }',
      {
        n: `phone${NUL}`,
      },
    );
    expect(codes(named)).toEqual(['BAD_USER_INPUT']);
    const created = dataOf(await server().gql<any>('mutation { createTask(input: { title: "t" }) { id } }', {}, token)).createTask;
    const update = await server().gql(
      'mutation ($id: ID!, $n: String) { updateTask(id: $id, input: { notes: $n }) { id } }',
      { id: created.id, n: NUL },
      token,
    );
    expect(update.errors![0]!.message).toMatch(/^input\.notes: contains a NUL/);
    // Nothing half-written: the task is as it was.
    const node = await server().gql<any>('query ($id: ID!) { node(id: $id) { ... on Task { notes } } }', { id: created.id }, token);
    expect(node.data.node).toEqual({ notes: null });
  });

  it('bounds DateTime and Date to the years 0001 to 9999', async () => {
    const { token } = await server().newUser('years');
    const create = (start: string) =>
      server().gql<any>('mutation ($s: DateTime) { createTask(input: { title: "t", start: $s }) { start } }', { s: start }, token);
    for (const bad of ['0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:00:00-02:00']) {
      const response = await create(bad);
      expect(codes(response), bad).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).toMatch(/years 1 to 9999/);
    }
    // The bounds themselves are stored and read back exactly.
    expect(dataOf(await create('0001-01-01T00:00:00Z')).createTask.start).toBe('0001-01-01T00:00:00.000Z');
    expect(dataOf(await create('9999-12-31T23:59:59.999Z')).createTask.start).toBe('9999-12-31T23:59:59.999Z');
    const account = dataOf(await server().gql<any>('{ me { mainAccount { id } } }', {}, token)).me.mainAccount.id;
    const fullDay = (startDate: string, endDate: string) =>
      server().gql(
        'mutation ($a: ID!, $s: Date!, $e: Date!) { createAppointment(input: { accountId: $a, title: "d", fullTime: true, startDate: $s, endDate: $e, timezone: "UTC" }, ignoreConflicts: true) { __typename } }',
        { a: account, s: startDate, e: endDate },
        token,
      );
    expect(codes(await fullDay('0000-01-01', '0000-01-02'))).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']); // each variable
    expect(codes(await fullDay('0099-02-29', '0099-03-01'))).toEqual(['BAD_USER_INPUT']); // 99 is not 1999
    expect(codes(await fullDay('0096-02-29', '0096-03-01'))).toEqual([]);
  });

  it("answers null for another user's user or token, as for ids that name nothing", async () => {
    const alice = await server().newUser('node-alice');
    const bob = await server().newUser('node-bob');
    const me = (token: string) => server().gql<any>('{ me { id tokens { id } } }', {}, token);
    const bobs = dataOf(await me(bob.token)).me;
    const NODE = 'query ($id: ID!) { node(id: $id) { id } }';
    for (const id of [bobs.id, bobs.tokens[0].id]) {
      expect(await server().gql(NODE, { id }, alice.token)).toMatchObject({ data: { node: null } });
      expect((await server().gql(NODE, { id }, alice.token)).errors).toBeUndefined();
      expect(dataOf(await server().gql<any>(NODE, { id }, bob.token)).node).toEqual({ id });
      expect(dataOf(await server().gql<any>(NODE, { id }))).toEqual({ node: { id } }); // the admin
    }
  });

  it('applies the good items of every commit whatever the bad ones hold', async () => {
    const { token } = await server().newUser('fuzzer');
    const gql = (query: string, variables: Record<string, unknown>) => server().gql<any>(query, variables, token);
    const account = dataOf(await gql('{ me { mainAccount { id } } }', {})).me.mainAccount.id;
    const random = seededRandom(Number(process.env.HOSTILE_SEED ?? 7));
    const hostileTasks = [
      { clientSyncId: `x${NUL}`, changes: { title: 'csid with NUL' } },
      { clientSyncId: 'nul-title', changes: { title: `a${NUL}` } },
      { clientSyncId: 'nul-notes', changes: { title: 't', notes: NUL } },
      { id: `bad${NUL}id`, changes: { title: 't' } },
      { clientSyncId: 'long', changes: { title: 'x'.repeat(501) } },
      { clientSyncId: 'percent', changes: { title: 't', percentComplete: 101 } },
      { clientSyncId: 'due-before-start', changes: { title: 't', start: '2026-05-02T00:00:00Z', due: '2026-05-01T00:00:00Z' } },
      { clientSyncId: 'no-title', changes: { notes: 'n' } },
      { clientSyncId: 'both', delete: true, changes: { title: 't' } },
      { id: 'VGFzazowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA=', changes: { title: 'unknown id' } },
      { clientSyncId: 'c'.repeat(201), changes: { title: 'long csid' } },
      {},
    ];
    const hostileAppointments = [
      {
        clientSyncId: 'a-nul',
        changes: { accountId: account, title: `m${NUL}`, start: '2026-05-01T09:00:00Z', end: '2026-05-01T10:00:00Z', timezone: 'UTC' },
      },
      {
        clientSyncId: 'a-zone',
        changes: { accountId: account, title: 'z', start: '2026-05-01T09:00:00Z', end: '2026-05-01T10:00:00Z', timezone: `Europe/${NUL}` },
      },
      {
        clientSyncId: 'a-foreign',
        changes: {
          accountId: 'QWNjb3VudDowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA=',
          title: 'f',
          start: '2026-05-01T09:00:00Z',
          end: '2026-05-01T10:00:00Z',
          timezone: 'UTC',
        },
      },
      {
        clientSyncId: 'a-order',
        changes: { accountId: account, title: 'o', start: '2026-05-01T10:00:00Z', end: '2026-05-01T09:00:00Z', timezone: 'UTC' },
      },
      {
        clientSyncId: 'a-rule',
        changes: {
          accountId: account,
          title: 'r',
          start: '2026-05-01T09:00:00Z',
          end: '2026-05-01T10:00:00Z',
          timezone: 'UTC',
          recurrence: { type: 'WEEKLY', interval: 1, month: 3 },
        },
      },
    ];
    const COMMIT = `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { kind clientSyncId status message } } }`;
    const { token: first } = dataOf(await gql('query { sync(kinds: [TASK, APPOINTMENT]) { token } }', {})).sync;
    let syncToken: string = first;
    for (let round = 0; round < 8; round++) {
      const good = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => ({
        clientSyncId: `good-${round}-${i}`,
        changes: { title: `good ${round}.${i}` },
      }));
      const goodAppointment = {
        clientSyncId: `good-appointment-${round}`,
        changes: {
          accountId: account,
          title: `ok ${round}`,
          start: '2026-06-01T09:00:00Z',
          end: '2026-06-01T10:00:00Z',
          timezone: 'Europe/Berlin',
        },
      };
      const bad = shuffle([...hostileTasks], random).slice(0, 1 + Math.floor(random() * 5));
      const badAppointments = shuffle([...hostileAppointments], random).slice(0, 1 + Math.floor(random() * 3));
      const input = {
        token: syncToken,
        tasks: shuffle([...good, ...bad], random),
        appointments: shuffle([goodAppointment, ...badAppointments], random),
      };
      const response = await gql(COMMIT, { input });
      expect(response.errors, JSON.stringify(input)).toBeUndefined();
      const results: Array<{ clientSyncId: string | null; status: string; message: string | null }> = response.data.syncCommit.results;
      for (const item of [...good, goodAppointment]) {
        expect(results.find((r) => r.clientSyncId === item.clientSyncId)?.status, item.clientSyncId).toBe('CREATED');
      }
      const goodIds = new Set([...good, goodAppointment].map((item) => item.clientSyncId));
      for (const result of results.filter((r) => !goodIds.has(r.clientSyncId ?? ''))) {
        expect(['INVALID', 'NOT_FOUND'], JSON.stringify(result)).toContain(result.status);
      }
      syncToken = response.data.syncCommit.token;
    }
    const titles = dataOf(await gql('{ tasks(first: 100) { edges { node { title } } } }', {})).tasks.edges.map((e: any) => e.node.title);
    expect(titles.filter((t: string) => t.startsWith('good')).length).toBeGreaterThanOrEqual(8);
    expect(titles.some((t: string) => t.includes(NUL))).toBe(false);
  });
});
