import type { Logger } from 'pino';
import type { IssuedReceipt, ReceiptIssuer } from '../src/services/receipts/receipt-issuer';

export interface ReceiptDeps {
  receiptIssuer: ReceiptIssuer;
  logger: Logger;
}

/** Issuing receipts: each call is idempotent by the receipt key, so retries and a second worker find the first. */
export function createReceiptActivities(deps: ReceiptDeps) {
  return {
    /** The period receipt of a finalized period: credits, signature, row, public log entry. Returns ids only. */
    async issuePeriodReceipt(input: { billingPeriodId: string }): Promise<IssuedReceipt> {
      const issued = await deps.receiptIssuer.issuePeriodReceipt(input.billingPeriodId);
      deps.logger.info({ billingPeriodId: input.billingPeriodId, receiptId: issued.receiptId, serial: issued.serial, isNew: issued.isNew }, 'period receipt issued');
      return issued;
    },

    /** Adjustment receipts for earlier closed periods of the organization whose usage moved since their receipts. */
    async issueAdjustmentReceipts(input: { billingPeriodId: string }): Promise<IssuedReceipt[]> {
      const issued = await deps.receiptIssuer.issueAdjustments(input.billingPeriodId);
      if (issued.length) deps.logger.info({ billingPeriodId: input.billingPeriodId, serials: issued.map((r) => r.serial) }, 'adjustment receipts issued');
      return issued;
    },
  };
}

export type ReceiptActivities = ReturnType<typeof createReceiptActivities>;
