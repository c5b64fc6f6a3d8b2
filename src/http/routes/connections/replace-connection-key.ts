import { IdParams } from '../../../../contracts/common';
import { Connection, ReplaceKeyRequest } from '../../../../contracts/connections';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'put',
  path: '/api/v1/connections/:id/key',
  summary: 'Replace the provider key (validated first); a failed connection resumes polling',
  tag: 'connections',
  auth: 'organization',
  access: 'admin',
  params: IdParams,
  body: ReplaceKeyRequest,
  response: { status: 200, schema: Connection },
  errors: [404, 409, 422, 502],
  handler: async ({ auth, params, body, deps, req }) => deps.services.connections.replaceKey(auth.orgId, params.id, body.apiKey, String(req.id)),
});
