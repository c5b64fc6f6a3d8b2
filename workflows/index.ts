// Everything the worker registers; workflow code is bundled from this file.
export { connectionPollingWorkflow, pauseSignal, resumeSignal, statusQuery, syncNowSignal } from './connection-polling.workflow';
export { connectionRepairWorkflow } from './connection-repair.workflow';
export { reconciliationWorkflow } from './reconciliation.workflow';
export { billingPeriodWorkflow, billingStatusQuery, invoicePaidSignal, invoicePaymentFailedSignal, subscriptionEndedSignal } from './billing-period.workflow';
export { auditPacksMonthlyWorkflow, auditPackWorkflow } from './audit-packs.workflow';
