// What clients send for a meeting (createMeeting, updateMeeting, a sync commit's changes),
// checked as a whole without the database: Meekan's fields, with every refusal naming its field.
// What needs the database (the account is the organizer's, invitee accounts exist, new options
// are not in the past) is checked by src/meetings/meetings.ts.
import { z } from 'zod';
import { issuesMessage, type Parsed } from '../errors.ts';
import { type Meeting, MeetingRepeat, ReminderMethod } from '../generated/prisma/client.ts';
import { isUuid } from '../ids.ts';
import { isTimeZone } from '../validation.ts';

export const maxOptions = 100;
export const maxInvitees = 500;

const meetingInputSchema = z
  .object({
    accountId: z.string(),
    calendarId: z.string().max(500, 'calendarId: at most 500 characters').nullable(),
    name: z.string().trim().min(1, 'name: must not be empty').max(500, 'name: at most 500 characters'),
    duration: z.number().int('duration: whole minutes').min(1, 'duration: 1 to 1440 minutes').max(1440, 'duration: 1 to 1440 minutes'),
    timezone: z.string().refine(isTimeZone, 'timezone: not an IANA time zone (e.g. Europe/Berlin)'),
    location: z
      .object({
        description: z.string().max(500, 'location.description: at most 500 characters').nullish(),
        address: z.string().max(1000, 'location.address: at most 1000 characters').nullish(),
        latitude: z.number().min(-90, 'location.latitude: -90 to 90').max(90, 'location.latitude: -90 to 90').nullish(),
        longitude: z.number().min(-180, 'location.longitude: -180 to 180').max(180, 'location.longitude: -180 to 180').nullish(),
      })
      .refine((l) => (l.latitude == null) === (l.longitude == null), 'location: latitude and longitude go together')
      .nullable(),
    notes: z.string().max(20_000, 'notes: at most 20000 characters').nullable(),
    timeSlotsDescription: z.string().max(2000, 'timeSlotsDescription: at most 2000 characters').nullable(),
    reminder: z
      .object({
        minutesBefore: z
          .number()
          .int('reminder.minutesBefore: whole minutes')
          .min(0, 'reminder.minutesBefore: 0 to 40320 (four weeks)')
          .max(40_320, 'reminder.minutesBefore: 0 to 40320 (four weeks)'),
        method: z.enum(ReminderMethod).nullish(),
      })
      .nullable(),
    repeat: z.enum(MeetingRepeat),
    pollDeadline: z.date().nullable(),
    pollReminderMinutesBefore: z
      .number()
      .int('pollReminderMinutesBefore: whole minutes')
      .min(1, 'pollReminderMinutesBefore: 1 to 40320 (four weeks)')
      .max(40_320, 'pollReminderMinutesBefore: 1 to 40320 (four weeks)')
      .nullable(),
    options: z.array(z.date()),
    allowPastOptions: z.boolean().nullable(),
    invitees: z.array(z.object({ email: z.string().nullish(), accountId: z.string().nullish(), timezone: z.string().nullish() })),
  })
  .partial();

/** As a client sends it. Absent fields keep their value; null clears an optional one. */
export type MeetingInput = z.input<typeof meetingInputSchema>;

/** The meeting's own columns that clients set. */
export const meetingColumns = [
  'accountId',
  'calendarId',
  'name',
  'duration',
  'timezone',
  'locationDescription',
  'locationAddress',
  'latitude',
  'longitude',
  'notes',
  'timeSlotsDescription',
  'reminderMinutesBefore',
  'reminderMethod',
  'repeat',
  'pollDeadline',
  'pollReminderMinutesBefore',
] as const satisfies ReadonlyArray<keyof Meeting>;
export type MeetingFields = Pick<Meeting, (typeof meetingColumns)[number]>;

/** An invitee as given: an email (lower case) and/or an account id, and the zone to show them times in. */
export interface InviteeInput {
  email: string | null;
  accountId: string | null;
  timezone: string | null;
}

export interface MeetingData {
  fields: MeetingFields;
  /** The proposed starts, sorted; null: unchanged. */
  options: Date[] | null;
  /** null: unchanged. */
  invitees: InviteeInput[] | null;
  allowPastOptions: boolean;
}

const emailSchema = z.email();

/** The meeting after applying `input` to `existing` (or to a new meeting), checked as a whole. */
export function parseMeetingInput(input: MeetingInput, existing: MeetingFields | null): Parsed<MeetingData> {
  const parsed = meetingInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: issuesMessage(parsed.error.issues) };
  const changes = parsed.data;
  if (!existing) {
    const missing = (['accountId', 'name', 'duration'] as const).filter((field) => changes[field] == null);
    if (missing.length) return { ok: false, message: `${missing.join(', ')}: required for a new meeting` };
  }
  for (const field of ['accountId', 'name', 'duration', 'timezone', 'repeat', 'options', 'invitees'] as const) {
    if (changes[field] === null) return { ok: false, message: `${field}: cannot be null` };
  }
  if (changes.accountId !== undefined && !isUuid(changes.accountId)) return { ok: false, message: 'accountId: not an account id' };
  const location =
    changes.location === undefined
      ? {}
      : {
          locationDescription: changes.location?.description ?? null,
          locationAddress: changes.location?.address ?? null,
          latitude: changes.location?.latitude ?? null,
          longitude: changes.location?.longitude ?? null,
        };
  const reminder =
    changes.reminder === undefined
      ? {}
      : {
          reminderMinutesBefore: changes.reminder?.minutesBefore ?? null,
          reminderMethod: changes.reminder?.method ?? ReminderMethod.POPUP,
        };
  const fields: MeetingFields = {
    calendarId: null,
    timezone: 'UTC',
    locationDescription: null,
    locationAddress: null,
    latitude: null,
    longitude: null,
    notes: null,
    timeSlotsDescription: null,
    reminderMinutesBefore: null,
    reminderMethod: ReminderMethod.POPUP,
    repeat: MeetingRepeat.NONE,
    pollDeadline: null,
    pollReminderMinutesBefore: null,
    ...existing,
    ...pick(changes, [
      'accountId',
      'calendarId',
      'name',
      'duration',
      'timezone',
      'notes',
      'timeSlotsDescription',
      'repeat',
      'pollDeadline',
      'pollReminderMinutesBefore',
    ]),
    ...location,
    ...reminder,
  } as MeetingFields;
  if (fields.pollReminderMinutesBefore !== null && !fields.pollDeadline) {
    return { ok: false, message: 'pollReminderMinutesBefore: needs a pollDeadline' };
  }

  const options = changes.options ? parseOptions(changes.options) : { ok: true as const, data: null };
  if (!options.ok) return options;
  const invitees = changes.invitees ? parseInvitees(changes.invitees) : { ok: true as const, data: null };
  if (!invitees.ok) return invitees;
  return { ok: true, data: { fields, options: options.data, invitees: invitees.data, allowPastOptions: !!changes.allowPastOptions } };
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<Pick<T, K>>;
}

function parseOptions(options: Date[]): Parsed<Date[]> {
  if (options.length > maxOptions) return { ok: false, message: `options: at most ${maxOptions}` };
  const seen = new Set<number>();
  for (const [i, option] of options.entries()) {
    if (seen.has(option.getTime())) return { ok: false, message: `options[${i}]: ${option.toISOString()} is given twice` };
    seen.add(option.getTime());
  }
  return { ok: true, data: [...options].sort((a, b) => a.getTime() - b.getTime()) };
}

function parseInvitees(
  invitees: Array<{ email?: string | null; accountId?: string | null; timezone?: string | null }>,
): Parsed<InviteeInput[]> {
  if (invitees.length > maxInvitees) return { ok: false, message: `invitees: at most ${maxInvitees}` };
  const seen = new Set<string>();
  const result: InviteeInput[] = [];
  for (const [i, invitee] of invitees.entries()) {
    const email = invitee.email?.trim().toLowerCase() || null;
    const accountId = invitee.accountId ?? null;
    if (!email && !accountId) return { ok: false, message: `invitees[${i}]: an email or an accountId is required` };
    if (email && !emailSchema.safeParse(email).success) return { ok: false, message: `invitees[${i}].email: not a valid address` };
    if (accountId && !isUuid(accountId)) return { ok: false, message: `invitees[${i}].accountId: not an account id` };
    const timezone = invitee.timezone ?? null;
    if (timezone && !isTimeZone(timezone))
      return { ok: false, message: `invitees[${i}].timezone: not an IANA time zone (e.g. Europe/Berlin)` };
    for (const key of [email && `email:${email}`, accountId && `account:${accountId}`]) {
      if (!key) continue;
      if (seen.has(key)) return { ok: false, message: `invitees[${i}]: invited twice` };
      seen.add(key);
    }
    result.push({ email, accountId, timezone });
  }
  return { ok: true, data: result };
}
