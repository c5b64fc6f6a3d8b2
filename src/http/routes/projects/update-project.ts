import { IdParams } from '../../../../contracts/common';
import { Project, UpdateProjectRequest } from '../../../../contracts/projects';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'patch',
  path: '/api/v1/projects/:id',
  summary: 'Rename a project, change its slug, or make it the default (the previous default loses the flag atomically)',
  tag: 'projects',
  auth: 'organization',
  access: 'admin',
  params: IdParams,
  body: UpdateProjectRequest,
  response: { status: 200, schema: Project },
  errors: [404, 409],
  handler: async ({ auth, params, body, deps }) => deps.services.projects.update(auth.orgId, params.id, body),
});
