// The baseline for subscriptions: graphql-ws's `useServer` on a `ws` server, a minimal schema
// with one subscription fed by graphql-yoga's in-memory `createPubSub`, nothing else (no auth,
// no envelop plugins, no database). `POST /publish` publishes one notice, like a write would
// in convene, and answers with its revision once it is published.
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { createPubSub, createSchema } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { serveBenchTarget } from './child.ts';

interface Notice {
  revision: number;
  kinds: string[];
}

await serveBenchTarget(async () => {
  // Thousands of listeners on one topic are the point: no MaxListenersExceededWarning.
  const eventTarget = new EventTarget();
  setMaxListeners(Infinity, eventTarget);
  const pubsub = createPubSub<{ changes: [key: string, notice: Notice] }>({ eventTarget });
  // Like convene: one topic per user; every subscriber here is the same user.
  const user = 'bench';
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { hello: String }
      type ChangeNotice { revision: Int! kinds: [String!]! }
      type Subscription { changesAvailable: ChangeNotice! }
    `,
    resolvers: {
      Query: { hello: () => 'world' },
      Subscription: {
        changesAvailable: { subscribe: () => pubsub.subscribe('changes', user), resolve: (notice: Notice) => notice },
      },
    },
  });
  let revision = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/publish') {
      req.resume();
      req.on('end', () => {
        revision++;
        pubsub.publish('changes', user, { revision, kinds: ['TASK'] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ revision }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ws = useServer({ schema }, wss);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await ws.dispose();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
});
