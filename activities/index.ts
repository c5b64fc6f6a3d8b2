import { createBillingActivities, type BillingDeps } from './billing.activities';
import { createPollingActivities, type PollingDeps } from './polling.activities';
import { createReceiptPdfActivities, type ReceiptPdfDeps } from './receipt-pdf.activities';
import { createRepairActivities, type RepairDeps } from './repair.activities';

export type ActivityDeps = PollingDeps & RepairDeps & BillingDeps & ReceiptPdfDeps;

/** Every activity the worker registers; thin wrappers over services, all I/O of workflows happens here. */
export function createActivities(deps: ActivityDeps) {
  return { ...createPollingActivities(deps), ...createRepairActivities(deps), ...createBillingActivities(deps), ...createReceiptPdfActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
