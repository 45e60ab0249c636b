// Types shared by several areas.
import { builder } from './builder.ts';

export const DeletePayload = builder.objectRef<{ id: string }>('DeletePayload').implement({
  description: 'The global id of what was deleted.',
  fields: (t) => ({ id: t.exposeID('id') }),
});
