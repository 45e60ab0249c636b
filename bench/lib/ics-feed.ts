// The .ics feed the ICS benchmarks use (bench/ics-import.ts imports it, bench/feeds.ts imports it
// to make the calendar it exports): `events` VEVENTs, 10% weekly series of 20 with an EXDATE, 2%
// rules the Open-Xchange model lacks (expanded on import), the rest single events; a third in
// "W. Europe Standard Time", the others in Europe/Berlin.
/** The feed's text; `changed` renames one event. */
export function benchFeed(events: number, changed = false): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//convene bench//EN'];
  const day = (n: number) => new Date(Date.UTC(2027, 0, 4) + (n % 700) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const series = Math.round(events * 0.1);
  const expanded = Math.round(events * 0.02);
  for (let i = 0; i < events; i++) {
    const zone = i % 3 === 0 ? 'W. Europe Standard Time' : 'Europe/Berlin';
    const hour = String(8 + (i % 9)).padStart(2, '0');
    lines.push('BEGIN:VEVENT', `UID:bench-${i}@convene.example`, 'DTSTAMP:20261201T000000Z');
    lines.push(`DTSTART;TZID=${zone}:${day(i)}T${hour}0000`, `DTEND;TZID=${zone}:${day(i)}T${hour}4500`);
    if (i < series) lines.push('RRULE:FREQ=WEEKLY;COUNT=20', `EXDATE;TZID=${zone}:${day(i + 14)}T${hour}0000`);
    else if (i < series + expanded) lines.push('RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=6');
    lines.push(`SUMMARY:${changed && i === events - 1 ? 'Renamed' : `Event ${i}`}`, `LOCATION:Room ${i % 40}`, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}
