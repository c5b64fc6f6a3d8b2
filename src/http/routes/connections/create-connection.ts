import { Connection, CreateConnectionRequest } from '../../../../contracts/connections';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/connections',
  summary: 'Connect a provider account: the key is validated with the provider, stored in the secret store, and hourly polling starts',
  tag: 'connections',
  auth: 'organization',
  access: 'admin',
  body: CreateConnectionRequest,
  response: { status: 201, schema: Connection },
  errors: [404, 409, 422, 502, 503],
  handler: async ({ auth, body, deps, req }) => deps.services.connections.create(auth.orgId, body, String(req.id)),
});
