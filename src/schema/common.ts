// Types and helpers shared by several areas.
import { decodeGlobalID, resolveNodes } from '@pothos/plugin-relay';
import { isUuid } from '../sync/store.ts';
import { builder, isNodeType } from './builder.ts';

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

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: 'The nodes with these ids, in order; null for an id that names nothing (as node does).',
    args: { ids: t.arg.globalIDList({ required: true }) },
    resolve: async (_root, { ids }, ctx, info) => {
      const known = ids.filter((id) => isNodeType(info, id.typename));
      const nodes = await resolveNodes(builder, ctx, info, known);
      return ids.map((id) => (known.includes(id) ? nodes[known.indexOf(id)] : null));
    },
  }),
);
