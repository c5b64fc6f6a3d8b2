import type { Logger } from 'pino';
import { HealthResponse } from '../../../../contracts/health';
import { defineRoute } from '../../route';

const PROBE_TIMEOUT_MS = 2000;

/** Up or down only: the reason (which may name hosts, ports or driver internals) is logged, never answered. */
async function probe(name: string, check: () => Promise<void>, logger: Logger | undefined) {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS); })]);
    return { status: 'up' as const };
  } catch (err) {
    logger?.warn({ dependency: name, latencyMs: Date.now() - started, err }, 'health check: dependency down');
    return { status: 'down' as const };
  } finally {
    clearTimeout(timer);
  }
}

export default defineRoute({
  method: 'get',
  path: '/health',
  summary: 'Database and Temporal reachability: 200 when both are up, 503 saying which one is down (the reason is in the logs)',
  tag: 'operations',
  auth: 'public',
  response: { status: 200, schema: HealthResponse, others: { 503: { description: 'Degraded: the checks say which dependency is down', schema: HealthResponse } } },
  handler: async ({ deps, req, res }) => {
    const [database, temporal] = await Promise.all([probe('database', deps.healthChecks.database, req.log), probe('temporal', deps.healthChecks.temporal, req.log)]);
    const body: HealthResponse = { status: database.status === 'up' && temporal.status === 'up' ? 'ok' : 'degraded', checks: { database, temporal } };
    res.status(body.status === 'ok' ? 200 : 503).json(body);
    return undefined;
  },
});
