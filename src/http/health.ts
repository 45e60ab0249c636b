// Probes for process managers and load balancers: /health says the process answers, /ready
// that it can serve (the database answers). Redis is no part of /ready: it carries hints
// between instances (src/pubsub.ts), and without it an instance still serves every query and
// write. All instances share one Redis, so failing /ready while it is away would take every
// instance out of the load balancer at once, for the loss of hints alone.
import { jsonResponse, type RouteDeps } from './routes.ts';

export function health(): Response {
  return jsonResponse({ status: 'ok' });
}

export async function ready(_request: Request, { db, logger }: RouteDeps): Promise<Response> {
  try {
    await db.prisma.$queryRaw`SELECT 1`;
    return jsonResponse({ status: 'ready' });
  } catch (error) {
    logger.warn('/ready: the database does not answer', error);
    return jsonResponse({ status: 'unavailable', reason: 'the database does not answer' }, 503);
  }
}
