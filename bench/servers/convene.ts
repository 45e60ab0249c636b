// convene itself, on the database given as the first argument (pglite:memory by default), with a
// user "bench" and a fresh access token for the benchmark requests.
import { createAccessToken, createUser } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/config.ts';
import { createServer } from '../../src/server.ts';
import { serveBenchTarget } from './child.ts';

await serveBenchTarget(async () => {
  const server = createServer(
    loadConfig({ DATABASE_URL: process.argv[2] ?? 'pglite:memory', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error' }),
  );
  const url = await server.start();
  const { prisma } = server.db;
  // A persistent database (PostgreSQL) keeps the user from the previous run.
  const user = { username: 'bench', email: 'bench@example.com' };
  if (!(await prisma.user.findUnique({ where: { username: user.username } }))) await createUser({ prisma }, user);
  const { token, accessToken } = await createAccessToken(prisma, {
    username: user.username,
    scopes: ['SYNC', 'MEETINGS', 'CALENDAR'],
    name: 'bench',
  });
  return {
    url,
    headers: { authorization: `Bearer ${token}` },
    async stop() {
      await prisma.accessToken.delete({ where: { id: accessToken.id } });
      await server.stop();
    },
  };
});
