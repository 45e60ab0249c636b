// Conflict checks: the busy items an appointment would overlap. FREE appointments never
// conflict; for a series, the occurrences of its first year are checked.
import type { Tx } from '../sync/feed.ts';
import { type AppointmentData, ruleOf, seriesOf } from './appointments.ts';
import { type BusyItem, type BusyScope, busyItems } from './busy.ts';
import { expand } from './recurrence.ts';

const horizonMs = 366 * 86_400_000;

/** The items that overlap any of the spans (both sorted by start), each once. */
export function overlapping(items: BusyItem[], spans: Array<{ start: Date; end: Date }>): BusyItem[] {
  const hits = new Set<BusyItem>();
  let first = 0;
  for (const span of spans) {
    while (first < items.length && items[first]!.end <= span.start) first++;
    for (let i = first; i < items.length && items[i]!.start < span.end; i++) {
      if (items[i]!.end > span.start) hits.add(items[i]!);
    }
  }
  return [...hits];
}

/** The busy items of the scope the appointment would overlap, leaving out `excludeIds` (itself, its series). */
export async function appointmentConflicts(tx: Tx, scope: BusyScope, data: AppointmentData, excludeIds: string[]): Promise<BusyItem[]> {
  if (data.shownAs === 'FREE') return [];
  const spans =
    data.recurrenceType === 'NONE'
      ? [{ start: data.start, end: data.end }]
      : expand(seriesOf(data), ruleOf(data), data.start, new Date(data.start.getTime() + horizonMs));
  if (!spans.length) return [];
  const items = await busyItems(tx, scope, spans[0]!.start, spans.at(-1)!.end, new Set(excludeIds));
  return overlapping(items, spans);
}
