import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Services } from '../services';
import type { RateLimitStores } from './middleware/rate-limit-stores';

/** Everything the HTTP layer needs, built once by src/main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  services: Services;
  /** Dependency probes for /health; each resolves when the dependency answers. */
  healthChecks: { database: () => Promise<void>; temporal: () => Promise<void> };
  metrics: Registry;
  /** Shared rate-limit counters; absent means per-process memory. */
  rateLimitStores?: Pick<RateLimitStores, 'api' | 'public' | 'ready'>;
}
