import { condition, defineQuery, defineSignal, log, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type {
  BillingPeriodInput, BillingPeriodResult, BillingPeriodState, BillingPeriodStatus, InvoicePaidSignal, InvoicePaymentFailedSignal,
  SubscriptionEndedSignal,
} from '../contracts/workflows';
import type { BillingActivities } from '../activities/billing.activities';
import type { ReceiptActivities } from '../activities/receipt.activities';
import { BillingStatusKey } from './search-attributes';

export const invoicePaidSignal = defineSignal<[InvoicePaidSignal]>('invoicePaid');
export const invoicePaymentFailedSignal = defineSignal<[InvoicePaymentFailedSignal]>('invoicePaymentFailed');
export const subscriptionEndedSignal = defineSignal<[SubscriptionEndedSignal]>('subscriptionEnded');
export const billingStatusQuery = defineQuery<BillingPeriodState>('billingStatus');

const { recordBillingPeriod } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const { finalizeBillingPeriod } = proxyActivities<BillingActivities>({
  // One grouped read of a month of daily rollups and one row update.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});
// Issuing is idempotent by receipt key (period id + kind, + adjusted serial), so retrying for as long as it takes
// never makes a second receipt, serial or retirement.
const { issuePeriodReceipt, issueAdjustmentReceipts } = proxyActivities<ReceiptActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});
/** The PDF engineer's activity (activities/receipt-pdf.activities.ts); typed here so this file needs no import of it. */
interface PdfActivities { renderReceiptPdf(input: { receiptId: string }): Promise<{ objectKey: string } | { skipped: string }> }
const { renderReceiptPdf } = proxyActivities<PdfActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** A PDF that cannot be made after its retries is logged, never allowed to hold back or fail the receipt. */
async function renderPdfQuietly(receiptId: string): Promise<void> {
  try {
    await renderReceiptPdf({ receiptId });
  } catch (err) {
    log.warn('receipt PDF not rendered; the receipt stands', { receiptId, error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * `billing-period:{orgId}:{YYYY-MM}`: one run per paid period, never reused (REJECT_DUPLICATE at every start).
 * `open` → `invoicePaid` → `closing` → durable sleep until period end + grace (late usage still lands) →
 * finalize takes the totals → `closed`. `invoicePaymentFailed` makes an unpaid period `failed` (no receipt)
 * until a later `invoicePaid`. When the subscription ends, a paid period still closes normally; an unpaid one
 * waits for a payment until its close time and then ends `failed`. Signals are idempotent: Stripe redelivers,
 * and `invoice.paid` and `invoice.payment_succeeded` may both arrive.
 */
export async function billingPeriodWorkflow(input: BillingPeriodInput): Promise<BillingPeriodResult> {
  const closesAtMs = Date.parse(input.periodEnd) + input.graceSeconds * 1000;
  const closesAt = new Date(closesAtMs).toISOString();
  const { workflowId } = workflowInfo();
  let status: BillingPeriodStatus = 'open';
  let invoiceId: string | null = null;
  let paymentFailures = 0;
  let isSubscriptionEnded = false;
  let ignoredSignals = 0;
  const seenEvents = new Set<string>();

  /** A redelivered event (same Stripe event id) changes nothing and is not counted again. */
  const isRepeat = (eventId: string) => {
    if (seenEvents.has(eventId)) return true;
    seenEvents.add(eventId);
    return false;
  };
  const ignore = (why: string, details: Record<string, unknown>) => {
    ignoredSignals += 1;
    log.info(`billing period: signal ignored (${why})`, { workflowId, status, ...details });
  };

  setHandler(invoicePaidSignal, (signal) => {
    if (isRepeat(signal.eventId)) return;
    if (status === 'closing' || status === 'closed') {
      ignore(signal.invoiceId === invoiceId ? 'invoice already paid' : 'period already paid', { invoiceId: signal.invoiceId, paidInvoiceId: invoiceId });
      return;
    }
    invoiceId = signal.invoiceId;
    status = 'closing';
  });
  setHandler(invoicePaymentFailedSignal, (signal) => {
    if (isRepeat(signal.eventId)) return;
    // Payment is final for an invoice: a failure delivered after the payment is an older attempt, or another invoice.
    if (status === 'closing' || status === 'closed') {
      ignore('payment failed after the period was paid', { invoiceId: signal.invoiceId, attemptCount: signal.attemptCount });
      return;
    }
    paymentFailures += 1;
    invoiceId = signal.invoiceId;
    status = 'failed';
  });
  setHandler(subscriptionEndedSignal, (signal) => {
    if (isRepeat(signal.eventId)) return;
    isSubscriptionEnded = true;
  });
  setHandler(billingStatusQuery, (): BillingPeriodState => ({
    status, periodStart: input.periodStart, periodEnd: input.periodEnd,
    closesAt,
    invoiceId, paymentFailures, isSubscriptionEnded, ignoredSignals,
  }));

  // Handlers change `status` between awaits, which TypeScript's narrowing cannot see.
  const isPaid = () => status === 'closing';
  let persisted: BillingPeriodStatus | null = null;
  /** The search attribute and the `billing_periods` row follow the status the handlers set. */
  const publish = async () => {
    while (persisted !== status) {
      const next = status;
      upsertSearchAttributes([{ key: BillingStatusKey, value: next }]);
      await recordBillingPeriod({
        orgId: input.orgId, periodStart: input.periodStart, periodEnd: input.periodEnd, status: next, invoiceId, workflowId, receiptDueAt: closesAt,
      });
      persisted = next;
    }
  };

  // Until paid: mirror every change (open → failed → …), and stop waiting once the subscription has ended.
  for (;;) {
    await publish();
    if (isPaid()) break;
    if (isSubscriptionEnded) {
      // No payment yet and none will be asked for: a late one (paid out of band) still counts until the close time.
      const remaining = closesAtMs - Date.now();
      if (remaining <= 0) {
        status = 'failed';
        await publish();
        log.info('billing period ended unpaid', { workflowId, invoiceId });
        return { status, invoiceId, billingPeriodId: null };
      }
      await condition(() => status !== persisted, remaining);
      continue;
    }
    await condition(() => status !== persisted || isSubscriptionEnded);
  }

  // Durable: survives worker restarts and deploys; signals during the wait are duplicates and change nothing.
  const wait = closesAtMs - Date.now();
  if (wait > 0) await sleep(wait);

  const finalized = await finalizeBillingPeriod({ orgId: input.orgId, periodStart: input.periodStart, periodEnd: input.periodEnd });

  // Runs that were already past finalize when this shipped replay unchanged: they close without a receipt.
  if (patched('issue-period-receipt')) {
    const receipt = await issuePeriodReceipt({ billingPeriodId: finalized.billingPeriodId });
    await renderPdfQuietly(receipt.receiptId);
    const adjustments = await issueAdjustmentReceipts({ billingPeriodId: finalized.billingPeriodId });
    for (const adjustment of adjustments) await renderPdfQuietly(adjustment.receiptId);
  }

  status = 'closed';
  await publish();
  log.info('billing period closed', { workflowId, invoiceId, events: finalized.events });
  return { status, invoiceId, billingPeriodId: finalized.billingPeriodId };
}
