import Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import type { BillingRedirect, BillingStatusResponse, PaidPlan, SubscriptionStatus } from '../../../contracts/billing';
import type { Config } from '../../config';
import { BillingPeriodEntity, OrganizationEntity } from '../../db/entities';
import { AppError, notFound } from '../../errors';
import { isStripeOutage, type StripeClient } from '../../integrations/stripe';

/** Statuses of a subscription that still exists for Stripe: a second one would bill the organization twice. */
const LIVE_STATUSES = new Set<string>(['active', 'trialing', 'past_due', 'unpaid', 'paused', 'incomplete']);

/** 00:00 UTC on the 1st of the month after `now`: every subscription renews there (calendar-month periods). */
export function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/**
 * Stripe down, slow or rate limiting us (after stripe-node's own retries) is an outage the client may retry (502);
 * anything else (a bad key, a wrong price id) is our configuration and stays a 500 with the details in the log.
 */
function stripeOutage(err: unknown): unknown {
  return isStripeOutage(err) ? new AppError('PROVIDER_UNREACHABLE', 'Stripe could not be reached; retry in a moment') : err;
}

export interface BillingServiceDeps {
  dataSource: DataSource;
  stripe: StripeClient | null;
  config: Pick<Config, 'stripe' | 'billing'>;
  now: () => Date;
}

/** Checkout, the customer portal and the billing status of an organization. Plans change only through webhooks. */
export class BillingService {
  constructor(private readonly deps: BillingServiceDeps) {}

  async createCheckout(orgId: string, plan: PaidPlan): Promise<BillingRedirect> {
    return this.startCheckout(orgId, plan).catch((err) => { throw stripeOutage(err); });
  }

  async createPortal(orgId: string): Promise<BillingRedirect> {
    const { stripe } = this.configured();
    const org = await this.organization(orgId);
    if (!org.stripeCustomerId) throw new AppError('NOT_FOUND', 'this organization has no billing account yet: subscribe through POST /api/v1/billing/checkout first');
    const portal = await this.portalSession(stripe, org.stripeCustomerId).catch((err) => { throw stripeOutage(err); });
    return { url: portal.url };
  }

  private async startCheckout(orgId: string, plan: PaidPlan): Promise<BillingRedirect> {
    const { stripe, prices, billing } = this.configured();
    const org = await this.organization(orgId);
    if (org.stripeCustomerId && (await this.hasLiveSubscription(stripe, org.stripeCustomerId))) {
      const portal = await this.portalSession(stripe, org.stripeCustomerId);
      throw new AppError('CONFLICT', 'this organization already has a subscription: change or cancel it in the billing portal (details.portalUrl)', { details: { portalUrl: portal.url } });
    }
    const customer = org.stripeCustomerId ?? (await this.createCustomer(stripe, org));
    const now = this.deps.now();
    const anchor = nextMonthStart(now);
    const day = now.toISOString().slice(0, 10);
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        customer,
        line_items: [{ price: prices[plan], quantity: 1 }],
        success_url: billing.successUrl,
        cancel_url: billing.cancelUrl,
        client_reference_id: org.id,
        metadata: { org_id: org.id, plan },
        subscription_data: {
          metadata: { org_id: org.id, plan },
          // Periods follow calendar months (receipts, serials and audit packs share them); the first, partial
          // month up to the anchor is prorated.
          billing_cycle_anchor: Math.floor(anchor.getTime() / 1000),
          proration_behavior: 'create_prorations',
        },
      },
      // A repeated click the same day gets the same session; the day also fixes the anchor, so the parameters
      // under one key never differ.
      { idempotencyKey: `carbonplan:checkout:${org.id}:${plan}:${day}` },
    );
    if (!session.url) throw new AppError('CONFLICT', 'a checkout for this plan was already completed today: reload the billing status');
    return { url: session.url };
  }

  async getStatus(orgId: string): Promise<BillingStatusResponse> {
    this.configured();
    return this.readStatus(orgId);
  }

  /** Whether this server has the Stripe settings checkout and the portal need. */
  isConfigured(): boolean {
    try {
      this.configured();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The status from our own rows only (plan, periods, next receipt due), with no Stripe call: what the dashboard
   * shows, also on a server without billing settings (the embedded demo closes its periods without Stripe).
   */
  async readStatus(orgId: string): Promise<BillingStatusResponse> {
    const org = await this.organization(orgId);
    const graceMs = this.deps.config.billing.receiptGraceSeconds * 1000;
    const rows = await this.deps.dataSource.getRepository(BillingPeriodEntity).find({ where: { orgId }, order: { periodStart: 'DESC' } });
    const periods = rows.map((p) => ({
      id: p.id,
      periodStart: p.periodStart.toISOString(),
      periodEnd: p.periodEnd.toISOString(),
      status: p.status,
      // The workflow takes the totals at period end + grace (RECEIPT_GRACE_SECONDS), the same sum computed here.
      receiptDueAt: new Date(p.periodEnd.getTime() + graceMs).toISOString(),
    }));
    const isLive = !!org.subscriptionStatus && LIVE_STATUSES.has(org.subscriptionStatus);
    const pending = periods.filter((p) => p.status === 'open' || p.status === 'closing').map((p) => p.receiptDueAt).sort();
    const current = org.currentPeriodStart && org.currentPeriodEnd ? { start: org.currentPeriodStart.toISOString(), end: org.currentPeriodEnd.toISOString() } : null;
    const nextFromCurrent = isLive && org.currentPeriodEnd ? new Date(org.currentPeriodEnd.getTime() + graceMs).toISOString() : null;
    return {
      plan: org.plan,
      subscriptionStatus: (org.subscriptionStatus as SubscriptionStatus | null) ?? null,
      currentPeriod: isLive ? current : null,
      periods,
      nextReceiptDueAt: pending[0] ?? nextFromCurrent,
    };
  }

  private configured() {
    const { stripe } = this.deps;
    const { prices } = this.deps.config.stripe;
    const { successUrl, cancelUrl } = this.deps.config.billing;
    if (!stripe || !prices.pro || !prices.enterprise || !successUrl || !cancelUrl) {
      throw new AppError('BILLING_NOT_CONFIGURED', 'billing is not configured on this server: its operator sets STRIPE_SECRET_KEY, the price ids and the return URLs (README, Billing); everything else works without them');
    }
    return { stripe, prices: { pro: prices.pro, enterprise: prices.enterprise }, billing: { successUrl, cancelUrl } };
  }

  private async organization(orgId: string): Promise<OrganizationEntity> {
    const org = await this.deps.dataSource.getRepository(OrganizationEntity).findOneBy({ id: orgId });
    if (!org) throw notFound('organization');
    return org;
  }

  /** Asks Stripe, not our row: the webhook that records a new subscription may not have arrived yet. */
  private async hasLiveSubscription(stripe: Stripe, customer: string): Promise<boolean> {
    const subscriptions = await stripe.subscriptions.list({ customer, status: 'all', limit: 100 });
    return subscriptions.data.some((s) => LIVE_STATUSES.has(s.status));
  }

  /**
   * One Stripe customer per organization, ever: the idempotency key makes concurrent first checkouts create one,
   * and the row keeps the first id stored.
   */
  private async createCustomer(stripe: Stripe, org: OrganizationEntity): Promise<string> {
    const customer = await stripe.customers.create(
      { name: org.name, metadata: { org_id: org.id, clerk_org_id: org.clerkOrgId } },
      { idempotencyKey: `carbonplan:customer:${org.id}` },
    );
    const [[stored]] = await this.deps.dataSource.query(
      `UPDATE organizations SET stripe_customer_id = COALESCE(stripe_customer_id, $2), updated_at = now() WHERE id = $1 RETURNING stripe_customer_id`,
      [org.id, customer.id],
    );
    return stored.stripe_customer_id as string;
  }

  private portalSession(stripe: Stripe, customer: string): Promise<Stripe.BillingPortal.Session> {
    return stripe.billingPortal.sessions.create({ customer, return_url: this.deps.config.billing.cancelUrl });
  }
}
