import { describe, expect, it } from 'vitest';
import { bearerToken, generateAccessToken, hashAccessToken } from '../../src/auth/tokens.ts';

describe('access tokens', () => {
  it('are random, prefixed and URL-safe', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateAccessToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^cvn_[A-Za-z0-9_-]{43}$/);
  });

  it('hash to a stable SHA-256 hex digest that does not contain the token', () => {
    const token = generateAccessToken();
    expect(hashAccessToken(token)).toBe(hashAccessToken(token));
    expect(hashAccessToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAccessToken(token)).not.toContain(token.slice(4, 12));
    expect(hashAccessToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['  Bearer   abc  ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    ['abc', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('bearerToken(%j) = %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
