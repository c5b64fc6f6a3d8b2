import { IdParams } from '../../../../contracts/common';
import { Connection } from '../../../../contracts/connections';
import { toConnectionContract } from '../../../services/connections/connection.service';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/connections/:id',
  summary: 'A connection: status, key hint, last poll and success, consecutive failures, last error, cursor',
  tag: 'connections',
  auth: 'organization',
  access: 'member',
  params: IdParams,
  response: { status: 200, schema: Connection },
  errors: [404],
  handler: async ({ auth, params, deps }) => toConnectionContract(await deps.services.connections.get(auth.orgId, params.id)),
});
