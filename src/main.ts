// The API process: validates, authorizes, reads Postgres, starts/signals/queries workflows.
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config';
import { createApp } from './http/app';
import { buildAppDeps } from './http/build-deps';
import { startMetricsServer } from './metrics/metrics-server';
import { runMain } from './run-main';

export interface RunningApi {
  server: Server;
  url: string;
  metricsUrl: string;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs` (0: cut them at once), then
   * closes the remaining connections, the metrics server, Temporal and the pool.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export async function startApi(config: Config): Promise<RunningApi> {
  const { deps, close } = await buildAppDeps(config);
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.apiHost, () => resolve(s));
    s.once('error', reject);
  });
  // Idle keep-alive sockets outlive the load balancer's idle timeout, so it never sends a request on a socket the
  // API is closing; headers must be allowed longer than that (Node requires headersTimeout above it).
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  server.headersTimeout = config.http.keepAliveTimeoutMs + 1000;
  let isStopping = false;
  // Once stopping, every response closes its connection, so keep-alive clients move to another instance.
  server.prependListener('request', (_req, res) => { if (isStopping) res.setHeader('Connection', 'close'); });
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
    stop: async ({ graceMs = 0 } = {}) => {
      isStopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => {
        deps.logger.warn({ graceMs }, 'shutdown grace over: closing connections with requests still in flight');
        server.closeAllConnections();
      }, graceMs);
      // Sockets that turn idle after their last response are closed as they appear.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      await closed;
      clearTimeout(cut);
      clearInterval(sweep);
      await metrics.close();
      await close();
    },
  };
}

if (require.main === module) {
  runMain(async () => {
    const config = loadConfig();
    const api = await startApi(config);
    const shutdown = () => { api.stop({ graceMs: config.api.shutdownGraceSeconds * 1000 }).then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}
