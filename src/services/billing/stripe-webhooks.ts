import Stripe from 'stripe';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Plan } from '../../db/entities/organization.entity';
import { AppError } from '../../errors';
import type { StripeClient } from '../../integrations/stripe';
import type { BillingPeriodWorkflows, PeriodSignalOutcome } from './billing-period-workflows';

/** Stripe's own default, applied in both directions: stripe-node checks only the age (a future `t` passes). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Statuses that keep the paid plan: until Stripe says the subscription ended, the customer keeps what they paid for. */
const PAID_ACCESS = new Set(['active', 'trialing', 'past_due']);
const SUBSCRIPTION_EVENTS = new Set(['checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted']);
const PAID_EVENTS = new Set(['invoice.paid', 'invoice.payment_succeeded']);

type Json = Record<string, any>;
const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Json).id === 'string' ? (v as Json).id : null);
const isUuid = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

export interface StripeWebhookDeps {
  dataSource: DataSource;
  stripe: StripeClient | null;
  webhookSecret?: string;
  prices: { pro?: string; enterprise?: string };
  periods: BillingPeriodWorkflows;
  logger: Logger;
  now?: () => Date;
}

const badSignature = (why: string) => new AppError('VALIDATION_FAILED', `Stripe-Signature rejected: ${why}`, { field: 'headers.stripe-signature' });

/**
 * `POST /webhooks/stripe`: verifies, deduplicates by event id, and turns events into state. Payloads are
 * notifications only: subscription state is re-read from Stripe every time, so any order of the same events ends
 * the same; payments become signals to the period's workflow, which does the long work.
 */
export class StripeWebhookService {
  constructor(private readonly deps: StripeWebhookDeps) {}

  private configured(): { stripe: StripeClient; secret: string } {
    if (!this.deps.stripe || !this.deps.webhookSecret) throw new AppError('BILLING_NOT_CONFIGURED', 'billing webhooks are not configured on this server (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)');
    return { stripe: this.deps.stripe, secret: this.deps.webhookSecret };
  }

  /** The event, if the raw body carries a valid signature made within 300 s either side of now; else 400. */
  verify(rawBody: Buffer, header: string | string[] | undefined): Stripe.Event {
    const { secret } = this.configured();
    if (typeof header !== 'string' || header.length === 0) throw badSignature('missing');
    const nowMs = (this.deps.now ?? (() => new Date()))().getTime();
    const timestamps = header.split(',').filter((p) => p.startsWith('t=')).map((p) => Number(p.slice(2)));
    if (timestamps.length !== 1 || !Number.isSafeInteger(timestamps[0])) throw badSignature('malformed');
    // stripe-node rejects only an old `t`; a future one would let a captured signature be replayed later on.
    if (timestamps[0] > Math.floor(nowMs / 1000) + SIGNATURE_TOLERANCE_SECONDS) throw badSignature('timestamp outside the tolerance');
    try {
      return Stripe.webhooks.constructEvent(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowMs);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) throw badSignature(/tolerance/i.test(err.message) ? 'timestamp outside the tolerance' : 'no matching signature');
      throw badSignature('malformed');
    }
  }

  /** Processes a verified event once: a redelivery of a processed event does nothing; a half-done one runs again. */
  async handle(event: Stripe.Event): Promise<string> {
    const object = event.data.object as Json;
    const objectId = idOf(object);
    await this.deps.dataSource.query(
      `INSERT INTO stripe_events (event_id, type, object_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.type, objectId],
    );
    const [row] = await this.deps.dataSource.query(`SELECT processed_at, outcome FROM stripe_events WHERE event_id = $1`, [event.id]);
    if (row?.processed_at) return 'duplicate';
    const outcome = await this.process(event, object);
    await this.deps.dataSource.query(`UPDATE stripe_events SET processed_at = now(), outcome = $2 WHERE event_id = $1`, [event.id, outcome]);
    return outcome;
  }

  private async process(event: Stripe.Event, object: Json): Promise<string> {
    if (SUBSCRIPTION_EVENTS.has(event.type)) {
      const subscriptionId = event.type === 'checkout.session.completed' ? idOf(object.subscription) : idOf(object);
      if (!subscriptionId) return 'ignored: no subscription';
      const hint = event.type === 'checkout.session.completed' ? (object.metadata?.org_id ?? object.client_reference_id) : undefined;
      return this.syncSubscription(event, subscriptionId, hint);
    }
    if (PAID_EVENTS.has(event.type) || event.type === 'invoice.payment_failed') return this.invoiceEvent(event, object);
    return 'ignored: unhandled type';
  }

  private async findOrg(candidates: unknown[], customerId: string | null): Promise<string | null> {
    for (const id of candidates) {
      if (!isUuid(id)) continue;
      const [org] = await this.deps.dataSource.query(`SELECT id FROM organizations WHERE id = $1`, [id]);
      if (org) return org.id;
    }
    if (!customerId) return null;
    const [org] = await this.deps.dataSource.query(`SELECT id FROM organizations WHERE stripe_customer_id = $1`, [customerId]);
    return org?.id ?? null;
  }

  private planOf(subscription: Stripe.Subscription): Plan {
    if (!PAID_ACCESS.has(subscription.status)) return 'free';
    const prices = subscription.items.data.map((item) => item.price.id);
    if (this.deps.prices.enterprise && prices.includes(this.deps.prices.enterprise)) return 'enterprise';
    if (this.deps.prices.pro && prices.includes(this.deps.prices.pro)) return 'pro';
    this.deps.logger.warn({ subscriptionId: subscription.id, prices }, 'stripe webhook: a live subscription with no known price id; plan left free');
    return 'free';
  }

  /** Sets the organization's plan, status and current period from what Stripe says about the subscription now. */
  private async syncSubscription(event: Stripe.Event, subscriptionId: string, orgHint: unknown): Promise<string> {
    const { stripe } = this.configured();
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    const customerId = idOf(subscription.customer);
    const orgId = await this.findOrg([subscription.metadata?.org_id, orgHint], customerId);
    if (!orgId) {
      this.deps.logger.warn({ eventId: event.id, type: event.type, subscriptionId, customerId }, 'stripe webhook for an unknown customer: ignored');
      return 'ignored: unknown customer';
    }
    const item = subscription.items.data[0];
    const isLive = subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired';
    const [[updated]] = await this.deps.dataSource.query(
      `UPDATE organizations SET plan = $3, subscription_status = $4, current_period_start = $5, current_period_end = $6,
              stripe_subscription_id = $2, stripe_customer_id = COALESCE(stripe_customer_id, $7), updated_at = now()
        WHERE id = $1 AND (stripe_subscription_id IS NULL OR stripe_subscription_id = $2 OR $8)
        RETURNING id`,
      [orgId, subscription.id, this.planOf(subscription), subscription.status,
        item ? new Date(item.current_period_start * 1000) : null, item ? new Date(item.current_period_end * 1000) : null, customerId, isLive],
    );
    // An ended subscription that is no longer the organization's (it subscribed again since) changes nothing.
    if (!updated) return 'ignored: not the current subscription';
    if (subscription.status === 'canceled') {
      const told = await this.deps.periods.subscriptionEnded(this.deps.dataSource, orgId, event.id);
      return `subscription synced (${subscription.status}); ${told} unpaid period(s) told`;
    }
    return `subscription synced (${subscription.status})`;
  }

  private async invoiceEvent(event: Stripe.Event, invoice: Json): Promise<string> {
    const subscriptionDetails = invoice.parent?.subscription_details;
    if (!subscriptionDetails?.subscription) return 'ignored: not a subscription invoice';
    const orgId = await this.findOrg([subscriptionDetails.metadata?.org_id], idOf(invoice.customer));
    if (!orgId) {
      this.deps.logger.warn({ eventId: event.id, type: event.type, invoiceId: invoice.id, customerId: idOf(invoice.customer) }, 'stripe webhook for an unknown customer: ignored');
      return 'ignored: unknown customer';
    }
    // The service period is on the line, not the invoice (period_start/end there is the item-collection window).
    const lines: Json[] = invoice.lines?.data ?? [];
    const line = lines.find((l) => l.period && !l.parent?.subscription_item_details?.proration) ?? lines.find((l) => l.period);
    if (!line) return 'ignored: invoice without a period';
    const period = { start: Number(line.period.start), end: Number(line.period.end) };

    let outcome: PeriodSignalOutcome;
    if (PAID_EVENTS.has(event.type)) {
      // invoice.paid and invoice.payment_succeeded describe one payment: the first one processed signals.
      const [earlier] = await this.deps.dataSource.query(
        `SELECT event_id, type FROM stripe_events WHERE object_id = $1 AND type IN ('invoice.paid', 'invoice.payment_succeeded') AND event_id <> $2 AND processed_at IS NOT NULL LIMIT 1`,
        [invoice.id, event.id],
      );
      if (earlier) return `duplicate of ${earlier.type} ${earlier.event_id}`;
      const paidAt = invoice.status_transitions?.paid_at;
      outcome = await this.deps.periods.invoicePaid(orgId, period, { invoiceId: invoice.id, eventId: event.id, paidAt: paidAt ? new Date(paidAt * 1000).toISOString() : null });
    } else {
      outcome = await this.deps.periods.invoicePaymentFailed(orgId, period, { invoiceId: invoice.id, eventId: event.id, attemptCount: Number(invoice.attempt_count ?? 0) });
    }
    if (outcome === 'period-closed') {
      this.deps.logger.warn({ eventId: event.id, type: event.type, invoiceId: invoice.id, orgId, period }, 'stripe webhook for a billing period already closed: recorded, ignored');
      return 'ignored: period closed';
    }
    return 'signalled';
  }
}
