// CalDAV (issue 13): an app's own iCalendar survives changes made through GraphQL. What convene
// models is re-applied onto the text the app PUT (src/caldav/kept-text.ts), so its alarms,
// attendees' parameters, categories and X- properties are still there when it reads the
// resource again; for events and tasks, against a real server on PGlite and PostgreSQL.
import { expect, it } from 'vitest';
import { globalId, parseGlobalId } from '../src/ids.ts';
import { describeEachDatabase } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const UPDATE = `mutation ($id: ID!, $input: AppointmentInput!, $occurrence: Date) {
  updateAppointment(id: $id, input: $input, occurrence: $occurrence, ignoreConflicts: true) { ... on Appointment { id } } }`;
const DELETE = 'mutation ($id: ID!, $occurrence: Date) { deleteAppointment(id: $id, occurrence: $occurrence) { id } }';
const UPDATE_TASK = 'mutation ($id: ID!, $input: TaskInput!) { updateTask(id: $id, input: $input) { status percentComplete } }';

const lines = (...all: string[]) => `${all.join('\r\n')}\r\n`;
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');
/** The VEVENT blocks of a text, unfolded. */
const vevents = (text: string) => unfold(text).match(/BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/g) ?? [];

const alarm = ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:soon', 'TRIGGER:-PT10M', 'END:VALARM'];

describeEachDatabase('CalDAV: the app’s own text kept across API changes', (server) => {
  let n = 0;
  async function user() {
    const username = `kept${++n}`;
    const u = await userWithAccount(server(), username);
    const basic = `Basic ${Buffer.from(`${username}:${u.token}`).toString('base64')}`;
    const dav = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
      const response = await fetch(server().origin + path, { method, headers: { authorization: basic, ...headers }, body });
      return { status: response.status, etag: response.headers.get('etag'), text: await response.text() };
    };
    const home = `/dav/calendars/${username}/`;
    return { ...u, dav, home, calendar: `${home}${parseGlobalId(u.account)!.id}/` };
  }

  it('an event: PUT with an alarm and X- properties, changed through GraphQL (title, a new exception, a deleted one), GET keeps the extras', async () => {
    const u = await user();
    const id = '0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b';
    const path = `${u.calendar}${id}.ics`;
    const sent = lines(
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//kept//EN',
      'BEGIN:VEVENT',
      'UID:kept-round-trip@example.com',
      'DTSTAMP:20260101T000000Z',
      'SEQUENCE:1',
      'DTSTART;TZID=Europe/Berlin:20260316T100000',
      'DTEND;TZID=Europe/Berlin:20260316T110000',
      'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      'EXDATE;TZID=Europe/Berlin:20260323T100000',
      'SUMMARY:standup',
      'CATEGORIES:work',
      'X-CLIENT-COLOR:teal',
      'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com',
      ...alarm,
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:kept-round-trip@example.com',
      'DTSTAMP:20260101T000000Z',
      'RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000',
      'DTSTART;TZID=America/New_York:20260406T060000',
      'DTEND;TZID=America/New_York:20260406T070000',
      'SUMMARY:standup in New York',
      'X-OVERRIDE-NOTE:offsite',
      'END:VEVENT',
      'END:VCALENDAR',
    );
    const put = await u.dav('PUT', path, sent, { 'content-type': 'text/calendar' });
    expect(put.status).toBe(201);
    expect((await u.dav('GET', path)).text).toBe(sent);

    // A new title through GraphQL: the series' SUMMARY and SEQUENCE change, the extras stay.
    const appointment = globalId('Appointment', id);
    dataOf(await u.gql(UPDATE, { id: appointment, input: { title: 'daily standup' } }));
    const renamed = await u.dav('GET', path);
    expect(renamed.status).toBe(200);
    expect(renamed.etag).not.toBe(put.etag);
    const [master, override, ...rest] = vevents(renamed.text);
    expect(rest).toEqual([]);
    expect(master).toMatch(/\r\nSUMMARY:daily standup\r\n/);
    expect(master).toMatch(/\r\nSEQUENCE:2\r\n/);
    for (const kept of [
      'UID:kept-round-trip@example.com',
      'CATEGORIES:work',
      'X-CLIENT-COLOR:teal',
      'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com',
    ]) {
      expect(master).toContain(`\r\n${kept}\r\n`);
    }
    expect(master).toContain(alarm.join('\r\n'));
    expect(override).toMatch(/\r\nSUMMARY:standup in New York\r\n/);
    expect(override).toMatch(/\r\nX-OVERRIDE-NOTE:offsite\r\n/);
    // Read again, the same text (it is a function of the stored rows, as the ETag is).
    expect(await u.dav('GET', path)).toEqual(renamed);

    // An exception made through GraphQL: an override with the series' alarm and extras.
    dataOf(await u.gql(UPDATE, { id: appointment, occurrence: '2026-04-13', input: { title: 'short standup' } }));
    const withException = vevents((await u.dav('GET', path)).text);
    expect(withException).toHaveLength(3);
    const added = withException.find((v) => v.includes('RECURRENCE-ID;TZID=Europe/Berlin:20260413T100000'))!;
    expect(added).toMatch(/\r\nSUMMARY:short standup\r\n/);
    expect(added).toContain('\r\nX-CLIENT-COLOR:teal\r\n');
    expect(added).toContain(alarm.join('\r\n'));
    expect(added).not.toMatch(/RRULE|EXDATE/);

    // The app's own override deleted through GraphQL: gone, its occurrence an EXDATE.
    dataOf(await u.gql(DELETE, { id: appointment, occurrence: '2026-04-06' }));
    const afterDelete = await u.dav('GET', path);
    const remaining = vevents(afterDelete.text);
    expect(remaining.map((v) => /RECURRENCE-ID[^\r]*/.exec(v)?.[0] ?? null)).toEqual([
      null,
      'RECURRENCE-ID;TZID=Europe/Berlin:20260413T100000',
    ]);
    expect(remaining[0]).toMatch(/\r\nEXDATE;TZID=Europe\/Berlin:20260323T100000,20260406T100000\r\n/);
    expect(afterDelete.text).not.toContain('X-OVERRIDE-NOTE');

    // The app writes back what it read: accepted, and GraphQL sees the same occurrences.
    const occurrences = async () =>
      dataOf(
        await u.gql('query { appointments(from: "2026-03-01T00:00:00Z", to: "2026-05-01T00:00:00Z") { start appointment { title } } }'),
      ).appointments.map((o: { start: string; appointment: { title: string } }) => `${o.start} ${o.appointment.title}`);
    const before = await occurrences();
    expect(before).toEqual([
      '2026-03-16T09:00:00.000Z daily standup',
      '2026-03-30T08:00:00.000Z daily standup',
      '2026-04-13T08:00:00.000Z short standup',
      '2026-04-20T08:00:00.000Z daily standup',
    ]);
    expect((await u.dav('PUT', path, afterDelete.text, { 'content-type': 'text/calendar', 'if-match': afterDelete.etag! })).status).toBe(
      204,
    );
    expect(await occurrences()).toEqual(before);
    expect((await u.dav('GET', path)).text).toBe(afterDelete.text);
  });

  it('a task: PUT with an alarm, categories and an X- property, completed through GraphQL, GET shows COMPLETED and the rest kept', async () => {
    const u = await user();
    const id = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
    const path = `${u.home}tasks/${id}.ics`;
    const sent = lines(
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//kept//EN',
      'BEGIN:VTODO',
      'UID:kept-task@example.com',
      'DTSTAMP:20260101T000000Z',
      'SUMMARY:file taxes',
      'DUE;TZID=Europe/Berlin:20260430T180000',
      'STATUS:NEEDS-ACTION',
      'PRIORITY:2',
      'CATEGORIES:admin,home',
      'X-APPLE-SORT-ORDER:12',
      ...alarm,
      'END:VTODO',
      'END:VCALENDAR',
    );
    const put = await u.dav('PUT', path, sent, { 'content-type': 'text/calendar' });
    expect(put.status).toBe(201);
    expect((await u.dav('GET', path)).text).toBe(sent);

    const completed = dataOf(await u.gql(UPDATE_TASK, { id: globalId('Task', id), input: { status: 'COMPLETED' } })).updateTask;
    expect(completed).toEqual({ status: 'COMPLETED', percentComplete: 100 });
    const got = await u.dav('GET', path);
    expect(got.etag).not.toBe(put.etag);
    const text = unfold(got.text);
    for (const line of ['STATUS:COMPLETED', 'PERCENT-COMPLETE:100', 'SUMMARY:file taxes', 'UID:kept-task@example.com']) {
      expect(text).toContain(`\r\n${line}\r\n`);
    }
    expect(text).toMatch(/\r\nCOMPLETED:\d{8}T\d{6}Z\r\n/);
    for (const line of ['CATEGORIES:admin,home', 'X-APPLE-SORT-ORDER:12', 'PRODID:-//test//kept//EN', alarm.join('\r\n')]) {
      expect(text).toContain(`${line}\r\n`);
    }
    // The due time read back as the same instant.
    const task = dataOf(
      await u.gql('query ($id: ID!) { node(id: $id) { ... on Task { due status } } }', { id: globalId('Task', id) }),
    ).node;
    expect(task).toEqual({ due: '2026-04-30T16:00:00.000Z', status: 'COMPLETED' });
  });
});
