import { PageQuery } from '../../../../contracts/common';
import { ProjectList } from '../../../../contracts/projects';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/projects',
  summary: "List the organization's projects, the default one included",
  tag: 'projects',
  auth: 'organization',
  access: 'member',
  query: PageQuery,
  response: { status: 200, schema: ProjectList },
  handler: async ({ auth, query, deps }) => deps.services.projects.list(auth.orgId, query.limit, query.cursor),
});
