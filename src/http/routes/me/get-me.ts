import { MeResponse } from '../../../../contracts/organizations';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/me',
  summary: 'The caller, its organization and plan',
  tag: 'organization',
  auth: 'organization',
  access: 'member',
  response: { status: 200, schema: MeResponse },
  handler: async ({ auth }): Promise<MeResponse> => ({
    organization: { id: auth.org.id, clerkOrgId: auth.org.clerkOrgId, name: auth.org.name, plan: auth.org.plan, createdAt: auth.org.createdAt.toISOString() },
    caller: auth.caller,
  }),
});
