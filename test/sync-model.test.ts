// A seeded model test of token sync: writers change one user's tasks and appointments while
// clients of different habits keep copies, over both kinds at once:
// - `thorough` references everything, tombstones included, and sends changes of its own;
// - `tombstone-blind` never references tombstones;
// - `poisoned` can never store some objects (one in four, by id): it leaves them out for ever;
// - `flaky` leaves an object out now and then, and stores it when it comes again;
// - `double` commits every token twice, at once;
// - `crashy` crashes between sync and commit now and then and resumes from its last committed token;
// - `queue` syncs over queue sessions.
// Writers run while the clients sync, then once more while they are offline.
// Invariants: no batch says hasMore without carrying something, nor, once the writers stopped,
// without carrying something new while newer changes wait; every client catches up in a
// bounded number of rounds and ends equal to the server on every object it did not fail, and
// every object it failed has been reported as skipped. Replay a run with SYNC_MODEL_SEED.
import { expect, it } from 'vitest';
import { seededRandom } from './support/random.ts';
import { codes, describeEachDatabase } from './support/server.ts';
import { dataOf, type FeedKind, feedKinds, type KindObject, type KindRef, kindSyncClient, userWithAccount } from './support/sync.ts';

const seed = Number(process.env.SYNC_MODEL_SEED ?? Date.now() % 100_000);
const WRITERS = 3;
const OPERATIONS_PER_WRITER = 80;
const OPERATIONS_OFFLINE = 40;
const kinds: FeedKind[] = ['TASK', 'APPOINTMENT'];
const day0 = Date.parse('2027-02-01T00:00:00Z');
const window = { from: '2027-01-25T00:00:00Z', to: '2027-04-01T00:00:00Z' };

const keyOf = (kind: string, id: string) => `${kind}/${id}`;
/** The raw id of a global id (base64 of "Type:uuid"). */
const rawId = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;

interface Habit {
  limit: number;
  referencesTombstones: boolean;
  fails?: (id: string) => boolean;
  flaky?: number;
  commitsTwice?: boolean;
  crashes?: number;
  ownChanges?: boolean;
}

const habits: Record<string, Habit> = {
  thorough: { limit: 5, referencesTombstones: true, ownChanges: true },
  'tombstone-blind': { limit: 4, referencesTombstones: false },
  poisoned: { limit: 2, referencesTombstones: true, fails: (id) => /[0-3]$/.test(rawId(id)) },
  flaky: { limit: 6, referencesTombstones: false, flaky: 0.3 },
  double: { limit: 4, referencesTombstones: true, commitsTwice: true, ownChanges: true },
  crashy: { limit: 7, referencesTombstones: true, crashes: 0.25 },
};

describeEachDatabase(`sync model [seed ${seed}]`, (server) => {
  it('keeps every client equal to the server, whatever its habits', { timeout: 240_000 }, async () => {
    const user = await userWithAccount(server(), 'modeller');
    const at = (dayIndex: number, hour: number) => new Date(day0 + dayIndex * 86_400_000 + hour * 3_600_000).toISOString();

    async function writer(n: number, operations: number) {
      const rand = seededRandom(seed * 31 + n);
      const known: Array<{ kind: FeedKind; id: string }> = [];
      for (let i = 0; i < operations; i++) {
        const roll = rand();
        const target = known[Math.floor(rand() * known.length)];
        const kind: FeedKind = rand() < 0.5 ? 'TASK' : 'APPOINTMENT';
        let response: { errors?: unknown[] };
        if (roll < 0.4 || !target) {
          const day = Math.floor(rand() * 50);
          response =
            kind === 'TASK'
              ? await user.gql('mutation ($t: String!) { createTask(input: { title: $t }) { id } }', { t: `w${n}-${i}` })
              : await user.gql(
                  'mutation ($i: AppointmentInput!) { createAppointment(input: $i, ignoreConflicts: true) { ... on Appointment { id } } }',
                  { i: { accountId: user.account, title: `w${n}-${i}`, timezone: 'Europe/Berlin', start: at(day, 9), end: at(day, 10) } },
                );
          const created = (response as any).data?.[kind === 'TASK' ? 'createTask' : 'createAppointment'];
          if (created) known.push({ kind, id: created.id });
        } else if (roll < 0.8) {
          response =
            target.kind === 'TASK'
              ? await user.gql('mutation ($id: ID!, $t: String!) { updateTask(id: $id, input: { title: $t }) { id } }', {
                  id: target.id,
                  t: `w${n}-${i}-upd`,
                })
              : await user.gql(
                  'mutation ($id: ID!, $t: String!) { updateAppointment(id: $id, input: { title: $t }, ignoreConflicts: true) { ... on Appointment { id } } }',
                  { id: target.id, t: `w${n}-${i}-upd` },
                );
        } else {
          const mutation = target.kind === 'TASK' ? 'deleteTask' : 'deleteAppointment';
          response = await user.gql(`mutation ($id: ID!) { ${mutation}(id: $id) { id } }`, { id: target.id });
          known.splice(known.indexOf(target), 1);
        }
        // Another writer (or a client) may have deleted the target.
        expect(codes(response as never).filter((code) => code !== 'NOT_FOUND')).toEqual([]);
      }
    }

    function tokenClient(name: string, habit: Habit, n: number) {
      const rand = seededRandom(seed * 131 + n);
      const api = kindSyncClient(user.gql, kinds);
      let copy = new Map<string, KindObject>();
      let token: string | null = null;
      const outstanding = new Set<string>(); // failed, not reported skipped since
      const reported: Array<{ key: string; deliveries: number }> = [];
      const leftOut = new Set<string>();
      let created = 0;
      let rounds = 0;
      // What committed rounds delivered, version by version, for the progress check.
      const delivered = new Set<string>();
      const deliveredTombstones = new Set<string>();
      /** What committed rounds left out and the server may redeliver. */
      const unstored = new Set<string>();
      const version = (key: string, object: KindObject) => `${key}|${JSON.stringify(object)}`;
      /** Whether the server holds something this client was never delivered (`server` fixed: nobody writes). */
      const waiting = (server: Map<string, KindObject>) =>
        [...server].some(([key, object]) => !delivered.has(version(key, object))) ||
        [...delivered].some((v) => {
          const key = v.split('|')[0]!;
          return !server.has(key) && !deliveredTombstones.has(key);
        });
      /** One sync and commit. `settled`: null while writers run; once they stopped, what the server holds. */
      async function round(settled: Map<string, KindObject> | null): Promise<boolean> {
        rounds++;
        const batch = await api.sync(token, habit.limit);
        const size = batch.objects.length + batch.deleted.length;
        if (batch.hasMore) expect(size, `${name}: hasMore without progress`).toBeGreaterThan(0);
        expect(size).toBeLessThanOrEqual(habit.limit);
        // Something new: not a redelivery (an object a committed round left out, as delivered
        // then), or a tombstone not seen before.
        const fresh =
          batch.objects.some(({ kind, object }) => {
            const key = keyOf(kind, object.id);
            return !unstored.has(key) || !delivered.has(version(key, object));
          }) || batch.deleted.some((gone) => !deliveredTombstones.has(keyOf(gone.kind, gone.id)));
        if (settled && batch.hasMore && waiting(settled)) {
          // Newer changes wait, so the batch must carry some: redelivery may not fill it.
          expect(fresh, `${name}: a batch of redeliveries only, while newer changes wait`).toBe(true);
        }
        const staging = new Map(copy);
        const refs: KindRef[] = [];
        for (const s of batch.skipped) {
          outstanding.delete(keyOf(s.kind, s.id));
          reported.push({ key: keyOf(s.kind, s.id), deliveries: s.deliveries });
        }
        for (const gone of batch.deleted) {
          staging.delete(keyOf(gone.kind, gone.id));
          outstanding.delete(keyOf(gone.kind, gone.id));
          if (habit.referencesTombstones) refs.push({ kind: gone.kind, id: gone.id });
        }
        for (const { kind, object } of batch.objects) {
          const key = keyOf(kind, object.id);
          if (habit.fails?.(object.id)) {
            outstanding.add(key);
          } else if (!settled && habit.flaky && !leftOut.has(key) && rand() < habit.flaky) {
            leftOut.add(key);
          } else {
            staging.set(key, object);
            refs.push({ kind, id: object.id });
          }
        }
        if (!settled && habit.ownChanges) {
          const inBatch = new Set(refs.map((ref) => keyOf(ref.kind, ref.id!)));
          const mine = [...staging.entries()].filter(([key]) => !inBatch.has(key))[Math.floor(rand() * staging.size)];
          if (mine && rand() < 0.4)
            refs.push({ kind: mine[0].split('/')[0] as FeedKind, id: mine[1].id, changes: { title: `${name} ${rand()}` } });
          if (rand() < 0.3) refs.push({ kind: 'TASK', clientSyncId: `${name}-${++created}`, changes: { title: `${name} new ${created}` } });
        }
        if (!settled && habit.crashes && rand() < habit.crashes) return true; // nothing stored, nothing committed
        const commit = () => api.commit(batch.token, refs);
        const [result, twice] = habit.commitsTwice ? await Promise.all([commit(), commit()]) : [await commit(), null];
        // The same answer twice; the objects in it are loaded when it is sent, so they may differ.
        const stored = (r: typeof result) => ({ token: r.token, results: r.results.map(({ object: _, ...rest }) => rest) });
        if (twice) expect(stored(twice)).toEqual(stored(result));
        for (const r of result.results) {
          expect(['UNCHANGED', 'APPLIED', 'CREATED', 'DELETED', 'CONFLICT', 'NOT_FOUND'], `${name}: ${r.message}`).toContain(r.status);
          if (r.object) staging.set(keyOf(r.kind, r.object.id), r.object);
          else if (r.status === 'DELETED') staging.delete(keyOf(r.kind, r.id!));
        }
        copy = staging;
        token = result.token;
        for (const { kind, object } of batch.objects) delivered.add(version(keyOf(kind, object.id), object));
        for (const r of result.results) if (r.object) delivered.add(version(keyOf(r.kind, r.object.id), r.object));
        for (const gone of batch.deleted) deliveredTombstones.add(keyOf(gone.kind, gone.id));
        for (const s of batch.skipped) unstored.delete(keyOf(s.kind, s.id));
        for (const gone of batch.deleted) unstored.delete(keyOf(gone.kind, gone.id));
        const referenced = new Set(refs.flatMap((ref) => (ref.id ? [keyOf(ref.kind, ref.id)] : [])));
        for (const { kind, object } of batch.objects) {
          const key = keyOf(kind, object.id);
          if (referenced.has(key)) unstored.delete(key);
          else unstored.add(key);
        }
        return size > 0 || batch.hasMore || batch.skipped.length > 0;
      }
      return { name, habit, round, copy: () => copy, outstanding, reported, rounds: () => rounds };
    }

    function queueClient() {
      const rand = seededRandom(seed * 7);
      const copy = new Map<string, KindObject>();
      const itemFields = kinds.map((kind) => `${feedKinds[kind].one} { ${feedKinds[kind].fields} }`).join(' ');
      async function round(quiet: boolean): Promise<boolean> {
        const started = dataOf(await user.gql<any>('mutation { startSyncSession(deviceUuid: "model-queue") { id } }')).startSyncSession;
        if (!started) return false;
        const keys: string[] = [];
        for (let page = 1; ; page++) {
          const result = dataOf(
            await user.gql<any>(
              `query ($s: ID!, $p: Int!) { syncQueue(sessionId: $s, page: $p) { items { kind id eventType ackKey ${itemFields} } } }`,
              {
                s: started.id,
                p: page,
              },
            ),
          ).syncQueue;
          if (!result) break;
          for (const item of result.items) {
            const key = keyOf(item.kind, item.id);
            if (item.eventType === 'DELETED') copy.delete(key);
            else copy.set(key, item[feedKinds[item.kind as FeedKind].one]);
            if (quiet || rand() < 0.9) keys.push(item.ackKey);
          }
        }
        dataOf(
          await user.gql('mutation ($k: [String!]!) { ackSync(deviceUuid: "model-queue", ackKeys: $k) { acknowledged } }', { k: keys }),
        );
        return true;
      }
      return { round, copy: () => copy };
    }

    async function serverState(): Promise<Map<string, KindObject>> {
      const state = new Map<string, KindObject>();
      let after: string | null = null;
      for (;;) {
        const page: any = dataOf(
          await user.gql<any>(
            `query ($after: String) { tasks(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${feedKinds.TASK.fields} } } } }`,
            { after },
          ),
        ).tasks;
        for (const { node } of page.edges) state.set(keyOf('TASK', node.id), node);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const occurrences = dataOf(
        await user.gql<any>(
          `query ($f: DateTime!, $t: DateTime!) { appointments(from: $f, to: $t) { appointment { ${feedKinds.APPOINTMENT.fields} } } }`,
          {
            f: window.from,
            t: window.to,
          },
        ),
      ).appointments;
      for (const { appointment } of occurrences) state.set(keyOf('APPOINTMENT', appointment.id), appointment);
      return state;
    }

    const clients = Object.entries(habits).map(([name, habit], n) => tokenClient(name, habit, n));
    const queue = queueClient();
    let writing = true;
    const loops = Promise.all([
      ...clients.map(async (client) => {
        while (writing) await client.round(null);
      }),
      (async () => {
        while (writing) await queue.round(false);
      })(),
    ]);
    await Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n, OPERATIONS_PER_WRITER)));
    writing = false;
    await loops;
    // Then a burst while every client is offline: they come back to a backlog behind their redeliveries.
    await Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(WRITERS + n, OPERATIONS_OFFLINE)));

    // Catch up. A batch that stalls fails the check in `round`; this bound only keeps a broken
    // server from hanging the test (the feed part takes at least half of each batch).
    const state = await serverState();
    for (const client of clients) {
      const bound = Math.ceil((3 * state.size) / Math.ceil(client.habit.limit / 2)) + 60;
      let idle = 0;
      for (let round = 0; idle < 2; round++) {
        expect(round, `${client.name} did not catch up in ${bound} rounds`).toBeLessThan(bound);
        idle = (await client.round(state)) ? 0 : idle + 1;
      }
    }
    while (await queue.round(true));

    const comparable = (objects: Map<string, KindObject>, keep: (key: string) => boolean) =>
      [...objects.entries()].filter(([key]) => keep(key)).sort(([a], [b]) => a.localeCompare(b));
    const after = await serverState();
    expect(after.size).toBeGreaterThan(20);
    for (const client of clients) {
      const kept = (key: string) => !client.habit.fails?.(key.split('/')[1]!);
      expect(comparable(client.copy(), kept), client.name).toEqual(comparable(after, kept));
      expect([...client.outstanding], `${client.name}: failed objects never reported`).toEqual([]);
    }
    expect(comparable(queue.copy(), () => true)).toEqual(comparable(after, () => true));
    const poisoned = clients.find((client) => client.name === 'poisoned')!;
    expect(poisoned.reported.length, 'the run exercised skipping').toBeGreaterThan(0);
    expect(new Set(poisoned.reported.map((r) => r.deliveries))).toEqual(new Set([3]));
    for (const client of clients) expect(client.rounds(), client.name).toBeGreaterThan(10);
  });
});
