import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Services } from '../services';

/** Everything the HTTP layer needs, built once by src/main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  services: Services;
  /** Dependency probes for /health; each resolves when the dependency answers. */
  healthChecks: { database: () => Promise<void>; temporal: () => Promise<void> };
  metrics: Registry;
}
