/**
 * The Stripe fake's state and how it renders as API objects, in the endive shapes of reference/stripe.md §2.5-2.6:
 * periods live on the subscription item (`items.data[].current_period_start/end`), an invoice names its
 * subscription under `parent.subscription_details` and its service period on `lines.data[].period`.
 */
export interface PriceSpec { id: string; amount: number; product: string; lookupKey: string }

export interface FakeSubscription {
  id: string;
  itemId: string;
  customer: string;
  status: string;
  price: string;
  created: number;
  billingCycleAnchor: number;
  periodStart: number;
  periodEnd: number;
  metadata: Record<string, string>;
  cancelAtPeriodEnd: boolean;
  canceledAt: number | null;
  endedAt: number | null;
  latestInvoice: string | null;
}

export interface FakeInvoice {
  id: string;
  subscription: string;
  customer: string;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  created: number;
  billingReason: string;
  amount: number;
  /** The service period, on the invoice line (not the invoice's own period_start/end). */
  linePeriod: { start: number; end: number };
  attemptCount: number;
  paidAt: number | null;
  nextPaymentAttempt?: number | null;
  /** Frozen from the subscription when the invoice was made (parent.subscription_details.metadata). */
  metadata: Record<string, string>;
}

/** The same day and time one calendar month later, in UTC (clamped to the month's last day). */
export function addMonth(unixSeconds: number): number {
  const d = new Date(unixSeconds * 1000);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 0)).getUTCDate();
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
}

function priceObject(price: PriceSpec) {
  return {
    id: price.id, object: 'price', active: true, currency: 'usd', unit_amount: price.amount, unit_amount_decimal: String(price.amount),
    product: price.product, lookup_key: price.lookupKey, type: 'recurring', billing_scheme: 'per_unit', livemode: false, metadata: {}, nickname: null,
    recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed', meter: null, trial_period_days: null },
    tax_behavior: 'unspecified', created: 1_790_000_000,
  };
}

export function subscriptionObject(sub: FakeSubscription, price: PriceSpec) {
  return {
    id: sub.id, object: 'subscription', status: sub.status, customer: sub.customer, created: sub.created, start_date: sub.created,
    billing_cycle_anchor: sub.billingCycleAnchor, currency: 'usd', collection_method: 'charge_automatically',
    cancel_at_period_end: sub.cancelAtPeriodEnd, cancel_at: sub.cancelAtPeriodEnd ? sub.periodEnd : null, canceled_at: sub.canceledAt, ended_at: sub.endedAt,
    cancellation_details: { comment: null, feedback: null, reason: sub.canceledAt ? 'cancellation_requested' : null },
    trial_start: null, trial_end: null, latest_invoice: sub.latestInvoice, default_payment_method: 'pm_fake_card', description: null, discounts: [],
    livemode: false, metadata: { ...sub.metadata }, pause_collection: null, schedule: null, test_clock: null,
    items: {
      object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${sub.id}`,
      data: [{
        id: sub.itemId, object: 'subscription_item', subscription: sub.id, created: sub.created, quantity: 1, metadata: {}, discounts: [], tax_rates: [],
        current_period_start: sub.periodStart, current_period_end: sub.periodEnd, price: priceObject(price),
      }],
    },
  };
}

export function invoiceObject(inv: FakeInvoice, sub: FakeSubscription, price: PriceSpec) {
  const isPaid = inv.status === 'paid';
  return {
    id: inv.id, object: 'invoice', status: inv.status, billing_reason: inv.billingReason, customer: inv.customer, customer_email: null, currency: 'usd',
    collection_method: 'charge_automatically', created: inv.created,
    // The window invoice items could attach to (for a renewal, the period just ended): never the service period.
    period_start: inv.billingReason === 'subscription_cycle' ? inv.created - (inv.linePeriod.end - inv.linePeriod.start) : inv.created,
    period_end: inv.created,
    number: inv.status === 'draft' ? null : `FAKE-${inv.id.slice(-6).toUpperCase()}`,
    amount_due: inv.amount, amount_paid: isPaid ? inv.amount : 0, amount_remaining: isPaid ? 0 : inv.amount, subtotal: inv.amount, total: inv.amount,
    attempt_count: inv.attemptCount, attempted: inv.status !== 'draft', next_payment_attempt: inv.nextPaymentAttempt ?? null, auto_advance: !isPaid,
    livemode: false, metadata: {}, hosted_invoice_url: `https://invoice.stripe.com/i/acct_fake/test_${inv.id}`, invoice_pdf: `https://pay.stripe.com/invoice/acct_fake/test_${inv.id}/pdf`,
    status_transitions: { finalized_at: inv.status === 'draft' ? null : inv.created, paid_at: inv.paidAt, marked_uncollectible_at: null, voided_at: null },
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: sub.id, metadata: { ...inv.metadata } } },
    lines: {
      object: 'list', has_more: false, url: `/v1/invoices/${inv.id}/lines`,
      data: [{
        id: `il_${inv.id.slice(3)}`, object: 'line_item', invoice: inv.id, amount: inv.amount, subtotal: inv.amount, currency: 'usd',
        description: `1 × ${price.product} (at $${(price.amount / 100).toFixed(2)} / month)`, quantity: 1, period: { ...inv.linePeriod }, subscription: sub.id,
        pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.amount) },
        parent: {
          type: 'subscription_item_details', invoice_item_details: null,
          subscription_item_details: { subscription: sub.id, subscription_item: sub.itemId, invoice_item: null, proration: inv.billingReason === 'subscription_create', proration_details: { credited_items: null } },
        },
        discount_amounts: [], discountable: true, discounts: [], livemode: false, metadata: {}, taxes: [],
      }],
    },
  };
}
