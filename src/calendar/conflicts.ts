// Conflict checks: the busy items a booking would overlap. FREE appointments never conflict;
// for a series, the occurrences of its first year are checked.
import type { AppointmentData } from './appointments/input.ts';
import { ruleOf, seriesOf } from './appointments/occurrences.ts';
import type { BusyItem } from './busy.ts';
import { expand } from './recurrence.ts';

const horizonMs = 366 * 86_400_000;

export interface Span {
  start: Date;
  end: Date;
}

/** The items that overlap any of the spans (both sorted by start), each once. */
export function overlapping(items: BusyItem[], spans: Span[]): BusyItem[] {
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

/** The times an appointment occupies for conflict checks: none when FREE; a series' first year. */
export function appointmentSpans(data: AppointmentData): Span[] {
  if (data.shownAs === 'FREE') return [];
  if (data.recurrenceType === 'NONE') return [{ start: data.start, end: data.end }];
  return expand(seriesOf(data), ruleOf(data), data.start, new Date(data.start.getTime() + horizonMs));
}
