// Calendar feeds: secret URLs serving the signed-in user's calendar as iCalendar
// (src/calendar/feeds.ts; the route is src/http/calendar-feed.ts). Each user manages their own.

import { createCalendarFeed, feedPath, revokeCalendarFeed } from '../calendar/feeds.ts';
import { type CalendarFeed, Scope } from '../generated/prisma/client.ts';
import { runWrite } from '../write.ts';
import { builder } from './builder.ts';
import { viewerId } from './common.ts';
import { UserRef } from './user.ts';

export const CalendarFeedRef = builder.prismaNode('CalendarFeed', {
  id: { field: 'id' },
  nullable: true,
  description:
    'A secret URL serving your calendar as iCalendar (text/calendar), for any calendar app to subscribe to. Its URL is shown once, when it is created.',
  findUnique: (id, ctx) => ({ id, userId: viewerId(ctx) }),
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedCalendarFeed = builder.objectRef<{ feed: CalendarFeed; path: string; url: string | null }>('CreatedCalendarFeed').implement({
  description: 'A new calendar feed with its secret URL: shown once, only a hash of it is kept. Revoke the feed to stop the URL working.',
  fields: (t) => ({
    feed: t.field({ type: CalendarFeedRef, resolve: (created) => created.feed }),
    path: t.exposeString('path', { description: 'The URL on this server: /feeds/cvf_<secret>.ics.' }),
    url: t.exposeString('url', {
      nullable: true,
      description: 'The absolute URL (after PUBLIC_URL); null when the server does not know its own.',
    }),
  }),
});

builder.queryField('calendarFeeds', (t) =>
  t.field({
    type: [CalendarFeedRef],
    description: 'Your calendar feeds, oldest first.',
    authScopes: { scope: Scope.CALENDAR },
    resolve: (_root, _args, ctx) => ctx.loaders.calendarFeedsOf.load(viewerId(ctx)),
  }),
);

builder.mutationFields((t) => ({
  createCalendarFeed: t.field({
    type: CreatedCalendarFeed,
    description: 'Creates a secret URL serving your calendar as iCalendar.',
    authScopes: { scope: Scope.CALENDAR },
    resolve: async (_root, _args, ctx) => {
      const { feed, secret } = await runWrite(ctx, { userId: viewerId(ctx) }, createCalendarFeed);
      const path = feedPath(secret);
      return { feed, path, url: ctx.config.publicUrl ? `${ctx.config.publicUrl}${path}` : null };
    },
  }),
  revokeCalendarFeed: t.field({
    type: 'Boolean',
    description: 'Revokes one of your calendar feeds: its URL answers 404 from now on, like one that never was. NOT_FOUND for any other.',
    authScopes: { scope: Scope.CALENDAR },
    args: { id: t.arg.globalID({ for: [CalendarFeedRef] }) },
    resolve: async (_root, { id }, ctx) => {
      await runWrite(ctx, { userId: viewerId(ctx) }, (w) => revokeCalendarFeed(w, id.id));
      return true;
    },
  }),
}));

// Reached through `me` too, like the user's tokens and synchronizations.
builder.objectField(UserRef, 'calendarFeeds', (t) =>
  t.field({ type: [CalendarFeedRef], resolve: (user, _args, ctx) => ctx.loaders.calendarFeedsOf.load(user.id) }),
);
