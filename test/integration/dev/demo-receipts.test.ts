// The demo's receipts (`npm run demo`, src/dev/demo-receipts.ts) on a scratch database, since the credit inventory
// and the public log are global: the organization on pro, the SAMPLE inventory loaded, a receipt per past month
// that verifies as valid with its code, and a second run that adds nothing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { issueDemoReceipts, pastMonths, type DemoReceiptsOptions } from '../../../src/dev/demo-receipts';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { ReceiptIssuer } from '../../../src/services/receipts/receipt-issuer';
import { ReceiptQueryService } from '../../../src/services/receipts/receipt-query.service';
import { SigningKeyService } from '../../../src/services/signing-keys/signing-key.service';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { LogService } from '../../../src/services/transparency-log/log.service';
import { createConnectionRow, createTenant } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { createScratchDatabase } from '../../helpers/scratch-database';

const NOW = new Date('2026-11-26T10:17:00Z');
const SAMPLE = path.resolve(__dirname, '../../../deploy/sample-credits.csv');
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let query: ReceiptQueryService;
let options: DemoReceiptsOptions;
const rendered: string[] = [];

async function counts(orgId: string) {
  const [c] = await ds.query(
    `SELECT (SELECT count(*)::int FROM carbon_receipts WHERE org_id = $1) AS receipts,
            (SELECT count(*)::int FROM billing_periods WHERE org_id = $1) AS periods,
            (SELECT count(*)::int FROM credit_batches) AS batches,
            (SELECT count(*)::int FROM credit_allocations) AS allocations,
            (SELECT count(*)::int FROM log_entries) AS logged,
            (SELECT count(*)::int FROM signing_keys) AS keys`, [orgId]);
  return c;
}

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_demo_receipts', 4);
  ds = scratch.dataSource;
  const secrets = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-demo-receipts-')), masterKey: randomBytes(32) });
  const keys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'test/demo', logKeyName: 'demo.local/receipts' });
  const log = new LogService({ dataSource: ds, origin: 'demo.local/receipts', signer: () => keys.logSigner() });
  const issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: keys, log, adjustmentThresholdKg: '0.001' });
  query = new ReceiptQueryService({ dataSource: ds, signingKeys: keys, log, publicBaseUrl: 'http://127.0.0.1:3000' });
  const tenant = await createTenant(ds, 'Local organization');
  const conn = await createConnectionRow(ds, tenant);
  await new IngestService(ds, new FactorSetRepository(ds)).ingest(conn, [
    bucket({ hour: '2026-08-03T10:00:00Z', inputUncached: 40_000_000, outputTokens: 9_000_000 }),
    bucket({ hour: '2026-10-30T23:00:00Z', model: 'claude-sonnet-4-5', provider: 'anthropic', inputUncached: 2_000_000, outputTokens: 700_000 }),
    bucket({ hour: '2026-11-02T08:00:00Z', outputTokens: 123 }), // this month: still open, no receipt
  ]);
  options = {
    dataSource: ds, orgId: tenant.orgId, now: NOW, fromDay: '2026-07-26',
    credits: { fileName: 'deploy/sample-credits.csv', bytes: fs.readFileSync(SAMPLE) },
    issuePeriodReceipt: (id) => issuer.issuePeriodReceipt(id),
    renderPdf: async (id) => { rendered.push(id); return { skipped: 'no browser in this test' }; },
    verifyUrl: (keyId, serial) => query.verifyUrl(keyId, serial),
  };
}, 60_000);
afterAll(async () => scratch?.drop());

describe('pastMonths', () => {
  it('lists the whole UTC months from the first one starting on or after the first day up to last month', () => {
    const months = pastMonths('2025-11-26', NOW).map((m) => m.start.toISOString().slice(0, 7));
    expect(months).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(pastMonths('2026-09-01', NOW).map((m) => [m.start.toISOString(), m.end.toISOString()]))
      .toEqual([['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z'], ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z']]);
    expect(pastMonths('2026-11-01', NOW)).toEqual([]);
  });
});

describe('issueDemoReceipts', () => {
  it('puts the organization on pro, loads the SAMPLE inventory and issues one valid receipt per past month; a second run adds nothing', async () => {
    const first = await issueDemoReceipts(options);
    expect(first.credits).toBe('loaded');
    expect(first.receipts.map((r) => [r.period, r.isNew, r.pdf])).toEqual([
      ['2026-08', true, 'skipped'], ['2026-09', true, 'skipped'], ['2026-10', true, 'skipped'],
    ]);
    expect(rendered).toEqual(first.receipts.map((r) => r.receiptId));
    const [org] = await ds.query(`SELECT plan FROM organizations WHERE id = $1`, [options.orgId]);
    expect(org.plan).toBe('pro');
    expect(await ds.query(`SELECT status, count(*)::int AS n FROM billing_periods WHERE org_id = $1 GROUP BY status`, [options.orgId])).toEqual([{ status: 'closed', n: 3 }]);

    for (const receipt of first.receipts) {
      const url = new URL(receipt.verifyUrl);
      expect(url.pathname).toBe(`/public/receipts/verify/${receipt.serial}`);
      const outcome = await query.verify(receipt.serial, url.searchParams.get('code')!);
      expect({ serial: receipt.serial, kind: outcome?.kind, valid: outcome?.body.valid, reasons: outcome?.reasons }).toEqual({ serial: receipt.serial, kind: 'full', valid: true, reasons: [] });
    }
    // August's usage draws credits from the sample inventory, whose project names say what they are.
    const august = await query.verify(first.receipts[0].serial, new URL(first.receipts[0].verifyUrl).searchParams.get('code')!);
    expect(august?.kind).toBe('full');
    expect(JSON.stringify(august?.kind === 'full' ? august.body.payload.credits : null)).toContain('SAMPLE ONLY, NOT A REAL RETIREMENT');

    const before = await counts(options.orgId);
    expect(before).toMatchObject({ receipts: 3, periods: 3, batches: 3, logged: 3 });
    expect(before.allocations).toBeGreaterThan(0);

    const second = await issueDemoReceipts(options);
    expect(second.credits).toBe('already-loaded');
    expect(second.receipts.map((r) => [r.period, r.serial, r.isNew])).toEqual(first.receipts.map((r) => [r.period, r.serial, false]));
    expect(second.receipts.map((r) => r.verifyUrl)).toEqual(first.receipts.map((r) => r.verifyUrl));
    expect(await counts(options.orgId)).toEqual(before);
  });
});
