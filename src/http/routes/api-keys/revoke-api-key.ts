import { IdParams } from '../../../../contracts/common';
import { ApiKey } from '../../../../contracts/organizations';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'delete',
  path: '/api/v1/api-keys/:id',
  summary: 'Revoke an API key; it stops working at once',
  tag: 'api-keys',
  auth: 'organization',
  access: 'admin-session',
  params: IdParams,
  response: { status: 200, schema: ApiKey },
  errors: [404],
  handler: async ({ auth, params, deps }) => deps.services.apiKeys.revoke(auth.orgId, params.id),
});
