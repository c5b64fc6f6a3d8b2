import { formatDay, formatInstant, formatRelative, lastDayOf } from '../format';
import type { PageContext } from './page-context';

const PLAN_NAMES: Record<string, string> = { free: 'Free', pro: 'Pro', enterprise: 'Enterprise' };

/** The upgrade button: who may press it (checkout is for org:admin sessions, as POST /api/v1/billing/checkout). */
export function upgradeView(ctx: PageContext): { canUpgrade: boolean; why: string } {
  const { caller } = ctx.session.auth;
  if (caller.role !== 'org:admin') return { canUpgrade: false, why: `Only an organization admin can change the plan; your role is ${caller.role}.` };
  return { canUpgrade: true, why: '' };
}

/** `/billing`: plan, subscription, current period, the next receipt's due date and every billing period. */
export async function billingView(ctx: PageContext) {
  const status = await ctx.services.billing.readStatus(ctx.orgId);
  const isPaid = status.plan !== 'free';
  const isConfigured = ctx.services.billing.isConfigured();
  return {
    isPaid,
    planName: PLAN_NAMES[status.plan] ?? status.plan,
    subscriptionText: status.subscriptionStatus
      ? `Subscription ${status.subscriptionStatus.replace(/_/g, ' ')}`
      : isConfigured ? (isPaid ? 'No Stripe subscription on record' : 'No subscription') : 'Billing is not configured on this server (no Stripe settings)',
    currentPeriod: status.currentPeriod ? `${formatDay(status.currentPeriod.start)} – ${formatDay(lastDayOf(status.currentPeriod.end))}` : null,
    nextReceiptDue: status.nextReceiptDueAt ? formatInstant(status.nextReceiptDueAt) : null,
    nextReceiptRelative: status.nextReceiptDueAt ? formatRelative(status.nextReceiptDueAt, ctx.now) : null,
    canManage: isConfigured && ctx.session.auth.caller.role === 'org:admin',
    upgrade: upgradeView(ctx),
    periods: status.periods.map((p) => ({
      period: `${formatDay(p.periodStart)} – ${formatDay(lastDayOf(p.periodEnd))}`,
      status: p.status,
      receiptDue: formatInstant(p.receiptDueAt),
    })),
  };
}
