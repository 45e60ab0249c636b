// calendar-query filters (RFC 4791 §9.7): the requests of §7.8.6-7.8.9 parsed, and evaluated on
// calendar objects (a client's stored text, a task as convene writes it); collations (§7.5) and
// what is refused. The time ranges of §7.8.1-7.8.5 are in caldav-xml.test.ts.
import { describe, expect, it } from 'vitest';
import { answerForAll, passes, textMatches } from '../../src/caldav/filters.ts';
import type { CalendarObject } from '../../src/caldav/objects.ts';
import { type CompFilter, parseReport } from '../../src/caldav/requests.ts';
import type { ExportTask } from '../../src/ical/export.ts';
import { refusal } from '../support/dav-errors.ts';

const filterOf = (body: string): CompFilter => {
  const parsed = parseReport(body);
  if (parsed.type !== 'calendar-query') throw new Error(parsed.type);
  return parsed.filter;
};
const query = (inner: string) =>
  `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
    <C:filter><C:comp-filter name="VCALENDAR">${inner}</C:comp-filter></C:filter></C:calendar-query>`;
const comp = (name: string, more: Partial<CompFilter> = {}): CompFilter => ({
  name,
  isNotDefined: false,
  timeRange: null,
  props: [],
  comps: [],
  ...more,
});

// RFC 4791 §7.8.6
const byUid = `<?xml version="1.0" encoding="utf-8" ?>
  <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
    <D:prop xmlns:D="DAV:">
      <D:getetag/>
      <C:calendar-data/>
    </D:prop>
    <C:filter>
      <C:comp-filter name="VCALENDAR">
        <C:comp-filter name="VEVENT">
          <C:prop-filter name="UID">
            <C:text-match collation="i;octet"
            >DC6C50A017428C5216A2F1CD@example.com</C:text-match>
          </C:prop-filter>
        </C:comp-filter>
      </C:comp-filter>
    </C:filter>
  </C:calendar-query>`;

// RFC 4791 §7.8.7
const byPartstat = `<?xml version="1.0" encoding="utf-8" ?>
  <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
    <D:prop>
      <D:getetag/>
      <C:calendar-data/>
    </D:prop>
    <C:filter>
      <C:comp-filter name="VCALENDAR">
        <C:comp-filter name="VEVENT">
          <C:prop-filter name="ATTENDEE">
            <C:text-match collation="i;ascii-casemap"
             >mailto:lisa@example.com</C:text-match>
            <C:param-filter name="PARTSTAT">
              <C:text-match collation="i;ascii-casemap"
               >NEEDS-ACTION</C:text-match>
            </C:param-filter>
          </C:prop-filter>
        </C:comp-filter>
      </C:comp-filter>
    </C:filter>
  </C:calendar-query>`;

// RFC 4791 §7.8.8
const pending = `<?xml version="1.0" encoding="utf-8" ?>
  <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
    <D:prop xmlns:D="DAV:">
      <D:getetag/>
      <C:calendar-data/>
    </D:prop>
    <C:filter>
      <C:comp-filter name="VCALENDAR">
        <C:comp-filter name="VTODO">
          <C:prop-filter name="COMPLETED">
            <C:is-not-defined/>
          </C:prop-filter>
          <C:prop-filter name="STATUS">
            <C:text-match
               negate-condition="yes">CANCELLED</C:text-match>
          </C:prop-filter>
        </C:comp-filter>
      </C:comp-filter>
    </C:filter>
  </C:calendar-query>`;

// RFC 4791 §7.8.9 (its server refuses the property; convene tests any property by its text)
const byXProperty = `<?xml version="1.0" encoding="utf-8" ?>
  <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
    <D:prop xmlns:D="DAV:">
      <D:getetag/>
      <C:calendar-data/>
    </D:prop>
    <C:filter>
      <C:comp-filter name="VCALENDAR">
        <C:comp-filter name="VEVENT">
          <C:prop-filter name="X-ABC-GUID">
            <C:text-match>ABC</C:text-match>
          </C:prop-filter>
        </C:comp-filter>
      </C:comp-filter>
    </C:filter>
  </C:calendar-query>`;

/** A client's event as it stored it: served (and filtered) as its own text. */
const stored = (lines: string[]): CalendarObject => ({
  type: 'events',
  events: [],
  stored: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n'),
});
const lisaInvited = stored([
  'BEGIN:VEVENT',
  'UID:DC6C50A017428C5216A2F1CD@example.com',
  'DTSTAMP:20060206T001220Z',
  'DTSTART:20060104T140000Z',
  'DURATION:PT1H',
  'SUMMARY:Event #3',
  'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:Lisa@Example.com',
  'X-ABC-GUID:E1CX5Dr-0007ym-Hz@example.com',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:soon',
  'TRIGGER:-PT15M',
  'END:VALARM',
  'END:VEVENT',
]);
const lisaAccepted = stored([
  'BEGIN:VEVENT',
  'UID:other@example.com',
  'DTSTAMP:20060206T001220Z',
  'DTSTART:20060104T140000Z',
  'DURATION:PT1H',
  'SUMMARY:Event #2',
  'ATTENDEE;PARTSTAT=ACCEPTED:mailto:lisa@example.com',
  'ATTENDEE:mailto:bernard@example.com',
  'END:VEVENT',
]);

const todo: ExportTask = {
  uid: 't',
  stamp: new Date('2026-01-01T00:00:00Z'),
  summary: 'file taxes',
  description: null,
  start: null,
  due: null,
  status: 'NOT_STARTED',
  priority: 'NORMAL',
  percentComplete: 0,
  completed: null,
  created: new Date('2026-01-01T00:00:00Z'),
  lastModified: new Date('2026-01-01T00:00:00Z'),
};
const task = (status: ExportTask['status']): CalendarObject => ({
  type: 'task',
  task: { ...todo, status, completed: status === 'COMPLETED' ? new Date('2026-01-02T00:00:00Z') : null },
});

describe('calendar-query filters of RFC 4791 §7.8', () => {
  it('reads §7.8.6 (UID, i;octet) and finds the event by its exact UID, a substring too, not another case', () => {
    const filter = filterOf(byUid);
    expect(filter).toEqual(
      comp('VCALENDAR', {
        comps: [
          comp('VEVENT', {
            props: [
              {
                name: 'UID',
                isNotDefined: false,
                textMatch: { text: 'DC6C50A017428C5216A2F1CD@example.com', collation: 'i;octet', negate: false },
                params: [],
              },
            ],
          }),
        ],
      }),
    );
    expect([passes(filter, lisaInvited), passes(filter, lisaAccepted)]).toEqual([true, false]);
    expect(passes(filterOf(byUid.replace('>DC6C50A017428C5216A2F1CD@example.com', '>5216A2F1')), lisaInvited)).toBe(true);
    expect(passes(filterOf(byUid.replace('@example.com<', '@EXAMPLE.com<')), lisaInvited)).toBe(false);
  });

  it('reads §7.8.7 (ATTENDEE with PARTSTAT) and tests each attendee with its own parameter, case-insensitively', () => {
    const filter = filterOf(byPartstat);
    expect(filter.comps[0]!.props).toEqual([
      {
        name: 'ATTENDEE',
        isNotDefined: false,
        textMatch: { text: 'mailto:lisa@example.com', collation: 'i;ascii-casemap', negate: false },
        params: [
          { name: 'PARTSTAT', isNotDefined: false, textMatch: { text: 'NEEDS-ACTION', collation: 'i;ascii-casemap', negate: false } },
        ],
      },
    ]);
    // Lisa has accepted the second event; Bernard, who has no PARTSTAT, does not make it pass.
    expect([passes(filter, lisaInvited), passes(filter, lisaAccepted)]).toEqual([true, false]);
  });

  it('reads §7.8.8 (pending to-dos: no COMPLETED, STATUS not CANCELLED) and finds the open and started tasks', () => {
    const filter = filterOf(pending);
    expect(filter.comps[0]!.props).toEqual([
      { name: 'COMPLETED', isNotDefined: true, textMatch: null, params: [] },
      { name: 'STATUS', isNotDefined: false, textMatch: { text: 'CANCELLED', collation: 'i;ascii-casemap', negate: true }, params: [] },
    ]);
    const statuses = ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'DEFERRED', 'COMPLETED'] as const;
    // A completed task has a COMPLETED time; WAITING and DEFERRED are written NEEDS-ACTION.
    expect(statuses.map((s) => [s, passes(filter, task(s))])).toEqual([
      ['NOT_STARTED', true],
      ['IN_PROGRESS', true],
      ['WAITING', true],
      ['DEFERRED', true],
      ['COMPLETED', false],
    ]);
    const cancelled = stored(['BEGIN:VTODO', 'UID:c', 'DTSTAMP:20060206T001220Z', 'STATUS:CANCELLED', 'END:VTODO']);
    expect(passes(filter, cancelled)).toBe(false);
    // Every member of a calendar lacks a VTODO: no member of one passes, none needs reading.
    expect(answerForAll(filter, 'VEVENT')).toBe(false);
    expect(answerForAll(filter, 'VTODO')).toBeNull();
  });

  it('reads §7.8.9 (an X- property) and tests it by the text like any other', () => {
    const filter = filterOf(byXProperty);
    expect(filter.comps[0]!.props[0]!.textMatch).toEqual({ text: 'ABC', collation: 'i;ascii-casemap', negate: false });
    expect([passes(filter, lisaInvited), passes(filter, lisaAccepted)]).toEqual([false, false]);
    expect(passes(filterOf(byXProperty.replace('>ABC<', '>e1cx5dr<')), lisaInvited)).toBe(true);
  });
});

describe('filter evaluation', () => {
  it('tests nested components and absent properties, components and parameters (is-not-defined)', () => {
    const cases: Array<[string, boolean, boolean]> = [
      ['<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"/></C:comp-filter>', true, false],
      ['<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:is-not-defined/></C:comp-filter></C:comp-filter>', false, true],
      [
        '<C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:prop-filter name="ACTION"><C:text-match>display</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>',
        true,
        false,
      ],
      ['<C:comp-filter name="VEVENT"><C:prop-filter name="X-ABC-GUID"><C:is-not-defined/></C:prop-filter></C:comp-filter>', false, true],
      ['<C:comp-filter name="VEVENT"><C:prop-filter name="summary"/></C:comp-filter>', true, true],
      [
        '<C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:is-not-defined/></C:param-filter></C:prop-filter></C:comp-filter>',
        false,
        true,
      ],
      [
        '<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match>#3</C:text-match></C:prop-filter></C:comp-filter>',
        true,
        false,
      ],
      ['<C:comp-filter name="VTODO"><C:is-not-defined/></C:comp-filter><C:comp-filter name="VEVENT"/>', true, true],
      ['<C:comp-filter name="VTIMEZONE"/>', false, false],
      ['<C:prop-filter name="VERSION"><C:text-match>2.0</C:text-match></C:prop-filter>', true, true],
    ];
    for (const [inner, invited, accepted] of cases) {
      const filter = filterOf(query(inner));
      expect([inner, passes(filter, lisaInvited), passes(filter, lisaAccepted)]).toEqual([inner, invited, accepted]);
    }
  });

  it('answers component-only filters for a whole collection without reading members', () => {
    const cases: Array<[string, boolean | null, boolean | null]> = [
      ['', true, true],
      ['<C:comp-filter name="VEVENT"/>', true, false],
      ['<C:comp-filter name="VEVENT"><C:time-range start="20060104T000000Z"/></C:comp-filter>', null, false],
      ['<C:comp-filter name="VEVENT"><C:is-not-defined/></C:comp-filter>', false, true],
      ['<C:comp-filter name="VJOURNAL"/>', false, false],
      ['<C:comp-filter name="VTIMEZONE"/>', null, null],
      ['<C:prop-filter name="VERSION"/>', null, null],
    ];
    for (const [inner, calendar, tasks] of cases) {
      const filter = filterOf(query(inner));
      expect([inner, answerForAll(filter, 'VEVENT'), answerForAll(filter, 'VTODO')]).toEqual([inner, calendar, tasks]);
    }
  });

  it('matches substrings under i;octet exactly and i;ascii-casemap folding ASCII letters only; negated, the opposite', () => {
    const octet = { collation: 'i;octet', negate: false } as const;
    const casemap = { collation: 'i;ascii-casemap', negate: false } as const;
    expect(textMatches({ ...octet, text: 'Team' }, 'the Team meeting')).toBe(true);
    expect(textMatches({ ...octet, text: 'team' }, 'the Team meeting')).toBe(false);
    expect(textMatches({ ...casemap, text: 'team' }, 'the Team meeting')).toBe(true);
    expect(textMatches({ ...casemap, text: 'é' }, 'CAFÉ')).toBe(false);
    expect(textMatches({ ...casemap, text: '' }, 'anything')).toBe(true);
    expect(textMatches({ ...casemap, text: 'team', negate: true }, 'the Team meeting')).toBe(false);
    expect(textMatches({ ...casemap, text: 'lunch', negate: true }, 'the Team meeting')).toBe(true);
  });
});

describe('filters refused', () => {
  it('answers an unknown collation 403 supported-collation (§7.5.1) and malformed tests 403 valid-filter', () => {
    const uid = (attributes: string) =>
      query(
        `<C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:text-match ${attributes}>x</C:text-match></C:prop-filter></C:comp-filter>`,
      );
    expect(refusal(() => parseReport(uid('collation="i;unicode-casemap"')))).toEqual({ status: 403, precondition: 'supported-collation' });
    expect(refusal(() => parseReport(uid('negate-condition="maybe"')))).toEqual({ status: 403, precondition: 'valid-filter' });
    for (const inner of [
      '<C:comp-filter name="VEVENT"><C:is-not-defined/><C:prop-filter name="UID"/></C:comp-filter>',
      '<C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:text-match>a</C:text-match><C:text-match>b</C:text-match></C:prop-filter></C:comp-filter>',
      '<C:comp-filter name="VEVENT"><C:prop-filter><C:is-not-defined/></C:prop-filter></C:comp-filter>',
      '<C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:param-filter name="X"><C:is-not-defined/><C:is-not-defined/></C:param-filter></C:prop-filter></C:comp-filter>',
      '<C:comp-filter name="VEVENT"><C:frobnicate/></C:comp-filter>',
    ]) {
      expect([inner, refusal(() => parseReport(query(inner)))]).toEqual([inner, { status: 403, precondition: 'valid-filter' }]);
    }
  });
});
