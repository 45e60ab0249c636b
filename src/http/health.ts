// Probes for process managers and load balancers: /health says the process answers, /ready
// that it can serve (the database answers).
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
