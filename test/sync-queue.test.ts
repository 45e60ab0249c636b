// Queue sessions (startSyncSession / syncQueue / ackSync) and the changesAvailable hint.
import { describe, expect, it } from 'vitest';
import { codes, describeEachDatabase, startTestServer, type TestServer, wsClient } from './support/server.ts';
import { dataOf, syncClient } from './support/sync.ts';

const START = 'mutation ($device: String!) { startSyncSession(deviceUuid: $device) { id queues { name pages totalCount } } }';
const PAGE = `query ($session: ID!, $page: Int!) { syncQueue(sessionId: $session, page: $page) {
  count countLeft failedObjects { kind id } items { kind id eventType ackKey revision task { id title } } } }`;
const ACK = 'mutation ($device: String!, $keys: [String!]!) { ackSync(deviceUuid: $device, ackKeys: $keys) { acknowledged } }';

interface Item {
  kind: string;
  id: string;
  eventType: string;
  ackKey: string;
  revision: number;
  task: { id: string; title: string } | null;
}

function queueClient(server: TestServer, token: string, device: string) {
  const gql = <T>(query: string, variables: Record<string, unknown>) => server.gql<T>(query, variables, token);
  return {
    async start() {
      return dataOf(await gql<any>(START, { device })).startSyncSession as null | {
        id: string;
        queues: Array<{ name: string; pages: number; totalCount: number }>;
      };
    },
    async page(session: string, page: number) {
      return dataOf(await gql<any>(PAGE, { session, page })).syncQueue as null | {
        count: number;
        countLeft: number;
        failedObjects: unknown[];
        items: Item[];
      };
    },
    async ack(keys: string[]) {
      return dataOf(await gql<any>(ACK, { device, keys })).ackSync.acknowledged as number;
    },
    /** A whole session: every item of every page. */
    async drain(): Promise<Item[]> {
      const session = await this.start();
      if (!session) return [];
      const items: Item[] = [];
      for (let page = 1; ; page++) {
        const result = await this.page(session.id, page);
        if (!result) break;
        items.push(...result.items);
      }
      return items;
    },
  };
}

describeEachDatabase(
  'queue sessions',
  (server) => {
    let n = 0;
    async function setup() {
      const user = await server().newUser(`queuer${++n}`);
      return { user, tasks: syncClient(server(), user.token), device: queueClient(server(), user.token, `device-${n}`) };
    }

    it('pages through what is new, then acknowledges it', async () => {
      const { tasks, device } = await setup();
      expect(await device.start()).toBeNull(); // nothing yet
      for (let i = 0; i < 5; i++) await tasks.createTask({ title: `t${i}` });
      const session = await device.start();
      expect(session!.queues).toEqual([{ name: 'main', pages: 3, totalCount: 5 }]); // SYNC_QUEUE_PAGE_SIZE=2
      const first = await device.page(session!.id, 1);
      expect(first).toMatchObject({ count: 2, countLeft: 3, failedObjects: [] });
      expect(first!.items.map((item) => [item.eventType, item.task!.title])).toEqual([
        ['CREATED', 't0'],
        ['CREATED', 't1'],
      ]);
      const last = await device.page(session!.id, 3);
      expect(last).toMatchObject({ count: 1, countLeft: 0 });
      expect(await device.page(session!.id, 4)).toBeNull();
      const second = await device.page(session!.id, 2);
      const keys = [...first!.items, ...second!.items, ...last!.items].map((item) => item.ackKey);
      expect(await device.ack(keys)).toBe(5);
      expect(await device.start()).toBeNull();
    });

    it('delivers only the freshest state, redelivers what was not acknowledged, and an old ack does not cover a new change', async () => {
      const { tasks, device } = await setup();
      const a = await tasks.createTask({ title: 'a' });
      await tasks.updateTask(a.id, { title: 'a2' });
      const b = await tasks.createTask({ title: 'b' });
      const items = await device.drain();
      expect(items.map((item) => item.task!.title)).toEqual(['a2', 'b']); // one item per object
      await device.ack([items[0]!.ackKey]); // b is not acknowledged

      await tasks.updateTask(a.id, { title: 'a3' });
      const again = await device.drain();
      expect(again.map((item) => [item.eventType, item.task!.title])).toEqual([
        ['CREATED', 'b'], // not acknowledged: comes again
        ['UPDATED', 'a3'], // acknowledged before, changed since
      ]);
      // Acknowledging the old revision of a does not acknowledge a3.
      await device.ack([items[0]!.ackKey, again[0]!.ackKey]);
      expect((await device.drain()).map((item) => item.task!.title)).toEqual(['a3']);

      await tasks.deleteTask(b.id);
      const deleted = await device.drain();
      expect(deleted.map((item) => [item.eventType, item.id, item.task])).toEqual([
        ['UPDATED', a.id, { id: a.id, title: 'a3' }],
        ['DELETED', b.id, null],
      ]);
      await device.ack(deleted.map((item) => item.ackKey));
      expect(await device.start()).toBeNull();
    });

    it('keeps devices apart and does not send a new device tombstones of objects it never had', async () => {
      const { user, tasks, device } = await setup();
      const gone = await tasks.createTask({ title: 'gone' });
      await tasks.createTask({ title: 'kept' });
      await tasks.deleteTask(gone.id);
      const items = await device.drain();
      expect(items.map((item) => item.task?.title)).toEqual(['kept']);
      await device.ack(items.map((item) => item.ackKey));
      const other = queueClient(server(), user.token, 'another-device');
      expect((await other.drain()).map((item) => item.task?.title)).toEqual(['kept']);
    });

    it('refuses other users, unknown sessions, bad keys and bad pages', async () => {
      const { tasks, device } = await setup();
      await tasks.createTask({ title: 'mine' });
      const session = await device.start();
      const stranger = await server().newUser(`stranger${n}`);
      expect(codes(await server().gql(PAGE, { session: session!.id, page: 1 }, stranger.token))).toEqual(['NOT_FOUND']);
      expect(codes(await server().gql(PAGE, { session: '00000000-0000-0000-0000-000000000000', page: 1 }))).toEqual(['NOT_FOUND']);
      expect(codes(await server().gql(PAGE, { session: 'junk', page: 1 }))).toEqual(['NOT_FOUND']);
      const item = (await device.page(session!.id, 1))!.items[0]!;
      expect(codes(await tasks.gql(PAGE, { session: session!.id, page: 0 }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await tasks.gql(ACK, { device: 'device-x', keys: ['nope'] }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await tasks.gql(ACK, { device: 'never-seen', keys: [item.ackKey] }))).toEqual(['NOT_FOUND']);
      expect(codes(await tasks.gql(START, { device: '' }))).toEqual(['BAD_USER_INPUT']);
      // A stranger's acknowledgement of my object acknowledges nothing for me.
      await queueClient(server(), stranger.token, 'stranger-device').start();
      expect(
        dataOf(await server().gql<any>(ACK, { device: 'stranger-device', keys: [item.ackKey] }, stranger.token)).ackSync.acknowledged,
      ).toBe(0);
      // An acknowledgement cannot reach past the object's revision.
      const forward = item.ackKey.replace(/-\d+$/, '-999999');
      await device.ack([forward]);
      await tasks.updateTask(item.id, { title: 'changed' });
      expect((await device.drain()).map((i) => i.task!.title)).toEqual(['changed']);
    });

    it('allows at most 100 active sessions per user', async () => {
      const { user, tasks } = await setup();
      await tasks.createTask({ title: 'x' });
      const devices = Array.from({ length: 100 }, (_, i) => queueClient(server(), user.token, `limit-${i}`));
      for (const d of devices) expect(await d.start()).not.toBeNull();
      const extra = await server().gql(START, { device: 'limit-100' }, user.token);
      expect(codes(extra)).toEqual(['TOO_MANY_SESSIONS']);
      // A device restarting replaces its own session rather than adding one.
      expect(await devices[0]!.start()).not.toBeNull();
    });
  },
  { SYNC_QUEUE_PAGE_SIZE: '2' },
);

describe('idle sessions', () => {
  it('expire', async () => {
    // 2 s idle: the session's first page must come within it even on a loaded machine (0.3 s
    // failed once in a parallel run).
    const server = await startTestServer('pglite', { SYNC_SESSION_IDLE_MINUTES: String(2 / 60) });
    try {
      const user = await server.newUser('idler');
      await syncClient(server, user.token).createTask({ title: 'x' });
      const device = queueClient(server, user.token, 'idle-device');
      const session = await device.start();
      expect(await device.page(session!.id, 1)).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(codes(await server.gql(PAGE, { session: session!.id, page: 1 }, user.token))).toEqual(['NOT_FOUND']);
    } finally {
      await server.stop();
    }
  });
});

describeEachDatabase('changesAvailable', (server) => {
  it('syncs and commits over WebSocket like over HTTP', async () => {
    const user = await server().newUser('socketeer');
    const ws = wsClient(server(), user.token);
    const once = (query: string, variables: Record<string, unknown> = {}) =>
      new Promise<any>((resolve, reject) => {
        ws.subscribe({ query, variables }, { next: resolve, error: reject, complete: () => {} });
      });
    const batch = await once('{ sync { token full tasks { id } } }');
    expect(batch.data.sync).toMatchObject({ full: true, tasks: [] });
    const commit = await once('mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { status } } }', {
      input: { token: batch.data.sync.token, tasks: [{ clientSyncId: 'ws-1', changes: { title: 'over ws' } }] },
    });
    expect(commit.data.syncCommit.results).toEqual([{ status: 'CREATED' }]);
    const bad = await once('{ sync(token: "forged.token") { token } }');
    expect(bad.errors[0].extensions.code).toBe('SYNC_TOKEN_INVALID');
    await ws.dispose();
  });

  it('tells each subscriber of the affected user, for the kinds asked, after the commit', async () => {
    const alice = await server().newUser('notified');
    const bob = await server().newUser('bystander');
    const aliceWs = wsClient(server(), alice.token);
    const bobWs = wsClient(server(), bob.token);
    const notices: any[] = [];
    const bobNotices: any[] = [];
    aliceWs.subscribe(
      { query: 'subscription { changesAvailable(kinds: [TASK]) { revision kinds } }' },
      { next: (value) => notices.push(value), error: () => {}, complete: () => {} },
    );
    bobWs.subscribe(
      { query: 'subscription { changesAvailable { revision kinds } }' },
      { next: (value) => bobNotices.push(value), error: () => {}, complete: () => {} },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const tasks = syncClient(server(), alice.token);
    const task = await tasks.createTask({ title: 'ping' });
    await expect.poll(() => notices.length).toBe(1);
    expect(notices[0]).toEqual({ data: { changesAvailable: { revision: 1, kinds: ['TASK'] } } });
    // A commit of several objects is one transaction: one notice.
    const batch = await tasks.sync();
    const committed = await tasks.commit({
      token: batch.token,
      tasks: [
        { id: task.id, changes: { title: 'pong' } },
        { clientSyncId: 'n1', changes: { title: 'new' } },
      ],
    });
    await expect.poll(() => notices.length).toBe(2);
    expect(notices[1].data.changesAvailable.revision).toBe(3);
    // The hint is for other clients: the committing one is not sent its own changes.
    expect((await tasks.sync(committed.token)).tasks).toEqual([]);
    // Another writer's change is news again.
    await tasks.updateTask(task.id, { title: 'again' });
    await expect.poll(() => notices.length).toBe(3);
    expect((await tasks.sync(committed.token)).tasks.map((t) => t.title)).toEqual(['again']);
    expect(bobNotices).toEqual([]);
    // Without the SYNC scope there is no subscription.
    const noSync = await server().newUser('unscoped', ['MEETINGS']);
    const denied = await new Promise<any>((resolve) => {
      wsClient(server(), noSync.token).subscribe(
        { query: 'subscription { changesAvailable { revision } }' },
        { next: resolve, error: resolve, complete: () => {} },
      );
    });
    expect(JSON.stringify(denied)).toContain('FORBIDDEN');
    await aliceWs.dispose();
    await bobWs.dispose();
  });
});
