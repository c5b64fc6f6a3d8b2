// The worker process: runs every workflow and activity on the task queue. Scale out by starting more.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities';
import { loadConfig, type Config } from './config';
import { createConnectors } from './connectors';
import { createDataSource } from './db/data-source';
import { createSecretStore, ProviderKeyStore } from './integrations/secrets';
import { ensureReconciliationSchedule } from './integrations/schedules';
import { createLogger } from './logger';
import { runMain } from './run-main';
import { FactorSetRepository } from './services/telemetry/factor-sets';
import { IngestService } from './services/telemetry/ingest.service';

export interface WorkerRuntime {
  worker: Worker;
  deps: ActivityDeps;
  /** Resolves when the worker has stopped (after shutdown()). */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface WorkerRuntimeOptions {
  logger?: Logger;
  /** Pre-bundled workflow code (tests bundle once per run); the worker bundles workflows/ otherwise. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides for activity dependencies (tests inject a clock). */
  overrides?: Partial<ActivityDeps>;
  ensureSchedules?: boolean;
}

export async function createWorkerRuntime(config: Config, options: WorkerRuntimeOptions = {}): Promise<WorkerRuntime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'worker' });
  const dataSource = await createDataSource({ url: config.database.url, poolSize: config.database.poolSize, applicationName: 'carbonplan-worker' }).initialize();
  const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });
  const deps: ActivityDeps = {
    dataSource,
    logger,
    connectors: createConnectors({ ...config.providers }),
    providerKeys: new ProviderKeyStore(secrets, config.secrets.prefix),
    ingest: new IngestService(dataSource, new FactorSetRepository(dataSource)),
    backfillDays: config.polling.backfillDays,
    ...options.overrides,
  };

  if (options.ensureSchedules ?? true) {
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      await ensureReconciliationSchedule(new Client({ connection, namespace: config.temporal.namespace }), config.temporal.taskQueue);
    } finally {
      await connection.close();
    }
  }

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    deps,
    run: () => (running ??= worker.run().finally(async () => {
      await connection.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    })),
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

if (require.main === module) {
  runMain(async () => {
    const config = loadConfig();
    const runtime = await createWorkerRuntime(config);
    runtime.deps.logger.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker started');
    // The SDK installs SIGINT/SIGTERM handlers that shut the worker down gracefully.
    await runtime.run();
  });
}
