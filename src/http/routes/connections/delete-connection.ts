import { IdParams } from '../../../../contracts/common';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'delete',
  path: '/api/v1/connections/:id',
  summary: 'Stop polling, delete the stored key and remove the connection; its usage history stays',
  tag: 'connections',
  auth: 'organization',
  access: 'admin',
  params: IdParams,
  response: { status: 204, description: 'Deleted' },
  errors: [404],
  handler: async ({ auth, params, deps, res }) => {
    await deps.services.connections.delete(auth.orgId, params.id);
    res.status(204).end();
    return undefined;
  },
});
