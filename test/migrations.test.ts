// The migrations in prisma/migrations build exactly the schema in prisma/schema.prisma, and
// applying them is what `prisma migrate deploy` would record.
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { applyMigrations, migrationStatus, readMigrations, schemaDrift } from '../src/db/migrations.ts';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';

const targets = [
  { kind: 'pglite', skip: false },
  { kind: 'postgres', skip: !postgresAvailable },
] as const;

for (const { kind, skip } of targets) {
  describe.skipIf(skip)(`migrations [${kind}${skip ? ': skipped, PostgreSQL not reachable' : ''}]`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    async function open() {
      const database = kind === 'postgres' ? await createTestDatabase() : { url: 'pglite:memory', drop: async () => {} };
      const db = await openDatabase(loadConfig({ DATABASE_URL: database.url }).database);
      cleanups.push(database.drop, () => db.close());
      return db;
    }

    it('leave nothing between the migrations and schema.prisma', async () => {
      const db = await open();
      expect(await schemaDrift(db.migrationAdapter)).toBe('');
    });

    it('apply once, record every migration, and report nothing pending', async () => {
      const db = await open();
      const names = readMigrations().migrationDirectories.map((m) => m.path);
      expect(names.length).toBeGreaterThan(0);
      expect(await migrationStatus(db.migrationAdapter)).toMatchObject({ pending: names });
      expect(await applyMigrations(db.migrationAdapter)).toEqual(names);
      expect(await applyMigrations(db.migrationAdapter)).toEqual([]);
      expect(await migrationStatus(db.migrationAdapter)).toEqual({
        migrations: names,
        pending: [],
        failed: [],
        edited: [],
        unknown: [],
      });
      const recorded = await db.prisma.$queryRaw<Array<{ migration_name: string }>>`
        SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`;
      expect(recorded.map((row) => row.migration_name)).toEqual(names);
    });
  });
}
