import { createAuditPackActivities, type AuditPackDeps } from './audit-pack.activities';
import { createBillingActivities, type BillingDeps } from './billing.activities';
import { createPollingActivities, type PollingDeps } from './polling.activities';
import { createReceiptPdfActivities, type ReceiptPdfDeps } from './receipt-pdf.activities';
import { createReceiptActivities, type ReceiptDeps } from './receipt.activities';
import { createRepairActivities, type RepairDeps } from './repair.activities';

export type ActivityDeps = PollingDeps & RepairDeps & BillingDeps & ReceiptPdfDeps & ReceiptDeps & AuditPackDeps;

/** Every activity the worker registers; thin wrappers over services, all I/O of workflows happens here. */
export function createActivities(deps: ActivityDeps) {
  return { ...createPollingActivities(deps), ...createRepairActivities(deps), ...createBillingActivities(deps), ...createReceiptPdfActivities(deps),
    ...createReceiptActivities(deps), ...createAuditPackActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
