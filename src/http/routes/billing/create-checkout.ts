import { BillingRedirect, CreateCheckoutRequest } from '../../../../contracts/billing';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/billing/checkout',
  summary: 'Start a Stripe Checkout for the pro or enterprise plan; 409 with details.portalUrl when a subscription exists',
  tag: 'billing',
  auth: 'organization',
  // Subscribing commits the organization to payments: a signed-in admin decides, never an API key.
  access: 'admin-session',
  body: CreateCheckoutRequest,
  response: { status: 200, schema: BillingRedirect },
  errors: [409, 502, 503],
  handler: async ({ auth, body, deps }) => deps.services.billing.createCheckout(auth.orgId, body.plan),
});
