// schema.graphql is what clients are written against: it must match the code.
import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

it('schema.graphql is up to date (run `npm run schema`)', () => {
  const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(`${printSchema(schema)}\n`);
});

it('keeps the names of the API contract', () => {
  const sdl = printSchema(schema);
  for (const field of ['me: User!', 'node(id: ID!): Node', 'accountsByIdentifier(identifiers: [String!]!): [Account!]!']) {
    expect(sdl).toContain(field);
  }
  expect(sdl).toContain('connectAccount(input: ConnectAccountInput!): Account!');
  expect(sdl).toContain('deleteAccount(id: ID!): DeletePayload!');
});
