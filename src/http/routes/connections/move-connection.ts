import { IdParams } from '../../../../contracts/common';
import { Connection, MoveConnectionRequest } from '../../../../contracts/connections';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'put',
  path: '/api/v1/connections/:id/project',
  summary: 'Move a connection to another project of the organization (new usage is attributed to it)',
  tag: 'connections',
  auth: 'organization',
  access: 'admin',
  params: IdParams,
  body: MoveConnectionRequest,
  response: { status: 200, schema: Connection },
  errors: [404],
  handler: async ({ auth, params, body, deps }) => deps.services.connections.moveToProject(auth.orgId, params.id, body.projectId),
});
