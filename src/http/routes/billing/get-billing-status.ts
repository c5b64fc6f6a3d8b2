import { BillingStatusResponse } from '../../../../contracts/billing';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/billing/status',
  summary: 'Plan, subscription status, current period and billing periods (newest first)',
  tag: 'billing',
  auth: 'organization',
  access: 'member',
  response: { status: 200, schema: BillingStatusResponse },
  errors: [503],
  handler: async ({ auth, deps }) => deps.services.billing.getStatus(auth.orgId),
});
