import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { expand, parseRecurrence } from '../../src/calendar/recurrence.ts';
import type { Meeting } from '../../src/generated/prisma/client.ts';
import {
  type Answer,
  adjacentItems,
  byScore,
  dueNotices,
  hasAnswered,
  interpolate,
  noticeResets,
  rank,
  type Tally,
  tally,
  type Vote,
} from '../../src/meetings/poll.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.UTC(2025, 0, 6, 9); // Monday 09:00 UTC
const options = [BASE, BASE + HOUR, BASE + 2 * HOUR];
const vote = (response: Vote['response'], preferred: number[] = []): Vote => ({ response, preferred: new Set(preferred) });
const at = (zone: string, local: string) => Temporal.PlainDateTime.from(local).toZonedDateTime(zone).epochMilliseconds;

describe('interpolate', () => {
  it('ALWAYS is yes, NO no, MAYBE maybe, NOT_YET pending on every option', () => {
    expect(interpolate(vote('ALWAYS'), options, HOUR, [])).toEqual(['YES', 'YES', 'YES']);
    expect(interpolate(vote('NO'), options, HOUR, [])).toEqual(['NO', 'NO', 'NO']);
    expect(interpolate(vote('MAYBE'), options, HOUR, [])).toEqual(['MAYBE', 'MAYBE', 'MAYBE']);
    expect(interpolate(vote('NOT_YET'), options, HOUR, [])).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });

  it('ignores busy time for every response but WHEN_AVAILABLE', () => {
    const busy = [{ start: BASE, end: BASE + 3 * HOUR }];
    expect(interpolate(vote('ALWAYS'), options, HOUR, busy)).toEqual(['YES', 'YES', 'YES']);
    expect(interpolate(vote('CUSTOM', [BASE]), options, HOUR, busy)).toEqual(['YES', 'NO', 'NO']);
  });

  it('CUSTOM is yes on the preferred options and no elsewhere', () => {
    expect(interpolate(vote('CUSTOM', [BASE, BASE + 2 * HOUR]), options, HOUR, null)).toEqual(['YES', 'NO', 'YES']);
    expect(interpolate(vote('CUSTOM'), options, HOUR, null)).toEqual(['NO', 'NO', 'NO']);
  });

  it('WHEN_AVAILABLE is yes where free, no where anything overlaps the option', () => {
    const busy = [{ start: BASE + HOUR + 30 * MIN, end: BASE + HOUR + 45 * MIN }];
    expect(interpolate(vote('WHEN_AVAILABLE'), options, HOUR, busy)).toEqual(['YES', 'NO', 'YES']);
  });

  it('WHEN_AVAILABLE: busy time that only touches the option leaves it free (half-open)', () => {
    const busy = [
      { start: BASE - HOUR, end: BASE },
      { start: BASE + HOUR, end: BASE + 2 * HOUR },
    ];
    // The first option ends where the second busy item starts: free; the second is covered.
    expect(interpolate(vote('WHEN_AVAILABLE'), options, HOUR, busy)).toEqual(['YES', 'NO', 'YES']);
  });

  it('WHEN_AVAILABLE depends on the duration: a longer meeting reaches busy time', () => {
    const busy = [{ start: BASE + 50 * MIN, end: BASE + 55 * MIN }];
    expect(interpolate(vote('WHEN_AVAILABLE'), [BASE], 45 * MIN, busy)).toEqual(['YES']);
    expect(interpolate(vote('WHEN_AVAILABLE'), [BASE], 60 * MIN, busy)).toEqual(['NO']);
  });

  it('WHEN_AVAILABLE is pending when convene knows no calendar of the invitee', () => {
    expect(interpolate(vote('WHEN_AVAILABLE'), options, HOUR, null)).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });

  it('WHEN_AVAILABLE with an empty calendar is yes everywhere', () => {
    expect(interpolate(vote('WHEN_AVAILABLE'), options, HOUR, [])).toEqual(['YES', 'YES', 'YES']);
  });

  it('WHEN_AVAILABLE across a DST change: a daily 09:00 Berlin meeting stays at 09:00 local', () => {
    const zone = 'Europe/Berlin';
    // Berlin leaves summer time on 2025-10-26: 09:00 is 07:00 UTC before, 08:00 UTC after.
    const rule = parseRecurrence({ type: 'DAILY', interval: 1 });
    if (!rule.ok) throw new Error(rule.message);
    const from = new Date(at(zone, '2025-10-24T00:00'));
    const to = new Date(at(zone, '2025-10-29T00:00'));
    const busy = expand({ timezone: zone, fullTime: false, start: '2025-10-24T09:00:00', durationMs: HOUR }, rule.data, from, to).map(
      (s) => ({ start: s.start.getTime(), end: s.end.getTime() }),
    );
    const sameLocal = [at(zone, '2025-10-25T09:00'), at(zone, '2025-10-27T09:00')];
    // The same UTC hour as before the change is 08:00 local after it: free.
    const sameUtc = [Date.UTC(2025, 9, 25, 7), Date.UTC(2025, 9, 27, 7)];
    expect(interpolate(vote('WHEN_AVAILABLE'), sameLocal, HOUR, busy)).toEqual(['NO', 'NO']);
    expect(interpolate(vote('WHEN_AVAILABLE'), sameUtc, HOUR, busy)).toEqual(['NO', 'YES']);
  });
});

describe('tally and rank', () => {
  const answers: Answer[][] = [
    ['YES', 'YES', 'NO'],
    ['MAYBE', 'YES', 'PENDING'],
    ['NO', 'MAYBE', 'YES'],
  ];

  it('counts every answer per option', () => {
    expect(tally(options, answers)).toEqual([
      { start: options[0], yes: 1, no: 1, maybe: 1, pending: 0 },
      { start: options[1], yes: 2, no: 0, maybe: 1, pending: 0 },
      { start: options[2], yes: 1, no: 1, maybe: 0, pending: 1 },
    ]);
  });

  it('counts nothing without invitees', () => {
    expect(tally(options, [])).toEqual(options.map((start) => ({ start, yes: 0, no: 0, maybe: 0, pending: 0 })));
  });

  it('ranks more yes first', () => {
    expect(rank(tally(options, answers)).map((t) => t.start)).toEqual([options[1], options[0], options[2]]);
  });

  const t = (start: number, yes: number, maybe: number): Tally => ({ start, yes, no: 0, maybe, pending: 0 });

  it('lets maybe break a tie of yes, then the earlier option', () => {
    expect(rank([t(3, 1, 0), t(2, 1, 2), t(1, 1, 0)]).map((x) => x.start)).toEqual([2, 1, 3]);
  });

  it('puts yes before any number of maybe', () => {
    expect(byScore(t(1, 0, 9), t(2, 1, 0))).toBeGreaterThan(0);
  });

  it('does not change its input', () => {
    const input = [t(2, 0, 0), t(1, 1, 0)];
    rank(input);
    expect(input.map((x) => x.start)).toEqual([2, 1]);
  });
});

describe('adjacentItems', () => {
  const zone = 'America/New_York';
  const item = (title: string, from: string, to: string) => ({ title, start: at(zone, from), end: at(zone, to) });
  const start = at(zone, '2025-03-10T12:00');

  it('finds the nearest items before and after the option on its day', () => {
    const items = [
      item('early', '2025-03-10T08:00', '2025-03-10T09:00'),
      item('coffee', '2025-03-10T10:00', '2025-03-10T11:00'),
      item('lunch', '2025-03-10T13:30', '2025-03-10T14:00'),
      item('late', '2025-03-10T16:00', '2025-03-10T17:00'),
    ];
    const { before, after } = adjacentItems(start, HOUR, zone, items);
    expect(before?.title).toBe('coffee');
    expect(after?.title).toBe('lunch');
  });

  it('takes touching items, not overlapping ones', () => {
    const items = [item('overlap', '2025-03-10T11:30', '2025-03-10T12:30'), item('touch', '2025-03-10T13:00', '2025-03-10T13:30')];
    const { before, after } = adjacentItems(start, HOUR, zone, items);
    expect(before).toBeNull();
    expect(after?.title).toBe('touch');
  });

  it("ignores other days in the meeting's zone (not UTC's)", () => {
    // 21:00 New York on the 9th is 01:00 UTC on the 10th: another day here.
    const items = [item('yesterday', '2025-03-09T21:00', '2025-03-09T22:00'), item('tomorrow', '2025-03-11T08:00', '2025-03-11T09:00')];
    expect(adjacentItems(start, HOUR, zone, items)).toEqual({ before: null, after: null });
  });

  it('knows the day on the day of a DST change (23 hours long)', () => {
    // New York springs forward on 2025-03-09: 23:30 that day is still that day.
    const dstStart = at(zone, '2025-03-09T12:00');
    const items = [item('night', '2025-03-09T23:00', '2025-03-09T23:30'), item('next', '2025-03-10T00:00', '2025-03-10T00:30')];
    const { after } = adjacentItems(dstStart, HOUR, zone, items);
    expect(after?.title).toBe('night');
    expect(adjacentItems(at(zone, '2025-03-09T23:40'), 10 * MIN, zone, items).after).toBeNull();
  });
});

describe('poll notices: when each is due', () => {
  const deadline = new Date('2031-03-30T01:30:00Z'); // 03:30 in Berlin, an hour after its clocks sprang forward
  const meeting = (fields: Partial<Meeting>) =>
    ({
      status: 'POLLING',
      pollDeadline: deadline,
      pollReminderMinutesBefore: 120,
      pollReminderSentAt: null,
      pollClosedNoticeAt: null,
      ...fields,
    }) as Meeting;
  const minutes = (m: number) => new Date(deadline.getTime() + m * 60_000);

  it.each([
    ['long before', {}, minutes(-121), { closed: false, reminder: false }],
    ['at the reminder time (two hours of elapsed time, not of wall clock)', {}, minutes(-120), { closed: false, reminder: true }],
    ['between reminder and deadline', {}, minutes(-1), { closed: false, reminder: true }],
    ['reminded already', { pollReminderSentAt: minutes(-100) }, minutes(-1), { closed: false, reminder: false }],
    ['at the deadline: closed, and a missed reminder is not sent late', {}, minutes(0), { closed: true, reminder: false }],
    ['after the deadline', {}, minutes(500), { closed: true, reminder: false }],
    ['told already', { pollClosedNoticeAt: minutes(1) }, minutes(500), { closed: false, reminder: false }],
    ['no reminder asked for', { pollReminderMinutesBefore: null }, minutes(-1), { closed: false, reminder: false }],
    ['no deadline', { pollDeadline: null }, minutes(500), { closed: false, reminder: false }],
    ['scheduled', { status: 'SCHEDULED' }, minutes(500), { closed: false, reminder: false }],
    ['a draft', { status: 'DRAFT' }, minutes(-1), { closed: false, reminder: false }],
    ['cancelled', { status: 'CANCELLED' }, minutes(500), { closed: false, reminder: false }],
  ] as const)('%s', (_name, fields, now, expected) => {
    expect(dueNotices(meeting(fields as Partial<Meeting>), now)).toEqual(expected);
  });

  it('a new deadline is a new occasion for both notices; a new reminder time for the reminder only', () => {
    const before = meeting({ pollReminderSentAt: minutes(-100), pollClosedNoticeAt: minutes(1) });
    const fields = { pollDeadline: deadline, pollReminderMinutesBefore: 120 } as Meeting;
    expect(noticeResets(before, fields)).toEqual({});
    expect(noticeResets(before, { ...fields, pollDeadline: minutes(60) })).toEqual({ pollClosedNoticeAt: null, pollReminderSentAt: null });
    expect(noticeResets(before, { ...fields, pollDeadline: null })).toEqual({ pollClosedNoticeAt: null, pollReminderSentAt: null });
    expect(noticeResets(before, { ...fields, pollReminderMinutesBefore: 30 })).toEqual({ pollReminderSentAt: null });
    expect(noticeResets(before, { ...fields, pollDeadline: new Date(deadline) })).toEqual({});
  });

  it('answered is any response but NOT_YET', () => {
    const responses = ['NOT_YET', 'CUSTOM', 'ALWAYS', 'WHEN_AVAILABLE', 'NO', 'MAYBE'] as const;
    expect(responses.map((response) => hasAnswered({ response }))).toEqual([false, true, true, true, true, true]);
  });
});
