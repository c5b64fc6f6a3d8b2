import { ApplicationFailure } from '@temporalio/activity';
import { ReceiptNotFoundError, type ReceiptPdfService, type RenderReceiptPdfResult } from '../src/services/receipts/receipt-pdf.service';

export interface ReceiptPdfDeps {
  receiptPdfs: ReceiptPdfService;
}

/** The receipt PDF, rendered after issuing in its own activity so a browser problem never holds a receipt back. */
export function createReceiptPdfActivities(deps: ReceiptPdfDeps) {
  return {
    /**
     * Renders and stores the receipt's PDF and records its status on the row; returns the object key (never the
     * bytes), the existing key when already rendered, or `{ skipped }` naming the missing browser. A rendering
     * error throws and is retried by the caller's retry policy.
     */
    async renderReceiptPdf(input: { receiptId: string }): Promise<RenderReceiptPdfResult> {
      try {
        return await deps.receiptPdfs.render(input.receiptId);
      } catch (err) {
        if (err instanceof ReceiptNotFoundError) throw ApplicationFailure.nonRetryable(err.message, 'RECEIPT_NOT_FOUND');
        throw err;
      }
    },
  };
}

export type ReceiptPdfActivities = ReturnType<typeof createReceiptPdfActivities>;
