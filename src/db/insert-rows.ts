// Many rows in one INSERT whose SQL does not depend on how many there are.
//
// Why not Prisma's createMany: Prisma compiles every createMany anew (its query-plan cache
// leaves them out), and the compile grows with the rows: in a createMeeting with 50 invitees
// and 40 queued messages the two createMany calls took 68 of the write's 121 ms, almost all of
// it in Prisma's query compiler on the event loop while the transaction held its locks
// (bench/README.md, "Meetings"). Here the rows travel as one jsonb parameter and
// `jsonb_populate_recordset` turns them into rows of the table's type, so the statement is
// the same text for 1 row or 500 and costs a JSON.stringify.
import { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from './database.ts';

/** The tables written this way (the names are spliced into SQL: only these). */
export type InsertTable = 'Task' | 'Appointment' | 'CalendarEntry' | 'Meeting' | 'MeetingInvitee' | 'MeetingOption' | 'OutboxMessage';

interface InsertOptions {
  /** Leave out a row that breaks a unique constraint (ON CONFLICT DO NOTHING) rather than fail the statement. */
  skipDuplicates?: boolean;
}

/**
 * Inserts `rows` into `table`, setting exactly `columns` (a key a row lacks or leaves
 * undefined is NULL; the others take their defaults), and returns the ids inserted; with
 * `returning: 'rows'`, the rows inserted whole, as the table holds them (defaults filled in),
 * in no particular order: what a findMany after the insert would read, without the statement.
 * Values go through JSON: Dates as ISO strings, which PostgreSQL reads back to the millisecond.
 */
export async function insertRows(
  tx: Tx,
  table: InsertTable,
  columns: readonly string[],
  rows: ReadonlyArray<object>,
  options?: InsertOptions,
): Promise<Set<string>>;
export async function insertRows<Row>(
  tx: Tx,
  table: InsertTable,
  columns: readonly string[],
  rows: ReadonlyArray<object>,
  options: InsertOptions & { returning: 'rows' },
): Promise<Row[]>;
export async function insertRows(
  tx: Tx,
  table: InsertTable,
  columns: readonly string[],
  rows: ReadonlyArray<object>,
  { skipDuplicates = false, returning = 'ids' }: InsertOptions & { returning?: 'ids' | 'rows' } = {},
): Promise<Set<string> | object[]> {
  const whole = returning === 'rows';
  if (!rows.length) return whole ? [] : new Set();
  const names = Prisma.join(columns.map((column) => Prisma.raw(`"${column}"`)));
  const inserted = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO ${Prisma.raw(`"${table}"`)} (${names})
    SELECT ${names} FROM jsonb_populate_recordset(NULL::${Prisma.raw(`"${table}"`)}, ${JSON.stringify(rows)}::jsonb)
    ${skipDuplicates ? Prisma.sql`ON CONFLICT DO NOTHING` : Prisma.empty}
    RETURNING ${whole ? Prisma.sql`*` : Prisma.sql`id::text`}`;
  return whole ? inserted : new Set(inserted.map((row) => row.id));
}
