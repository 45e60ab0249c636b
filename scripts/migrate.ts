// npm run db:migrate -- --name <name>   create a migration from the schema diff
// npm run db:deploy                      apply pending migrations
// npm run db:status                      list applied / pending migrations
// Uses the same database selection as the server (DATABASE_URL or the embedded directory).
import { parseArgs } from 'node:util';
import { fail } from '../src/cli/usage.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { DataDirLockedError } from '../src/db/lock.ts';
import { applyMigrations, createMigration, migrationStatus } from '../src/db/migrations.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' } },
});
const command = positionals[0] ?? 'status';
let db: Database;
try {
  db = await openDatabase(loadConfig().database);
} catch (error) {
  // Usually `npm start` on the same embedded database. PostgreSQL has no such lock: there a
  // deploy next to running servers is fine (the schema engine serializes migrators).
  if (error instanceof DataDirLockedError)
    fail(`${error.message}: stop it and run this again, or restart it (a server applies pending migrations when it starts)`);
  fail((error as Error).message); // e.g. PostgreSQL not reachable: one line, not a stack trace
}
try {
  if (command === 'create') {
    if (!values.name) throw new Error('usage: npm run db:migrate -- --name <migration name>');
    // Creating replays the history first, so the database must be up to date.
    await applyMigrations(db.migrationAdapter);
    const created = await createMigration(db.migrationAdapter, values.name);
    console.log(created ? `created prisma/migrations/${created}` : 'schema.prisma matches the migrations: nothing to create');
  } else if (command === 'deploy') {
    const applied = await applyMigrations(db.migrationAdapter);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'no pending migrations');
  } else if (command === 'status') {
    const status = await migrationStatus(db.migrationAdapter);
    console.log(`${status.migrations.length} migrations, ${status.pending.length} pending`);
    for (const name of status.pending) console.log(`  pending: ${name}`);
    for (const name of status.failed) console.log(`  failed: ${name}`);
    for (const name of status.edited) console.log(`  edited since applied: ${name}`);
    for (const name of status.unknown) console.log(`  applied but not in prisma/migrations: ${name}`);
    if (status.pending.length || status.failed.length) process.exitCode = 1;
  } else {
    throw new Error(`unknown command ${command}: create, deploy or status`);
  }
} finally {
  await db.close();
}
