// Types and helpers shared by several areas.
import { resolveNodes } from '@pothos/plugin-relay';
import { runWrite, type WriteContext } from '../write.ts';
import { builder, type Context, isNodeType } from './builder.ts';

const nobody = '00000000-0000-0000-0000-000000000000';

/**
 * The signed-in user's id: the one way resolvers read who is asking. Behind an authScopes
 * check there always is a user; without one (node lookups) it is an id that owns nothing, so
 * that another user's objects resolve to nothing, as if they did not exist.
 */
export const viewerId = (ctx: Context) => ctx.auth.principal?.user.id ?? nobody;

/** Runs a write (src/write.ts) acting for the signed-in user. */
export const viewerWrite = <T>(ctx: Context, work: (w: WriteContext) => Promise<T>) => runWrite(ctx, { userId: viewerId(ctx) }, work);

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
