// CalDAV calendar-query by time range (`npm run bench -- caldav-query`), on PostgreSQL: one
// user's calendar holds BENCH_CALDAV_QUERY_EVENTS appointments (default 10,000) of which a
// twentieth are series started in the year before (half weekly without end, half daily with 30
// occurrences), seeded
// set-based with their feed rows and seriesEnd as convene computes it. One month is asked for
// as Thunderbird and DAVx5 ask (comp-filter VEVENT with a time-range, getetag and
// calendar-data), BENCH_CALDAV_QUERY_REQUESTS sequential requests (p50, p99); beside it the same
// month with getetag alone (DAVx5's first pass before a multiget), and { me { id } } for what
// the machine's load adds to any request.
import { graphqlClient } from './lib/graphql.ts';
import { seedUsers } from './lib/postgres.ts';
import { conveneOnFreshDatabase } from './lib/server.ts';
import { percentile, timeOperations, warmUp } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

export interface CaldavQueryOptions {
  postgresUrl: string;
  /** Appointments in the calendar; a twentieth of them series. */
  events: number;
  /** Timed requests per query. */
  requests: number;
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** The month asked for: March 2027, inside the seeded span (January 2027 to December 2028). */
const query = (props: string) =>
  '<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">' +
  `<D:prop>${props}</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">` +
  '<C:time-range start="20270301T000000Z" end="20270401T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>';

export async function caldavQueryBench(options: CaldavQueryOptions, print: (text: string) => void, note: (text: string) => void) {
  const { db, server } = await conveneOnFreshDatabase(options.postgresUrl);
  try {
    const [user] = await seedUsers(db.client, 'caldavquery', 1, 0);
    const { rows } = await db.client.query<{ id: string }>('SELECT id FROM "Account" WHERE "mainUserId" = $1', [user!.id]);
    const accountId = rows[0]!.id;
    const series = Math.round(options.events / 20);
    note(`seeding ${options.events} appointments, ${series} of them series`);
    await seedCalendar(db.client, user!.id, accountId, options.events - series, series);

    const url = `${new URL(server.url).origin}/dav/calendars/${user!.username}/${accountId}/`;
    const authorization = `Basic ${Buffer.from(`${user!.username}:${user!.token}`).toString('base64')}`;
    const report = async (body: string) => {
      const response = await fetch(url, {
        method: 'REPORT',
        headers: { authorization, depth: '1', 'content-type': 'application/xml' },
        body,
      });
      const text = await response.text();
      if (response.status !== 207) throw new Error(`REPORT calendar-query: ${response.status} ${text.slice(0, 200)}`);
      return text;
    };
    const gql = graphqlClient(server.url, { authorization: `Bearer ${user!.token}` });
    const table = [['query (March 2027)', 'p50 ms', 'p99 ms', 'responses', 'KiB', '{ me { id } } p50 ms']];
    for (const [name, props] of [
      ['getetag + calendar-data', '<D:getetag/><C:calendar-data/>'],
      ['getetag', '<D:getetag/>'],
    ] as const) {
      const body = query(props);
      const answer = await report(body);
      await warmUp(2, 10, async () => void (await report(body)));
      const timed = await timeOperations(options.requests, 1, async () => void (await report(body)));
      const floor = await timeOperations(options.requests, 1, async () => void (await gql.request('{ me { id } }')));
      table.push([
        name,
        fixed(percentile(timed.samples, 50)),
        fixed(percentile(timed.samples, 99)),
        String((answer.match(/<d:response>/g) ?? []).length),
        fixed(Buffer.byteLength(answer) / 1024, 0),
        fixed(percentile(floor.samples, 50)),
      ]);
    }
    gql.close();
    print(formatTable(table));
  } finally {
    await server.stop();
    await db.drop();
  }
}

/**
 * `singles` single appointments spread over two years from January 2027 (as bench/caldav.ts
 * seeds them) and `series` series starting in the year before the month asked for (half weekly on their start's weekday without end, half daily with 30
 * occurrences and seriesEnd set as convene computes it, plus a day for DST), each with its feed
 * row and the user's counter moved on, in one transaction.
 */
async function seedCalendar(client: import('pg').Client, userId: string, accountId: string, singles: number, series: number) {
  await client.query('BEGIN');
  await client.query('SET LOCAL synchronous_commit = off');
  await client.query(
    `CREATE TEMP TABLE seed ON COMMIT DROP AS
     SELECT gen_random_uuid() AS id, g AS n, g > $1::int AS recurring,
       CASE WHEN g > $1::int THEN timestamptz '2026-03-02 08:00+00' + (g % 365) * interval '1 day'
         ELSE timestamptz '2027-01-04 08:00+00' + ((g * 7) % 700) * interval '1 day' END + (g % 9) * interval '1 hour' AS start
     FROM generate_series(1, $1::int + $2::int) g`,
    [singles, series],
  );
  await client.query(
    `INSERT INTO "Appointment" (id, "userId", "accountId", title, start, "end", timezone, "recurrenceType", "interval", days, occurrences,
       "seriesEnd", "createdAt", "updatedAt")
     SELECT id, $1, $2, 'Appointment ' || n, start, start + interval '45 minutes', 'Europe/Berlin',
       CASE WHEN NOT recurring THEN 'NONE' WHEN n % 2 = 0 THEN 'WEEKLY' ELSE 'DAILY' END::"RecurrenceType",
       CASE WHEN recurring THEN 1 END,
       CASE WHEN recurring AND n % 2 = 0 THEN ARRAY[upper(trim(to_char(start AT TIME ZONE 'Europe/Berlin', 'Day')))::"Weekday"]
         ELSE '{}'::"Weekday"[] END,
       CASE WHEN recurring AND n % 2 = 1 THEN 30 END,
       CASE WHEN NOT recurring THEN start + interval '45 minutes' WHEN n % 2 = 1 THEN start + interval '30 days 45 minutes' END,
       now(), now()
     FROM seed`,
    [userId, accountId],
  );
  const { rows } = await client.query<{ revision: number }>(
    `INSERT INTO "SyncCounter" ("userId", revision) VALUES ($1, $2) ON CONFLICT ("userId") DO UPDATE SET revision = "SyncCounter".revision + $2
     RETURNING revision - $2 AS revision`,
    [userId, singles + series],
  );
  await client.query(
    `INSERT INTO "Change" ("userId", kind, "objectId", revision, deleted, "changedAt")
     SELECT $1, 'APPOINTMENT', id, $2::int + n, false, now() FROM seed`,
    [userId, rows[0]!.revision],
  );
  await client.query('COMMIT');
  await client.query('VACUUM ANALYZE "Appointment", "Change"');
}
