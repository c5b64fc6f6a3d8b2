import { IdParams } from '../../../../contracts/common';
import { Project } from '../../../../contracts/projects';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/projects/:id',
  summary: 'A project: name, slug, whether it is the default, and how many connections it has',
  tag: 'projects',
  auth: 'organization',
  access: 'member',
  params: IdParams,
  response: { status: 200, schema: Project },
  errors: [404],
  handler: async ({ auth, params, deps }) => deps.services.projects.get(auth.orgId, params.id),
});
