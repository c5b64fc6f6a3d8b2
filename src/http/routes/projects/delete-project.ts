import { IdParams } from '../../../../contracts/common';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'delete',
  path: '/api/v1/projects/:id',
  summary: 'Delete a project; refused (409) for the default project, a project with connections, or one with usage history',
  tag: 'projects',
  auth: 'organization',
  access: 'admin',
  params: IdParams,
  response: { status: 204, description: 'Deleted' },
  errors: [404, 409],
  handler: async ({ auth, params, deps, res }) => {
    await deps.services.projects.delete(auth.orgId, params.id);
    res.status(204).end();
    return undefined;
  },
});
