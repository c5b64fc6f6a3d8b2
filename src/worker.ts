// The worker process: runs every workflow and activity on the task queue. Scale out by starting more.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities';
import { loadConfig, type Config } from './config';
import { createConnectors } from './connectors';
import { limitPerProvider } from './connectors/provider-limit';
import { createDataSource } from './db/data-source';
import { ensureUsagePartitions, usagePartitionWindow } from './db/usage-partitions';
import { createSecretStore, ProviderKeyStore } from './integrations/secrets';
import { ensureAuditPacksSchedule, ensureConnectionRepairSchedule, ensureReconciliationSchedule } from './integrations/schedules';
import { createTemporal } from './integrations/temporal';
import { createLogger } from './logger';
import { PdfRenderer } from './receipts/pdf/pdf-renderer';
import { createReceiptStorage } from './receipts/pdf/receipt-storage';
import { startWorkerMetrics } from './metrics/worker-metrics';
import { runMain } from './run-main';
import { AuditPackBuilder } from './services/audit-packs/audit-pack-builder';
import { createAuditPackStorage } from './services/audit-packs/audit-pack-storage';
import { ConnectionWorkflows } from './services/connections/connection-workflows';
import { ReceiptPdfService } from './services/receipts/receipt-pdf.service';
import { verifyCodeFor } from './services/receipts/verify-code';
import { ReceiptIssuer } from './services/receipts/receipt-issuer';
import { SigningKeyService } from './services/signing-keys/signing-key.service';
import { LogService } from './services/transparency-log/log.service';
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
  const dataSource = await createDataSource({ ...config.database, applicationName: 'carbonplan-worker' }).initialize();
  const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });
  // The worker's own client (schedules, and activities that start workflows), closed when the worker stops.
  const temporal = createTemporal(config);
  // One warm browser per worker process, launched on the first receipt and closed when the worker stops.
  const pdfRenderer = new PdfRenderer({ chromiumPath: config.receipts.chromiumPath, pages: config.receipts.pdfPages, logger });
  const closeClients = async () => {
    await pdfRenderer.close();
    await metrics.close();
    await temporal.close();
    if (dataSource.isInitialized) await dataSource.destroy();
  };
  const signingKeys = new SigningKeyService({ dataSource, secrets, prefix: config.secrets.prefix, logKeyName: config.transparencyLog.origin });
  const log = new LogService({ dataSource, origin: config.transparencyLog.origin, signer: () => signingKeys.logSigner() });
  const receiptStorage = createReceiptStorage(config.receipts, config.aws);
  const deps: ActivityDeps = {
    dataSource,
    logger,
    connectors: limitPerProvider(createConnectors({ ...config.providers }), config.polling.providerConcurrency),
    providerKeys: new ProviderKeyStore(secrets, config.secrets.prefix),
    ingest: new IngestService(dataSource, new FactorSetRepository(dataSource)),
    backfillDays: config.polling.backfillDays,
    workflows: new ConnectionWorkflows(temporal, { pollSpreadMinutes: config.polling.spreadMinutes }),
    receiptIssuer: new ReceiptIssuer({
      dataSource, signingKeys, adjustmentThresholdKg: config.adjustments.thresholdKg, log,
    }),
    receiptPdfs: new ReceiptPdfService({
      dataSource, logger, renderer: pdfRenderer,
      storage: receiptStorage,
      publicBaseUrl: config.publicBaseUrl ?? `http://localhost:${config.port}`,
      // The code printed on the PDF and in its QR link; only its hash is stored, so it is derived again here.
      verifyCode: ({ keyId, serial }) => verifyCodeFor(signingKeys, keyId, serial),
    }),
    // Streams each zip into storage (S3 or the local folder the API serves from); cover.pdf from the same browser.
    auditPacks: new AuditPackBuilder({
      dataSource, storage: createAuditPackStorage(config.auditPacks, config.aws), receiptStorage, signingKeys, log, renderer: pdfRenderer, logger,
    }),
    ...options.overrides,
  };
  // Poll, strike, ingest and provider counters live in this process: served on its own loopback port.
  const metrics = await startWorkerMetrics({ host: config.metrics.host, port: config.metrics.workerPort, logger }, deps);

  let connection: NativeConnection | undefined;
  let worker: Worker;
  try {
    // The first worker to start creates the receipt key; racing workers agree on one (unique partial index). A
    // secret store that is down must not stop polling: issuing creates the key on first use all the same.
    await signingKeys.activeKey('receipt').then(
      (key) => logger.info({ keyId: key.keyId }, 'receipt signing key ready'),
      (err: unknown) => logger.warn({ err }, 'receipt signing key not ready at start; it is created on first use'),
    );
    // Months ahead get their partitions before their usage arrives; the daily reconciliation does it again. If this
    // fails, rows still land (the DEFAULT partition) and move to their month when it is created.
    await ensureUsagePartitions(dataSource, usagePartitionWindow(new Date())).then(
      (created) => { if (created.length) logger.info({ created }, 'usage_events partitions created'); },
      (err: unknown) => logger.warn({ err }, 'could not create usage_events partitions at start; the daily reconciliation tries again'),
    );
    if (options.ensureSchedules ?? true) {
      await ensureReconciliationSchedule(temporal.client, config.temporal.taskQueue);
      await ensureConnectionRepairSchedule(temporal.client, config.temporal.taskQueue);
      await ensureAuditPacksSchedule(temporal.client, config.temporal.taskQueue);
    }
    connection = await NativeConnection.connect({ address: config.temporal.address });
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: metrics.instrument(createActivities(deps)),
      // On SIGTERM, polls in flight get this long to finish; then they are cancelled (nothing more is ingested)
      // and another worker retries them, all before the container's stop timeout ends in SIGKILL.
      shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    });
  } catch (err) {
    await connection?.close().catch(() => undefined);
    await closeClients().catch(() => undefined);
    throw err;
  }
  const native = connection;
  let running: Promise<void> | undefined;
  return {
    worker,
    deps,
    run: () => (running ??= worker.run().finally(async () => {
      await native.close();
      await closeClients();
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
