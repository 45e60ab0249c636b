// What a GraphQL request costs in SQL statements, on a server that counts them
// (startTestServer with DATABASE_COUNT_STATEMENTS=true; src/db/statement-counter.ts).
import type { GraphQLResponse, TestServer } from './server.ts';

/**
 * The counter is the whole server's: background jobs that poll the database (the mail relay
 * every MAIL_POLL_SECONDS, maintenance) must not run during a measured request.
 */
export const countingEnv = {
  DATABASE_COUNT_STATEMENTS: 'true',
  MAIL_POLL_SECONDS: '86400',
  MAINTENANCE_INTERVAL_SECONDS: '86400',
  POLL_NOTICE_SECONDS: '86400',
  ICS_POLL_SECONDS: '86400',
};

/**
 * The statements the server sent while answering this request. The counter is the server's,
 * so nothing else may run on that server meanwhile (the tests of a file run one at a time).
 */
export async function statementsOf<T = any>(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
): Promise<{ statements: number; response: GraphQLResponse<T> }> {
  const counter = server.server.db.statements;
  if (!counter) throw new Error('this server does not count statements: start it with countingEnv');
  const before = counter.count;
  const response = await server.gql<T>(query, variables, token);
  return { statements: counter.count - before, response };
}
