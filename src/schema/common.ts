// Types and helpers shared by several areas.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { isUuid } from '../sync/store.ts';
import { builder } from './builder.ts';

/** The raw id in a global id of this type, or null for anything else. */
export function decodeId(globalId: string, typename: string): string | null {
  try {
    const decoded = decodeGlobalID(globalId);
    return decoded.typename === typename && isUuid(decoded.id) ? decoded.id : null;
  } catch {
    return null;
  }
}

export const DeletePayload = builder.objectRef<{ id: string }>('DeletePayload').implement({
  description: 'The global id of what was deleted.',
  fields: (t) => ({ id: t.exposeID('id') }),
});
