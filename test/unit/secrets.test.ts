// The envelope connector provisioning is stored in: AES-256-GCM under a key derived from the
// server secret, bound to its row. What does not open must say so (SecretUnreadable), never
// return altered plaintext.
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretUnreadable } from '../../src/secrets.ts';

const key = 'a server secret of at least thirty-two characters';
const row = '0b3c5a52-6f0e-4f8e-9a51-2f7f3c1d9e10';

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh IV each time', () => {
    const box = new SecretBox(key);
    const plaintext = JSON.stringify({ url: 'https://example.org/feed.ics?token=s3cret', accountId: row });
    const [a, b] = [box.seal(plaintext, row), box.seal(plaintext, row)];
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(box.open(a, row)).toBe(plaintext);
    expect(new SecretBox(key).open(b, row)).toBe(plaintext); // the same secret, the same key
  });

  it.each([
    ['another key', (e: string) => ({ box: new SecretBox(`${key}!`), envelope: e, ad: row })],
    ['another row', (e: string) => ({ box: new SecretBox(key), envelope: e, ad: 'another row' })],
    [
      'a flipped byte',
      (e: string) => ({ box: new SecretBox(key), envelope: `${e.slice(0, -2)}${e.at(-2) === 'A' ? 'B' : 'A'}${e.at(-1)}`, ad: row }),
    ],
    ['an unknown version', (e: string) => ({ box: new SecretBox(key), envelope: e.replace(/^v1:/, 'v2:'), ad: row })],
    ['a truncated envelope', (e: string) => ({ box: new SecretBox(key), envelope: e.slice(0, 12), ad: row })],
    ['no envelope at all', () => ({ box: new SecretBox(key), envelope: 'https://example.org/feed.ics', ad: row })],
  ])('refuses %s', (_what, variant) => {
    const { box, envelope, ad } = variant(new SecretBox(key).seal('secret', row));
    expect(() => box.open(envelope, ad)).toThrow(SecretUnreadable);
  });
});
