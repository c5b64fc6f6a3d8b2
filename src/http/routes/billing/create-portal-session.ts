import { BillingRedirect } from '../../../../contracts/billing';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/billing/portal',
  summary: 'A Stripe customer portal session: change plan, payment method or cancel; 404 before the first checkout',
  tag: 'billing',
  auth: 'organization',
  access: 'admin-session',
  response: { status: 200, schema: BillingRedirect },
  errors: [404, 502, 503],
  handler: async ({ auth, deps }) => deps.services.billing.createPortal(auth.orgId),
});
