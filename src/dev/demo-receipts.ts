// `npm run demo`, after the usage: the local organization on `pro`, the SAMPLE credit inventory loaded, and every
// past calendar month of the demo year closed with its signed receipt, so the PDF and the verify page can be
// opened right away. Straight through the services the billing-period workflow's activities call (no Stripe
// invoice exists locally, so no workflow runs); each step is idempotent, and a second run adds nothing.
import type { DataSource } from 'typeorm';
import { loadCreditInventory, type LoadInventoryResult } from '../services/credits/credit-inventory.service';
import { BillingPeriodRepository, billingPeriodWorkflowId } from '../services/billing/billing-periods';
import type { IssuedReceipt } from '../services/receipts/receipt-issuer';

export interface DemoReceiptsOptions {
  dataSource: DataSource;
  orgId: string;
  /** Months that ended before the start of this month (UTC) and began on or after `fromDay` are closed. */
  now: Date;
  /** The first day of demo usage (YYYY-MM-DD). */
  fromDay: string;
  /** The sample inventory file (deploy/sample-credits.csv); its projects say SAMPLE ONLY, NOT A REAL RETIREMENT. */
  credits: { fileName: string; bytes: Buffer };
  issuePeriodReceipt(billingPeriodId: string): Promise<IssuedReceipt>;
  /** The worker's PDF step; absent or failing, the receipt stands (its PDF answers 409/503 until rendered). */
  renderPdf?(receiptId: string): Promise<unknown>;
  verifyUrl(keyId: string, serial: string): Promise<string>;
  log?: (line: string) => void;
}

export interface DemoReceipt { period: string; serial: string; receiptId: string; isNew: boolean; pdf: 'rendered' | 'skipped' | 'failed' | 'not rendered'; verifyUrl: string }
export interface DemoReceiptsResult { credits: LoadInventoryResult['outcome']; receipts: DemoReceipt[] }

/** [start, end) of each whole UTC calendar month from the first one starting on or after `fromDay` to last month. */
export function pastMonths(fromDay: string, now: Date): Array<{ start: Date; end: Date }> {
  const from = new Date(`${fromDay}T00:00:00Z`);
  let y = from.getUTCFullYear();
  let m = from.getUTCMonth() + (from.getUTCDate() === 1 ? 0 : 1);
  const current = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const months: Array<{ start: Date; end: Date }> = [];
  for (;;) {
    const start = new Date(Date.UTC(y, m, 1));
    const end = new Date(Date.UTC(y, m + 1, 1));
    if (end.getTime() > current) return months;
    months.push({ start, end });
    m += 1;
    if (m === 12) { m = 0; y += 1; }
  }
}

function pdfOutcome(result: unknown): DemoReceipt['pdf'] {
  if (result && typeof result === 'object' && 'skipped' in result) return 'skipped';
  return 'rendered';
}

export async function issueDemoReceipts(o: DemoReceiptsOptions): Promise<DemoReceiptsResult> {
  const log = o.log ?? (() => undefined);
  await o.dataSource.query(`UPDATE organizations SET plan = 'pro', updated_at = now() WHERE id = $1 AND plan <> 'pro'`, [o.orgId]);
  const credits = await loadCreditInventory(o.dataSource, { ...o.credits, now: o.now });
  log(`SAMPLE credit inventory ${o.credits.fileName}: ${credits.outcome} (fictitious batches, not real retirements)`);

  const periods = new BillingPeriodRepository(o.dataSource, () => o.now);
  const receipts: DemoReceipt[] = [];
  for (const { start, end } of pastMonths(o.fromDay, o.now)) {
    const record = { orgId: o.orgId, periodStart: start.toISOString(), periodEnd: end.toISOString(), invoiceId: null, workflowId: `demo:${billingPeriodWorkflowId(o.orgId, start)}`, receiptDueAt: end.toISOString() };
    // A closed row is never touched by `closing`; finalize keeps the first snapshot; issuing finds the receipt by key.
    await periods.record({ ...record, status: 'closing' });
    const { id } = await periods.finalize(o.orgId, start, end);
    await periods.record({ ...record, status: 'closed' });
    const issued = await o.issuePeriodReceipt(id);
    let pdf: DemoReceipt['pdf'] = 'not rendered';
    if (o.renderPdf) pdf = await o.renderPdf(issued.receiptId).then(pdfOutcome, () => 'failed' as const);
    const [{ key_id: keyId }] = await o.dataSource.query(`SELECT key_id FROM carbon_receipts WHERE id = $1`, [issued.receiptId]);
    receipts.push({ period: start.toISOString().slice(0, 7), serial: issued.serial, receiptId: issued.receiptId, isNew: issued.isNew, pdf, verifyUrl: await o.verifyUrl(keyId, issued.serial) });
    log(`receipt ${issued.serial} for ${start.toISOString().slice(0, 7)}${issued.isNew ? '' : ' (already issued)'}, PDF ${pdf}`);
  }
  return { credits: credits.outcome, receipts };
}
