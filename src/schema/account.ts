// Accounts: calendars a user connects (Meekan "accounts").

import { z } from 'zod';
import { accountsByIdentifier, connectAccount, disconnectAccount } from '../accounts/accounts.ts';
import { Provider } from '../generated/prisma/client.ts';
import { globalId } from '../ids.ts';
import { builder } from './builder.ts';
import { DeletePayload, viewerId, viewerWrite } from './common.ts';

const ProviderEnum = builder.enumType(Provider, { name: 'Provider' });

export const AccountRef = builder.prismaNode('Account', {
  id: { field: 'id' },
  nullable: true,
  description: 'A calendar on a provider. Its identity is directory information; its calendar is not.',
  fields: (t) => ({
    provider: t.expose('provider', { type: ProviderEnum }),
    identifier: t.exposeString('identifier'),
    name: t.exposeString('name', { nullable: true }),
    shared: t.boolean({
      description: 'Connected by more than one user (a meeting room, a team calendar).',
      resolve: async (account, _args, ctx) => (await ctx.loaders.connectedUsers.load(account.id)) > 1,
    }),
    isMain: t.boolean({
      description: "Whether this is the signed-in user's main account.",
      resolve: (account, _args, ctx) => account.mainUserId === viewerId(ctx),
    }),
  }),
});

const ConnectAccountInput = builder.inputType('ConnectAccountInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum }),
    identifier: t.string({ description: 'The calendar address, usually an email.' }),
    name: t.string({ required: false }),
    main: t.boolean({
      required: false,
      description: "Make it the user's main account (default: only if the user has none yet).",
    }),
  }),
});

builder.queryField('accountsByIdentifier', (t) =>
  t.prismaField({
    type: ['Account'],
    description: 'The accounts with these exact identifiers (emails are case-insensitive).',
    authScopes: { authenticated: true },
    args: { identifiers: t.arg.stringList({ validate: z.array(z.string()).max(100, 'at most 100 identifiers') }) },
    resolve: (query, _root, { identifiers }, ctx) => accountsByIdentifier(ctx.prisma, identifiers, query),
  }),
);

builder.mutationFields((t) => ({
  connectAccount: t.prismaField({
    type: 'Account',
    description:
      "Connects a calendar to the signed-in user: a new one is created, an existing one linked. Another user's main account cannot be linked (FORBIDDEN).",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: ConnectAccountInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const account = await viewerWrite(ctx, (w) => connectAccount(w, input));
      return ctx.prisma.account.findUniqueOrThrow({ ...query, where: { id: account.id } });
    },
  }),
  deleteAccount: t.field({
    type: DeletePayload,
    description: 'Disconnects the account from the signed-in user; it is removed when no user is connected to it any more.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: [AccountRef] }) },
    resolve: async (_root, { id }, ctx) => {
      await viewerWrite(ctx, (w) => disconnectAccount(w, id.id));
      return { id: globalId('Account', id.id) };
    },
  }),
}));

builder.subscriptionField('accountsChanged', (t) =>
  t.prismaField({
    type: ['Account'],
    description: "The signed-in user's accounts, each time one is connected or disconnected.",
    authScopes: { authenticated: true },
    subscribe: (_root, _args, ctx) => ctx.pubsub.subscribe('accounts:changed', viewerId(ctx)),
    resolve: (query, _event, _args, ctx) =>
      ctx.prisma.account.findMany({
        ...query,
        where: { users: { some: { userId: viewerId(ctx) } } },
        orderBy: { createdAt: 'asc' },
      }),
  }),
);
