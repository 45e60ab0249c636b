// What clients send for an appointment, checked as a whole: times, zone, and the recurrence's
// presence rules (Open-Xchange); a series must start on one of its occurrences.
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { issuesMessage, type Parsed } from '../../errors.ts';
import type { Appointment } from '../../generated/prisma/client.ts';
import { RecurrenceType, ShownAs, Weekday } from '../../generated/prisma/client.ts';
import { isTimeZone } from '../../validation.ts';
import { checkSeries, type Occurrence, parseRecurrence, type RecurrenceInput, seriesEnd } from '../recurrence.ts';
import { localDate, ruleOf, seriesOf } from './occurrences.ts';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

const appointmentInputSchema = z
  .object({
    accountId: z.string(),
    title: z.string().trim().min(1, 'title: must not be empty').max(500, 'title: at most 500 characters').nullable(),
    location: z.string().max(500, 'location: at most 500 characters').nullable(),
    notes: z.string().max(20_000, 'notes: at most 20000 characters').nullable(),
    start: z.date().nullable(),
    end: z.date().nullable(),
    startDate: z.string().regex(isoDate, 'startDate: YYYY-MM-DD').nullable(),
    endDate: z.string().regex(isoDate, 'endDate: YYYY-MM-DD').nullable(),
    fullTime: z.boolean().nullable(),
    timezone: z.string().refine(isTimeZone, 'timezone: not an IANA time zone (e.g. Europe/Berlin)').nullable(),
    shownAs: z.enum(ShownAs).nullable(),
    recurrence: z
      .object({
        type: z.enum(RecurrenceType),
        interval: z.number().nullish(),
        days: z.array(z.enum(Weekday)).nullish(),
        dayInMonth: z.number().nullish(),
        month: z.number().nullish(),
        until: z.string().regex(isoDate, 'recurrence.until: YYYY-MM-DD').nullish(),
        occurrences: z.number().nullish(),
      })
      .nullable(),
  })
  .partial();

/** As a client sends it. Absent fields keep their value; null clears an optional one. */
export type AppointmentInput = z.input<typeof appointmentInputSchema>;

/** What is stored of an appointment's own fields (not its place in a series). */
export const appointmentColumns = [
  'accountId',
  'title',
  'location',
  'notes',
  'start',
  'end',
  'timezone',
  'fullTime',
  'shownAs',
  'recurrenceType',
  'interval',
  'days',
  'dayInMonth',
  'month',
  'until',
  'occurrences',
  'seriesEnd',
] as const satisfies ReadonlyArray<keyof Appointment>;
export type AppointmentData = Pick<Appointment, (typeof appointmentColumns)[number]>;

/** The instant a local date begins in a zone (midnight, or the first moment after a midnight gap). */
function startOfDay(date: string, zone: string): Date {
  return new Date(Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds);
}

/**
 * The appointment after applying `input` to `existing` (or to a new one), checked as a whole:
 * times, zone, and the recurrence's presence rules; a series must start on an occurrence.
 */
export function parseAppointmentInput(input: AppointmentInput, existing: AppointmentData | null): Parsed<AppointmentData> {
  const parsed = appointmentInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: issuesMessage(parsed.error.issues) };
  const changes = parsed.data;
  if (existing && changes.accountId !== undefined && changes.accountId !== existing.accountId) {
    return { ok: false, message: 'accountId: an appointment cannot move to another account' };
  }
  if (!existing && (changes.title === undefined || changes.accountId === undefined)) {
    return { ok: false, message: 'title and accountId: required for a new appointment' };
  }
  for (const field of ['title', 'timezone', 'shownAs', 'fullTime'] as const) {
    if (changes[field] === null) return { ok: false, message: `${field}: cannot be null` };
  }
  const timezone = changes.timezone ?? existing?.timezone;
  if (!timezone) return { ok: false, message: 'timezone: required for a new appointment (IANA, e.g. Europe/Berlin)' };
  const fullTime = changes.fullTime ?? existing?.fullTime ?? false;

  // Times: instants for timed appointments, local dates for full-time ones.
  let start: Date | undefined;
  let end: Date | undefined;
  if (fullTime) {
    if (changes.start != null || changes.end != null) {
      return { ok: false, message: 'start and end: a full-time appointment takes startDate and endDate' };
    }
    const startDate = changes.startDate ?? (existing ? localDate(existing.start, timezone) : undefined);
    const endDate = changes.endDate ?? (existing ? localDate(existing.end, timezone) : undefined);
    if (!startDate || !endDate) return { ok: false, message: 'startDate and endDate: required for a full-time appointment' };
    if (!validDate(startDate) || !validDate(endDate)) return { ok: false, message: 'startDate, endDate: not valid dates' };
    if (endDate <= startDate) return { ok: false, message: 'endDate: exclusive, so after startDate' };
    start = startOfDay(startDate, timezone);
    end = startOfDay(endDate, timezone);
  } else {
    if (changes.startDate != null || changes.endDate != null) {
      return { ok: false, message: 'startDate and endDate: only for full-time appointments (fullTime: true)' };
    }
    start = changes.start ?? existing?.start;
    end = changes.end ?? existing?.end;
    if (!start || !end) return { ok: false, message: 'start and end: required' };
    if (end <= start) return { ok: false, message: 'end: exclusive, so after start' };
  }
  if (end.getTime() - start.getTime() > 366 * 86_400_000) return { ok: false, message: 'end: at most a year after start' };

  const rule = parseRecurrence(
    changes.recurrence === undefined && existing ? ruleInputOf(existing) : (changes.recurrence ?? { type: 'NONE' }),
  );
  if (!rule.ok) return { ok: false, message: rule.message };
  const series = seriesOf({ start, end, timezone, fullTime });
  const checked = checkSeries(series, rule.data);
  if (!checked.ok) return checked;
  return {
    ok: true,
    data: {
      accountId: changes.accountId ?? existing!.accountId,
      title: changes.title ?? existing!.title,
      location: changes.location === undefined ? (existing?.location ?? null) : changes.location,
      notes: changes.notes === undefined ? (existing?.notes ?? null) : changes.notes,
      start,
      end,
      timezone,
      fullTime,
      shownAs: changes.shownAs ?? existing?.shownAs ?? ShownAs.RESERVED,
      recurrenceType: rule.data.type,
      interval: rule.data.type === 'NONE' ? null : rule.data.interval,
      days: rule.data.days ?? [],
      dayInMonth: rule.data.dayInMonth,
      month: rule.data.month,
      until: rule.data.until,
      occurrences: rule.data.occurrences,
      seriesEnd: rule.data.type === 'NONE' ? end : seriesEnd(series, rule.data),
    },
  };
}

function validDate(date: string): boolean {
  try {
    return Temporal.PlainDate.from(date, { overflow: 'reject' }).toString() === date;
  } catch {
    return false;
  }
}

/** A stored rule as input again (NONE carries no fields), to re-check it against new times. */
function ruleInputOf(a: AppointmentData): RecurrenceInput {
  return a.recurrenceType === 'NONE' ? { type: 'NONE' } : ruleOf(a);
}

const noRecurrence: Pick<Appointment, 'recurrenceType' | 'interval' | 'days' | 'dayInMonth' | 'month' | 'until' | 'occurrences'> = {
  recurrenceType: RecurrenceType.NONE,
  interval: null,
  days: [],
  dayInMonth: null,
  month: null,
  until: null,
  occurrences: null,
};

/** One occurrence of a series with `input` applied: the data of its change exception. */
export function parseOccurrenceChange(series: Appointment, occurrence: Occurrence, input: AppointmentInput): Parsed<AppointmentData> {
  if (input.recurrence) return { ok: false, message: 'recurrence: one occurrence cannot recur' };
  return parseAppointmentInput(input, { ...series, start: occurrence.start, end: occurrence.end, ...noRecurrence });
}
