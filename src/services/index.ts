import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createConnectors, type Connectors } from '../connectors';
import { createSecretStore, ProviderKeyStore } from '../integrations/secrets';
import { createStripeClient, type StripeClient } from '../integrations/stripe';
import { createReceiptStorage } from '../receipts/pdf/receipt-storage';
import type { TemporalHandle } from '../integrations/temporal';
import { ApiKeyService } from './api-key.service';
import { AuditPackQueryService } from './audit-pack-api/audit-pack-query.service';
import { AuditPackWorkflows } from './audit-pack-api/audit-pack-workflows';
import { createAuditPackStorage } from './audit-packs/audit-pack-storage';
import { BillingPeriodWorkflows } from './billing/billing-period-workflows';
import { BillingService } from './billing/billing.service';
import { StripeWebhookService } from './billing/stripe-webhooks';
import { ConnectionWorkflows } from './connections/connection-workflows';
import { ConnectionService } from './connections/connection.service';
import { DisclosureService } from './disclosure';
import { OrganizationService } from './organization.service';
import { ProjectService } from './projects/project.service';
import { ReceiptPdfService } from './receipts/receipt-pdf.service';
import { ReceiptQueryService } from './receipts/receipt-query.service';
import { SigningKeyService } from './signing-keys/signing-key.service';
import { FactorSetRepository } from './telemetry/factor-sets';
import { TelemetryQueryService } from './telemetry/telemetry-query.service';
import { LogService } from './transparency-log/log.service';

export interface ServiceDeps {
  dataSource: DataSource;
  temporal: TemporalHandle;
  config: Config;
  logger: Logger;
  now?: () => Date;
  /** Defaults to the configured provider base URLs; tests never need to override (they configure fakes). */
  connectors?: Connectors;
  /** Defaults to the client the Stripe settings describe (null without STRIPE_SECRET_KEY). */
  stripe?: StripeClient | null;
}

export interface Services {
  organizations: OrganizationService;
  apiKeys: ApiKeyService;
  connections: ConnectionService;
  projects: ProjectService;
  factorSets: FactorSetRepository;
  telemetry: TelemetryQueryService;
  billing: BillingService;
  stripeWebhooks: StripeWebhookService;
  signingKeys: SigningKeyService;
  log: LogService;
  /** Serves receipt PDFs the worker rendered (the API has no browser). */
  receiptPdfs: ReceiptPdfService;
  /** The organization's receipts and the public, strictly re-verified view by serial. */
  receipts: ReceiptQueryService;
  /** The organization's audit packs (every version) and their downloads. */
  auditPacks: AuditPackQueryService;
  /** Starts (or joins) the per-organization audit pack workflow on request. */
  auditPackWorkflows: AuditPackWorkflows;
  /** Scope 3 disclosure documents (JSON and CSV) from the current usage, receipts and credits. */
  disclosure: DisclosureService;
}

export function createServices(deps: ServiceDeps): Services {
  const now = deps.now ?? (() => new Date());
  const { config } = deps;
  const factorSets = new FactorSetRepository(deps.dataSource);
  const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });
  const stripe = deps.stripe !== undefined ? deps.stripe : createStripeClient(config.stripe);
  const signingKeys = new SigningKeyService({ dataSource: deps.dataSource, secrets, prefix: config.secrets.prefix, logKeyName: config.transparencyLog.origin, now });
  const log = new LogService({ dataSource: deps.dataSource, origin: config.transparencyLog.origin, signer: () => signingKeys.logSigner() });
  const publicBaseUrl = config.publicBaseUrl ?? `http://localhost:${config.port}`;
  return {
    organizations: new OrganizationService(deps.dataSource),
    apiKeys: new ApiKeyService(deps.dataSource, now),
    projects: new ProjectService(deps.dataSource),
    factorSets,
    telemetry: new TelemetryQueryService(deps.dataSource, factorSets, now),
    billing: new BillingService({ dataSource: deps.dataSource, stripe, config, now }),
    stripeWebhooks: new StripeWebhookService({
      dataSource: deps.dataSource, stripe, webhookSecret: config.stripe.webhookSecret, prices: config.stripe.prices, logger: deps.logger, now,
      periods: new BillingPeriodWorkflows(deps.temporal, config.billing.receiptGraceSeconds),
    }),
    signingKeys,
    receiptPdfs: new ReceiptPdfService({
      dataSource: deps.dataSource, logger: deps.logger, now, storage: createReceiptStorage(config.receipts, config.aws),
      publicBaseUrl,
    }),
    receipts: new ReceiptQueryService({ dataSource: deps.dataSource, signingKeys, log, publicBaseUrl }),
    auditPacks: new AuditPackQueryService({ dataSource: deps.dataSource, storage: createAuditPackStorage(config.auditPacks, config.aws) }),
    auditPackWorkflows: new AuditPackWorkflows(deps.temporal),
    disclosure: new DisclosureService(deps.dataSource, now),
    log,
    connections: new ConnectionService({
      dataSource: deps.dataSource,
      connectors: deps.connectors ?? createConnectors({ ...config.providers }),
      providerKeys: new ProviderKeyStore(secrets, config.secrets.prefix),
      workflows: new ConnectionWorkflows(deps.temporal, { pollSpreadMinutes: config.polling.spreadMinutes }),
      logger: deps.logger,
      now,
    }),
  };
}
