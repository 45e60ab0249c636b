// A token-sync batch always makes progress: redelivered objects take at most half of a batch,
// an object left out of SYNC_MAX_DELIVERIES commits is skipped and reported once, and a commit
// acknowledges its batch's tombstones whether it references them or not.
import { describe, expect, it } from 'vitest';
import { describeEachDatabase, startTestServer, type TestServer } from './support/server.ts';
import { type KindBatch, kindSyncClient, type SyncClient, syncClient } from './support/sync.ts';

const ids = (batch: { tasks: Array<{ id: string }>; deleted: Array<{ id: string }> }) => [
  ...batch.tasks.map((t) => t.id),
  ...batch.deleted.map((d) => d.id),
];

async function newClient(server: TestServer, name: string) {
  const user = await server.newUser(name);
  const c = syncClient(server, user.token);
  const kinds = kindSyncClient((query, variables) => server.gql(query, variables, user.token), ['TASK']);
  return { c, kinds };
}

/** A client's first sync and a commit acknowledging everything: the token it continues from. */
async function synced(c: SyncClient): Promise<string> {
  const first = await c.sync(null, 100);
  expect(first.hasMore).toBe(false);
  return (await c.commit({ token: first.token, tasks: first.tasks.map((t) => ({ id: t.id })) })).token;
}

describeEachDatabase('token sync progress', (server) => {
  let n = 0;
  const client = () => newClient(server(), `progress${++n}`);

  it("the issue's reproduction: tombstones committed without references do not come again, and 'late' arrives", async () => {
    const { c } = await client();
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await c.createTask({ title: `t${i}` }));
    let token = await synced(c);
    for (const task of tasks.slice(0, 3)) await c.deleteTask(task.id);
    const late = await c.createTask({ title: 'late' });

    const tombstones = await c.sync(token, 3);
    expect(tombstones.deleted.map((d) => d.id).sort()).toEqual(
      tasks
        .slice(0, 3)
        .map((t) => t.id)
        .sort(),
    );
    expect(tombstones.hasMore).toBe(true);
    token = (await c.commit({ token: tombstones.token, tasks: [] })).token;

    const next = await c.sync(token, 3);
    expect(next.deleted).toEqual([]);
    expect(next.tasks.map((t) => t.title)).toEqual(['late']);
    expect(next.tasks[0]!.id).toBe(late.id);
    expect(next.hasMore).toBe(false);
    const done = await c.commit({ token: next.token, tasks: [{ id: late.id }] });
    expect(await c.sync(done.token, 3)).toMatchObject({ tasks: [], deleted: [], skipped: [], hasMore: false });
  });

  it('answers a referenced tombstone DELETED, and acknowledges an unreferenced one all the same', async () => {
    const { c } = await client();
    const [a, b] = [await c.createTask({ title: 'a' }), await c.createTask({ title: 'b' })];
    let token = await synced(c);
    await c.deleteTask(a.id);
    await c.deleteTask(b.id);
    const batch = await c.sync(token);
    expect(ids(batch).sort()).toEqual([a.id, b.id].sort());
    const result = await c.commit({ token: batch.token, tasks: [{ id: a.id }] });
    expect(result.results.map((r) => [r.id, r.status])).toEqual([[a.id, 'DELETED']]);
    token = result.token;
    expect(await c.sync(token)).toMatchObject({ tasks: [], deleted: [], hasMore: false });
  });

  it('gives redelivery at most half of a batch while newer changes wait, and pages through both without repeats', async () => {
    const { c } = await client();
    let token = await synced(c);
    const old = [];
    for (let i = 0; i < 10; i++) old.push(await c.createTask({ title: `old${i}` }));
    const unprocessed = await c.sync(token, 10);
    expect(unprocessed.tasks).toHaveLength(10);
    token = (await c.commit({ token: unprocessed.token, tasks: [] })).token; // none processed: all pending
    const fresh = [];
    for (let i = 0; i < 10; i++) fresh.push(await c.createTask({ title: `new${i}` }));

    const seen: string[] = [];
    let page = await c.sync(token, 4);
    expect(page.tasks.map((t) => t.title)).toEqual(['old0', 'old1', 'new0', 'new1']);
    for (;;) {
      seen.push(...page.tasks.map((t) => t.title));
      expect(page.tasks.length).toBeGreaterThan(0);
      if (!page.hasMore) break;
      page = await c.sync(page.token, 4);
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    expect([...seen].sort()).toEqual([...old, ...fresh].map((t) => t.title).sort());
  });

  it('stops redelivering what three commits left out, reports it once, and starts over when it changes', async () => {
    const { c, kinds } = await client();
    let token = await synced(c);
    const poison = [await c.createTask({ title: 'poison-1' }), await c.createTask({ title: 'poison-2' })];
    const poisonIds = new Set(poison.map((t) => t.id));
    const delivered: KindBatch[] = [];
    let created = 0;
    // A client that can never store the poison tasks; new tasks keep arriving all along.
    async function round() {
      await c.createTask({ title: `fine-${++created}` });
      const batch = await kinds.sync(token, 4);
      delivered.push(batch);
      const fine = batch.objects.filter(({ object }) => !poisonIds.has(object.id));
      token = (
        await kinds.commit(
          batch.token,
          fine.map(({ kind, object }) => ({ kind, id: object.id })),
        )
      ).token;
      return batch;
    }
    for (let i = 0; i < 3; i++) {
      const batch = await round();
      expect(batch.objects.filter(({ object }) => poisonIds.has(object.id))).toHaveLength(2);
      expect(batch.objects.map(({ object }) => object.title)).toContain(`fine-${created}`);
      expect(batch.skipped).toEqual([]);
    }
    const reported = await round();
    expect(reported.objects.map(({ object }) => object.title)).toEqual([`fine-${created}`]);
    expect(reported.skipped.map((s) => [s.id, s.kind, s.deliveries]).sort()).toEqual(poison.map((t) => [t.id, 'TASK', 3]).sort());
    const after = await round();
    expect(after.skipped).toEqual([]);
    expect(after.objects.map(({ object }) => object.title)).toEqual([`fine-${created}`]);

    // Still there to fetch by id; a reference acknowledges it; a change delivers it afresh.
    const fetched = await c.gql<any>('query ($id: ID!) { node(id: $id) { ... on Task { title } } }', { id: poison[0]!.id });
    expect(fetched.data.node.title).toBe('poison-1');
    const ack = await kinds.commit((await kinds.sync(token)).token, [{ kind: 'TASK', id: poison[0]!.id }]);
    expect(ack.results.map((r) => r.status)).toEqual(['UNCHANGED']);
    token = ack.token;
    await c.updateTask(poison[1]!.id, { title: 'poison-2 changed' });
    const again = await round();
    expect(again.objects.map(({ object }) => object.title).sort()).toEqual([`fine-${created}`, 'poison-2 changed'].sort());
    await round();
    await round();
    const reportedAgain = await round();
    expect(reportedAgain.skipped.map((s) => [s.id, s.deliveries])).toEqual([[poison[1]!.id, 3]]);
  });

  it('reports skipped objects to the batch after the commit, whichever page of it and however often it is read', async () => {
    const { c, kinds } = await client();
    let token = await synced(c);
    const poison = await c.createTask({ title: 'poison' });
    for (let i = 0; i < 3; i++) {
      const batch = await kinds.sync(token);
      expect(batch.objects.map(({ object }) => object.id)).toEqual([poison.id]);
      token = (await kinds.commit(batch.token, [])).token;
    }
    // A client that crashed after reading the report reads it again from its committed token.
    const first = await kinds.sync(token);
    const reread = await kinds.sync(token);
    expect(first.skipped.map((s) => s.id)).toEqual([poison.id]);
    expect(reread.skipped.map((s) => s.id)).toEqual([poison.id]);
    // The next page of the same batch does not repeat it, and nor does the batch after the next commit.
    expect((await kinds.sync(first.token)).skipped).toEqual([]);
    token = (await kinds.commit(first.token, [])).token;
    expect((await kinds.sync(token)).skipped).toEqual([]);
  });
});

describe('SYNC_MAX_DELIVERIES', () => {
  it('sets how many commits may leave an object out', async () => {
    const server = await startTestServer('pglite', { SYNC_MAX_DELIVERIES: '1' });
    try {
      const { c, kinds } = await newClient(server, 'impatient');
      const token = await synced(c);
      const task = await c.createTask({ title: 'once' });
      const batch = await kinds.sync(token);
      expect(batch.objects.map(({ object }) => object.id)).toEqual([task.id]);
      const next = await kinds.sync((await kinds.commit(batch.token, [])).token);
      expect(next.objects).toEqual([]);
      expect(next.skipped.map((s) => [s.id, s.deliveries])).toEqual([[task.id, 1]]);
    } finally {
      await server.stop();
    }
  });

  it('refuses a setting that is not a whole number from 1 to 100', async () => {
    await expect(startTestServer('pglite', { SYNC_MAX_DELIVERIES: '0' })).rejects.toThrow(/SYNC_MAX_DELIVERIES/);
  });
});
