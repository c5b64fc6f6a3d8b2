import type { DataSource } from 'typeorm';
import type { BillingPeriodRecord, BillingPeriodSnapshot } from '../../../contracts/workflows';
import { SUM_COLUMNS, TotalsAccumulator } from '../telemetry/totals';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `billing-period:{orgId}:{YYYY-MM}`, the month of the period start in UTC. */
export function billingPeriodWorkflowId(orgId: string, periodStart: Date | string): string {
  return `billing-period:${orgId}:${new Date(periodStart).toISOString().slice(0, 7)}`;
}

/**
 * The rollup days of a period: rollups are daily, so a first, partial period (it starts at checkout, before the
 * anchor on the 1st) counts its start day whole; every later period starts and ends on UTC midnights exactly.
 */
export function snapshotDays(periodStart: Date, periodEnd: Date): { from: string; to: string } {
  const fromMs = Math.floor(periodStart.getTime() / DAY_MS) * DAY_MS;
  const toMs = Math.ceil(periodEnd.getTime() / DAY_MS) * DAY_MS;
  return { from: isoDay(fromMs), to: isoDay(Math.max(toMs, fromMs + DAY_MS)) };
}

/** The `billing_periods` rows billing-period workflows keep: status mirror and totals snapshot. */
export class BillingPeriodRepository {
  constructor(private readonly ds: DataSource, private readonly now: () => Date = () => new Date()) {}

  /**
   * Upserts the row by (org, period start) with the workflow's status. A closed row never changes again. Closing
   * is an update of the row finalize filled: an insert of a closed row without totals is refused by a CHECK
   * (Postgres checks the proposed row before ON CONFLICT).
   */
  async record(r: BillingPeriodRecord): Promise<void> {
    if (r.status === 'closed') {
      const [, count] = await this.ds.query(
        `UPDATE billing_periods SET status = 'closed', stripe_invoice_id = COALESCE($3, stripe_invoice_id), updated_at = now()
          WHERE org_id = $1 AND period_start = $2`,
        [r.orgId, r.periodStart, r.invoiceId],
      );
      if (count !== 1) throw new Error(`billing period ${r.workflowId} has no row to close`);
      return;
    }
    await this.ds.query(
      `INSERT INTO billing_periods (org_id, period_start, period_end, status, stripe_invoice_id, workflow_id, receipt_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (org_id, period_start) DO UPDATE SET
         period_end = EXCLUDED.period_end, status = EXCLUDED.status, receipt_due_at = EXCLUDED.receipt_due_at,
         stripe_invoice_id = COALESCE(EXCLUDED.stripe_invoice_id, billing_periods.stripe_invoice_id), updated_at = now()
       WHERE billing_periods.status <> 'closed'`,
      [r.orgId, r.periodStart, r.periodEnd, r.status, r.invoiceId, r.workflowId, r.receiptDueAt],
    );
  }

  /** The period's totals from the organization's daily rollups, exactly (the dashboard's sums). */
  async takeSnapshot(orgId: string, periodStart: Date, periodEnd: Date): Promise<BillingPeriodSnapshot> {
    const range = snapshotDays(periodStart, periodEnd);
    const rows: Array<Record<string, string | null>> = await this.ds.query(
      `SELECT factor_version, ${SUM_COLUMNS} FROM usage_rollups_org
        WHERE org_id = $1 AND day >= $2::date AND day < $3::date GROUP BY factor_version ORDER BY factor_version`,
      [orgId, range.from, range.to],
    );
    const total = new TotalsAccumulator();
    for (const row of rows) total.add(row);
    return { range, factorVersions: rows.map((r) => r.factor_version!), totals: total.toTotals(), takenAt: this.now().toISOString() };
  }

  /**
   * Stores the snapshot once: a retried finalize keeps the first one (a receipt may be signed from it), so the
   * figures of a period never change after they were taken. Returns the stored snapshot and the row id.
   */
  async finalize(orgId: string, periodStart: Date, periodEnd: Date): Promise<{ id: string; snapshot: BillingPeriodSnapshot }> {
    const snapshot = await this.takeSnapshot(orgId, periodStart, periodEnd);
    // TypeORM answers an UPDATE with [rows, count].
    const [[updated]] = await this.ds.query(
      `UPDATE billing_periods SET snapshot = $3::jsonb, finalized_at = $4, updated_at = now()
        WHERE org_id = $1 AND period_start = $2 AND snapshot IS NULL RETURNING id, snapshot`,
      [orgId, periodStart, JSON.stringify(snapshot), snapshot.takenAt],
    );
    if (updated) return updated;
    const [existing] = await this.ds.query(`SELECT id, snapshot FROM billing_periods WHERE org_id = $1 AND period_start = $2`, [orgId, periodStart]);
    if (!existing) throw new Error(`billing period of ${orgId} starting ${periodStart.toISOString()} has no row to finalize`);
    return existing;
  }
}
