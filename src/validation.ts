// Checks every input passes before the database sees it: what GraphQL's own types accept but
// PostgreSQL cannot store. A failure here is the caller's input (BAD_USER_INPUT, or INVALID for
// one item of a sync commit), never an INTERNAL_SERVER_ERROR from the database.

import { Temporal } from 'temporal-polyfill';

const nul = '\u0000';

export const hasNul = (text: string) => text.includes(nul);

/**
 * The path of the first string in `value` (any nesting of objects and arrays) that holds a
 * NUL character, which PostgreSQL text cannot store; null when there is none.
 */
export function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return hasNul(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const found = nulPath(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

export const nulMessage = (path: string) => `${path}: contains a NUL character (\\u0000), which cannot be stored`;

/** The years both databases store and every client parses: 0001 to 9999. */
export const minYear = 1;
export const maxYear = 9999;

/** An IANA time zone name Temporal knows (e.g. Europe/Berlin, UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}
