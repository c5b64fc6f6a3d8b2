import { PageQuery } from '../../../../contracts/common';
import { ConnectionList } from '../../../../contracts/connections';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/connections',
  summary: "List the organization's provider connections (deleted ones excluded)",
  tag: 'connections',
  auth: 'organization',
  access: 'member',
  query: PageQuery,
  response: { status: 200, schema: ConnectionList },
  handler: async ({ auth, query, deps }) => deps.services.connections.list(auth.orgId, query.limit, query.cursor),
});
