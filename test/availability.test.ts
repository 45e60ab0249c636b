// freeBusy and slots through the API on randomized calendars (appointments, calendar entries,
// meetings), against a minute-by-minute brute force computed here from what was created. Appointments are in zones with and without
// DST, and the ten days hold Europe/Berlin's spring-forward night (2026-03-29) and Sydney's
// fall-back night (2026-04-05): the expectation is computed independently with Temporal (wall
// times kept across a change, a time in the gap moved forward, one that occurs twice taken the
// first time, full days from local midnight to local midnight).
import { Temporal } from 'temporal-polyfill';
import { expect, it } from 'vitest';
import { planMeeting } from './support/meetings.ts';
import { seededRandom } from './support/random.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, syncClient } from './support/sync.ts';

const minute = 60_000;
const day0 = Date.parse('2026-03-27T00:00:00Z');
const DAYS = 10;
/** Series always made, from 02:30 local through their zone's change: the gap, then the overlap. */
const DST_SERIES = [
  { zone: 'Europe/Berlin', day: '2026-03-28' }, // Sunday 02:30 does not exist: 03:30 CEST
  { zone: 'Australia/Sydney', day: '2026-04-03' }, // Sunday 02:30 occurs twice: the first (AEDT)
];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'];

/** The instant of a wall time in a zone (RFC 5545 / Temporal 'compatible'). */
const instantOf = (wall: Temporal.PlainDateTime, zone: string) =>
  wall.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
const localDateOf = (ms: number, zone: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate();

type Busy = { start: number; end: number; tentative: boolean };

/** Per minute of the week: 0 free, 1 tentative, 2 busy. */
function minutes(busy: Busy[]): Uint8Array {
  const state = new Uint8Array(DAYS * 1440);
  for (const b of busy) {
    for (let m = Math.max(0, (b.start - day0) / minute); m < Math.min(state.length, (b.end - day0) / minute); m++) {
      state[m] = Math.max(state[m]!, b.tentative ? 1 : 2);
    }
  }
  return state;
}

/** The same minutes as merged intervals, the way freeBusy must answer. */
function intervals(state: Uint8Array): Busy[] {
  const result: Busy[] = [];
  for (let m = 0; m < state.length; m++) {
    if (!state[m]) continue;
    const last = result.at(-1);
    const tentative = state[m] === 1;
    if (last && last.end === day0 + m * minute && last.tentative === tentative) last.end += minute;
    else result.push({ start: day0 + m * minute, end: day0 + (m + 1) * minute, tentative });
  }
  return result;
}

const seed = Number(process.env.AVAILABILITY_SEED ?? Date.now() % 100_000);

describeEachDatabase(`availability on random calendars (seed ${seed})`, (server) => {
  let n = 0;
  async function person(rand: () => number) {
    const u = await server().newUser(`avail${++n}`);
    const gql = (query: string, variables: Record<string, unknown> = {}) => server().gql<any>(query, variables, u.token);
    const account = dataOf(await gql('{ me { mainAccount { id } } }')).me.mainAccount.id as string;
    const second = dataOf(
      await gql(`mutation { connectAccount(input: { provider: ICS, identifier: "https://cal.example/${n}.ics" }) { id } }`),
    ).connectAccount.id as string;
    const expected: Busy[] = [];
    const at = (dayIndex: number, minuteOfDay: number) => day0 + dayIndex * 1440 * minute + minuteOfDay * minute;
    for (let i = 0; i < 12; i++) {
      const dst = DST_SERIES[i];
      const zone = dst?.zone ?? ZONES[Math.floor(rand() * ZONES.length)]!;
      const shownAs = (['RESERVED', 'TEMPORARY', 'ABSENT', 'FREE'] as const)[Math.floor(rand() * 4)]!;
      // A local day in the appointment's zone (times before and after the window are clipped).
      const day = dst ? Temporal.PlainDate.from(dst.day) : localDateOf(day0, 'UTC').add({ days: Math.floor(rand() * DAYS) });
      const base = { accountId: rand() < 0.5 ? account : second, title: `a${i}`, timezone: zone, shownAs };
      if (!dst && rand() < 0.15) {
        // Full days: local midnight to local midnight (23 hours on the spring-forward day).
        const days = 1 + Math.floor(rand() * 2);
        const input = { ...base, fullTime: true, startDate: day.toString(), endDate: day.add({ days }).toString() };
        dataOf(
          await gql('mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }', {
            input,
          }),
        );
        const start = day.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
        const end = day.add({ days }).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
        if (shownAs !== 'FREE') expected.push({ start, end, tentative: shownAs === 'TEMPORARY' });
        continue;
      }
      // A wall time on a quarter hour; one in Berlin's gap (02:00-03:00 on the 29th) moves forward.
      const start = instantOf(day.toPlainDateTime({ hour: 0 }).add({ minutes: dst ? 150 : Math.floor(rand() * 96) * 15 }), zone);
      const length = (1 + Math.floor(rand() * 8)) * 15 * minute;
      const daily = !!dst || rand() < 0.35;
      const count = dst ? 4 : 2 + Math.floor(rand() * 3);
      const input = {
        ...base,
        start: new Date(start).toISOString(),
        end: new Date(start + length).toISOString(),
        ...(daily ? { recurrence: { type: 'DAILY', interval: 1, occurrences: count } } : {}),
      };
      const made = await gql(
        'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { ... on Appointment { id } } }',
        { input },
      );
      expect(made.errors).toBeUndefined();
      // Occurrences keep the first one's wall time in its zone, and its exact length.
      const wall = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(zone).toPlainDateTime();
      const occurrences = Array.from({ length: daily ? count : 1 }, (_, k) => {
        const at = instantOf(wall.add({ days: k }), zone);
        return { start: at, end: at + length, shownAs: shownAs as string, date: wall.add({ days: k }).toPlainDate().toString() };
      });
      // Exceptions on series: delete one occurrence, or move it and change how it shows.
      if (daily) {
        const k = 1 + Math.floor(rand() * (count - 1));
        const id = made.data.createAppointment.id;
        const occurrence = occurrences[k]!.date;
        if (rand() < 0.5) {
          dataOf(await gql('mutation ($id: ID!, $o: Date!) { deleteAppointment(id: $id, occurrence: $o) { id } }', { id, o: occurrence }));
          occurrences.splice(k, 1);
        } else {
          const moved = {
            start: occurrences[k]!.start + 30 * minute,
            end: occurrences[k]!.end + 60 * minute,
            shownAs: (['RESERVED', 'TEMPORARY', 'FREE'] as const)[Math.floor(rand() * 3)]!,
            date: occurrence,
          };
          dataOf(
            await gql(
              'mutation ($id: ID!, $o: Date!, $input: AppointmentInput!) { updateAppointment(id: $id, occurrence: $o, input: $input, ignoreConflicts: true) { __typename } }',
              {
                id,
                o: occurrence,
                input: { start: new Date(moved.start).toISOString(), end: new Date(moved.end).toISOString(), shownAs: moved.shownAs },
              },
            ),
          );
          occurrences[k] = moved;
        }
      }
      for (const o of occurrences)
        if (o.shownAs !== 'FREE') expected.push({ start: o.start, end: o.end, tentative: o.shownAs === 'TEMPORARY' });
    }
    // Calendar entries from a device count as busy.
    const sync = syncClient(server(), u.token);
    const entries = Array.from({ length: 3 }, () => {
      const start = at(Math.floor(rand() * DAYS), Math.floor(rand() * 96) * 15);
      return { start, end: start + 45 * minute };
    });
    await sync.commit({
      token: (await sync.sync()).token,
      calendarEntries: entries.map((e, i) => ({
        clientSyncId: `e${i}`,
        changes: { start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString() },
      })),
    });
    for (const e of entries) expected.push({ ...e, tentative: false });
    // Meetings: one scheduled every day at a wall time in a zone (from before the window, so
    // through its DST nights), a poll's tentative holds, and a draft, which occupies nothing.
    const meeting = async (input: Record<string, unknown>) =>
      dataOf(
        await gql('mutation ($input: CreateMeetingInput!) { createMeeting(input: $input, ignoreConflicts: true) { __typename } }', {
          input: { accountId: rand() < 0.5 ? account : second, allowPastOptions: true, ...input },
        }),
      );
    const zone = ZONES[Math.floor(rand() * ZONES.length)]!;
    const wall = localDateOf(day0, zone)
      .subtract({ days: 2 })
      .toPlainDateTime({ hour: 0 })
      .add({ minutes: Math.floor(rand() * 96) * 15 });
    const duration = 15 * (1 + Math.floor(rand() * 4));
    await meeting({ name: 'daily', duration, timezone: zone, repeat: 'DAILY', options: [new Date(instantOf(wall, zone)).toISOString()] });
    for (let k = 0; k < DAYS + 3; k++) {
      const start = instantOf(wall.add({ days: k }), zone);
      expected.push({ start, end: start + duration * minute, tentative: false });
    }
    const options = [0, 1, 2].map(() => at(Math.floor(rand() * DAYS), Math.floor(rand() * 96) * 15));
    await meeting({ name: 'poll', duration: 30, options: [...new Set(options)].map((o) => new Date(o).toISOString()) });
    if (new Set(options).size > 1) for (const o of new Set(options)) expected.push({ start: o, end: o + 30 * minute, tentative: true });
    await meeting({ name: 'draft', duration: 60 });
    return { gql, account, expected };
  }

  it('freeBusy equals the brute force', async () => {
    const rand = seededRandom(seed);
    for (let round = 0; round < 3; round++) {
      const p = await person(rand);
      const result = dataOf(
        await p.gql('query ($a: ID!, $f: DateTime!, $t: DateTime!) { freeBusy(accountId: $a, from: $f, to: $t) { start end tentative } }', {
          a: p.account,
          f: new Date(day0).toISOString(),
          t: new Date(day0 + DAYS * 1440 * minute).toISOString(),
        }),
      ).freeBusy.map((b: any) => ({ start: Date.parse(b.start), end: Date.parse(b.end), tentative: b.tentative }));
      expect(result).toEqual(intervals(minutes(p.expected)));
    }
  });

  it('slots equal the brute force', async () => {
    const rand = seededRandom(seed + 1);
    const organizer = await person(rand);
    const invitees = [await person(rand), await person(rand), await person(rand)];
    // Planning a meeting with them is what lets the organizer consider their calendars.
    await planMeeting(
      organizer.gql,
      organizer.account,
      invitees.map((i) => i.account),
    );
    const frames = Array.from({ length: 5 }, (_, d) => ({
      start: day0 + d * 1440 * minute + 8 * 60 * minute,
      end: day0 + d * 1440 * minute + 17 * 60 * minute,
    }));
    const duration = 45;
    const step = 15;
    const org = minutes(organizer.expected);
    const inv = invitees.map((i) => minutes(i.expected));
    const expected: Array<{ start: number; unavailable: number[]; tentative: number[]; rank: number }> = [];
    for (const f of frames) {
      for (let s = f.start; s + duration * minute <= f.end; s += step * minute) {
        const range = (state: Uint8Array) => Array.from(state.subarray((s - day0) / minute, (s - day0) / minute + duration));
        const o = range(org);
        if (o.includes(2)) continue; // the organizer must be free
        const states = inv.map((state) => Math.max(...range(state)));
        const definite = states.filter((x) => x === 2).length;
        const tentative = states.filter((x) => x === 1).length;
        const rank = 2 * (invitees.length + 1) - 2 * definite - tentative - (o.includes(1) ? 1 : 0);
        expected.push({
          start: s,
          unavailable: states.flatMap((x, i) => (x ? [i] : [])),
          tentative: states.flatMap((x, i) => (x === 1 ? [i] : [])),
          rank,
        });
      }
    }
    expected.sort((a, b) => b.rank - a.rank || a.start - b.start);

    const slots: any[] = [];
    for (let page = 1; ; page++) {
      const result = dataOf(
        await organizer.gql('query ($input: SlotsInput!) { slots(input: $input) { hasMore slots { start unavailable tentative rank } } }', {
          input: {
            organizerAccountId: organizer.account,
            inviteeAccountIds: invitees.map((i) => i.account),
            duration,
            step,
            frames: frames.map((f) => ({ start: new Date(f.start).toISOString(), end: new Date(f.end).toISOString() })),
            page,
            pageSize: 50,
          },
        }),
      ).slots;
      slots.push(...result.slots);
      if (!result.hasMore) break;
    }
    const ids = invitees.map((i) => i.account);
    expect(
      slots.map((s) => ({
        start: Date.parse(s.start),
        unavailable: s.unavailable.map((a: string) => ids.indexOf(a)),
        tentative: s.tentative.map((a: string) => ids.indexOf(a)),
        rank: s.rank,
      })),
    ).toEqual(expected);
  });
});
