import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';
import { Plan } from './organizations';

export const PaidPlan = z.enum(['pro', 'enterprise']);
export type PaidPlan = z.infer<typeof PaidPlan>;

export const CreateCheckoutRequest = z.object({ plan: PaidPlan }).strict();
export type CreateCheckoutRequest = z.infer<typeof CreateCheckoutRequest>;

export const BillingRedirect = z.object({ url: z.url().describe('send the browser here (Stripe Checkout or the customer portal)') });
export type BillingRedirect = z.infer<typeof BillingRedirect>;

/** Stripe's subscription statuses (reference/stripe.md §2.5). */
export const SubscriptionStatus = z.enum(['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused']);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

export const BillingPeriodStatus = z.enum(['open', 'closing', 'closed', 'failed']);

export const BillingPeriodSummary = z.object({
  id: Uuid,
  periodStart: IsoDateTime,
  periodEnd: IsoDateTime,
  status: BillingPeriodStatus,
  receiptDueAt: IsoDateTime.describe('period end plus the grace for late usage: when the period\'s totals are taken'),
});
export type BillingPeriodSummary = z.infer<typeof BillingPeriodSummary>;

export const BillingStatusResponse = z.object({
  plan: Plan,
  subscriptionStatus: SubscriptionStatus.nullable().describe('as Stripe last reported it; null before the first subscription'),
  currentPeriod: z.object({ start: IsoDateTime, end: IsoDateTime }).nullable(),
  periods: z.array(BillingPeriodSummary).describe('newest first'),
  nextReceiptDueAt: IsoDateTime.nullable(),
});
export type BillingStatusResponse = z.infer<typeof BillingStatusResponse>;

/**
 * What POST /webhooks/stripe reads of the body: a Stripe event (reference/stripe.md). Trust comes from the
 * Stripe-Signature over the raw bytes; the objects are re-read from Stripe, never taken from the payload.
 */
export const StripeWebhookEvent = z.object({
  id: z.string().describe('evt_…'),
  type: z.string().describe('e.g. customer.subscription.updated, invoice.paid'),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
}).loose();
export type StripeWebhookEvent = z.infer<typeof StripeWebhookEvent>;

export const StripeWebhookHeaders = z.object({
  'Stripe-Signature': z.string().describe('t=<unix seconds>,v1=<HMAC-SHA256 of "t.body" under the endpoint secret>'),
});

export const StripeWebhookReceived = z.object({
  received: z.literal(true),
  eventId: z.string(),
  outcome: z.string().describe('what processing did (a redelivery of a processed event says so)'),
});
export type StripeWebhookReceived = z.infer<typeof StripeWebhookReceived>;
