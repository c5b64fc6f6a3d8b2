import { PageQuery } from '../../../../contracts/common';
import { ApiKeyList } from '../../../../contracts/organizations';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/api-keys',
  summary: "List the organization's API keys (never their secrets)",
  tag: 'api-keys',
  auth: 'organization',
  access: 'member',
  query: PageQuery,
  response: { status: 200, schema: ApiKeyList },
  handler: async ({ auth, query, deps }) => deps.services.apiKeys.list(auth.orgId, query.limit, query.cursor),
});
