// The migrations in prisma/migrations build exactly the schema in prisma/schema.prisma, and
// applying them is what `prisma migrate deploy` would record.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { applyMigrations, migrationStatus, migrationsDir, readMigrations, schemaDrift } from '../src/db/migrations.ts';
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

    // The WASM schema engine applies every migration to a shadow database and diffs it with
    // schema.prisma: ~10 s of CPU with 13 migrations, which a busy machine stretches past 30 s.
    it('leave nothing between the migrations and schema.prisma', { timeout: 120_000 }, async () => {
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

    it('apply what a newer checkout adds to a database that has the older ones', async () => {
      const db = await open();
      const names = readMigrations().migrationDirectories.map((m) => m.path);
      const older = mkdtempSync(join(tmpdir(), 'convene-migrations-'));
      cleanups.push(async () => rmSync(older, { recursive: true, force: true }));
      cpSync(migrationsDir, older, { recursive: true, filter: (path) => !path.endsWith(names.at(-1)!) });
      expect(await applyMigrations(db.migrationAdapter, older)).toEqual(names.slice(0, -1));
      expect(await applyMigrations(db.migrationAdapter)).toEqual(names.slice(-1));
      expect(await applyMigrations(db.migrationAdapter)).toEqual([]);
    });

    it('refuse to go on over a failed migration, as migrate deploy does', async () => {
      const db = await open();
      await applyMigrations(db.migrationAdapter);
      // Started by another checkout and failed: neither finished nor rolled back.
      await db.prisma.$executeRaw`
        INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at)
        VALUES (gen_random_uuid()::text, '0', '29991231000000_elsewhere', now())`;
      await expect(applyMigrations(db.migrationAdapter)).rejects.toThrow(/failed/);
    });
  });
}
