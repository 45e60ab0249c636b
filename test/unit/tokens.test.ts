import { describe, expect, it } from 'vitest';
import { bearerToken, connectionAuthorization, generateAccessToken, hashSecret, operationAuthorization } from '../../src/auth/tokens.ts';

describe('access tokens', () => {
  it('are random, prefixed and URL-safe', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateAccessToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^cvn_[A-Za-z0-9_-]{43}$/);
  });

  it('hash to a stable SHA-256 hex digest that does not contain the token', () => {
    const token = generateAccessToken();
    expect(hashSecret(token)).toBe(hashSecret(token));
    expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(token)).not.toContain(token.slice(4, 12));
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
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
    [42, null],
    [['Bearer abc'], null],
  ])('bearerToken(%j) = %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });

  it.each([
    [{ authorization: 'a' }, 'a'],
    [{ Authorization: 'a' }, 'a'],
    [{ AUTHORIZATION: 'a' }, 'a'],
    [{ headers: { Authorization: 'a' } }, 'a'],
    [{ Headers: { authorization: 'a' } }, 'a'],
    [{ authorization: 'a', headers: { authorization: 'b' } }, 'a'],
    [{ authorization: null, headers: { authorization: 'b' } }, 'b'],
    [{ authorization: 42 }, 42],
    [{ authorization: '' }, ''],
    [{ authorization: null }, undefined],
    [{ token: 'a' }, undefined],
    [{ headers: 'Authorization: a' }, undefined],
    [{}, undefined],
    [null, undefined],
    [undefined, undefined],
    ['authorization', undefined],
  ])('connectionAuthorization(%j) = %j', (params, expected) => {
    expect(connectionAuthorization(params)).toBe(expected);
  });

  it.each([
    [{ headers: { Authorization: 'a' } }, 'a'],
    [{ headers: { authorization: 'a' } }, 'a'],
    [{ authorization: 'a' }, undefined],
    [{ headers: {} }, undefined],
    [{}, undefined],
    [undefined, undefined],
  ])('operationAuthorization(%j) = %j', (extensions, expected) => {
    expect(operationAuthorization(extensions)).toBe(expected);
  });
});
