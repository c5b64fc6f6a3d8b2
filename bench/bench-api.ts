import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { createApp } from '../src/http/app';
import type { AppDeps } from '../src/http/deps';
import { createMetricsRegistry } from '../src/http/middleware/metrics';
import type { TemporalHandle } from '../src/integrations/temporal';
import { createLogger } from '../src/logger';
import { ApiKeyService } from '../src/services/api-key.service';
import { createServices } from '../src/services';

export interface BenchApi { base: string; key: string; close(): Promise<void> }

/** The real app on a benchmark's scratch database, on a loopback port, with an API key of `orgId` and no rate limit. */
export async function startBenchApi(ds: DataSource, url: string, orgId: string): Promise<BenchApi> {
  const config = loadConfig({
    DATABASE_URL: url, SECRETS_BACKEND: 'local', SECRETS_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), SECRETS_LOCAL_DIR: '.data/bench-secrets',
    RATE_LIMIT_API_PER_MINUTE: '100000000', LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent', name: 'bench' });
  const temporal = { check: async () => undefined } as unknown as TemporalHandle; // reads only: no workflow is touched
  const deps: AppDeps = {
    config, logger, dataSource: ds, services: createServices({ dataSource: ds, temporal, config, logger }), metrics: createMetricsRegistry(),
    healthChecks: { database: async () => undefined, temporal: async () => undefined },
  };
  const key = (await new ApiKeyService(ds).create(orgId, { name: 'bench', environment: 'live' }, null)).key;
  const server: Server = await new Promise((resolve) => { const s = createApp(deps).listen(0, '127.0.0.1', () => resolve(s)); });
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    key,
    close: () => new Promise((resolve) => { server.close(() => resolve()); }),
  };
}
