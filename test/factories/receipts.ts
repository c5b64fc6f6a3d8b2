import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ReceiptPayload } from '../../contracts/receipts';
import { canonicalize, canonicalSha256 } from '../../src/receipts/canonical-json';
import { receiptPdfKey, type ReceiptStorage } from '../../src/receipts/pdf/receipt-storage';
import { generateReceiptSerial } from '../../src/receipts/serial';
import { buildReceiptPayload } from './receipt-payload';
import type { TestTenant } from './tenants';

/**
 * A carbon_receipts row for a tenant, built from a valid payload (checked against the contract) with a fresh serial.
 * The signature is a placeholder: PDF and API tests read the row, they do not verify it. The key row is inserted
 * retired, so it never competes with a test's active signing key.
 */
export async function insertReceiptRow(
  ds: DataSource, tenant: Pick<TestTenant, 'orgId'> & { name?: string }, overrides: Partial<ReceiptPayload> = {},
): Promise<{ id: string; serial: string; payload: ReceiptPayload }> {
  const keyId = randomBytes(32).toString('base64url');
  await ds.query(
    `INSERT INTO signing_keys (key_id, public_key, secret_ref, purpose, retired_at) VALUES ($1, $2, 'test/none', 'receipt', now())`,
    [keyId, randomBytes(32).toString('base64url')],
  );
  const base = buildReceiptPayload();
  const periodStart = overrides.period?.start ?? base.period.start;
  const payload = ReceiptPayload.parse(buildReceiptPayload({
    serial: generateReceiptSerial(new Date(periodStart)),
    organization: { id: tenant.orgId, name: tenant.name ?? 'Test org' },
    keyId,
    ...overrides,
  }));
  const [period] = await ds.query(
    `INSERT INTO billing_periods (org_id, period_start, period_end, status, workflow_id) VALUES ($1, $2, $3, 'closing', $4)
     ON CONFLICT (org_id, period_start) DO UPDATE SET status = billing_periods.status RETURNING id`,
    [tenant.orgId, payload.period.start, payload.period.end, `billing-period:test-${randomBytes(6).toString('hex')}`],
  );
  const [row] = await ds.query(
    `INSERT INTO carbon_receipts (serial, org_id, billing_period_id, kind, payload, payload_sha256, signature, key_id, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [payload.serial, tenant.orgId, period.id, payload.kind, canonicalize(payload), canonicalSha256(payload).toString('hex'),
      randomBytes(64).toString('base64url'), keyId, payload.issuedAt],
  );
  return { id: row.id, serial: payload.serial, payload };
}

/** Daily usage in the organization's rollups (what the PDF's chart reads), `grams` of central CO2e per day. */
export async function insertDailyUsage(ds: DataSource, orgId: string, days: Array<{ day: string; grams: number }>): Promise<void> {
  for (const { day, grams } of days) {
    await ds.query(
      `INSERT INTO usage_rollups_org (org_id, provider, model, day, factor_version, energy_wh_central, energy_wh_low, energy_wh_high,
         co2e_g_central, co2e_g_low, co2e_g_high)
       SELECT $1, 'openai', 'gpt-5', $2, version, $3 * 3, $3 * 2, $3 * 5, $3, $3 * 0.6, $3 * 1.8 FROM carbon_factor_sets ORDER BY version LIMIT 1`,
      [orgId, day, grams],
    );
  }
}

/** Marks a receipt rendered with `bytes` put in `storage`, without a browser (for API tests that only serve it). */
export async function storeRenderedPdf(ds: DataSource, storage: ReceiptStorage, receipt: { id: string; serial: string }, orgId: string, bytes = Buffer.from('%PDF-1.4 test\n%%EOF\n')): Promise<string> {
  const key = receiptPdfKey(orgId, receipt.serial);
  await storage.put(key, bytes);
  await ds.query(`UPDATE carbon_receipts SET pdf_status = 'rendered', pdf_object_key = $2, pdf_rendered_at = now() WHERE id = $1`, [receipt.id, key]);
  return key;
}
