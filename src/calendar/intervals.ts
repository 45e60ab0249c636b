// Interval arithmetic for busy time: pure functions on half-open [start, end) intervals in
// epoch milliseconds. Free/busy, conflict checks and slot suggestions build on these.
//
// Conventions: an interval with end <= start is empty and is dropped by every function that
// returns intervals; intervals that only touch (a.end === b.start) do not overlap but are
// merged, because together they cover one unbroken stretch. Inputs are never modified.

/** A half-open time interval [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** Busy time with how sure it is: TEMPORARY appointments and tentative meeting holds are tentative. */
export interface BusyInterval extends Interval {
  tentative: boolean;
}

/** Sorted by start, overlapping and touching intervals merged; empty intervals dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const copies: Interval[] = [];
  for (const { start, end } of intervals) if (end > start) copies.push({ start, end });
  return mergeInPlace(copies);
}

/** Sorts fresh, non-empty intervals and merges them in the same array. */
function mergeInPlace<T extends Interval>(intervals: T[]): T[] {
  intervals.sort(byStart);
  let last = -1;
  for (const next of intervals) {
    if (last >= 0 && next.start <= intervals[last]!.end) {
      if (next.end > intervals[last]!.end) intervals[last]!.end = next.end;
    } else {
      intervals[++last] = next;
    }
  }
  intervals.length = last + 1;
  return intervals;
}

const byStart = (a: Interval, b: Interval) => a.start - b.start;

/**
 * Merged busy time where definite busy wins over tentative: the result is sorted,
 * non-overlapping, and a stretch is tentative only if nothing definite covers it. Adjacent
 * stretches of the same kind are merged (a tentative stretch may touch a definite one).
 */
export function mergeBusy(intervals: readonly BusyInterval[]): BusyInterval[] {
  const definite: BusyInterval[] = [];
  const tentative: BusyInterval[] = [];
  for (const { start, end, tentative: isTentative } of intervals) {
    if (end > start) (isTentative ? tentative : definite).push({ start, end, tentative: isTentative });
  }
  mergeInPlace(definite);
  mergeInPlace(tentative);
  if (tentative.length === 0) return definite;
  const result: BusyInterval[] = [];
  // One sweep over both sorted lists: emit definite stretches as they are and the parts of
  // each tentative stretch that no definite stretch covers.
  let d = 0;
  for (const t of tentative) {
    let from = t.start;
    // Definite stretches wholly before what is left of this tentative one come first.
    while (d < definite.length && definite[d]!.end <= from) result.push(definite[d++]!);
    // Definite stretches that start inside it cut it; the last may reach past its end.
    while (d < definite.length && definite[d]!.start < t.end) {
      const cut = definite[d]!;
      if (cut.start > from) result.push({ start: from, end: cut.start, tentative: true });
      if (cut.end > from) from = cut.end;
      if (cut.end > t.end) break; // may also cut the next tentative stretch: keep it
      result.push(cut);
      d++;
    }
    if (from < t.end) result.push(from === t.start ? t : { start: from, end: t.end, tentative: true });
  }
  while (d < definite.length) result.push(definite[d++]!);
  return result;
}

/** Intervals cut to [from, to); those left empty are dropped, the order and other fields kept. */
export function clip<T extends Interval>(intervals: readonly T[], from: number, to: number): T[] {
  const result: T[] = [];
  for (const interval of intervals) {
    const start = Math.max(interval.start, from);
    const end = Math.min(interval.end, to);
    if (end > start) result.push({ ...interval, start, end });
  }
  return result;
}

/** Whether two intervals overlap (touching is not overlapping; an empty interval overlaps nothing). */
export function overlaps(a: Interval, b: Interval): boolean {
  return Math.max(a.start, b.start) < Math.min(a.end, b.end);
}
