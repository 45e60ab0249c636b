// The command line on its own database: this process opens it (taking the PGlite lock),
// migrates it, and runs the commands' GraphQL operations here, as the local operator.
// Loaded only then: it brings Prisma, PGlite and the schema.
import { graphql } from 'graphql';
import { createLogger } from 'graphql-yoga';
import { createAuthenticator, operatorAuth } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { applyMigrations } from '../db/migrations.ts';
import { createEventBus } from '../pubsub.ts';
import { operationContext, systemClock } from '../schema/builder.ts';
import { schema } from '../schema/index.ts';
import { serverSecrets } from '../secrets.ts';
import { dataOf, type GraphQLClient } from './client.ts';

/** Opens and migrates the database (DataDirLockedError when another process holds it). */
export async function openLocalClient(config: Config): Promise<GraphQLClient> {
  const db = await openDatabase(config.database);
  try {
    await applyMigrations(db.migrationAdapter);
    return await inProcessClient(db, config);
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Runs operations in this process, on `db`; closing the client closes the database. */
async function inProcessClient(db: Database, config: Config): Promise<GraphQLClient> {
  // Through Redis when configured: a revocation here reaches every server's auth cache at once.
  // Its warnings (Redis not reachable) go to stderr; stdout is the command's output.
  const logger = createLogger(config.logLevel);
  const events = await createEventBus(config.redisUrl, { warn: logger.warn, info: () => {} });
  const authenticator = createAuthenticator(db.prisma, 0);
  const secrets = await serverSecrets(db.prisma, config);
  return {
    async run(query, variables, asToken) {
      const contextValue = operationContext(
        { prisma: db.prisma, pubsub: events.pubsub, authenticator, config, ...secrets, clock: systemClock },
        asToken ? await authenticator.authenticate(asToken) : operatorAuth,
      );
      return dataOf(await graphql({ schema, source: query, variableValues: variables, contextValue }));
    },
    async close() {
      // A write publishes its events (a revocation's eviction) in a setImmediate after its
      // commit (src/write.ts): let them go out before the bus closes. Immediates run in order.
      await new Promise((resolve) => setImmediate(resolve));
      await events.close();
      await db.close();
    },
  };
}

/** `convene migrate`: applies pending migrations (DataDirLockedError while a server holds the database). */
export async function migrate(config: Config) {
  const db = await openDatabase(config.database);
  try {
    const applied = await applyMigrations(db.migrationAdapter);
    console.error(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations are up to date');
  } finally {
    await db.close();
  }
}
