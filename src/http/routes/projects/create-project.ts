import { CreateProjectRequest, Project } from '../../../../contracts/projects';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/projects',
  summary: 'Create a project; the slug is derived from the name when omitted (`research`, then `research-2`)',
  tag: 'projects',
  auth: 'organization',
  access: 'admin',
  body: CreateProjectRequest,
  response: { status: 201, schema: Project },
  errors: [409],
  handler: async ({ auth, body, deps }) => deps.services.projects.create(auth.orgId, body),
});
