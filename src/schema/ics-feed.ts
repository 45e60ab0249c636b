// The ICS feed connector's own operation: refreshing a feed now (src/synchronizations/ics/).
// Creating, listing and deleting synchronizations are ./synchronization.ts.
import { Scope } from '../generated/prisma/client.ts';
import { refreshSynchronization } from '../synchronizations/ics/refresh.ts';
import { builder } from './builder.ts';
import { viewerId } from './common.ts';
import { SynchronizationRef } from './synchronization.ts';
import { isAdmin } from './user.ts';

builder.mutationField('refreshSynchronization', (t) =>
  t.field({
    type: SynchronizationRef,
    description:
      'Fetches an ICS synchronization’s feed now and mirrors it, whatever its schedule; the synchronization shows the outcome (lastSuccessAt, lastError). A failure never removes what earlier refreshes mirrored. CONFLICT while another refresh of it runs. Your own, or any user’s for an admin.',
    authScopes: { authenticated: true, scope: Scope.ADMIN },
    args: { id: t.arg.globalID({ for: [SynchronizationRef] }) },
    resolve: (_root, { id }, ctx) => refreshSynchronization(ctx, ctx.config.ics, id.id, isAdmin(ctx) ? null : viewerId(ctx)),
  }),
);
