import type { Logger } from 'pino';
import type { Config } from '../config';
import { createDataSource } from '../db/data-source';
import { createTemporal } from '../integrations/temporal';
import { createLogger } from '../logger';
import { registerConnectionGauge } from '../metrics/api-metrics';
import { createServices } from '../services';
import type { AppDeps } from './deps';
import { createMetricsRegistry } from './middleware/metrics';
import { createRateLimitStores } from './middleware/rate-limit-stores';

/** Builds the API's dependencies once: data source, Temporal client, services, metrics. */
export async function buildAppDeps(config: Config, options: { logger?: Logger } = {}): Promise<{ deps: AppDeps; close(): Promise<void> }> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'api' });
  const dataSource = await createDataSource({ ...config.database, applicationName: 'carbonplan-api' }).initialize();
  const temporal = createTemporal(config);
  const services = createServices({ dataSource, temporal, config, logger });
  const rateLimitStores = createRateLimitStores({ redisUrl: config.http.rateLimitRedisUrl, prefix: config.http.rateLimitRedisPrefix, timeoutMs: config.http.rateLimitRedisTimeoutMs, logger });
  const metrics = createMetricsRegistry();
  registerConnectionGauge(metrics, dataSource, logger);
  const deps: AppDeps = {
    config, logger, dataSource, services, metrics, rateLimitStores,
    healthChecks: { database: async () => { await dataSource.query('SELECT 1'); }, temporal: temporal.check },
  };
  return {
    deps,
    close: async () => {
      await rateLimitStores.close();
      await temporal.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
