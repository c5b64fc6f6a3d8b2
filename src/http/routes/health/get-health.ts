import { HealthResponse } from '../../../../contracts/health';
import { defineRoute } from '../../route';

const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<void>) {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS); })]);
    return { status: 'up' as const, latencyMs: Date.now() - started };
  } catch (err) {
    return { status: 'down' as const, latencyMs: Date.now() - started, error: (err as Error).message.split('\n')[0].slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

export default defineRoute({
  method: 'get',
  path: '/health',
  summary: 'Database and Temporal reachability: 200 when both are up, 503 naming the one that is down',
  tag: 'operations',
  auth: 'public',
  response: { status: 200, schema: HealthResponse },
  errors: [503],
  handler: async ({ deps, res }) => {
    const [database, temporal] = await Promise.all([probe(deps.healthChecks.database), probe(deps.healthChecks.temporal)]);
    const body: HealthResponse = { status: database.status === 'up' && temporal.status === 'up' ? 'ok' : 'degraded', checks: { database, temporal } };
    res.status(body.status === 'ok' ? 200 : 503).json(body);
    return undefined;
  },
});
