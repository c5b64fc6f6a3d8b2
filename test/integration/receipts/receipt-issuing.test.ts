// Issuing on a scratch database (the credit inventory and the public log are global): one receipt under racing
// issuers, the signed figures recomputed independently from the stored event revisions after the usage changed,
// verification and tampering, rotation, and adjustments after late usage (positive and negative).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { ReceiptPayload } from '../../../contracts/receipts';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { canonicalize } from '../../../src/receipts/canonical-json';
import { snapshotReference } from '../../../src/receipts/snapshot';
import { BillingPeriodRepository } from '../../../src/services/billing/billing-periods';
import { loadCreditInventory } from '../../../src/services/credits/credit-inventory.service';
import { ReceiptIssuer } from '../../../src/services/receipts/receipt-issuer';
import { ReceiptQueryService } from '../../../src/services/receipts/receipt-query.service';
import { SigningKeyService } from '../../../src/services/signing-keys/signing-key.service';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { LogService } from '../../../src/services/transparency-log/log.service';
import { createConnectionRow, createTenant, type TestConnection, type TestTenant } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { createScratchDatabase } from '../../helpers/scratch-database';

const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let keys: SigningKeyService;
let issuer: ReceiptIssuer;
let query: ReceiptQueryService;
let ingest: IngestService;
let tenant: TestTenant;
let conn: TestConnection;
const periods = () => new BillingPeriodRepository(ds);

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_receipt_issuing', 8);
  ds = scratch.dataSource;
  const secrets = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-issuing-')), masterKey: randomBytes(32) });
  keys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'test/issuing', logKeyName: 'test.local/receipts' });
  const log = new LogService({ dataSource: ds, origin: 'test.local/receipts', signer: () => keys.logSigner() });
  issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: keys, log, adjustmentThresholdKg: '0.001' });
  query = new ReceiptQueryService({ dataSource: ds, signingKeys: keys, log, publicBaseUrl: 'http://verify.test' });
  ingest = new IngestService(ds, new FactorSetRepository(ds));
  const result = await loadCreditInventory(ds, {
    fileName: 'test.csv',
    bytes: Buffer.from([HEADER, 'gold-standard,GS99901 Test,2021,GS1-1-XX-GS99901-12-2021-1-1-1,GS1-1-XX-GS99901-12-2021-1-50-50,50,2025-01-01,R-2021'].join('\n')),
  });
  expect(result.outcome).toBe('loaded');
  tenant = await createTenant(ds, 'Issuing Org');
  conn = await createConnectionRow(ds, tenant);
}, 60_000);
afterAll(async () => scratch?.drop());

const big = (n: number) => ({ inputUncached: n * 1_000_000, outputTokens: n * 400_000 });

async function closePeriod(start: string, end: string): Promise<string> {
  await periods().record({ orgId: tenant.orgId, periodStart: start, periodEnd: end, status: 'closing', invoiceId: null, workflowId: `billing-period:${tenant.orgId}:${start.slice(0, 7)}`, receiptDueAt: end });
  const { id } = await periods().finalize(tenant.orgId, new Date(start), new Date(end));
  await periods().record({ orgId: tenant.orgId, periodStart: start, periodEnd: end, status: 'closed', invoiceId: null, workflowId: `billing-period:${tenant.orgId}:${start.slice(0, 7)}`, receiptDueAt: end });
  return id;
}

/** The receipt's totals recomputed from scratch: the snapshot's (event, revision) pairs, each read live or archived. */
async function recompute(receiptKey: string) {
  const pairs: Array<{ id: string; revision: number }> = await ds.query(
    `SELECT event_id::text AS id, revision FROM receipt_snapshot_events WHERE receipt_key = $1`, [receiptKey]);
  const [sums] = await ds.query(
    `SELECT sum(input_uncached)::text AS iu, sum(output_tokens)::text AS out, (sum(co2e_g_high) / 1000)::text AS kg_high, (sum(co2e_g_central) / 1000)::text AS kg_central
       FROM (SELECT x.* FROM receipt_snapshot_events s
               JOIN LATERAL (SELECT input_uncached, output_tokens, co2e_g_high, co2e_g_central FROM usage_events WHERE id = s.event_id AND revision = s.revision
                             UNION ALL SELECT input_uncached, output_tokens, co2e_g_high, co2e_g_central FROM usage_event_revisions WHERE event_id = s.event_id AND revision = s.revision) x ON true
              WHERE s.receipt_key = $1) t`, [receiptKey]);
  const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  return { snapshot: snapshotReference(pairs), iu: sums.iu, out: sums.out, kgHigh: trim(sums.kg_high), kgCentral: trim(sums.kg_central) };
}

const payloadOf = async (id: string) => ReceiptPayload.parse(JSON.parse((await ds.query(`SELECT payload FROM carbon_receipts WHERE id = $1`, [id]))[0].payload)); 
const fullVerify = async (serial: string) => {
  const [row] = await ds.query(`SELECT key_id FROM carbon_receipts WHERE serial = $1`, [serial]);
  const url = new URL(await query.verifyUrl(row.key_id, serial));
  return (await query.verify(serial, url.searchParams.get('code')!))!;
};

describe('receipt issuing', () => {
  let octoberId: string;
  let octoberReceipt: { receiptId: string; serial: string };

  it('issues one period receipt, one serial, one allocation and one log entry under racing issuers', async () => {
    await ingest.ingest(conn, [
      bucket({ hour: '2026-10-03T10:00:00Z', ...big(3) }),
      bucket({ hour: '2026-10-04T10:00:00Z', model: 'gpt-4o-mini', ...big(2) }),
      bucket({ hour: '2026-10-31T23:00:00Z', ...big(1) }),
    ], { fetchedAt: new Date('2026-11-01T01:00:00Z') });
    octoberId = await closePeriod('2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z');

    const results = await Promise.all(Array.from({ length: 6 }, () => issuer.issuePeriodReceipt(octoberId)));
    expect(new Set(results.map((r) => r.receiptId)).size).toBe(1);
    expect(results.filter((r) => r.isNew)).toHaveLength(1);
    octoberReceipt = results[0];
    expect(await issuer.issuePeriodReceipt(octoberId)).toMatchObject({ receiptId: octoberReceipt.receiptId, isNew: false });
    const [counts] = await ds.query(`SELECT (SELECT count(*) FROM carbon_receipts)::int AS receipts, (SELECT count(*) FROM credit_allocation_requests)::int AS allocations,
      (SELECT count(*) FROM log_entries)::int AS logged, (SELECT count(*) FROM receipt_snapshots)::int AS snapshots`);
    expect(counts).toEqual({ receipts: 1, allocations: 1, logged: 1, snapshots: 1 });

    const payload = await payloadOf(octoberReceipt.receiptId);
    expect(payload).toMatchObject({ kind: 'period', adjusts: null, serial: octoberReceipt.serial, organization: { id: tenant.orgId, name: 'Issuing Org' } });
    expect(payload.models.map((m) => m.model)).toEqual(['gpt-4o-2024-08-06', 'gpt-4o-mini']);
    expect(payload.snapshot.events).toBe('3');
    expect(Number(payload.credits.requiredTonnes)).toBeGreaterThan(0);
    expect(payload.credits.shortfallTonnes).toBe('0');
  });

  it('keeps the signed figures recomputable digit for digit after the usage changed', async () => {
    // A re-poll corrects an October bucket: the live row moves to revision 2, revision 1 is archived.
    await ingest.ingest(conn, [bucket({ hour: '2026-10-03T10:00:00Z', ...big(5) })], { fetchedAt: new Date('2026-11-02T01:00:00Z') });
    const [archived] = await ds.query(`SELECT count(*)::int AS n FROM usage_event_revisions`);
    expect(archived.n).toBe(1);
    const payload = await payloadOf(octoberReceipt.receiptId);
    const again = await recompute(`period:${octoberId}`);
    expect(again.snapshot).toEqual(payload.snapshot);
    expect([again.iu, again.out, again.kgHigh, again.kgCentral]).toEqual(
      [payload.totals.tokens.inputUncached, payload.totals.tokens.output, payload.totals.co2eKg.high, payload.totals.co2eKg.central]);
    expect(payload.totals.tokens.inputUncached).toBe(String(6 * 1_000_000));
  });

  it('verifies strictly; a tampered payload field, signature or key id is not valid', async () => {
    const outcome = await fullVerify(octoberReceipt.serial);
    expect(outcome.kind).toBe('full');
    expect(outcome.body.valid).toBe(true);
    if (outcome.kind !== 'full') throw new Error('expected the full answer');
    expect(outcome.body.canonical).toBe(canonicalize(outcome.body.payload));
    expect(outcome.body.log).toMatchObject({ index: 0, treeSize: 1 });
    expect(await query.verify(octoberReceipt.serial, 'WRONGCODE')).toMatchObject({ kind: 'summary', body: { valid: true, serial: octoberReceipt.serial } });
    expect(await query.verify('CL-202610-ZZZZZ', undefined)).toBeNull();

    // The signed columns refuse updates, so tampering is simulated on a copy the verifier reads.
    await ds.query(`ALTER TABLE carbon_receipts DISABLE TRIGGER carbon_receipts_signed_immutable`);
    const [orig] = await ds.query(`SELECT payload, signature, key_id FROM carbon_receipts WHERE id = $1`, [octoberReceipt.receiptId]);
    try {
      const tamper = async (sql: string, params: unknown[]) => {
        await ds.query(sql, [octoberReceipt.receiptId, ...params]);
        expect((await fullVerify(octoberReceipt.serial)).body.valid).toBe(false);
        await ds.query(`UPDATE carbon_receipts SET payload = $2, signature = $3, key_id = $4 WHERE id = $1`, [octoberReceipt.receiptId, orig.payload, orig.signature, orig.key_id]);
      };
      const p = JSON.parse(orig.payload);
      await tamper(`UPDATE carbon_receipts SET payload = $2 WHERE id = $1`, [canonicalize({ ...p, totals: { ...p.totals, co2eKg: { ...p.totals.co2eKg, central: '0.001' } } })]);
      await tamper(`UPDATE carbon_receipts SET payload = $2 WHERE id = $1`, [canonicalize({ ...p, organization: { ...p.organization, name: 'Someone Else' } })]);
      const sig = Buffer.from(orig.signature, 'base64url');
      sig[5] ^= 1;
      await tamper(`UPDATE carbon_receipts SET signature = $2 WHERE id = $1`, [sig.toString('base64url')]);
      const other = await keys.rotate('receipt');
      await tamper(`UPDATE carbon_receipts SET key_id = $2 WHERE id = $1`, [other.active.keyId]);
    } finally {
      await ds.query(`ALTER TABLE carbon_receipts ENABLE TRIGGER carbon_receipts_signed_immutable`);
    }
    // After the rotation above, the receipt signed with the retired key still verifies.
    expect((await fullVerify(octoberReceipt.serial)).body.valid).toBe(true);
    await expect(ds.query(`UPDATE carbon_receipts SET payload = payload WHERE id = $1`, [octoberReceipt.receiptId])).rejects.toThrow(/immutable/);
  });

  it('issues a positive adjustment with extra credits after late usage, once, and a negative one that retires nothing', async () => {
    // Late October usage (the correction above already raised it) and a November period.
    await ingest.ingest(conn, [bucket({ hour: '2026-10-20T10:00:00Z', ...big(1) }), bucket({ hour: '2026-11-05T10:00:00Z', ...big(1) })],
      { fetchedAt: new Date('2026-11-10T00:00:00Z') });
    const novemberId = await closePeriod('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z');
    await issuer.issuePeriodReceipt(novemberId);
    const [first, second] = await Promise.all([issuer.issueAdjustments(novemberId), issuer.issueAdjustments(novemberId)]);
    expect(first).toHaveLength(1);
    expect(second.map((r) => r.receiptId)).toEqual(first.map((r) => r.receiptId));
    const adjustment = await payloadOf(first[0].receiptId);
    expect(adjustment).toMatchObject({ kind: 'adjustment', adjusts: octoberReceipt.serial });
    expect(adjustment.totals.tokens.inputUncached).toBe(String(3 * 1_000_000));
    expect(Number(adjustment.credits.requiredTonnes)).toBeGreaterThan(0);
    expect(adjustment.credits.retirements.length).toBeGreaterThan(0);
    const recomputed = await recompute(`adjustment:${novemberId}:${octoberReceipt.serial}`);
    expect(recomputed.snapshot).toEqual(adjustment.snapshot);
    expect((await fullVerify(first[0].serial)).body.valid).toBe(true);

    // A corrected-down October bucket: a negative delta, no credits, the original serial named.
    await ingest.ingest(conn, [bucket({ hour: '2026-10-03T10:00:00Z', ...big(1) })], { fetchedAt: new Date('2026-12-01T01:00:00Z') });
    const decemberId = await closePeriod('2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z');
    await issuer.issuePeriodReceipt(decemberId);
    const negative = await issuer.issueAdjustments(decemberId);
    expect(negative).toHaveLength(1);
    const down = await payloadOf(negative[0].receiptId);
    expect(down).toMatchObject({ kind: 'adjustment', adjusts: octoberReceipt.serial, credits: { requiredTonnes: '0', retirements: [], shortfallTonnes: '0' } });
    expect(down.totals.tokens.inputUncached).toBe(String(-4 * 1_000_000));
    expect(down.totals.co2eKg.central.startsWith('-')).toBe(true);
    // November did not move: no adjustment for it; nothing moved since: a repeat close issues nothing new.
    expect(await issuer.issueAdjustments(decemberId)).toEqual(negative.map((r) => ({ ...r, isNew: false })));
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM carbon_receipts WHERE kind = 'adjustment'`);
    expect(n).toBe(2);
  });
});
