// Token sync (sync / syncCommit) through the GraphQL API, on PGlite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { codes, describeEachDatabase, startTestServer } from './support/server.ts';
import { COMMIT, dataOf, SYNC, type SyncClient, syncClient } from './support/sync.ts';

const titles = (tasks: Array<{ title: string }>) => tasks.map((task) => task.title).sort();

describeEachDatabase('token sync', (server) => {
  let n = 0;
  async function newClient(): Promise<SyncClient & { token: string }> {
    const user = await server().newUser(`syncer${++n}`);
    return { ...syncClient(server(), user.token), token: user.token };
  }

  it('first sync returns every live task, then deltas in revision order', async () => {
    const c = await newClient();
    const a = await c.createTask({ title: 'a' });
    const b = await c.createTask({ title: 'b' });
    const gone = await c.createTask({ title: 'gone' });
    await c.deleteTask(gone.id);

    const first = await c.sync();
    expect(first.full).toBe(true);
    expect(first.hasMore).toBe(false);
    expect(titles(first.tasks)).toEqual(['a', 'b']);
    expect(first.deleted).toEqual([]); // a full sync sends no tombstones

    await c.updateTask(b.id, { title: 'b2' });
    const c3 = await c.createTask({ title: 'c', notes: 'n' });
    await c.deleteTask(a.id);
    const delta = await c.sync(first.token);
    expect(delta.full).toBe(false);
    expect(delta.tasks.map((t) => t.title)).toEqual(['b2', 'c']);
    expect(delta.deleted).toEqual([{ kind: 'TASK', id: a.id, clientSyncId: null }]);
    expect(delta.tasks[1]).toMatchObject({ id: c3.id, notes: 'n', status: 'NOT_STARTED', priority: 'NORMAL' });

    // The same token again: the same window.
    const again = await c.sync(first.token);
    expect(again.tasks.map((t) => t.id)).toEqual(delta.tasks.map((t) => t.id));
    expect((await c.sync(delta.token)).tasks).toEqual([]);
  });

  it('pages with hasMore and a token per page', async () => {
    const c = await newClient();
    for (let i = 0; i < 7; i++) await c.createTask({ title: `t${i}` });
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    for (;;) {
      const batch = await c.sync(token, 3);
      pages++;
      expect(batch.full).toBe(true);
      seen.push(...batch.tasks.map((t) => t.title));
      token = batch.token;
      if (!batch.hasMore) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    const after = await c.sync(token);
    expect(after).toMatchObject({ full: false, hasMore: false, tasks: [], deleted: [] });
  });

  it('commits unchanged, changed, omitted, new and deleted objects', async () => {
    const c = await newClient();
    const keep = await c.createTask({ title: 'keep' });
    const edit = await c.createTask({ title: 'edit', notes: 'kept' });
    const skip = await c.createTask({ title: 'skip' });
    const drop = await c.createTask({ title: 'drop' }, 'csid-drop');
    const batch = await c.sync();
    expect(batch.tasks).toHaveLength(4);

    const result = await c.commit({
      token: batch.token,
      tasks: [
        { id: keep.id },
        { id: edit.id, changes: { title: 'edited', percentComplete: 50 } },
        { clientSyncId: 'csid-drop', delete: true },
        { clientSyncId: 'csid-new', changes: { title: 'new', status: 'IN_PROGRESS' } },
      ],
    });
    expect(result.synchronization.type).toBe('DEVICE');
    expect(result.results.map((r) => [r.clientSyncId ?? r.id, r.status])).toEqual([
      [keep.id, 'UNCHANGED'],
      [edit.id, 'APPLIED'],
      ['csid-drop', 'DELETED'],
      ['csid-new', 'CREATED'],
    ]);
    expect(result.results[1]!.task).toMatchObject({ title: 'edited', percentComplete: 50, notes: 'kept' });
    const times = dataOf(
      await server().gql('query ($id: ID!) { node(id: $id) { ... on Task { createdAt updatedAt } } }', { id: edit.id }, c.token),
    ).node;
    expect(Date.parse(times.updatedAt)).toBeGreaterThan(Date.parse(times.createdAt));
    expect(result.results[2]!.id).toBe(drop.id);
    const created = result.results[3]!.task!;
    expect(created).toMatchObject({ title: 'new', status: 'IN_PROGRESS', clientSyncId: 'csid-new' });

    // The server has the changes.
    expect(titles(await c.allTasks())).toEqual(['edited', 'keep', 'new', 'skip']);
    // The omitted task comes again; the client's own changes are not echoed back.
    const next = await c.sync(result.token);
    expect(next.tasks.map((t) => t.id)).toEqual([skip.id]);
    expect(next.deleted).toEqual([]);
    // Once acknowledged, it stops coming.
    const done = await c.commit({ token: next.token, tasks: [{ id: skip.id }] });
    expect(done.results[0]!.status).toBe('UNCHANGED');
    expect((await c.sync(done.token)).tasks).toEqual([]);
    // Another writer's change to the client's object does come.
    await c.updateTask(created.id, { title: 'new2' });
    expect((await c.sync(done.token)).tasks.map((t) => t.title)).toEqual(['new2']);
  });

  it('reports a conflict instead of overwriting a change made after the batch', async () => {
    const c = await newClient();
    const task = await c.createTask({ title: 'v1' });
    // Three syncs of one window (each token can be committed once).
    const [batch, batch2, batch3] = [await c.sync(), await c.sync(), await c.sync()];
    await c.updateTask(task.id, { title: 'server' });
    const result = await c.commit({ token: batch.token, tasks: [{ id: task.id, changes: { title: 'client' } }] });
    expect(result.results[0]).toMatchObject({ status: 'CONFLICT', task: { title: 'server' } });
    expect((await c.allTasks())[0]!.title).toBe('server');
    // A delete of a task changed meanwhile is refused the same way.
    const del = await c.commit({ token: batch2!.token, tasks: [{ id: task.id, delete: true }] });
    expect(del.results[0]).toMatchObject({ status: 'CONFLICT' });
    // A change to a task deleted on the server does not bring it back.
    await c.deleteTask(task.id);
    const gone = await c.commit({ token: batch3!.token, tasks: [{ id: task.id, changes: { title: 'zombie' } }] });
    expect(gone.results[0]).toMatchObject({ status: 'NOT_FOUND' });
    expect(await c.allTasks()).toEqual([]);
  });

  it('acts once when the same token is committed twice, even concurrently', async () => {
    const c = await newClient();
    const batch = await c.sync();
    const input = { token: batch.token, tasks: [{ clientSyncId: 'once', changes: { title: 'once' } }] };
    const [a, b] = await Promise.all([c.commit(input), c.commit(input)]);
    const third = await c.commit(input);
    expect(b.results[0]!.id).toBe(a.results[0]!.id);
    expect(third.token).toBe(a.token);
    expect(b.synchronization.id).toBe(a.synchronization.id);
    expect((await c.allTasks()).map((t) => t.title)).toEqual(['once']);
  });

  it('a retried create by clientSyncId does not duplicate', async () => {
    const c = await newClient();
    const first = await c.commit({ token: (await c.sync()).token, tasks: [{ clientSyncId: 'x1', changes: { title: 'x' } }] });
    const second = await c.commit({ token: (await c.sync()).token, tasks: [{ clientSyncId: 'x1', changes: { title: 'x' } }] });
    expect(first.results[0]!.status).toBe('CREATED');
    expect(second.results[0]).toMatchObject({ status: 'APPLIED', id: first.results[0]!.id });
    expect(await c.allTasks()).toHaveLength(1);
    // Known by clientSyncId alone: changed by the synchronization that changed it last.
    const third = await c.commit({ token: second.token, tasks: [{ clientSyncId: 'x1', changes: { notes: 'more' } }] });
    expect(third.results[0]).toMatchObject({ status: 'APPLIED', id: first.results[0]!.id, task: { notes: 'more' } });
    // The first synchronization saw neither change: for it, that is a conflict.
    const stale = await c.commit({ token: first.token, tasks: [{ clientSyncId: 'x1', changes: { notes: 'old' } }] });
    expect(stale.results[0]).toMatchObject({ status: 'CONFLICT', task: { notes: 'more' } });
  });

  it('keeps two synchronizations of one user independent', async () => {
    const c = await newClient();
    const t1 = await c.createTask({ title: 't1' });
    const t2 = await c.createTask({ title: 't2' });
    const phone = await c.sync();
    const laptop = await c.sync();
    const p = await c.commit({ token: phone.token, tasks: [{ id: t1.id }] }); // t2 left out
    const l = await c.commit({ token: laptop.token, tasks: [{ id: t1.id }, { id: t2.id, changes: { title: 't2-laptop' } }] });
    expect(p.synchronization.id).not.toBe(l.synchronization.id);

    const phoneNext = await c.sync(p.token);
    expect(phoneNext.tasks.map((t) => t.title)).toEqual(['t2-laptop']); // pending, and changed by the laptop
    const laptopNext = await c.sync(l.token);
    expect(laptopNext.tasks).toEqual([]); // its own change is not echoed
    const me = await c.gql<any>('{ me { synchronizations { id type } } }');
    expect(me.data.me.synchronizations.map((s: { id: string }) => s.id).sort()).toEqual(
      [p.synchronization.id, l.synchronization.id].sort(),
    );
  });

  it('pushes calendar entries one way and deletes them by clientSyncId', async () => {
    const c = await newClient();
    const batch = await c.sync();
    const entry = { start: '2026-12-01T09:00:00Z', end: '2026-12-01T10:00:00Z', title: 'dentist' };
    const pushed = await c.gql<any>(
      `mutation ($input: SyncCommitInput!) { syncCommit(input: $input) { token results { kind status id calendarEntry { title start end } } } }`,
      {
        input: {
          token: batch.token,
          calendarEntries: [
            { clientSyncId: 'cal-1', changes: entry },
            { clientSyncId: 'cal-2', changes: { start: entry.end, end: entry.start } },
          ],
        },
      },
    );
    const [created, invalid] = pushed.data.syncCommit.results;
    expect(created).toMatchObject({
      kind: 'CALENDAR_ENTRY',
      status: 'CREATED',
      calendarEntry: { title: 'dentist', start: '2026-12-01T09:00:00.000Z' },
    });
    expect(invalid).toMatchObject({ status: 'INVALID' });
    const next = await c.sync(pushed.data.syncCommit.token);
    expect(next.tasks).toEqual([]); // never synced back
    const list = await c.gql<any>('{ calendarEntries(first: 10) { edges { node { id clientSyncId } } } }');
    expect(list.data.calendarEntries.edges.map((e: any) => e.node.clientSyncId)).toEqual(['cal-1']);
    const removed = await c.commit({ token: next.token, calendarEntries: [{ clientSyncId: 'cal-1', delete: true }] } as never);
    expect(removed.results[0]).toMatchObject({ kind: 'CALENDAR_ENTRY', status: 'DELETED' });
    const missing = await c.commit({ token: removed.token, calendarEntries: [{ clientSyncId: 'cal-1', delete: true }] } as never);
    expect(missing.results[0]).toMatchObject({ status: 'NOT_FOUND' });
  });

  it('refuses forged, malformed and foreign tokens', async () => {
    const c = await newClient();
    const other = await newClient();
    await c.createTask({ title: 'mine' });
    const { token } = await c.sync();
    const [body, signature] = token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...payload, t: 0 })).toString('base64url')}.${signature}`;
    for (const bad of [forged, 'garbage', `${body}.`, `${body}.${signature}x`, `${body}.${signature}.x`]) {
      expect(codes(await c.gql(SYNC, { token: bad }))).toEqual(['SYNC_TOKEN_INVALID']);
    }
    expect(codes(await other.gql(SYNC, { token }))).toEqual(['SYNC_TOKEN_INVALID']);
    expect(codes(await other.gql(COMMIT, { input: { token, tasks: [] } }))).toEqual(['SYNC_TOKEN_INVALID']);
  });

  it("never lets a user reach another user's tasks", async () => {
    const c = await newClient();
    const other = await newClient();
    const task = await c.createTask({ title: 'private' }, 'shared-csid');
    expect(codes(await other.gql('mutation ($id: ID!) { updateTask(id: $id, input: { title: "x" }) { id } }', { id: task.id }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await other.gql('mutation ($id: ID!) { deleteTask(id: $id) { id } }', { id: task.id }))).toEqual(['NOT_FOUND']);
    expect((await other.gql<any>('query ($id: ID!) { node(id: $id) { id } }', { id: task.id })).data.node).toBeNull();
    expect((await other.sync()).tasks).toEqual([]);
    const batch = await other.sync();
    const result = await other.commit({
      token: batch.token,
      tasks: [
        { id: task.id, changes: { title: 'stolen' } },
        { clientSyncId: 'shared-csid', delete: true },
      ],
    });
    expect(result.results.map((r) => r.status)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect((await c.allTasks())[0]!.title).toBe('private');
  });

  it('answers bad input with clear codes and writes nothing', async () => {
    const c = await newClient();
    expect(codes(await c.gql(SYNC, { limit: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await c.gql(SYNC, { limit: 501 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await c.gql('mutation { createTask(input: { notes: "no title" }) { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await c.gql('mutation { createTask(input: { title: "x", percentComplete: 101 }) { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await c.gql('mutation { createTask(input: { title: "x", start: "2026-01-02T00:00:00Z", due: "2026-01-01T00:00:00Z" }) { id } }'),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const batch = await c.sync();
    const result = await c.commit({
      token: batch.token,
      tasks: [
        {},
        { id: 'not-an-id', changes: { title: 'x' } },
        { clientSyncId: 'a', delete: true, changes: { title: 'x' } },
        { clientSyncId: 'b', changes: { title: '' } },
        { clientSyncId: 'c', changes: { title: 'ok' } },
        { clientSyncId: 'c', changes: { title: 'twice' } },
      ],
    });
    expect(result.results.map((r) => r.status)).toEqual(['INVALID', 'INVALID', 'INVALID', 'INVALID', 'CREATED', 'INVALID']);
    expect(result.results.filter((r) => r.status === 'INVALID').every((r) => r.message)).toBe(true);
    expect((await c.allTasks()).map((t) => t.title)).toEqual(['ok']);
    const tooMany = { token: batch.token, tasks: Array.from({ length: 1001 }, (_, i) => ({ clientSyncId: `m${i}` })) };
    expect(codes(await c.gql(COMMIT, { input: tooMany }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await c.gql(SYNC, { token: batch.token, kinds: [] }))).toEqual([]);
  });

  it('needs the SYNC scope', async () => {
    const { token } = await server().newUser(`noscope${++n}`, ['MEETINGS']);
    expect(codes(await server().gql(SYNC, {}, token))).toEqual(['FORBIDDEN']);
    expect(codes(await server().gql(COMMIT, { input: { token: 'x' } }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await server().gql(SYNC, {}, null))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('tombstone retention', () => {
  it('purges old tombstones and expires tokens from below the floor', async () => {
    // Retention of 0.5 s, checked every 0.1 s.
    const server = await startTestServer('pglite', {
      SYNC_RETENTION_DAYS: String(0.5 / 86400),
      MAINTENANCE_INTERVAL_SECONDS: '0.1',
    });
    try {
      const user = await server.newUser('retainer');
      const c = syncClient(server, user.token);
      const keep = await c.createTask({ title: 'keep' });
      const gone = await c.createTask({ title: 'gone' });
      const old = await c.sync();
      await c.deleteTask(gone.id);
      const current = await c.sync(old.token);
      expect(current.deleted.map((d) => d.id)).toEqual([gone.id]);
      await expect
        .poll(async () => codes(await c.gql(SYNC, { token: old.token })), { timeout: 5000, interval: 100 })
        .toEqual(['SYNC_TOKEN_EXPIRED']);
      // A token from after the purged delete still works, and a new full sync recovers.
      expect((await c.sync(current.token)).tasks).toEqual([]);
      expect((await c.sync()).tasks.map((t) => t.id)).toEqual([keep.id]);
    } finally {
      await server.stop();
    }
  });
});
