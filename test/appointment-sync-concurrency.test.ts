// Writers racing on one user's appointments (single ones, series, change and delete
// exceptions, deletes) while a token-sync client keeps its copy and commits changes of its own.
// At the end the copy must equal what the server shows in its calendar: no lost, resurrected or
// duplicated appointment, and no exception outliving its series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './support/postgres.ts';
import { seededRandom } from './support/random.ts';
import { codes, startTestServer, type TestServer } from './support/server.ts';
import { dataOf, feedKinds, type KindRef, kindSyncClient, userWithAccount } from './support/sync.ts';

const WRITERS = 4;
const OPERATIONS_PER_WRITER = 120;
const day0 = Date.parse('2026-11-02T00:00:00Z');
const window = { from: '2026-10-26T00:00:00Z', to: '2026-12-14T00:00:00Z' };

const seed = Number(process.env.SYNC_RACE_SEED ?? Date.now() % 100_000);
const rand = seededRandom(seed);
const pick = <T>(items: T[]): T | undefined => items[Math.floor(rand() * items.length)];

interface Appointment {
  id: string;
  clientSyncId: string | null;
  title: string;
  start: string;
  end: string;
  shownAs: string;
}
const fields = feedKinds.APPOINTMENT.fields;
const comparable = (list: Iterable<Appointment>) => [...list].map((a) => ({ ...a })).sort((a, b) => a.id.localeCompare(b.id));
const at = (dayIndex: number, hour: number) => new Date(day0 + dayIndex * 86_400_000 + hour * 3_600_000).toISOString();
const dateOf = (dayIndex: number) => at(dayIndex, 0).slice(0, 10);

const skip = !postgresAvailable;

describe.skipIf(skip)(
  `appointment sync under concurrent writers [postgres${skip ? ': skipped, PostgreSQL not reachable' : ''}, seed ${seed}]`,
  () => {
    let server: TestServer;
    let gql: Awaited<ReturnType<typeof userWithAccount>>['gql'];
    let account: string;
    beforeAll(async () => {
      server = await startTestServer('postgres', { DATABASE_POOL_SIZE: '12', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
      ({ gql, account } = await userWithAccount(server, 'calracer'));
    });
    afterAll(() => server?.stop());

    const expectOnlyNotFound = (response: { errors?: unknown[] }) =>
      expect(codes(response as never).filter((code) => code !== 'NOT_FOUND')).toEqual([]);

    /** Series are daily with 3 occurrences; their first day is remembered for occurrence changes. */
    async function writer(id: number, known: string[], series: Map<string, number>) {
      for (let i = 0; i < OPERATIONS_PER_WRITER; i++) {
        const roll = rand();
        const target = pick(known);
        const seriesId = pick([...series.keys()]);
        const dayIndex = Math.floor(rand() * 28);
        if (roll < 0.35 || !target) {
          const recurring = rand() < 0.4;
          const input = {
            accountId: account,
            title: `w${id}-${i}`,
            timezone: 'Europe/Berlin',
            start: at(dayIndex, 9),
            end: at(dayIndex, 10),
            ...(recurring ? { recurrence: { type: 'DAILY', interval: 1, occurrences: 3 } } : {}),
          };
          const made = dataOf(
            await gql(
              'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }',
              { input },
            ),
          ).createAppointment;
          known.push(made.id);
          if (recurring) series.set(made.id, dayIndex);
        } else if (roll < 0.6) {
          expectOnlyNotFound(
            await gql(
              'mutation ($id: ID!, $input: AppointmentInput!) { updateAppointment(id: $id, input: $input, ignoreConflicts: true) { __typename } }',
              {
                id: target,
                input: { title: `w${id}-${i}-upd`, shownAs: pick(['RESERVED', 'TEMPORARY', 'FREE']) },
              },
            ),
          );
        } else if (roll < 0.8 && seriesId) {
          // The second or third occurrence: changed (an exception appointment) or deleted.
          const occurrence = dateOf(series.get(seriesId)! + 1 + Math.floor(rand() * 2));
          const response =
            rand() < 0.6
              ? await gql(
                  'mutation ($id: ID!, $o: Date!, $input: AppointmentInput!) { updateAppointment(id: $id, occurrence: $o, input: $input, ignoreConflicts: true) { ... on Appointment { id } } }',
                  { id: seriesId, o: occurrence, input: { title: `w${id}-${i}-exc` } },
                )
              : await gql('mutation ($id: ID!, $o: Date!) { deleteAppointment(id: $id, occurrence: $o) { id } }', {
                  id: seriesId,
                  o: occurrence,
                });
          // Another writer may have deleted the series or that occurrence meanwhile.
          expect(codes(response).filter((code) => code !== 'NOT_FOUND' && code !== 'BAD_USER_INPUT')).toEqual([]);
          const exception = (response.data as any)?.updateAppointment?.id;
          if (exception && !known.includes(exception)) known.push(exception);
        } else {
          expectOnlyNotFound(await gql('mutation ($id: ID!) { deleteAppointment(id: $id) { id } }', { id: target }));
          known.splice(known.indexOf(target), 1);
          series.delete(target);
        }
      }
    }

    /** A token-sync client of appointments: applies each batch, commits it, sometimes with changes of its own. */
    function tokenClient() {
      const api = kindSyncClient(gql, ['APPOINTMENT']);
      const copy = new Map<string, Appointment>();
      let syncToken: string | null = null;
      let created = 0;
      async function round(quiet: boolean): Promise<boolean> {
        const batch = await api.sync(syncToken, 40);
        for (const { object } of batch.objects) copy.set(object.id, object as unknown as Appointment);
        for (const gone of batch.deleted) copy.delete(gone.id);
        const inBatch = new Set([...batch.objects.map(({ object }) => object.id), ...batch.deleted.map((gone) => gone.id)]);
        const refs: KindRef[] = [...inBatch].map((id) => ({ kind: 'APPOINTMENT', id }));
        if (!quiet) {
          const mine = pick([...copy.keys()]);
          if (mine && !inBatch.has(mine) && rand() < 0.5)
            refs.push({ kind: 'APPOINTMENT', id: mine, changes: { title: `client ${rand()}` } });
          const doomed = pick([...copy.keys()]);
          if (doomed && !inBatch.has(doomed) && doomed !== mine && rand() < 0.1)
            refs.push({ kind: 'APPOINTMENT', id: doomed, delete: true });
          if (rand() < 0.3) {
            const dayIndex = Math.floor(rand() * 28);
            refs.push({
              kind: 'APPOINTMENT',
              clientSyncId: `client-${++created}`,
              changes: { accountId: account, title: `client ${created}`, timezone: 'UTC', start: at(dayIndex, 14), end: at(dayIndex, 15) },
            });
          }
        }
        const result = await api.commit(batch.token, refs);
        for (const r of result.results) {
          expect(['UNCHANGED', 'APPLIED', 'CREATED', 'DELETED', 'CONFLICT', 'NOT_FOUND']).toContain(r.status);
          if (r.object) copy.set(r.object.id, r.object as unknown as Appointment);
          else if (r.status === 'DELETED') copy.delete(r.id!);
        }
        syncToken = result.token;
        return inBatch.size > 0 || batch.hasMore;
      }
      return { copy, round, created: () => created };
    }

    /** What the server's calendar shows: every appointment with an occurrence in the window. */
    async function serverAppointments(): Promise<Appointment[]> {
      const occurrences = dataOf(
        await gql(`query ($f: DateTime!, $t: DateTime!) { appointments(from: $f, to: $t) { appointment { ${fields} } } }`, {
          f: window.from,
          t: window.to,
        }),
      ).appointments;
      return [
        ...new Map(occurrences.map((o: { appointment: Appointment }) => [o.appointment.id, o.appointment])).values(),
      ] as Appointment[];
    }

    it('ends with the client copy equal to the server', { timeout: 240_000 }, async () => {
      const known: string[] = [];
      const series = new Map<string, number>();
      const client = tokenClient();
      let writing = true;
      const clientLoop = (async () => {
        let rounds = 0;
        for (; writing; rounds++) await client.round(false);
        return rounds;
      })();
      await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i, known, series)));
      writing = false;
      const rounds = await clientLoop;
      let idle = 0;
      while (idle < 2) idle = (await client.round(true)) ? 0 : idle + 1;

      const onServer = await serverAppointments();
      expect(comparable(client.copy.values())).toEqual(comparable(onServer));
      expect(rounds).toBeGreaterThan(10);
      expect(client.created()).toBeGreaterThan(0);
      expect(onServer.filter((a) => a.title.endsWith('-exc')).length).toBeGreaterThan(0);
    });
  },
);
