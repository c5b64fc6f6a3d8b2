import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config';
import { AppError } from '../../errors';

/** What a route needs of the organization's plan (ARCHITECTURE §8): `paid` is pro or enterprise. */
export type RoutePlan = 'paid';

export const PLAN_DESCRIPTIONS: Record<RoutePlan, string> = {
  paid: 'a paid plan (pro or enterprise); a free organization gets 403 PLAN_REQUIRED with details.upgradeUrl',
};

/**
 * Where a free organization is sent to upgrade: the dashboard's billing page (BILLING_CANCEL_URL, also Checkout's
 * way back), else the API's checkout endpoint.
 */
export function upgradeUrl(config: Pick<Config, 'billing' | 'publicBaseUrl'>): string {
  return config.billing.cancelUrl ?? `${config.publicBaseUrl?.replace(/\/$/, '') ?? ''}/api/v1/billing/checkout`;
}

/**
 * Runs after the role check, before parsing. The plan is the one on the organization row, which only the Stripe
 * webhook changes: a downgrade or cancellation takes effect when Stripe says the subscription ended.
 */
export function requirePlan(plan: RoutePlan, config: Pick<Config, 'billing' | 'publicBaseUrl'>): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (plan === 'paid' && req.auth!.org.plan === 'free') {
      throw new AppError('PLAN_REQUIRED', 'this endpoint needs the pro or enterprise plan; upgrade at details.upgradeUrl', { details: { upgradeUrl: upgradeUrl(config) } });
    }
    next();
  };
}
