import { IdParams } from '../../../../contracts/common';
import { SyncAccepted } from '../../../../contracts/connections';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/connections/:id/sync',
  summary: 'Ask the poller to poll now (at most once per 5 minutes per connection)',
  tag: 'connections',
  auth: 'organization',
  access: 'member',
  params: IdParams,
  response: { status: 202, schema: SyncAccepted },
  errors: [404, 409],
  handler: async ({ auth, params, deps, req }) => {
    const { requestedAt } = await deps.services.connections.requestSync(auth.orgId, params.id, String(req.id));
    return { connectionId: params.id, status: 'sync_requested' as const, requestedAt: requestedAt.toISOString() };
  },
});
