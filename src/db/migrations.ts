// Migrations through Prisma's WASM schema engine (the one the `prisma` package ships), because
// the native engine binary cannot be downloaded here. The engine writes `_prisma_migrations`
// exactly as `prisma migrate deploy` does, so the real CLI accepts the same history.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const schemaPath = join(projectRoot, 'prisma/schema.prisma');
export const migrationsDir = join(projectRoot, 'prisma/migrations');
const lockfileName = 'migration_lock.toml';
const noFilters = { externalTables: [], externalEnums: [] };

let engineReady: Promise<void> | undefined;

function loadEngine(): Promise<void> {
  engineReady ??= (async () => {
    // The wasm is not in the package's exports: find it next to the package.json.
    const prismaPackage = createRequire(import.meta.url).resolve('prisma/package.json');
    const wasmPath = join(dirname(prismaPackage), 'build/schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': withUnrefTimers(engineGlue as unknown as WebAssembly.ModuleImports),
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start?: () => void };
    engineGlue.__wbg_set_wasm(exports);
    exports.__wbindgen_start?.();
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
  await loadEngine();
  const engine: SchemaEngine = await engineGlue.SchemaEngine.new(
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

/** `prisma migrate deploy`: applies pending migrations, returns their names. */
export function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  return withEngine(adapterFactory, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrations(),
      filters: noFilters,
    });
    return appliedMigrationNames;
  });
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
