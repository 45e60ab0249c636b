// Slot suggestions (Meekan's /rest/slots): candidate meeting times within the frames a client
// asks about, ranked by how many invitees can come.
//
// Candidates. In each frame [start, end) the candidate starts are start, start + step,
// start + 2 * step, ... as long as start + duration <= end: a slot lies wholly inside one
// frame, and a duration longer than a frame gives that frame no slots. Frames may come in any
// order and may overlap; a start that several frames produce is one candidate. A slot is
// [start, start + duration).
//
// The organizer must be free. A candidate that overlaps any definite (non-tentative) busy time
// of the organizer is left out. Tentative busy time (TEMPORARY appointments, tentative meeting
// holds) does not exclude a candidate; it lowers the rank like a tentative invitee.
//
// Who is unavailable. An invitee is unavailable for a slot if any of their busy time, definite
// or tentative, overlaps it (touching is not overlapping: busy until 10:00 is free at 10:00).
// They are tentatively unavailable if only tentative busy time overlaps the slot and nothing
// definite does. `unavailable` lists all of them, `tentative` the tentative subset, both in
// the order the invitees were given; invitees given twice under one account id count once.
//
// Rank, an integer, higher is better:
//
//   rank = 2 * (invitees + 1) - 2 * definite - tentative - (organizerTentative ? 1 : 0)
//
// where `invitees` is the number of (distinct) invitees, `definite` the number unavailable
// because of definite busy time, `tentative` the number only tentatively unavailable, and
// organizerTentative whether tentative busy time of the organizer overlaps the slot. Every
// unavailable invitee costs 2 and a tentative one (the organizer included) 1: tentative counts
// half. A slot that suits everyone has rank 2 * (invitees + 1); the rank is always at least 1.
//
// Order. Slots come sorted by rank (highest first), then by start (earliest first), so an
// earlier slot wins a tie; pages are slices of this order.
//
// Limits. More than MAX_CANDIDATES candidate starts (counted per frame, before duplicates
// from overlapping frames are removed; identical frames count once) is a RangeError, as are a
// duration or step that is not a positive integer number of milliseconds and a frame bound that
// is not a finite number. The API turns a RangeError into BAD_USER_INPUT.
//
// Cost. Busy lists are merged once per calendar (sort: O(b log b)); candidates are visited in
// start order while each calendar keeps a pointer into its merged list, so the sweep costs
// O(candidates * calendars + busy intervals) plus a bucket sort by rank.
import { type BusyInterval, type Interval, mergeBusy } from '../calendar/intervals.ts';

/** Most candidate starts one request may produce (see the header). */
export const MAX_CANDIDATES = 100_000;

export interface SlotRequest {
  durationMs: number;
  /** Time between candidate starts within a frame; the default (15 min) is the caller's. */
  stepMs: number;
  /** The only windows to search; may overlap or be unsorted. */
  frames: Interval[];
  /** Any order; merged inside. */
  organizerBusy: BusyInterval[];
  invitees: Array<{ accountId: string; busy: BusyInterval[] }>;
}

export interface Slot {
  start: number;
  end: number;
  /** Invitee account ids busy (definitely or tentatively) at some point in [start, end). */
  unavailable: string[];
  /** The subset of `unavailable` that is only tentatively busy then. */
  tentative: string[];
  /** Whether tentative busy time of the organizer overlaps the slot (costs 1 in the rank). */
  organizerTentative: boolean;
  /** Higher is better: see rankSlot. */
  rank: number;
}

interface RankInput {
  /** Number of (distinct) invitees asked about. */
  invitees: number;
  /** Invitees unavailable because definite busy time overlaps the slot. */
  definite: number;
  /** Invitees only tentatively unavailable (only tentative busy time overlaps the slot). */
  tentative: number;
  /** Whether tentative busy time of the organizer overlaps the slot. */
  organizerTentative: boolean;
}

/**
 * The rank of a slot, an integer >= 1, higher is better:
 * `2 * (invitees + 1) - 2 * definite - tentative - (organizerTentative ? 1 : 0)`.
 */
export function rankSlot({ invitees, definite, tentative, organizerTentative }: RankInput): number {
  return 2 * (invitees + 1) - 2 * definite - tentative - (organizerTentative ? 1 : 0);
}

const FREE = 0;
const TENTATIVE = 1;
const DEFINITE = 2;
type Availability = typeof FREE | typeof TENTATIVE | typeof DEFINITE;

/** A merged busy list with a pointer that only moves forward as candidates do. */
class Sweep {
  private next = 0;
  constructor(private readonly busy: BusyInterval[]) {}

  /** How busy [start, end) is; starts must not decrease between calls. */
  at(start: number, end: number): Availability {
    const busy = this.busy;
    let i = this.next;
    while (i < busy.length && busy[i]!.end <= start) i++;
    this.next = i;
    let result: Availability = FREE;
    // Merged stretches do not overlap, so only the few inside the slot are looked at.
    for (; i < busy.length && busy[i]!.start < end; i++) {
      if (!busy[i]!.tentative) return DEFINITE;
      result = TENTATIVE;
    }
    return result;
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number of milliseconds (got ${value})`);
  }
}

/** Candidate starts in ascending order, without duplicates. */
function candidateStarts(frames: readonly Interval[], durationMs: number, stepMs: number): Float64Array {
  const distinct = new Map<string, Interval>();
  for (const frame of frames) {
    if (!Number.isFinite(frame.start) || !Number.isFinite(frame.end)) {
      throw new RangeError(`frames: start and end must be finite times (got ${frame.start}..${frame.end})`);
    }
    distinct.set(`${frame.start}:${frame.end}`, frame);
  }
  const counts: number[] = [];
  let total = 0;
  for (const { start, end } of distinct.values()) {
    const count = end - start >= durationMs ? Math.floor((end - start - durationMs) / stepMs) + 1 : 0;
    counts.push(count);
    total += count;
    if (total > MAX_CANDIDATES) {
      throw new RangeError(`too many candidate slots: more than ${MAX_CANDIDATES}; use fewer or shorter frames or a longer step`);
    }
  }
  const starts = new Float64Array(total);
  let n = 0;
  let f = 0;
  let sorted = true;
  for (const { start } of distinct.values()) {
    const count = counts[f++]!;
    for (let k = 0; k < count; k++) {
      const s = start + k * stepMs;
      if (n > 0 && s <= starts[n - 1]!) sorted = false;
      starts[n++] = s;
    }
  }
  if (sorted) return starts; // the common case: ordered, disjoint frames
  starts.sort();
  let unique = 0;
  for (let i = 0; i < starts.length; i++) {
    if (unique === 0 || starts[i] !== starts[unique - 1]) starts[unique++] = starts[i]!;
  }
  return starts.subarray(0, unique);
}

/** Every candidate, sorted by rank (desc) then start (asc); pages are slices of this order. */
export function suggestSlots(request: SlotRequest): Slot[] {
  const { durationMs, stepMs } = request;
  requirePositiveInteger('durationMs', durationMs);
  requirePositiveInteger('stepMs', stepMs);
  const starts = candidateStarts(request.frames, durationMs, stepMs);

  // One calendar per distinct invitee account, in the order given.
  const byAccount = new Map<string, BusyInterval[]>();
  for (const { accountId, busy } of request.invitees) {
    const known = byAccount.get(accountId);
    if (known) known.push(...busy);
    else byAccount.set(accountId, [...busy]);
  }
  const ids = [...byAccount.keys()];
  const sweeps = [...byAccount.values()].map((busy) => new Sweep(mergeBusy(busy)));
  const organizer = new Sweep(mergeBusy(request.organizerBusy));

  // Ranks run from 1 to 2 * (invitees + 1): bucket the slots by rank in start order.
  const buckets: Slot[][] = Array.from({ length: 2 * (ids.length + 1) + 1 }, () => []);
  for (const start of starts) {
    const end = start + durationMs;
    const own = organizer.at(start, end);
    if (own === DEFINITE) continue;
    const unavailable: string[] = [];
    const tentative: string[] = [];
    let definite = 0;
    for (let c = 0; c < sweeps.length; c++) {
      const availability = sweeps[c]!.at(start, end);
      if (availability === FREE) continue;
      unavailable.push(ids[c]!);
      if (availability === TENTATIVE) tentative.push(ids[c]!);
      else definite++;
    }
    const organizerTentative = own === TENTATIVE;
    const rank = rankSlot({ invitees: ids.length, definite, tentative: tentative.length, organizerTentative });
    buckets[rank]!.push({ start, end, unavailable, tentative, organizerTentative, rank });
  }
  const slots: Slot[] = [];
  for (let rank = buckets.length - 1; rank >= 0; rank--) for (const slot of buckets[rank]!) slots.push(slot);
  return slots;
}
