import { describe, expect, it } from 'vitest';
import type { BusyInterval, Interval } from '../../src/calendar/intervals.ts';
import { MAX_CANDIDATES, rankSlot, type Slot, type SlotRequest, suggestSlots } from '../../src/scheduling/slots.ts';
import { seededRandom } from '../support/random.ts';

const MIN = 60_000;
const BASE = Date.UTC(2025, 0, 6); // a Monday, 00:00 UTC
/** Minutes after BASE as epoch milliseconds. */
const t = (minutes: number) => BASE + minutes * MIN;
const frame = (from: number, to: number): Interval => ({ start: t(from), end: t(to) });
const def = (from: number, to: number): BusyInterval => ({ start: t(from), end: t(to), tentative: false });
const ten = (from: number, to: number): BusyInterval => ({ start: t(from), end: t(to), tentative: true });

function request(partial: Partial<SlotRequest> & Pick<SlotRequest, 'frames'>): SlotRequest {
  return { durationMs: 30 * MIN, stepMs: 15 * MIN, organizerBusy: [], invitees: [], ...partial };
}
/** Starts in minutes after BASE, in the order returned. */
const starts = (slots: Slot[]) => slots.map((s) => (s.start - BASE) / MIN);

describe('rankSlot', () => {
  it('costs 2 per unavailable invitee and 1 per tentative one, from 2 * (invitees + 1)', () => {
    expect(rankSlot({ invitees: 3, definite: 0, tentative: 0, organizerTentative: false })).toBe(8);
    expect(rankSlot({ invitees: 3, definite: 1, tentative: 0, organizerTentative: false })).toBe(6);
    expect(rankSlot({ invitees: 3, definite: 0, tentative: 1, organizerTentative: false })).toBe(7);
    expect(rankSlot({ invitees: 3, definite: 0, tentative: 0, organizerTentative: true })).toBe(7);
    expect(rankSlot({ invitees: 3, definite: 0, tentative: 2, organizerTentative: false })).toBe(
      rankSlot({ invitees: 3, definite: 1, tentative: 0, organizerTentative: false }),
    );
    expect(rankSlot({ invitees: 0, definite: 0, tentative: 0, organizerTentative: false })).toBe(2);
  });

  it('stays at least 1', () => {
    for (let invitees = 0; invitees < 30; invitees++) {
      for (let definite = 0; definite <= invitees; definite++) {
        expect(rankSlot({ invitees, definite, tentative: invitees - definite, organizerTentative: true })).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

describe('suggestSlots', () => {
  it('steps through a frame while the meeting fits', () => {
    const slots = suggestSlots(request({ frames: [frame(0, 90)] }));
    expect(starts(slots)).toEqual([0, 15, 30, 45, 60]);
    expect(slots[0]).toEqual({
      start: t(0),
      end: t(30),
      unavailable: [],
      tentative: [],
      organizerTentative: false,
      rank: 2,
    });
  });

  it('gives no slots when the duration is longer than the frame; exactly as long gives one', () => {
    expect(suggestSlots(request({ frames: [frame(0, 29)] }))).toEqual([]);
    expect(starts(suggestSlots(request({ frames: [frame(0, 30)] })))).toEqual([0]);
    expect(suggestSlots(request({ frames: [frame(0, 20), frame(100, 110)] }))).toEqual([]);
  });

  it('gives no slots without frames, or with empty or inverted frames', () => {
    expect(suggestSlots(request({ frames: [] }))).toEqual([]);
    expect(suggestSlots(request({ frames: [frame(10, 10), frame(50, 0)] }))).toEqual([]);
  });

  it('handles a step larger than the duration', () => {
    const slots = suggestSlots(request({ durationMs: 15 * MIN, stepMs: 60 * MIN, frames: [frame(0, 200)] }));
    expect(starts(slots)).toEqual([0, 60, 120, 180]);
    expect(slots.every((s) => s.end - s.start === 15 * MIN)).toBe(true);
  });

  it('starts each frame at its own start, and handles unsorted frames', () => {
    expect(starts(suggestSlots(request({ frames: [frame(500, 560), frame(7, 67)] })))).toEqual([7, 22, 37, 500, 515, 530]);
  });

  it('does not repeat a start that overlapping frames share', () => {
    // Same phase: 30 and 45 come from both frames. Other phase: 40 is new.
    const slots = suggestSlots(request({ frames: [frame(0, 90), frame(30, 120), frame(40, 70), frame(0, 90)] }));
    expect(starts(slots)).toEqual([0, 15, 30, 40, 45, 60, 75, 90]);
  });

  it('does not join overlapping frames into a longer window', () => {
    // Neither [0, 40) nor [20, 60) holds 60 minutes, though their union does.
    expect(suggestSlots(request({ durationMs: 60 * MIN, frames: [frame(0, 40), frame(20, 60)] }))).toEqual([]);
  });

  it('leaves out candidates where the organizer is definitely busy (touching is free)', () => {
    const slots = suggestSlots(request({ frames: [frame(0, 120)], organizerBusy: [def(30, 60)] }));
    expect(starts(slots)).toEqual([0, 60, 75, 90]);
    expect(suggestSlots(request({ frames: [frame(0, 120)], organizerBusy: [def(-10, 200)] }))).toEqual([]);
  });

  it('keeps candidates where the organizer is tentatively busy, one lower', () => {
    const slots = suggestSlots(request({ frames: [frame(0, 60)], organizerBusy: [ten(0, 10), def(50, 60)] }));
    expect(slots.map((s) => [(s.start - BASE) / MIN, s.rank, s.organizerTentative])).toEqual([
      [15, 2, false],
      [0, 1, true],
    ]);
  });

  it('lets definite organizer busy time win over tentative', () => {
    expect(suggestSlots(request({ frames: [frame(0, 30)], organizerBusy: [ten(0, 30), def(10, 11)] }))).toEqual([]);
  });

  it('lists unavailable invitees and counts tentative ones half', () => {
    const invitees = [
      { accountId: 'ann', busy: [def(0, 30)] },
      { accountId: 'bob', busy: [ten(0, 30), ten(60, 90)] },
      { accountId: 'cid', busy: [ten(0, 45), def(40, 50)] },
    ];
    const slots = suggestSlots(request({ frames: [frame(0, 90)], invitees }));
    const view = slots.map((s) => ({ at: (s.start - BASE) / MIN, u: s.unavailable, tn: s.tentative, rank: s.rank }));
    // Everyone free would be 2 * (3 + 1) = 8; definite costs 2, tentative 1.
    expect(view).toEqual([
      { at: 60, u: ['bob'], tn: ['bob'], rank: 7 },
      { at: 30, u: ['cid'], tn: [], rank: 6 }, // ann and bob touch it only; cid definite 40..50
      { at: 45, u: ['bob', 'cid'], tn: ['bob'], rank: 5 },
      { at: 0, u: ['ann', 'bob', 'cid'], tn: ['bob', 'cid'], rank: 4 },
      { at: 15, u: ['ann', 'bob', 'cid'], tn: ['bob'], rank: 3 },
    ]);
  });

  it('treats busy time that only touches a slot as free', () => {
    const invitees = [{ accountId: 'ann', busy: [def(0, 30), ten(60, 70)] }];
    const slots = suggestSlots(request({ frames: [frame(30, 60)], invitees }));
    expect(slots).toEqual([{ start: t(30), end: t(60), unavailable: [], tentative: [], organizerTentative: false, rank: 4 }]);
  });

  it('breaks ties by the earlier start', () => {
    const invitees = [{ accountId: 'ann', busy: [def(0, 15)] }];
    const slots = suggestSlots(request({ frames: [frame(120, 180), frame(0, 60)], invitees }));
    expect(slots.map((s) => [(s.start - BASE) / MIN, s.rank])).toEqual([
      [15, 4],
      [30, 4],
      [120, 4],
      [135, 4],
      [150, 4],
      [0, 2],
    ]);
  });

  it('counts an invitee given twice once, with both busy lists', () => {
    const invitees = [
      { accountId: 'ann', busy: [ten(0, 15)] },
      { accountId: 'bob', busy: [] },
      { accountId: 'ann', busy: [def(30, 45)] },
    ];
    const slots = suggestSlots(request({ durationMs: 15 * MIN, frames: [frame(0, 45)], invitees }));
    expect(slots.map((s) => [(s.start - BASE) / MIN, s.unavailable, s.tentative, s.rank])).toEqual([
      [15, [], [], 6],
      [0, ['ann'], ['ann'], 5],
      [30, ['ann'], [], 4],
    ]);
  });

  it('sees busy time that starts before the frames and covers many candidates', () => {
    const invitees = [{ accountId: 'ann', busy: [ten(-1000, 1000), def(-5000, 10)] }];
    const slots = suggestSlots(request({ frames: [frame(0, 60)], invitees }));
    expect(slots.map((s) => [(s.start - BASE) / MIN, s.tentative, s.rank])).toEqual([
      [15, ['ann'], 3],
      [30, ['ann'], 3],
      [0, [], 2],
    ]);
  });

  it('does not modify its input', () => {
    const input = request({
      frames: [frame(60, 120), frame(0, 90)],
      organizerBusy: [ten(50, 40), def(10, 20)],
      invitees: [{ accountId: 'ann', busy: [def(30, 35), ten(0, 100)] }],
    });
    const copy = structuredClone(input);
    suggestSlots(input);
    expect(input).toEqual(copy);
  });

  it('refuses absurd requests with a RangeError', () => {
    const year = frame(0, 366 * 24 * 60);
    expect(() => suggestSlots(request({ stepMs: 1 * MIN, frames: [year] }))).toThrow(RangeError);
    expect(() => suggestSlots(request({ stepMs: 1 * MIN, frames: [year] }))).toThrow(/too many candidate slots/);
    expect(() => suggestSlots(request({ frames: [{ start: 0, end: Infinity }] }))).toThrow(RangeError);
    expect(() => suggestSlots(request({ frames: [{ start: Number.NaN, end: 0 }] }))).toThrow(RangeError);
    for (const bad of [0, -1, 0.5, Number.NaN, Infinity]) {
      expect(() => suggestSlots(request({ durationMs: bad, frames: [frame(0, 60)] }))).toThrow(RangeError);
      expect(() => suggestSlots(request({ stepMs: bad, frames: [frame(0, 60)] }))).toThrow(RangeError);
    }
    // Exactly the limit is fine; identical frames count once.
    const limit = { start: 0, end: MAX_CANDIDATES - 1 + 30 };
    const exact = request({ durationMs: 30, stepMs: 1, frames: [limit, limit] });
    expect(suggestSlots(exact)).toHaveLength(MAX_CANDIDATES);
    const over = request({ durationMs: 30, stepMs: 1, frames: [{ start: 0, end: MAX_CANDIDATES + 30 }] });
    expect(() => suggestSlots(over)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------
// Randomized calendars against a brute force that knows nothing of merging or sweeping: it
// marks each calendar's state minute by minute and checks every minute of every candidate.

const AXIS = 2000; // minutes; busy time may stick out on both sides
const int = (random: () => number, from: number, to: number) => from + Math.floor(random() * (to - from + 1));

interface MinuteCase {
  duration: number;
  step: number;
  frames: Array<[number, number]>;
  organizer: Array<[number, number, boolean]>;
  invitees: Array<{ id: string; busy: Array<[number, number, boolean]> }>;
}

function randomCase(random: () => number): MinuteCase {
  const busy = (): Array<[number, number, boolean]> => {
    const density = random();
    const tentativeShare = random();
    return Array.from({ length: int(random, 0, Math.floor(density * 30)) }, () => {
      const start = int(random, -100, AXIS);
      const length = random() < 0.05 ? 0 : int(random, 1, random() < 0.15 ? 400 : 90);
      return [start, start + length, random() < tentativeShare];
    });
  };
  const frames = Array.from({ length: int(random, 0, 6) }, (): [number, number] => {
    const start = int(random, 0, AXIS - 10);
    return [start, Math.min(AXIS, start + int(random, 0, 600))];
  });
  if (random() < 0.3 && frames.length) frames.push([...frames[0]!]); // an identical frame
  return {
    duration: int(random, 1, 150),
    step: random() < 0.5 ? [5, 10, 15, 30, 60][int(random, 0, 4)]! : int(random, 1, 200),
    frames,
    organizer: random() < 0.2 ? [] : busy(),
    invitees: Array.from({ length: int(random, 0, 7) }, (_, k) => ({ id: `acct-${k}`, busy: busy() })),
  };
}

/** Per minute of [-100, AXIS + 500): 0 free, 1 tentatively busy, 2 definitely busy. */
function minuteStates(busy: Array<[number, number, boolean]>): Uint8Array {
  const state = new Uint8Array(AXIS + 600);
  for (const [start, end, tentative] of busy) {
    for (let m = start; m < end; m++) state[m + 100] = Math.max(state[m + 100]!, tentative ? 1 : 2);
  }
  return state;
}

interface Expected {
  start: number;
  unavailable: string[];
  tentative: string[];
  rank: number;
}

function bruteForce(c: MinuteCase): Expected[] {
  const candidates = new Set<number>();
  for (const [from, to] of c.frames) for (let s = from; s + c.duration <= to; s += c.step) candidates.add(s);
  const organizer = minuteStates(c.organizer);
  const invitees = c.invitees.map((i) => ({ id: i.id, state: minuteStates(i.busy) }));
  const worst = (state: Uint8Array, s: number) => {
    let w = 0;
    for (let m = s; m < s + c.duration; m++) w = Math.max(w, state[m + 100]!);
    return w;
  };
  const result: Expected[] = [];
  for (const s of candidates) {
    const own = worst(organizer, s);
    if (own === 2) continue;
    const unavailable: string[] = [];
    const tentative: string[] = [];
    for (const { id, state } of invitees) {
      const w = worst(state, s);
      if (w > 0) unavailable.push(id);
      if (w === 1) tentative.push(id);
    }
    const definite = unavailable.length - tentative.length;
    // The documented formula, written out independently of rankSlot.
    const rank = 2 * (c.invitees.length + 1) - 2 * definite - tentative.length - (own === 1 ? 1 : 0);
    result.push({ start: s, unavailable, tentative, rank });
  }
  return result.sort((a, b) => b.rank - a.rank || a.start - b.start);
}

describe('suggestSlots against a minute-by-minute brute force', () => {
  it.each(Array.from({ length: 300 }, (_, k) => 20250 + k))('random calendars (seed %i)', (seed) => {
    const c = randomCase(seededRandom(seed));
    const toBusy = (busy: Array<[number, number, boolean]>): BusyInterval[] =>
      busy.map(([start, end, tentative]) => ({ start: t(start), end: t(end), tentative }));
    const slots = suggestSlots({
      durationMs: c.duration * MIN,
      stepMs: c.step * MIN,
      frames: c.frames.map(([start, end]) => frame(start, end)),
      organizerBusy: toBusy(c.organizer),
      invitees: c.invitees.map((i) => ({ accountId: i.id, busy: toBusy(i.busy) })),
    });
    for (const s of slots) {
      expect(s.end - s.start).toBe(c.duration * MIN);
      expect(s.rank).toBeGreaterThanOrEqual(1);
    }
    const actual = slots.map((s) => ({
      start: (s.start - BASE) / MIN,
      unavailable: s.unavailable,
      tentative: s.tentative,
      rank: s.rank,
    }));
    // Compare as JSON: one string comparison is much faster than a deep equal of many objects.
    expect(JSON.stringify(actual)).toBe(JSON.stringify(bruteForce(c)));
  });
});
