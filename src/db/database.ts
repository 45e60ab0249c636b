// Opens the database the configuration selects: PGlite in a directory (or in memory) by
// default, PostgreSQL through @prisma/adapter-pg for a postgres:// URL. Everything above this
// file sees one PrismaClient and one SQL dialect.

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { DatabaseConfig } from '../config.ts';
import { type Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { lockDataDir } from './lock.ts';
import { countStatements, type StatementCounter } from './statement-counter.ts';

export type { PrismaClient };
/** An interactive transaction's client: what every write runs on (src/write.ts). */
export type Tx = Prisma.TransactionClient;
/** Either: what reads take, so that they work inside a write and outside one. */
export type Db = PrismaClient | Tx;

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseConfig['kind'];
  /** An adapter factory for the schema engine (migrations). */
  migrationAdapter: SqlMigrationAwareDriverAdapterFactory;
  /** The statements sent so far, when the configuration counts them. */
  statements: StatementCounter | null;
  close(): Promise<void>;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const statements = config.countStatements ? { count: 0 } : null;
  const counted = (adapter: SqlDriverAdapterFactory) => (statements ? countStatements(adapter, statements) : adapter);
  if (config.kind === 'postgres') {
    // Discrete fields, not a connection string: a connection string would override the
    // `database` of the shadow database the schema engine asks for.
    const poolConfig: pg.PoolConfig = { ...toPoolConfig(config.url), max: config.poolSize };
    await checkReachable(poolConfig);
    const prisma = new PrismaClient({ adapter: counted(new PrismaPg(poolConfig)) });
    return {
      prisma,
      kind: 'postgres',
      migrationAdapter: new MigrationPgFactory(poolConfig),
      statements,
      close: () => prisma.$disconnect(),
    };
  }
  const { PGlite, PrismaPGlite } = await pgliteModules();
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  // One process per directory (lock.ts); PGlite itself does not check.
  const unlock = config.dataDir ? await lockDataDir(config.dataDir) : async () => {};
  const pglite = await PGlite.create(config.dataDir ?? 'memory://').catch(async (error) => {
    await unlock();
    throw error;
  });
  const prisma = new PrismaClient({ adapter: counted(new PrismaPGlite(pglite)) });
  return {
    prisma,
    kind: 'pglite',
    migrationAdapter: new MigrationPgliteFactory(pglite),
    statements,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      await unlock();
    },
  };
}

/**
 * Connects once, so that an unreachable or refusing server is one clear line ("connect
 * ECONNREFUSED", "database ... does not exist", a failed password) rather than Prisma's or the
 * schema engine's bare "DatabaseNotReachable" later.
 */
async function checkReachable(config: pg.PoolConfig) {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: config.connectionTimeoutMillis ?? 10_000 });
  try {
    await client.connect();
  } catch (error) {
    const where = `${config.host ?? 'localhost'}:${config.port ?? 5432}, database ${config.database ?? config.user}`;
    throw new Error(`cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** PGlite and its Prisma adapter, loaded only when used: a PostgreSQL server has no use for them. */
async function pgliteModules() {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  return { PGlite, PrismaPGlite };
}

function toPoolConfig(url: string): pg.PoolConfig {
  const parsed = parseIntoClientConfig(url);
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as pg.PoolConfig;
}

function onDispose(adapter: SqlDriverAdapter, cleanup: () => Promise<void>): SqlDriverAdapter {
  const dispose = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await dispose();
    await cleanup();
  };
  return adapter;
}

/**
 * adapter-pg rejects PostgreSQL's internal `"char"` type (OID 18), which the schema engine
 * reads from the catalogs; it is a one-byte string, so report it as text.
 */
function charAsText<R extends pg.QueryResult>(result: R): R {
  for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
  return result;
}

class CatalogSafeClient extends pg.Client {
  // pg-pool calls the callback form, adapter-pg's transactions the promise form.
  override query(...args: unknown[]) {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      const rest = args.slice(0, -1);
      // @ts-expect-error forwarding the same overload
      return super.query(...rest, (error: Error, result: pg.QueryResult) => callback(error, result && charAsText(result)));
    }
    // @ts-expect-error forwarding the same overload
    return super.query(...args).then(charAsText);
  }
}

class MigrationPgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'convene-migrate-pg';
  constructor(private readonly poolConfig: pg.PoolConfig) {}

  connect() {
    return this.connectTo(this.poolConfig.database);
  }

  async connectToShadowDb() {
    const main = await this.connect();
    const name = `convene_shadow_${randomUUID().replaceAll('-', '')}`;
    await main.executeScript(`CREATE DATABASE "${name}"`);
    return onDispose(await this.connectTo(name), async () => {
      await main.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
      await main.dispose();
    });
  }

  private connectTo(database: string | undefined) {
    // The engine does not always dispose what it connects: let idle connections not hold the
    // process, and close them soon. It also never releases its advisory lock (the native engine
    // exits instead): only closing the connection does, and a second run would wait for it.
    const pool = new pg.Pool({
      ...this.poolConfig,
      database,
      max: 2,
      allowExitOnIdle: true,
      idleTimeoutMillis: 500,
      Client: CatalogSafeClient,
    });
    return new PrismaPg(pool, { disposeExternalPool: true }).connect();
  }
}

class MigrationPgliteFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'convene-migrate-pglite';
  constructor(private readonly pglite: PGlite) {}

  async connect() {
    const { PrismaPGlite } = await pgliteModules();
    return new PrismaPGlite(this.pglite).connect();
  }

  async connectToShadowDb() {
    const { PGlite, PrismaPGlite } = await pgliteModules();
    const shadow = await PGlite.create('memory://');
    return onDispose(await new PrismaPGlite(shadow).connect(), () => shadow.close());
  }
}
