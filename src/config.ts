// Environment variables and command-line flags -> one typed, validated configuration.
import { resolve } from 'node:path';
import { z } from 'zod';

export type DatabaseConfig = (
  | { kind: 'pglite' /** null = in memory */; dataDir: string | null }
  | { kind: 'postgres'; url: string; poolSize: number }
) & {
  /** Count the SQL statements sent (Database.statements), for tests of what a request costs. */
  countStatements?: boolean;
};

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  GRAPHQL_PATH: z.string().startsWith('/').default('/graphql'),
  DATABASE_URL: z.string().optional(),
  CONVENE_DATA_DIR: z.string().default('./.convene/data'),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  DATABASE_COUNT_STATEMENTS: z.stringbool().optional(),
  MIGRATE_ON_START: z.stringbool().default(true),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().positive().default(30),
  MAX_QUERY_TOKENS: z.coerce.number().int().positive().default(3000),
  MAX_QUERY_COST: z.coerce.number().int().positive().default(5000),
  AUTH_CACHE_MS: z.coerce.number().int().min(0).default(5000),
  WS_CONNECTION_INIT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  SYNC_TOKEN_SECRET: z.string().min(32, 'SYNC_TOKEN_SECRET: at least 32 characters').optional(),
  SECRETS_KEY: z.string().min(32, 'SECRETS_KEY: at least 32 characters').optional(),
  ICS_REFRESH_MINUTES: z.coerce.number().positive().default(15),
  ICS_POLL_SECONDS: z.coerce.number().positive().default(60),
  ICS_FETCH_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  ICS_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  ICS_ALLOW_PRIVATE_ADDRESSES: z.stringbool().default(false),
  ICS_EXPAND_PAST_DAYS: z.coerce.number().int().min(0).default(365),
  ICS_EXPAND_FUTURE_DAYS: z.coerce.number().int().positive().default(730),
  SYNC_RETENTION_DAYS: z.coerce.number().positive().default(60),
  SYNC_SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  SYNC_QUEUE_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  SYNC_MAX_DELIVERIES: z.coerce.number().int().min(1).max(100).default(3),
  MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().positive().default(3600),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL: smtp://[user:password@]host[:port] or smtps://...')
    .optional(),
  SMTP_FROM: z.string().default('convene <convene@localhost>'),
  MAIL_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(4),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  MAIL_RETRY_SECONDS: z.coerce.number().positive().default(30),
  MAIL_CLAIM_SECONDS: z.coerce.number().positive().default(300),
  MAIL_POLL_SECONDS: z.coerce.number().positive().default(10),
  POLL_NOTICE_SECONDS: z.coerce.number().positive().default(60),
});

export type Config = ReturnType<typeof loadConfig>;

/** `flags` are command-line overrides, named like the environment variables. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  flags: Partial<Record<keyof z.input<typeof envSchema>, string>> = {},
) {
  const parsed = envSchema.safeParse({ ...env, ...stripUndefined(flags) });
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    graphqlPath: e.GRAPHQL_PATH,
    /** Where convene is reached from outside, for links in mail (vote links); null: http://localhost:<port> once listening. */
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    database: { ...databaseConfig(e.DATABASE_URL, e.CONVENE_DATA_DIR, e.DATABASE_POOL_SIZE), countStatements: e.DATABASE_COUNT_STATEMENTS },
    migrateOnStart: e.MIGRATE_ON_START,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxDepth: e.MAX_QUERY_DEPTH,
      maxAliases: e.MAX_QUERY_ALIASES,
      maxTokens: e.MAX_QUERY_TOKENS,
      maxCost: e.MAX_QUERY_COST,
    },
    authCacheMs: e.AUTH_CACHE_MS,
    wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    sync: {
      /** Null: a random secret is generated once and kept in the database for all instances. */
      tokenSecret: e.SYNC_TOKEN_SECRET ?? null,
      retentionMs: e.SYNC_RETENTION_DAYS * 86_400_000,
      sessionIdleMs: e.SYNC_SESSION_IDLE_MINUTES * 60_000,
      queuePageSize: e.SYNC_QUEUE_PAGE_SIZE,
      /** Token sync: commits an object is delivered in, unacknowledged, before it is skipped (src/sync/pending.ts). */
      maxDeliveries: e.SYNC_MAX_DELIVERIES,
    },
    /** Encrypts connector provisioning (src/secrets.ts). Null: a random key is generated once and kept in the database. */
    secretsKey: e.SECRETS_KEY ?? null,
    maintenanceIntervalMs: e.MAINTENANCE_INTERVAL_SECONDS * 1000,
    /** How often the poll notices job looks for passed deadlines and due reminders (src/meetings/poll-notices.ts). */
    pollNoticeIntervalMs: e.POLL_NOTICE_SECONDS * 1000,
    mail: {
      /** Null: messages are written to the log instead of sent. */
      smtpUrl: e.SMTP_URL ?? null,
      from: e.SMTP_FROM,
      /** Messages sent at once, each on its own SMTP connection. */
      connections: e.MAIL_CONNECTIONS,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      /** The wait before the first retry; it doubles with each, up to an hour. */
      retryMs: e.MAIL_RETRY_SECONDS * 1000,
      /** How long a claimed message is left to its sender before another run may send it again. */
      claimMs: e.MAIL_CLAIM_SECONDS * 1000,
      /** How often the relay looks for due messages (retries) besides being woken by a commit. */
      pollMs: e.MAIL_POLL_SECONDS * 1000,
    },
    /** ICS feed synchronizations (src/synchronizations/ics/). */
    ics: {
      /** How often each feed is fetched (plus up to a tenth of it at random, per feed and refresh). */
      refreshMs: e.ICS_REFRESH_MINUTES * 60_000,
      /** How often the job looks for feeds that are due. */
      pollMs: e.ICS_POLL_SECONDS * 1000,
      timeoutMs: e.ICS_FETCH_TIMEOUT_SECONDS * 1000,
      maxBytes: e.ICS_MAX_BYTES,
      /** Fetch from loopback, private and link-local addresses too (tests, feeds inside one's own network). */
      allowPrivateAddresses: e.ICS_ALLOW_PRIVATE_ADDRESSES,
      /** The window in which rules convene cannot store as a series are expanded, in days before and after today. */
      expandPastDays: e.ICS_EXPAND_PAST_DAYS,
      expandFutureDays: e.ICS_EXPAND_FUTURE_DAYS,
    },
  };
}

function databaseConfig(url: string | undefined, dataDir: string, poolSize: number): DatabaseConfig {
  if (!url) return { kind: 'pglite', dataDir: resolve(dataDir) };
  if (url === 'pglite:memory') return { kind: 'pglite', dataDir: null };
  if (url.startsWith('pglite:')) return { kind: 'pglite', dataDir: resolve(url.slice('pglite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url, poolSize };
  throw new Error(`invalid configuration: DATABASE_URL must be postgres://..., pglite:<dir> or pglite:memory`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
