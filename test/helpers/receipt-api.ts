import type { DataSource } from 'typeorm';
import { ReceiptPayload } from '../../contracts/receipts';
import { generateReceiptSerial } from '../../src/receipts/serial';
import { hashVerifyCode, verifyCodeFor } from '../../src/services/receipts/verify-code';
import type { SigningKeyService } from '../../src/services/signing-keys/signing-key.service';
import { buildReceiptPayload } from '../factories/receipt-payload';
import { loadCreditInventory } from '../../src/services/credits/credit-inventory.service';
import { BillingPeriodRepository } from '../../src/services/billing/billing-periods';
import { ReceiptIssuer, type IssuedReceipt } from '../../src/services/receipts/receipt-issuer';
import { FactorSetRepository } from '../../src/services/telemetry/factor-sets';
import { IngestService } from '../../src/services/telemetry/ingest.service';
import { createConnectionRow, createTenant, type TestConnection, type TestTenant } from '../factories/tenants';
import { bucket } from '../factories/usage';
import { mintClerkToken, type ClerkTestKeys } from './clerk';
import { startTestApi, type TestApi } from './api';
import { testConfig } from './env';
import { createScratchDatabase } from './scratch-database';

export const RECEIPT_API_BASE_URL = 'https://receipts.example.test';
const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';

export interface ReceiptApi {
  api: TestApi;
  /** A tenant on `plan` with a member's token (its Clerk organization is the tenant's). */
  org(name: string, plan?: 'free' | 'pro'): Promise<TestTenant & { member: string }>;
  /** Closes the tenant's billing period starting `month` (YYYY-MM) with some usage and issues its receipt (signed, credited, logged). */
  issue(tenant: TestTenant, month: string): Promise<IssuedReceipt>;
  close(): Promise<void>;
}

/**
 * The real app on a scratch database (the credit inventory and the public log are global, and tamper tests
 * disable the immutability trigger), with receipts issued by the real ReceiptIssuer through the app's own keys.
 */
export async function startReceiptApi(keys: ClerkTestKeys, prefix: string, env: Record<string, string> = {}): Promise<ReceiptApi> {
  const scratch = await createScratchDatabase(prefix, 6);
  const api = await startTestApi(testConfig({ DATABASE_URL: scratch.url, PUBLIC_BASE_URL: RECEIPT_API_BASE_URL, ...env }, keys));
  const ds = api.deps.dataSource;
  const loaded = await loadCreditInventory(ds, {
    fileName: 'test.csv',
    bytes: Buffer.from([HEADER, 'gold-standard,GS99901 Test,2021,GS1-1-XX-GS99901-12-2021-1-1-1,GS1-1-XX-GS99901-12-2021-1-500-500,500,2025-01-01,R-2021'].join('\n')),
  });
  if (loaded.outcome !== 'loaded') throw new Error(`credit inventory: ${JSON.stringify(loaded)}`);
  const issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: api.deps.services.signingKeys, log: api.deps.services.log, adjustmentThresholdKg: '0.001' });
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  const periods = new BillingPeriodRepository(ds);
  const connections = new Map<string, TestConnection>();
  return {
    api,
    org: async (name, plan = 'pro') => {
      const tenant = await createTenant(ds, name);
      await ds.query(`UPDATE organizations SET plan = $2 WHERE id = $1`, [tenant.orgId, plan]);
      return { ...tenant, member: `Bearer ${mintClerkToken(keys, { orgId: tenant.clerkOrgId, orgRole: 'member' })}` };
    },
    issue: async (tenant, month) => {
      const start = new Date(`${month}-01T00:00:00.000Z`);
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
      const conn = connections.get(tenant.orgId) ?? await createConnectionRow(ds, tenant);
      connections.set(tenant.orgId, conn);
      await ingest.ingest(conn, [bucket({ hour: new Date(start.getTime() + 36 * 3_600_000).toISOString(), inputUncached: 2_000_000, outputTokens: 800_000 })],
        { fetchedAt: new Date(end.getTime() + 3_600_000) });
      const common = { orgId: tenant.orgId, periodStart: start.toISOString(), periodEnd: end.toISOString(), invoiceId: null, workflowId: `billing-period:${tenant.orgId}:${month}`, receiptDueAt: end.toISOString() };
      await periods.record({ ...common, status: 'closing' });
      const { id } = await periods.finalize(tenant.orgId, start, end);
      await periods.record({ ...common, status: 'closed' });
      return issuer.issuePeriodReceipt(id);
    },
    close: async () => { await api.close(); await scratch.drop(); },
  };
}

/** The verify URL's path and query (what the detail endpoint returns, without the public origin). */
export const pathOf = (url: string) => { const u = new URL(url); return `${u.pathname}${u.search}`; };

/**
 * A receipt row of `orgId` signed by the active receipt key of `signingKeys`, with its verify code hash, but neither
 * credited nor logged: for the shared database, where routes that derive the verify code must find the key's seed.
 */
export async function insertSignedReceiptRow(ds: DataSource, signingKeys: SigningKeyService, orgId: string, month = '2031-07'): Promise<{ id: string; serial: string }> {
  const start = new Date(`${month}-01T00:00:00.000Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const serial = generateReceiptSerial(start);
  const signed = await signingKeys.signReceiptPayload((keyId) => ReceiptPayload.parse(buildReceiptPayload({
    serial, keyId, organization: { id: orgId, name: 'Signed test org' }, period: { start: start.toISOString(), end: end.toISOString() },
  })));
  const [period] = await ds.query(
    `INSERT INTO billing_periods (org_id, period_start, period_end, status, workflow_id) VALUES ($1, $2, $3, 'closing', $4)
     ON CONFLICT (org_id, period_start) DO UPDATE SET status = billing_periods.status RETURNING id`,
    [orgId, start.toISOString(), end.toISOString(), `billing-period:signed-${serial}`],
  );
  const code = await verifyCodeFor(signingKeys, signed.keyId, serial);
  const [row] = await ds.query(
    `INSERT INTO carbon_receipts (serial, org_id, billing_period_id, kind, payload, payload_sha256, signature, key_id, issued_at, verify_code_sha256)
     VALUES ($1, $2, $3, 'period', $4, $5, $6, $7, $8, $9) RETURNING id`,
    [serial, orgId, period.id, signed.canonical, signed.payloadSha256, signed.signature, signed.keyId, signed.payload.issuedAt, hashVerifyCode(code)],
  );
  return { id: row.id, serial };
}
