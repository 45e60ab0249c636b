import { expect, it } from 'vitest';
import { normalizeIdentifier } from '../../src/accounts/accounts.ts';

it.each([
  ['Alice@Example.COM', 'alice@example.com'],
  ['  bob@example.com ', 'bob@example.com'],
  ['https://example.com/Team.ics', 'https://example.com/Team.ics'],
  ['webcal://Example.com/a@b', 'webcal://Example.com/a@b'],
  ['Room 1', 'Room 1'],
])('normalizeIdentifier(%j) = %j', (input, expected) => {
  expect(normalizeIdentifier(input)).toBe(expected);
});
