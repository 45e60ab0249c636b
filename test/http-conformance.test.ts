// GraphQL over HTTP conformance: graphql-http's server audits against the running server.
// Every MUST and SHOULD audit has to pass (MAY audits are optional in the spec).
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('pglite');
});
afterAll(() => server.stop());

describe('GraphQL over HTTP audits', () => {
  for (const audit of serverAudits({ url: () => server.url })) {
    const required = audit.name.startsWith('MUST') || audit.name.startsWith('SHOULD');
    it.skipIf(!required)(audit.name, async () => {
      const result = await audit.fn();
      if (result.status !== 'ok') {
        const response = 'response' in result ? await result.response.text().catch(() => '') : '';
        expect.fail(`${result.reason}\n${response}`);
      }
    });
  }
});
