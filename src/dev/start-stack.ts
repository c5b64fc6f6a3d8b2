import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { isLoopbackHost, loadConfig, type Config } from '../config';
import type { DevConfig } from '../config/dev';
import { createDataSource } from '../db/data-source';
import { migrateUp } from '../db/migrations-runner';
import { startApi } from '../main';
import { createWorkerRuntime } from '../worker';
import { startEmbeddedPostgres } from './embedded-postgres';
import { mintSignInToken } from '../pages/auth/local-sign-in';
import { ensureLauncherApiKey } from './launcher-api-key';
import { assertPortFree, LauncherError } from './launcher-error';
import { ensureMasterKey } from './local-secrets';
import type { Component, ComponentStack } from './shutdown';
import { findTemporalBinary } from './temporal-binary';
import { startTemporalDevServer } from './temporal-dev-server';

export interface RunningStack {
  apiUrl: string;
  apiKey: string;
  /**
   * A new one-time dashboard sign-in link for the local organization (valid 10 minutes from this call), or null when
   * the API does not listen on loopback (API_HOST), where a link without a password would be open to the network.
   */
  signInLink(): string | null;
  temporal: { uiUrl?: string; address: string; isExternal: boolean };
  database: { url?: string; isExternal: boolean };
  dataDir: string;
  /** Prometheus endpoints of the API and of the worker (loopback by default). */
  metricsUrls: { api: string; worker: string };
  config: Config;
  /** The in-process worker's services (the demo issues its receipts and renders their PDFs with them). */
  workerDeps: ActivityDeps;
}

/** A metrics port already taken is a launcher error naming the variable, like the API's own port. */
function metricsPortInUse(err: NodeJS.ErrnoException & { port?: number }, port: number, variable: string): Error {
  return err.code === 'EADDRINUSE' && err.port === port ? new LauncherError(`port ${port} (metrics) is already in use; set ${variable} to another port`) : err;
}

async function startDatabase(dev: DevConfig, dataDir: string, log: (l: string) => void): Promise<{ url: string; component?: Component }> {
  if (dev.external.databaseUrl) return { url: dev.external.databaseUrl };
  log('starting PostgreSQL…');
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: dev.ports.postgres, database: 'carbonplan' });
  log(`PostgreSQL is up on port ${dev.ports.postgres}`);
  return { url: pg.url, component: pg };
}

async function startTemporal(dev: DevConfig, binary: string | undefined, dataDir: string, log: (l: string) => void): Promise<{ address: string; uiUrl?: string; component?: Component }> {
  if (!binary) return { address: dev.external.temporalAddress! };
  log('starting Temporal…');
  const server = await startTemporalDevServer({
    binary, port: dev.ports.temporal, uiPort: dev.ports.temporalUi, namespace: dev.temporalNamespace,
    // Kept in the data directory so workflows and schedules survive a restart.
    dbFile: path.join(dataDir, 'temporal.sqlite'),
  });
  log(`Temporal is up at ${server.address}`);
  return { address: server.address, uiUrl: server.uiUrl, component: { ...server, name: 'Temporal' } };
}

/** Starts whatever the environment does not provide, then the app on top; every piece is registered on `stack`. */
export async function startStack(dev: DevConfig, dataDir: string, stack: ComponentStack, log: (line: string) => void): Promise<RunningStack> {
  // Everything that can fail fast is checked before anything starts.
  const temporalBinary = dev.external.temporalAddress ? undefined : findTemporalBinary({ cliPath: dev.temporalCliPath, searchPath: dev.searchPath });
  await assertPortFree(dev.ports.api, 'API', 'PORT');
  if (!dev.external.databaseUrl) await assertPortFree(dev.ports.postgres, 'embedded PostgreSQL', 'EMBEDDED_POSTGRES_PORT');
  if (!dev.external.temporalAddress) {
    await assertPortFree(dev.ports.temporal, 'Temporal', 'TEMPORAL_PORT');
    await assertPortFree(dev.ports.temporalUi, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  }
  // Both take seconds and neither needs the other. Registered in a fixed order (so Temporal stops before
  // PostgreSQL), and even when the other failed, so that it is stopped too.
  const [database, temporal] = await Promise.allSettled([startDatabase(dev, dataDir, log), startTemporal(dev, temporalBinary, dataDir, log)]);
  for (const started of [database, temporal]) if (started.status === 'fulfilled' && started.value.component) stack.add(started.value.component);
  if (database.status === 'rejected') throw database.reason;
  if (temporal.status === 'rejected') throw temporal.reason;
  stack.checkpoint();

  // The embedded stack listens on loopback unless told otherwise, and then signs the local person in with a link
  // sealed by a key made for this start only (a restart ends every earlier link and session).
  const apiHost = dev.baseEnv.API_HOST || '127.0.0.1';
  const hasSignInLinks = isLoopbackHost(apiHost) && dev.baseEnv.NODE_ENV !== 'production';
  const config = loadConfig({
    ...dev.baseEnv,
    API_HOST: apiHost,
    ...(hasSignInLinks ? { LOCAL_SIGN_IN_KEY: randomBytes(32).toString('base64') } : {}),
    DATABASE_URL: database.value.url,
    TEMPORAL_ADDRESS: temporal.value.address,
    ...(dev.needsLocalSecrets.masterKey ? { SECRETS_MASTER_KEY: ensureMasterKey(dataDir) } : {}),
    ...(dev.needsLocalSecrets.dir ? { SECRETS_LOCAL_DIR: path.join(dataDir, 'secrets') } : {}),
  });

  log('applying migrations…');
  const ds = await createDataSource({ url: config.database.url, poolSize: 2, applicationName: 'carbonplan-launcher', statementTimeoutMs: 0 }).initialize();
  let apiKey: string;
  let localOrgId: string;
  try {
    const applied = await migrateUp(ds);
    log(applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
    ({ key: apiKey, orgId: localOrgId } = await ensureLauncherApiKey(ds, dataDir));
  } finally {
    await ds.destroy();
  }
  stack.checkpoint();

  // The launcher owns Ctrl-C: without this the SDK would shut the worker down on its own, out of order.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  log('starting the worker (bundles the workflows)…');
  const worker = await createWorkerRuntime(config).catch((err: NodeJS.ErrnoException) => { throw metricsPortInUse(err, config.metrics.workerPort, 'WORKER_METRICS_PORT'); });
  const running = worker.run();
  running.then(
    () => { if (!stack.isStopping) stack.reportUnexpectedExit('worker', 'it stopped'); },
    (err: Error) => { if (!stack.isStopping) stack.reportUnexpectedExit('worker', err.message); },
  );
  stack.add({ name: 'worker', stop: () => worker.shutdown() });
  stack.checkpoint();

  log('starting the API…');
  const api = await startApi(config).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' && (err as { port?: number }).port === config.metrics.apiPort) throw metricsPortInUse(err, config.metrics.apiPort, 'METRICS_PORT');
    throw err.code === 'EADDRINUSE' ? new LauncherError(`port ${config.port} (API) is already in use; set PORT to another port`) : err;
  });
  stack.add({ name: 'API', stop: () => api.stop() });

  const apiUrl = `http://${config.apiHost === '::1' ? '[::1]' : '127.0.0.1'}:${config.port}`;
  const signInKey = config.pages.localSignInKey;
  return {
    apiUrl,
    apiKey,
    signInLink: () => (signInKey ? `${apiUrl}/login?token=${mintSignInToken(signInKey, localOrgId)}` : null),
    temporal: { address: temporal.value.address, uiUrl: temporal.value.uiUrl, isExternal: Boolean(dev.external.temporalAddress) },
    database: { url: dev.external.databaseUrl ? undefined : database.value.url, isExternal: Boolean(dev.external.databaseUrl) },
    dataDir,
    metricsUrls: { api: api.metricsUrl, worker: `http://${config.metrics.host}:${config.metrics.workerPort}/metrics` },
    config,
    workerDeps: worker.deps,
  };
}
