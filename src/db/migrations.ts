// Migrations through Prisma's WASM schema engine (the one the `prisma` package ships), because
// the native engine binary cannot be downloaded here. The engine writes `_prisma_migrations`
// exactly as `prisma migrate deploy` does, so the real CLI accepts the same history.
//
// The engine is heavy (a 5 MB module, 30+ MB of resident memory, most of a start-up's time), so
// it is loaded only when there is something to do.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

/** The directory of package.json: two levels up from src/db, one from the bundle in dist/. */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = dirname(dir);
  }
  return dir;
}

const projectRoot = findProjectRoot();
export const schemaPath = join(projectRoot, 'prisma/schema.prisma');
export const migrationsDir = join(projectRoot, 'prisma/migrations');
const lockfileName = 'migration_lock.toml';
const noFilters = { externalTables: [], externalEnums: [] };

type EngineGlue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let engineReady: Promise<EngineGlue> | undefined;

/** The engine's glue, its WebAssembly instantiated on first use (and kept: later calls reuse it). */
function loadEngine(): Promise<EngineGlue> {
  engineReady ??= (async () => {
    const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    // The wasm is not in the package's exports: find it next to the package.json.
    const prismaPackage = createRequire(import.meta.url).resolve('prisma/package.json');
    const wasmPath = join(dirname(prismaPackage), 'build/schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': withUnrefTimers(glue as unknown as WebAssembly.ModuleImports),
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start?: () => void };
    glue.__wbg_set_wasm(exports);
    exports.__wbindgen_start?.();
    return glue;
  })();
  return engineReady;
}

/**
 * The engine arms timers (timeouts it races its queries against) that outlive its work and
 * would keep a CLI command alive for seconds after it is done: make them not hold the process.
 */
function withUnrefTimers(glue: WebAssembly.ModuleImports): WebAssembly.ModuleImports {
  const imports = { ...glue };
  for (const name of Object.keys(glue).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    const setTimer = glue[name] as (...args: unknown[]) => NodeJS.Timeout;
    imports[name] = (...args: unknown[]) => setTimer(...args).unref();
  }
  return imports;
}

async function withEngine<T>(adapterFactory: SqlMigrationAwareDriverAdapterFactory, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const glue = await loadEngine();
  const engine: SchemaEngine = await glue.SchemaEngine.new(
    { datamodels: [[schemaPath, readFileSync(schemaPath, 'utf8')]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await run(engine);
  } finally {
    engine.free();
  }
}

export function readMigrations(dir = migrationsDir): MigrationList {
  const lockfilePath = join(dir, lockfileName);
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir: dir,
    lockfile: {
      path: lockfileName,
      content: existsSync(lockfilePath) ? readFileSync(lockfilePath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/**
 * `prisma migrate deploy`: applies pending migrations, returns their names. When the history
 * already says every migration is applied, there is nothing for the engine to do and it is not
 * loaded (the usual start-up).
 */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory, dir = migrationsDir): Promise<string[]> {
  const migrationsList = readMigrations(dir);
  if (await allApplied(adapterFactory, migrationsList)) return [];
  return withEngine(adapterFactory, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return appliedMigrationNames;
  });
}

/**
 * Whether `_prisma_migrations` records every migration of `migrations` as applied (finished,
 * not rolled back) and none as failed (started, neither finished nor rolled back): then
 * `migrate deploy` would do nothing. Anything else (no table yet, a pending or failed
 * migration, one this checkout does not have) is the engine's to apply or to report.
 */
async function allApplied(adapterFactory: SqlMigrationAwareDriverAdapterFactory, migrations: MigrationList): Promise<boolean> {
  const adapter = await adapterFactory.connect();
  try {
    const query = async (sql: string) => (await adapter.queryRaw({ sql, args: [], argTypes: [] })).rows;
    const [[exists]] = (await query(`SELECT to_regclass('_prisma_migrations') IS NOT NULL`)) as [[boolean]];
    if (!exists) return false;
    const rows = (await query(
      'SELECT migration_name, finished_at IS NOT NULL, rolled_back_at IS NOT NULL FROM _prisma_migrations',
    )) as Array<[name: string, finished: boolean, rolledBack: boolean]>;
    if (rows.some(([, finished, rolledBack]) => !finished && !rolledBack)) return false;
    const applied = new Set(rows.filter(([, finished, rolledBack]) => finished && !rolledBack).map(([name]) => name));
    const local = migrations.migrationDirectories.map((migration) => migration.path);
    return applied.size === local.length && local.every((name) => applied.has(name));
  } finally {
    await adapter.dispose();
  }
}

export interface MigrationStatus {
  migrations: string[];
  pending: string[];
  failed: string[];
  edited: string[];
  /** Migrations recorded in the database that this checkout does not have. */
  unknown: string[];
}

/** `prisma migrate status`. */
export function migrationStatus(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<MigrationStatus> {
  const migrationsList = readMigrations();
  return withEngine(adapterFactory, async (engine) => {
    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: noFilters,
    });
    const history = diagnosis.history;
    const migrations = migrationsList.migrationDirectories.map((m) => m.path);
    return {
      migrations,
      pending: !history
        ? []
        : history.diagnostic === 'databaseIsBehind' || history.diagnostic === 'historiesDiverge'
          ? history.unappliedMigrationNames
          : [],
      unknown: history && history.diagnostic !== 'databaseIsBehind' ? history.unpersistedMigrationNames : [],
      failed: diagnosis.failedMigrationNames,
      edited: diagnosis.editedMigrationNames,
    };
  });
}

/**
 * The SQL that would take a database built from the migrations to schema.prisma: empty when
 * the migrations are complete. Replays the migrations on a shadow database.
 */
export function schemaDrift(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const migrations = readMigrations();
  return withEngine(adapterFactory, async (engine) => {
    const result = await engine.diff({
      from: migrations.migrationDirectories.length ? { tag: 'migrations', ...migrations } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return (result.stdout ?? '').replace(/^-- This is an empty migration\.\s*$/m, '').trim();
  });
}

/**
 * `prisma migrate dev --create-only`: writes a new migration from the schema diff, or returns
 * null when there is none. Named like the CLI's: <UTC timestamp>_<name>.
 */
export async function createMigration(adapterFactory: SqlMigrationAwareDriverAdapterFactory, name: string): Promise<string | null> {
  const script = await schemaDrift(adapterFactory);
  if (!script) return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const directory = `${stamp}_${name.replace(/[^A-Za-z0-9_]+/g, '_')}`;
  mkdirSync(join(migrationsDir, directory), { recursive: true });
  writeFileSync(join(migrationsDir, directory, 'migration.sql'), `${script}\n`);
  const lockfilePath = join(migrationsDir, lockfileName);
  if (!existsSync(lockfilePath)) {
    writeFileSync(
      lockfilePath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return directory;
}
