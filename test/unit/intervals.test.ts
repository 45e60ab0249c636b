import { describe, expect, it } from 'vitest';
import { type BusyInterval, clip, type Interval, mergeBusy, mergeIntervals, overlaps } from '../../src/calendar/intervals.ts';
import { seededRandom } from '../support/random.ts';

const iv = (start: number, end: number): Interval => ({ start, end });
const def = (start: number, end: number): BusyInterval => ({ start, end, tentative: false });
const ten = (start: number, end: number): BusyInterval => ({ start, end, tentative: true });

const AXIS = 2000; // minutes

function randomIntervals(random: () => number, tentativeShare: number): BusyInterval[] {
  const count = Math.floor(random() * 25);
  return Array.from({ length: count }, () => {
    const start = Math.floor(random() * AXIS);
    const length = random() < 0.1 ? 0 : Math.floor(random() * (random() < 0.2 ? 600 : 80));
    return { start, end: Math.min(AXIS, start + length), tentative: random() < tentativeShare };
  });
}

/** Per minute of the axis: 0 free, 1 tentatively busy, 2 definitely busy (a string compares fast). */
function minutes(intervals: readonly BusyInterval[]): string {
  const state = new Uint8Array(AXIS);
  for (let m = 0; m < AXIS; m++) {
    for (const i of intervals) {
      if (i.start <= m && m < i.end) state[m] = Math.max(state[m]!, i.tentative ? 1 : 2);
    }
  }
  return state.join('');
}

function expectCanonical(result: readonly Interval[], sameKindMayTouch: (a: Interval, b: Interval) => boolean): void {
  for (const r of result) expect(r.end).toBeGreaterThan(r.start);
  for (let k = 1; k < result.length; k++) {
    expect(result[k]!.start).toBeGreaterThanOrEqual(result[k - 1]!.end);
    if (result[k]!.start === result[k - 1]!.end) expect(sameKindMayTouch(result[k - 1]!, result[k]!)).toBe(true);
  }
}

describe('mergeIntervals', () => {
  it.each<[string, Interval[], Interval[]]>([
    ['empty', [], []],
    ['one', [iv(1, 2)], [iv(1, 2)]],
    ['disjoint stay apart', [iv(1, 2), iv(3, 4)], [iv(1, 2), iv(3, 4)]],
    ['overlapping', [iv(1, 5), iv(3, 8)], [iv(1, 8)]],
    ['touching', [iv(1, 3), iv(3, 5)], [iv(1, 5)]],
    ['nested', [iv(1, 10), iv(2, 3), iv(4, 9)], [iv(1, 10)]],
    ['nested first shorter', [iv(2, 3), iv(1, 10)], [iv(1, 10)]],
    ['identical', [iv(1, 4), iv(1, 4), iv(1, 4)], [iv(1, 4)]],
    ['unsorted', [iv(7, 9), iv(1, 2), iv(4, 5), iv(8, 12)], [iv(1, 2), iv(4, 5), iv(7, 12)]],
    ['zero-length dropped', [iv(3, 3), iv(5, 6)], [iv(5, 6)]],
    ['zero-length inside another', [iv(1, 5), iv(3, 3)], [iv(1, 5)]],
    ['zero-length only', [iv(3, 3), iv(4, 4)], []],
    ['inverted dropped', [iv(5, 2), iv(6, 7)], [iv(6, 7)]],
    ['chain of touching', [iv(4, 6), iv(0, 2), iv(2, 4)], [iv(0, 6)]],
    ['same start, longer wins', [iv(1, 3), iv(1, 7)], [iv(1, 7)]],
    [
      'real epoch ms',
      [iv(1_700_000_000_000, 1_700_000_060_000), iv(1_700_000_030_000, 1_700_000_090_000)],
      [iv(1_700_000_000_000, 1_700_000_090_000)],
    ],
  ])('%s', (_name, input, expected) => {
    const copy = structuredClone(input);
    expect(mergeIntervals(input)).toEqual(expected);
    expect(input).toEqual(copy); // inputs are not modified
  });

  it('returns only start and end', () => {
    expect(mergeIntervals([ten(1, 2)])).toEqual([{ start: 1, end: 2 }]);
  });

  it.each(Array.from({ length: 150 }, (_, k) => 1000 + k))('matches a minute-by-minute brute force (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const input = randomIntervals(random, 0);
    const result = mergeIntervals(input);
    expectCanonical(result, () => false);
    expect(minutes(result.map((r) => ({ ...r, tentative: false })))).toEqual(minutes(input));
  });
});

describe('mergeBusy', () => {
  it.each<[string, BusyInterval[], BusyInterval[]]>([
    ['empty', [], []],
    ['definite only', [def(3, 5), def(1, 4)], [def(1, 5)]],
    ['tentative only', [ten(3, 5), ten(1, 4)], [ten(1, 5)]],
    ['definite covers tentative', [ten(2, 4), def(1, 5)], [def(1, 5)]],
    ['identical: definite wins', [ten(1, 5), def(1, 5)], [def(1, 5)]],
    ['tentative around definite', [ten(1, 10), def(4, 6)], [ten(1, 4), def(4, 6), ten(6, 10)]],
    ['tentative overlapping the start', [ten(1, 5), def(3, 8)], [ten(1, 3), def(3, 8)]],
    ['tentative overlapping the end', [def(1, 5), ten(3, 8)], [def(1, 5), ten(5, 8)]],
    ['touching different kinds stay apart', [def(1, 3), ten(3, 5)], [def(1, 3), ten(3, 5)]],
    ['touching same kind merge', [ten(1, 3), ten(3, 5), def(5, 6), def(6, 7)], [ten(1, 5), def(5, 7)]],
    [
      'several definite cut one tentative',
      [ten(0, 20), def(2, 4), def(6, 8), def(18, 25)],
      [ten(0, 2), def(2, 4), ten(4, 6), def(6, 8), ten(8, 18), def(18, 25)],
    ],
    ['one definite spans two tentative', [ten(0, 5), ten(8, 12), def(3, 10)], [ten(0, 3), def(3, 10), ten(10, 12)]],
    ['definite spans tentative exactly to its end', [ten(0, 5), ten(8, 12), def(3, 12)], [ten(0, 3), def(3, 12)]],
    ['zero-length dropped', [def(2, 2), ten(3, 3), ten(4, 6)], [ten(4, 6)]],
    ['zero-length definite cuts nothing', [ten(1, 6), def(3, 3)], [ten(1, 6)]],
    ['unsorted mix', [def(20, 22), ten(0, 3), def(10, 12), ten(11, 21)], [ten(0, 3), def(10, 12), ten(12, 20), def(20, 22)]],
  ])('%s', (_name, input, expected) => {
    const copy = structuredClone(input);
    expect(mergeBusy(input)).toEqual(expected);
    expect(input).toEqual(copy);
  });

  it.each(Array.from({ length: 200 }, (_, k) => 5000 + k))(
    'matches a minute-by-minute brute force with definite over tentative (seed %i)',
    (seed) => {
      const random = seededRandom(seed);
      const input = randomIntervals(random, random());
      const result = mergeBusy(input);
      // Sorted, non-overlapping, non-empty; only stretches of different kinds may touch.
      expectCanonical(result, (a, b) => (a as BusyInterval).tentative !== (b as BusyInterval).tentative);
      expect(minutes(result)).toEqual(minutes(input));
    },
  );
});

describe('clip', () => {
  it.each<[string, BusyInterval[], number, number, BusyInterval[]]>([
    ['empty', [], 0, 10, []],
    ['inside stays', [def(2, 4)], 0, 10, [def(2, 4)]],
    ['cut on both sides', [ten(-5, 15)], 0, 10, [ten(0, 10)]],
    ['cut at the start', [def(-5, 5)], 0, 10, [def(0, 5)]],
    ['cut at the end', [def(5, 15)], 0, 10, [def(5, 10)]],
    ['outside dropped', [def(-5, -1), def(12, 15)], 0, 10, []],
    ['touching the window dropped', [def(-5, 0), def(10, 15)], 0, 10, []],
    ['zero-length dropped', [def(5, 5)], 0, 10, []],
    ['empty window', [def(0, 10)], 5, 5, []],
    ['order kept', [def(8, 9), ten(1, 2)], 0, 10, [def(8, 9), ten(1, 2)]],
  ])('%s', (_name, input, from, to, expected) => {
    expect(clip(input, from, to)).toEqual(expected);
  });

  it('keeps the other fields and does not modify its input', () => {
    const input = [{ start: 0, end: 10, id: 'a', tentative: true }];
    expect(clip(input, 5, 20)).toEqual([{ start: 5, end: 10, id: 'a', tentative: true }]);
    expect(input[0]).toEqual({ start: 0, end: 10, id: 'a', tentative: true });
  });

  it.each(Array.from({ length: 50 }, (_, k) => 9000 + k))('matches a minute-by-minute brute force (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const input = randomIntervals(random, 0.5);
    const from = Math.floor(random() * AXIS);
    const to = from + Math.floor(random() * (AXIS - from));
    const expected = [...minutes(input)].map((state, m) => (m >= from && m < to ? state : '0')).join('');
    expect(minutes(clip(input, from, to))).toEqual(expected);
  });
});

describe('overlaps', () => {
  it.each<[Interval, Interval, boolean]>([
    [iv(0, 10), iv(5, 15), true],
    [iv(5, 15), iv(0, 10), true],
    [iv(0, 10), iv(2, 3), true],
    [iv(2, 3), iv(0, 10), true],
    [iv(0, 10), iv(0, 10), true],
    [iv(0, 10), iv(10, 20), false],
    [iv(10, 20), iv(0, 10), false],
    [iv(0, 10), iv(11, 20), false],
    [iv(5, 5), iv(0, 10), false],
    [iv(0, 10), iv(5, 5), false],
    [iv(5, 5), iv(5, 5), false],
  ])('%j and %j: %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
  });

  it('agrees with a minute-by-minute brute force', () => {
    const random = seededRandom(42);
    for (let k = 0; k < 2000; k++) {
      const a = iv(Math.floor(random() * 50), Math.floor(random() * 50));
      const b = iv(Math.floor(random() * 50), Math.floor(random() * 50));
      let shared = false;
      for (let m = 0; m < 50; m++) if (a.start <= m && m < a.end && b.start <= m && m < b.end) shared = true;
      expect(overlaps(a, b)).toBe(shared);
    }
  });
});
