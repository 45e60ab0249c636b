// Types and helpers shared by several areas.
import { decodeGlobalID, encodeGlobalID, resolveNodes } from '@pothos/plugin-relay';
import type { SyncObjectKind } from '../sync/commit.ts';
import { isUuid } from '../sync/store.ts';
import { builder, type Context, isNodeType } from './builder.ts';

/** The signed-in user, whose objects a query may reach: another user's resolve to nothing, as if they did not exist. */
export const ownedBy = (ctx: Context) => ctx.auth.principal?.user.id ?? '00000000-0000-0000-0000-000000000000';

/** The GraphQL type of each kind of synced object. */
export const kindTypenames: Record<SyncObjectKind, string> = { TASK: 'Task', APPOINTMENT: 'Appointment', CALENDAR_ENTRY: 'CalendarEntry' };
export const globalId = (kind: SyncObjectKind, id: string) => encodeGlobalID(kindTypenames[kind], id);

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
      const nodes = (await resolveNodes(builder, ctx, info, known)).values();
      return ids.map((id) => (isNodeType(info, id.typename) ? nodes.next().value : null));
    },
  }),
);
