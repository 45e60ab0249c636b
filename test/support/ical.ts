// iCalendar helpers for the ICS connector's tests: VTIMEZONE definitions as feeds carry them
// (ical.js knows no zone but those), and ical.js's own expansion of a text to compare with.
import ICAL from 'ical.js';

/** Central European rules (last Sunday of March and October) under any TZID. */
export const centralEuropeanVtimezone = (tzid: string) => `BEGIN:VTIMEZONE
TZID:${tzid}
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
`;

/** US Eastern rules (second Sunday of March, first of November), as Outlook names them. */
export const easternVtimezone = `BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
`;

export interface IcalJsOccurrence {
  start: string;
  end: string;
  title: string;
  fullTime: boolean;
}

/**
 * ical.js's expansion of every event of the text (RRULE, RDATE, EXDATE, overrides) that
 * overlaps [from, to), cancelled occurrences left out, by start (ISO instants).
 */
export function icalJsOccurrences(text: string, from: Date, to: Date): IcalJsOccurrence[] {
  const all = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent');
  const result: IcalJsOccurrence[] = [];
  for (const master of all.filter((v) => !v.hasProperty('recurrence-id'))) {
    const uid = master.getFirstPropertyValue('uid');
    const exceptions = all.filter((v) => v.hasProperty('recurrence-id') && v.getFirstPropertyValue('uid') === uid);
    const event = new ICAL.Event(master, { exceptions });
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      const [start, end] = [details.startDate.toJSDate(), details.endDate.toJSDate()];
      if (start >= to) break;
      if (end <= from || details.item.component.getFirstPropertyValue('status') === 'CANCELLED') continue;
      result.push({ start: start.toISOString(), end: end.toISOString(), title: details.item.summary, fullTime: details.startDate.isDate });
    }
  }
  return result.sort((a, b) => a.start.localeCompare(b.start));
}
