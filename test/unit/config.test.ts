import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database in ./.convene/data on port 4000', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: resolve('.convene/data') });
    expect(config).toMatchObject({ port: 4000, graphqlPath: '/graphql', migrateOnStart: true });
  });

  it.each([
    ['pglite:memory', { kind: 'pglite', dataDir: null }],
    ['pglite:/var/lib/convene', { kind: 'pglite', dataDir: '/var/lib/convene' }],
    ['postgres://u@h:5432/db', { kind: 'postgres', url: 'postgres://u@h:5432/db', poolSize: 10 }],
    ['postgresql://u@h/db', { kind: 'postgres', url: 'postgresql://u@h/db', poolSize: 10 }],
  ])('DATABASE_URL=%s selects %j', (url, expected) => {
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual(expected);
  });

  it('mail: logged without SMTP_URL; retries, claim and poll in milliseconds', () => {
    expect(loadConfig({}).mail).toEqual({
      smtpUrl: null,
      from: 'convene <convene@localhost>',
      connections: 4,
      maxAttempts: 10,
      retryMs: 30_000,
      claimMs: 300_000,
      pollMs: 10_000,
    });
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', MAIL_RETRY_SECONDS: '0.5' }).mail).toMatchObject({
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      retryMs: 500,
    });
  });

  it('lets flags override the environment', () => {
    const config = loadConfig({ PORT: '5000', CONVENE_DATA_DIR: '/a' }, { PORT: '6000', CONVENE_DATA_DIR: '/b' });
    expect(config.port).toBe(6000);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/b' });
    expect(loadConfig({}, { MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ GRAPHQL_PATH: 'graphql' }, /GRAPHQL_PATH/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL/],
    [{ MIGRATE_ON_START: 'perhaps' }, /MIGRATE_ON_START/],
    [{ SMTP_URL: 'mail.example.com:25' }, /SMTP_URL: smtp:\/\/\[user:password@\]host\[:port\]/],
    [{ MAIL_CONNECTIONS: '0' }, /MAIL_CONNECTIONS/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
