// The iTIP invitation builder (src/email/invitation.ts), its output parsed back with ical.js as a
// calendar client would: method, identity, people, and the times of a repeating meeting across
// a DST change.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { buildInvitation, type Invitation } from '../../src/email/invitation.ts';

const base: Invitation = {
  method: 'REQUEST',
  uid: '6f1c2a0e-0d7b-4f3e-9a59-2b1b1f0c7d11@convene',
  sequence: 2,
  // Friday 16 October 2026, 10:00 in Berlin (CEST, +02:00); the clocks go back on 25 October.
  start: new Date('2026-10-16T08:00:00Z'),
  end: new Date('2026-10-16T08:45:00Z'),
  timeZone: 'Europe/Berlin',
  summary: 'Planning; Q4, "all hands"',
  location: 'Room 1, Main St. 5',
  description: 'Agenda:\n1. budget\nVote: https://convene.example/vote/1/2?token=abc',
  organizer: { name: 'Olga Organizer', email: 'olga@example.com' },
  attendees: [{ email: 'ann@example.com', name: 'Ann, from sales' }, { email: 'bob@example.com' }],
  stamp: new Date('2026-10-01T12:34:56Z'),
};

/** The VCALENDAR and its VEVENT, with its zones registered so times convert to instants. */
function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  return { calendar, vevent, event: new ICAL.Event(vevent) };
}

describe('buildInvitation', () => {
  it('REQUEST: method, UID, SEQUENCE, DTSTAMP, organizer and attendees as iTIP wants them', () => {
    const text = buildInvitation(base);
    expect(text.split('\r\n').every((line) => line.length <= 75)).toBe(true);
    const { calendar, vevent, event } = parse(text);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(event.uid).toBe(base.uid);
    expect(event.sequence).toBe(2);
    expect(vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect((vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toString()).toBe('2026-10-01T12:34:56Z');
    expect([event.summary, event.location, event.description]).toEqual([base.summary, base.location, base.description]);

    const organizer = vevent.getFirstProperty('organizer')!;
    expect(organizer.getFirstValue()).toBe('mailto:olga@example.com');
    expect(organizer.getParameter('cn')).toBe('Olga Organizer');

    const attendees = vevent.getAllProperties('attendee').map((attendee) => ({
      address: String(attendee.getFirstValue()).toLowerCase(),
      cn: attendee.getParameter('cn') ?? null,
      partstat: attendee.getParameter('partstat'),
      rsvp: attendee.getParameter('rsvp'),
      role: attendee.getParameter('role'),
    }));
    expect(attendees).toEqual([
      { address: 'mailto:ann@example.com', cn: 'Ann, from sales', partstat: 'NEEDS-ACTION', rsvp: 'TRUE', role: 'REQ-PARTICIPANT' },
      { address: 'mailto:bob@example.com', cn: null, partstat: 'NEEDS-ACTION', rsvp: 'TRUE', role: 'REQ-PARTICIPANT' },
    ]);
  });

  it('times in the meeting zone with its VTIMEZONE; a weekly meeting stays at 10:00 local across the DST change', () => {
    const { calendar, event } = parse(buildInvitation({ ...base, repeat: 'WEEKLY' }));
    expect(calendar.getAllSubcomponents('vtimezone').map((zone) => zone.getFirstPropertyValue('tzid'))).toEqual(['Europe/Berlin']);
    expect(event.startDate.zone.tzid).toBe('Europe/Berlin');
    expect(event.startDate.toString()).toBe('2026-10-16T10:00:00');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-10-16T08:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-10-16T08:45:00.000Z');

    const occurrences = event.iterator();
    const starts = Array.from({ length: 3 }, () => occurrences.next()!.toJSDate().toISOString());
    // 16 and 23 October in CEST (+02:00), 30 October in CET (+01:00): 10:00 local each time.
    expect(starts).toEqual(['2026-10-16T08:00:00.000Z', '2026-10-23T08:00:00.000Z', '2026-10-30T09:00:00.000Z']);
  });

  it('in a zone west of UTC too: New York, across its own change (1 November 2026)', () => {
    const start = new Date('2026-10-29T13:30:00Z'); // 09:30 EDT
    const { event } = parse(
      buildInvitation({ ...base, start, end: new Date(start.getTime() + 3_600_000), timeZone: 'America/New_York', repeat: 'DAILY' }),
    );
    const occurrences = event.iterator();
    const starts = Array.from({ length: 5 }, () => occurrences.next()!.toJSDate().toISOString());
    expect(starts).toEqual([
      '2026-10-29T13:30:00.000Z',
      '2026-10-30T13:30:00.000Z',
      '2026-10-31T13:30:00.000Z',
      '2026-11-01T14:30:00.000Z',
      '2026-11-02T14:30:00.000Z',
    ]);
  });

  it.each([
    ['DAILY', { freq: 'DAILY', interval: 1 }],
    ['WEEKLY', { freq: 'WEEKLY', interval: 1 }],
    ['BIWEEKLY', { freq: 'WEEKLY', interval: 2 }],
    ['MONTHLY', { freq: 'MONTHLY', interval: 1 }],
    ['YEARLY', { freq: 'YEARLY', interval: 1 }],
  ] as const)('repeat %s is RRULE %j', (repeat, rule) => {
    const { vevent } = parse(buildInvitation({ ...base, repeat }));
    const recur = vevent.getFirstPropertyValue('rrule') as ICAL.Recur;
    expect({ freq: recur.freq, interval: recur.interval }).toEqual(rule);
  });

  it('no repeat: no RRULE', () => {
    expect(parse(buildInvitation({ ...base, repeat: 'NONE' })).vevent.getFirstProperty('rrule')).toBeNull();
    expect(parse(buildInvitation(base)).vevent.getFirstProperty('rrule')).toBeNull();
  });

  it('CANCEL: same UID, the higher SEQUENCE given, STATUS:CANCELLED', () => {
    const { calendar, vevent, event } = parse(buildInvitation({ ...base, method: 'CANCEL', sequence: 3 }));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect([event.uid, event.sequence, vevent.getFirstPropertyValue('status')]).toEqual([base.uid, 3, 'CANCELLED']);
    expect(vevent.getAllProperties('attendee')).toHaveLength(2);
  });

  it('a UTC meeting: UTC times, no VTIMEZONE', () => {
    const text = buildInvitation({ ...base, timeZone: 'UTC' });
    expect(text).toContain('DTSTART:20261016T080000Z\r\n');
    expect(text).not.toContain('VTIMEZONE');
    expect(parse(text).event.startDate.toJSDate().toISOString()).toBe('2026-10-16T08:00:00.000Z');
  });

  it('the same input gives the same text (a resend is the same message)', () => {
    expect(buildInvitation(base)).toBe(buildInvitation({ ...base }));
  });

  it('an alias zone (US/Pacific) is written by its canonical name, in TZID and VTIMEZONE alike', () => {
    const text = buildInvitation({ ...base, timeZone: 'US/Pacific' });
    const { calendar, event } = parse(text);
    expect(calendar.getFirstSubcomponent('vtimezone')!.getFirstPropertyValue('tzid')).toBe('America/Los_Angeles');
    expect(event.startDate.zone.tzid).toBe('America/Los_Angeles');
    expect(event.startDate.toString()).toBe('2026-10-16T01:00:00');
  });

  it('refuses a zone it cannot describe', () => {
    expect(() => buildInvitation({ ...base, timeZone: 'Mars/Olympus_Mons' })).toThrow('no VTIMEZONE for time zone Mars/Olympus_Mons');
  });
});
