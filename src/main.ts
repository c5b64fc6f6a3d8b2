// The API process: validates, authorizes, reads Postgres, starts/signals/queries workflows.
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config';
import { createApp } from './http/app';
import { buildAppDeps } from './http/build-deps';
import { startMetricsServer } from './metrics/metrics-server';
import { runMain } from './run-main';

export interface RunningApi { server: Server; url: string; metricsUrl: string; stop(): Promise<void> }

export async function startApi(config: Config): Promise<RunningApi> {
  const { deps, close } = await buildAppDeps(config);
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  deps.logger.info({ url }, 'API listening');
  // Not on the API's port: scrapes stay on loopback (or the network METRICS_HOST names).
  const metrics = await startMetricsServer({ registry: deps.metrics, host: config.metrics.host, port: config.metrics.apiPort, logger: deps.logger }).catch(async (err: unknown) => {
    await new Promise((resolve) => server.close(resolve));
    await close();
    throw err;
  });
  return {
    server,
    url,
    metricsUrl: metrics.url,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await metrics.close();
      await close();
    },
  };
}

if (require.main === module) {
  runMain(async () => {
    const api = await startApi(loadConfig());
    const shutdown = () => { api.stop().then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}
