// Ids. Every stored object has a UUID; the API shows Relay global ids (base64 of "Type:uuid").
// Every global id the server reads is decoded here: by the builder for id arguments (a bad one
// is BAD_USER_INPUT) and by decodeId for ids inside input objects, where a bad one is answered
// per item (a sync commit) or as the field's own error.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Object ids are UUIDs; anything else names no object (and must not reach a uuid cast). */
export const isUuid = (id: string) => uuidPattern.test(id);

export const globalId = (typename: string, id: string) => encodeGlobalID(typename, id);

/** The type and raw id of a global id, or null when it is malformed or its id is not a UUID. */
export function parseGlobalId(globalId: string): { typename: string; id: string } | null {
  try {
    const decoded = decodeGlobalID(globalId);
    return isUuid(decoded.id) ? decoded : null;
  } catch {
    return null;
  }
}

/** The raw id in a global id of this type, or null for anything else. */
export function decodeId(globalId: string, typename: string): string | null {
  const decoded = parseGlobalId(globalId);
  return decoded?.typename === typename ? decoded.id : null;
}
