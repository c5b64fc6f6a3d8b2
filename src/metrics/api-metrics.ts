import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

const COLLECT_TIMEOUT_MS = 2000;

/**
 * Connections by status, read from Postgres when Prometheus scrapes (one grouped count over a small table),
 * so every API instance reports the same truth without keeping state. A slow or failing database leaves the
 * previous figures in place instead of failing the whole scrape.
 */
export function registerConnectionGauge(registry: Registry, dataSource: DataSource, logger: Logger): void {
  new Gauge({
    name: 'carbonplan_connections',
    help: 'Provider connections by status (deleted ones excluded)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      try {
        const rows: Array<{ status: string; count: string }> = await dataSource.transaction(async (m) => {
          await m.query(`SET LOCAL statement_timeout = ${COLLECT_TIMEOUT_MS}`);
          return m.query(`SELECT status, count(*) AS count FROM provider_connections WHERE status <> 'deleted' GROUP BY status`);
        });
        this.reset();
        for (const row of rows) this.set({ status: row.status }, Number(row.count));
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'connections gauge: could not count connections');
      }
    },
  });
}

/** 429s by limiter (ip, api), for alerting on floods and on customers that outgrow their limit. */
export function rateLimitRejections(registry: Registry): Counter<'limiter'> {
  return (registry.getSingleMetric('carbonplan_rate_limit_rejections_total') as Counter<'limiter'> | undefined) ?? new Counter({
    name: 'carbonplan_rate_limit_rejections_total',
    help: 'Requests answered 429 by a rate limiter',
    labelNames: ['limiter'],
    registers: [registry],
  });
}
